"""Turn the ``gemtui ask`` command line (and stdin) into what the request is made of.

Standard library only: every usage error is found here, before httpx or pydantic are imported,
so a mistyped command fails in the time it takes Python to start.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gemtui.core.attachments import Attachment, AttachmentError, check_total
from gemtui.core.attachments import load as load_attachment
from gemtui.core.json_files import JsonFileError, read_json, read_json_schema
from gemtui.core.templates import TemplateError, run_template, templates_dir
from gemtui.headless.exits import UsageError

#: Built-in tools ``--tool`` can switch on (those that need no configuration).
BUILTIN_TOOLS = ("google_search", "code_execution", "url_context")
OUTPUT_FORMATS = ("text", "json", "stream-json")
#: The characters of an interaction id (opaque, but never with spaces or punctuation).
_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class AskRequest:
    """One question, fully read and checked; nothing in it needs the network yet."""

    prompt: str
    #: Text piped on stdin when a prompt argument is given too: sent first, as context.
    context: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    agent: str | None = None
    system: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    response_format: dict[str, Any] | None = None
    store: bool = True
    background: bool = False
    previous_id: str | None = None
    #: Whether ``previous_id`` was typed (rather than read from the last-interaction file).
    previous_id_given: bool = False

    @property
    def content_items(self) -> list[dict[str, Any]]:
        """What goes before the prompt in the ``user_input`` step: attachments, then context."""
        items = list(self.attachments)
        if self.context:
            items.append({"type": "text", "text": self.context})
        return items


def split_continue(args: argparse.Namespace) -> None:
    """Untangle ``gemtui ask --continue "a question"``.

    ``--continue`` takes an optional id, so argparse gives it the prompt that follows. When no
    other prompt was given and the value cannot be an id (spaces, punctuation), it is the prompt.
    """
    value = args.continue_id
    if value and args.prompt is None and not _ID_SHAPE.fullmatch(value):
        args.prompt, args.continue_id = value, ""


def check_combinations(args: argparse.Namespace) -> None:
    """Flags that contradict each other or the API (``store: false`` keeps nothing to chain)."""
    streamed = args.output_format == "stream-json"
    if args.wait is not None:
        if args.prompt is not None or args.background or args.continue_id is not None:
            raise UsageError(
                "--wait fetches an existing interaction: give no prompt, --background or "
                "--continue with it."
            )
        if streamed:
            raise UsageError("--wait prints text or json; stream-json needs a streamed request.")
        return
    if args.background and streamed:
        raise UsageError("--background prints an id; use --output-format text or json with it.")
    if args.no_store and args.background:
        raise UsageError("--background needs the interaction stored: drop --no-store.")
    if args.no_store and args.continue_id is not None:
        raise UsageError("--continue chains onto stored interactions: drop --no-store.")
    if args.retries < 0:
        raise UsageError("--retries must be 0 or more.")


def read_stdin(stdin: IO[str] | None) -> str | None:
    """Piped text, or ``None`` when stdin is a terminal (or closed): never wait for typing."""
    if stdin is None or stdin.isatty():
        return None
    raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
    text = raw.decode("utf-8", "replace")
    return text if text.strip() else None


def attachment(source: str) -> Attachment:
    """A file (inline, base64) or an http(s) URL (``uri``), checked by the attachments rules."""
    try:
        return load_attachment(source)
    except AttachmentError as error:
        raise UsageError(str(error)) from None


def checked_attachments(sources: list[str]) -> list[dict[str, Any]]:
    """The content items of ``--attach`` sources, refused together if they exceed the API's
    inline limit for one request."""
    loaded = [attachment(source) for source in sources]
    try:
        check_total(loaded)
    except AttachmentError as error:
        raise UsageError(str(error)) from None
    return [item.item for item in loaded]


def schema_format(path: str) -> dict[str, Any]:
    """``response_format`` for structured output: JSON text that follows the schema in ``path``."""
    try:
        schema = read_json_schema(Path(path), "schema")
    except JsonFileError as error:
        raise UsageError(str(error)) from None
    return {"type": "text", "mime_type": "application/json", "schema": schema}


def function_tools(path: str) -> list[dict[str, Any]]:
    """Function tool declarations from a JSON list of ``{name, description, parameters}``."""
    try:
        declared = read_json(Path(path), "function declarations")
    except JsonFileError as error:
        raise UsageError(str(error)) from None
    if isinstance(declared, dict):
        declared = [declared]
    if not isinstance(declared, list) or not all(
        isinstance(d, dict) and isinstance(d.get("name"), str) and d["name"] for d in declared
    ):
        raise UsageError(
            f"function declarations {path} must be a JSON list of objects, each with a name."
        )
    return [{**d, "type": "function"} for d in declared]


def template_prompt(name: str, args: str, config: Path | None) -> str:
    """``--template NAME``: the prompt template ``NAME`` beside the config file, with the
    prompt argument as its ``{{args}}``."""
    try:
        return run_template(templates_dir(config), name, args)
    except TemplateError as error:
        raise UsageError(str(error)) from None


def build_request(args: argparse.Namespace, stdin: IO[str] | None) -> AskRequest:
    """Everything ``args`` (and piped stdin) ask for; raises :class:`UsageError`."""
    piped = read_stdin(stdin)
    prompt, context = args.prompt or "", None
    if getattr(args, "template", None):
        prompt = template_prompt(args.template, prompt, getattr(args, "config", None))
    if piped is not None:
        if prompt:
            context = piped
        else:
            prompt = piped
    attachments = checked_attachments(args.attach)
    if not prompt.strip() and not attachments:
        raise UsageError(
            'nothing to ask: give a prompt (gemtui ask "question"), pipe text on stdin, '
            "or attach a file."
        )
    tools = [{"type": name} for name in dict.fromkeys(args.tool)]
    if args.function_decl:
        tools += function_tools(args.function_decl)
    return AskRequest(
        prompt=prompt,
        context=context,
        attachments=attachments,
        model=args.model,
        agent=args.agent,
        system=args.system,
        tools=tools,
        response_format=schema_format(args.schema) if args.schema else None,
        store=not args.no_store,
        background=args.background,
    )
