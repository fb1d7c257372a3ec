"""Turn the ``gemtui ask`` command line (and stdin) into what the request is made of.

Standard library only: every usage error is found here, before httpx or pydantic are imported,
so a mistyped command fails in the time it takes Python to start.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gemtui.core import request_options as options
from gemtui.core.agent_options import (
    AgentOptionError,
    needs_storing,
    parse_agent_config,
    parse_environment,
    runs_in_background,
)
from gemtui.core.attachments import Attachment, AttachmentError
from gemtui.core.attachments import load as load_attachment
from gemtui.core.json_files import JsonFileError, read_json, read_json_schema
from gemtui.core.templates import TemplateError, run_template, templates_dir
from gemtui.core.tool_specs import ToolSpecError, parse_tool_choice, parse_tool_spec
from gemtui.headless.exits import UsageError

OUTPUT_FORMATS = ("text", "json", "stream-json")


@dataclass
class AskRequest:
    """One question, fully read and checked; nothing in it needs the network yet."""

    prompt: str
    #: Text piped on stdin when a prompt argument is given too: sent first, as context.
    context: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: The attachments themselves (``attachments`` are their items): those to upload through
    #: the Files API, or whose type the Files API knows, are done before the question goes.
    files: list[Attachment] = field(default_factory=list)
    model: str | None = None
    agent: str | None = None
    system: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    response_format: dict[str, Any] | list[dict[str, Any]] | None = None
    response_modalities: list[str] = field(default_factory=list)
    #: ``generation_config`` from the output flags (voice, transcription).
    generation_config: dict[str, Any] = field(default_factory=dict)
    #: ``generation_config.tool_choice`` (``--tool-choice``).
    tool_choice: str | dict[str, Any] | None = None
    service_tier: str | None = None
    safety_settings: list[dict[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    #: ``agent_config`` and ``environment`` of an agent request.
    agent_config: dict[str, Any] | None = None
    environment: str | dict[str, Any] | None = None
    store: bool = True
    background: bool = False
    previous_id: str | None = None
    #: Whether ``previous_id`` was typed (rather than read from the last-interaction file).
    previous_id_given: bool = False
    #: Whether ``previous_id`` may still be running at the server: its reader stopped early
    #: (``gemtui ask … | head``), and the API refuses to chain onto a running interaction.
    previous_may_run: bool = False

    def generation_settings(self) -> dict[str, Any]:
        """``generation_config`` of the request: the output flags' fields and the tool choice."""
        config = dict(self.generation_config)
        if self.tool_choice:
            config["tool_choice"] = self.tool_choice
        return config

    @property
    def has_schema(self) -> bool:
        """Whether the answer must be JSON following a schema (``--schema``)."""
        formats = self.response_format
        items = [formats] if isinstance(formats, dict) else formats or []
        return any(item.get("type") == "text" for item in items)

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
    other prompt was given and the value is not shaped like an interaction id (``v1_…``), it
    is the prompt: ``--continue thanks`` too.
    """
    value = args.continue_id
    if value and args.prompt is None and not options.INTERACTION_ID.fullmatch(value):
        args.prompt, args.continue_id = value, ""


def _check_wait_id(value: str) -> None:
    """A ``--wait`` id that is not shaped like one (a prompt, a conversation number) is a
    usage error naming what an id looks like, not an HTTP 404 from the server."""
    if value and not options.INTERACTION_ID.fullmatch(value):
        raise UsageError(
            f"--wait {value!r} is not an interaction id: ids look like v1_ChdoRkJn… "
            "(gemtui ask --background prints the id of the run it starts)."
        )


def check_combinations(args: argparse.Namespace) -> None:
    """Flags that contradict each other or the API (``store: false`` keeps nothing to chain)."""
    save_dir = getattr(args, "save_media", None)
    if save_dir is not None:
        # Found before the request is paid for: after it, the media are lost.
        if save_dir.exists() and not save_dir.is_dir():
            raise UsageError(f"--save-media {save_dir}: it is a file, not a folder.")
        try:
            save_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--save-media {save_dir}: {error.strerror or error}.") from None
        if not os.access(save_dir, os.W_OK):
            raise UsageError(f"--save-media {save_dir}: the folder is not writable.")
    streamed = args.output_format == "stream-json"
    if args.wait is not None:
        if args.prompt is not None or args.background or args.continue_id is not None:
            raise UsageError(
                "--wait fetches an existing interaction: give no prompt, --background or "
                "--continue with it."
            )
        if streamed:
            raise UsageError("--wait prints text or json; stream-json needs a streamed request.")
        _check_wait_id(args.wait)
        return
    if args.background and streamed:
        raise UsageError("--background prints an id; use --output-format text or json with it.")
    if args.no_store and args.background:
        raise UsageError("--background needs the interaction stored: drop --no-store.")
    if args.no_store and args.agent and runs_in_background(args.agent):
        raise UsageError(f"{needs_storing(args.agent)}: drop --no-store.")
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


def checked_attachments(sources: list[str]) -> list[Attachment]:
    """The attachments of ``--attach`` sources (``FILE|URI[;key=value]...``); a file that
    does not fit inline beside the others is marked to go through the Files API."""
    loaded: list[Attachment] = []
    for source in sources:
        try:
            loaded.append(load_attachment(source, loaded))
        except AttachmentError as error:
            raise UsageError(str(error)) from None
    return loaded


def read_schema(path: str) -> dict[str, Any]:
    """The JSON schema of structured output in ``path``; one that is not a valid JSON schema
    (``{"type": "strin"}``) is refused before the request is paid for."""
    try:
        schema = read_json_schema(Path(path), "schema")
    except JsonFileError as error:
        raise UsageError(str(error)) from None
    from gemtui.core.structured import schema_problem  # jsonschema: only with --schema

    problem = schema_problem(schema)
    if problem is not None:
        raise UsageError(f"schema {path} is not a valid JSON schema: {problem}")
    return schema


def pairs(items: list[str], what: str) -> dict[str, str]:
    """``KEY=VALUE`` flags as a dict; a malformed one is a usage error."""
    try:
        return options.parse_pairs(items, what)
    except ValueError as error:
        raise UsageError(f"{error}.") from None


def safety_settings(items: list[str]) -> list[dict[str, str]]:
    """``--safety CATEGORY=THRESHOLD`` flags, checked against the API's names."""
    thresholds = pairs(items, "--safety")
    for category, threshold in thresholds.items():
        problem = options.check_safety(category, threshold)
        if problem:
            raise UsageError(f"--safety {category}={threshold}: {problem}.")
    return options.safety_settings(thresholds)


def labels(items: list[str]) -> dict[str, str]:
    """``--label KEY=VALUE`` flags, checked by the API's rule for labels."""
    found = pairs(items, "--label")
    for key, value in found.items():
        problem = options.check_label(key, value)
        if problem:
            raise UsageError(f"--label: {problem}.")
    return found


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
    # "-" is stdin, as for most tools: the piped text is the prompt, not context for a "-".
    prompt, context = ("" if args.prompt == "-" else args.prompt or ""), None
    if getattr(args, "template", None):
        prompt = template_prompt(args.template, prompt, getattr(args, "config", None))
    if piped is not None:
        if prompt:
            context = piped
        else:
            prompt = piped
    files = checked_attachments(args.attach)
    attachments = [file.item for file in files]
    if not prompt.strip() and not attachments:
        raise UsageError(
            'nothing to ask: give a prompt (gemtui ask "question"), pipe text on stdin, '
            "or attach a file."
        )
    tools = server_tools(args.tool)
    if args.function_decl:
        tools += function_tools(args.function_decl)
    if args.modality not in (None, "image") and (args.aspect_ratio or args.image_size):
        # Not sent with another modality (see options.response_format): said, not dropped.
        raise UsageError(
            f"--aspect-ratio and --image-size are for images: give them with --modality image "
            f"(or alone), not with --modality {args.modality}."
        )
    response_format = options.response_format(
        read_schema(args.schema) if args.schema else None,
        modality=args.modality,
        aspect_ratio=args.aspect_ratio,
        image_size=args.image_size,
    )
    generation = options.generation_extras(
        voice=args.voice, languages=args.transcribe_language, mode=args.transcribe_mode
    )
    if args.agent and generation:
        raise UsageError(
            "--voice and --transcribe-* set generation_config, which agents do not take."
        )
    agent_config, environment = agent_options(args)
    return AskRequest(
        prompt=prompt,
        context=context,
        attachments=attachments,
        files=files,
        model=args.model,
        agent=args.agent,
        system=args.system,
        tools=tools,
        response_format=response_format,
        response_modalities=options.response_modalities(args.modality),
        generation_config=generation,
        service_tier=args.service_tier,
        safety_settings=safety_settings(args.safety),
        labels=labels(args.label),
        tool_choice=_tool_choice(args.tool_choice),
        agent_config=agent_config,
        environment=environment,
        store=not args.no_store,
        background=args.background,
    )


def server_tools(specs: list[str]) -> list[dict[str, Any]]:
    """The tools of the ``--tool`` specs (see :mod:`gemtui.core.tool_specs`), each once."""
    tools: list[dict[str, Any]] = []
    for spec in specs:
        try:
            tool = parse_tool_spec(spec)
        except ToolSpecError as error:
            raise UsageError(f"--tool {spec}: {error}") from None
        if tool not in tools:
            tools.append(tool)
    return tools


def _tool_choice(text: str | None) -> str | dict[str, Any] | None:
    if text is None:
        return None
    try:
        return parse_tool_choice(text)
    except ToolSpecError as error:
        raise UsageError(f"--tool-choice: {error}") from None


def agent_options(
    args: argparse.Namespace,
) -> tuple[dict[str, Any] | None, str | dict[str, Any] | None]:
    """``--agent-config`` and ``--environment``, checked; they go with ``--agent`` only."""
    config_text, environment_text = args.agent_config, args.environment
    if (config_text is not None or environment_text is not None) and not args.agent:
        raise UsageError("--agent-config and --environment go with --agent NAME.")
    try:
        config = parse_agent_config(config_text, args.agent) if config_text else None
        environment = parse_environment(environment_text) if environment_text else None
    except AgentOptionError as error:
        raise UsageError(str(error)) from None
    return config, environment
