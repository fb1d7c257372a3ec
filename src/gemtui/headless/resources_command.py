"""``gemtui agents …`` and ``gemtui environments …``: the API's agent and environment resources
from the command line, as the google-genai SDK's ``agents`` and ``environments`` clients offer
them (list, get, create, delete; an environment's files).

Text output is a table a person reads (``-o json`` prints the API's JSON for scripts). Nothing
here imports Textual; httpx and pydantic load once the arguments are known to be good.

Exit codes: 0 done, 1 API or network error (no such agent, a refused create), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from gemtui.core.agent_options import AgentOptionError, parse_agent_config, parse_environment
from gemtui.core.tool_specs import ToolSpecError, parse_tool_spec
from gemtui.headless import exits
from gemtui.headless.endpoint import NoEndpoint, headless_endpoint
from gemtui.headless.exits import UsageError
from gemtui.headless.output import complain


def _json_argument(text: str, what: str) -> dict[str, Any]:
    """A JSON object given inline or as a file name. Valid JSON that names no file is taken
    inline, so ``[]`` or ``"remote"`` is said to be no object (not to be no file)."""
    inline = text.lstrip().startswith("{") or (not Path(text).is_file() and _is_json(text))
    source = text
    if not inline:
        try:
            source = Path(text).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{what}: cannot read {text}: {error.strerror or error}") from None
    try:
        value = json.loads(source)
    except ValueError as error:
        raise UsageError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{what} must be a JSON object ({{...}}), not {_json_kind(value)}.")
    return value


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words: ``an array``, ``a string``."""
    kinds = ((bool, "true or false"), (list, "an array"), (str, "a string"),
             (int, "a number"), (float, "a number"))  # fmt: skip
    return next((word for kind, word in kinds if isinstance(value, kind)), "null")


#: The agent's fields, as ``gemtui agents create`` names them when there is none to send.
#: The API requires none (the SDK's ``agents.create`` takes every one as optional, and the
#: server picks an id when none is given): one is enough, an empty agent is surely a mistake.
AGENT_FIELDS = (
    "id, base_agent, description, system_instruction, tools, agent_config, base_environment"
)
NO_AGENT_FIELD = (
    "give the agent at least one field: --json OBJECT|FILE, or flags (--id: else the server "
    "picks one; --base-agent, --description, --system, --tool, --agent-config, --environment)."
)


def agent_body(args: argparse.Namespace) -> dict[str, Any]:
    """The agent object ``gemtui agents create`` sends."""
    body = _json_argument(args.json, "--json") if args.json else {}
    if args.json and not body:
        raise UsageError(f"--json is an empty object: give at least one of {AGENT_FIELDS}.")
    flags = {
        "id": args.id,
        "base_agent": args.base_agent,
        "description": args.description,
        "system_instruction": args.system,
    }
    body.update({key: value for key, value in flags.items() if value is not None})
    try:
        if args.tool:
            body["tools"] = [parse_tool_spec(spec) for spec in args.tool]
        if args.agent_config:
            body["agent_config"] = parse_agent_config(args.agent_config, body.get("base_agent"))
        if args.environment:
            body["base_environment"] = parse_environment(args.environment)
    except (ToolSpecError, AgentOptionError) as error:
        raise UsageError(str(error)) from None
    if not body:
        raise UsageError(NO_AGENT_FIELD)
    return body


#: What a copy (``--from``) may be given besides: the API wants its ``sources`` and ``env``
#: empty (the SDK's ``from_environment``), so only the network can be set.
COPY_TAKES = ("network",)


def environment_body(args: argparse.Namespace) -> dict[str, Any]:
    """The environment object ``gemtui environments create`` sends. With ``--from``, a
    ``--json`` giving anything but the network is refused: it was sent, and lost."""
    body = _json_argument(args.json, "--json") if args.json else {}
    if args.from_environment:
        extra = sorted(key for key in body if key not in COPY_TAKES)
        if extra:
            raise UsageError(
                f"--from {args.from_environment} copies that environment's sources and env: "
                f"--json may set only its network there, not {', '.join(extra)}."
            )
        body["from_environment"] = args.from_environment
    if any(key in body for key in ("sources", "network", "env")):
        try:
            checked = parse_environment({k: v for k, v in body.items() if k != "from_environment"})
        except AgentOptionError as error:
            raise UsageError(str(error)) from None
        assert isinstance(checked, dict)
        body.update({k: v for k, v in checked.items() if k != "type"})
    return body


def run_resources(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Run ``gemtui agents|environments ACTION``; returns the exit code."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    command = f"gemtui {args.command} {args.verb}"
    api_key = None
    try:
        body = None
        if args.verb == "create":
            body = agent_body(args) if args.command == "agents" else environment_body(args)
        import asyncio

        from gemtui.api.errors import GemtuiApiError

        with headless_endpoint(demo=args.demo, base_url=args.base_url) as endpoint:
            api_key = endpoint.api_key
            result = asyncio.run(_call(args, body, endpoint.api_key, endpoint.base_url))
    except UsageError as error:
        complain(stderr, command, error)
        return exits.USAGE
    except NoEndpoint as error:
        complain(stderr, command, error)
        return exits.API_ERROR
    except GemtuiApiError as error:
        from gemtui.api.errors import NotFoundError

        hint = error.hint
        if isinstance(error, NotFoundError) and getattr(args, "path", None):
            # The environment was found: its path was not.
            hint = f"`gemtui environments files {args.id}` lists the files at its top."
        elif isinstance(error, NotFoundError):
            hint = f"`gemtui {args.command} list` shows the ids there are."
        text = "\n  ".join(part for part in (str(error), hint) if part)
        complain(stderr, command, text, [api_key or ""])
        return exits.API_ERROR
    except KeyboardInterrupt:
        stderr.write(f"\n{command}: interrupted.\n")
        return exits.INTERRUPTED
    _print(args, result, stdout)
    return exits.OK


async def _call(
    args: argparse.Namespace, body: dict[str, Any] | None, api_key: str | None, base_url: str | None
) -> Any:
    from gemtui.api.client import InteractionsClient
    from gemtui.api.resources import Resources

    async with InteractionsClient(api_key=api_key, base_url=base_url) as client:
        api = Resources(client)
        agents = args.command == "agents"
        verb = args.verb
        if verb == "list":
            return await (api.list_agents() if agents else api.list_environments())
        if verb == "get":
            return await (api.get_agent(args.id) if agents else api.get_environment(args.id))
        if verb == "create":
            assert body is not None
            return await (api.create_agent(body) if agents else api.create_environment(body))
        if verb == "delete":
            await (api.delete_agent(args.id) if agents else api.delete_environment(args.id))
            return None
        return await api.environment_files(args.id, args.path, recursive=args.recursive)


def _print(args: argparse.Namespace, result: Any, stdout: IO[str]) -> None:
    from gemtui.core import resource_text
    from gemtui.core.safety import clean_terminal_text
    from gemtui.headless.output import print_json, stdout_writer

    out = stdout_writer(stdout)
    if args.output_format == "json":
        if isinstance(result, list):
            print_json(out, [item.to_wire() for item in result])
        elif result is not None:
            print_json(out, result.to_wire())
        else:
            print_json(out, {"deleted": args.id})
        return
    agents = args.command == "agents"
    if result is None:
        lines = [f"deleted {args.id}"]
    elif args.verb == "files":
        lines = [resource_text.file_line(entry) for entry in result] or ["(no files)"]
    elif isinstance(result, list):
        rows = [
            resource_text.agent_row(item) if agents else resource_text.environment_row(item)
            for item in result
        ]
        lines = _table(rows) or [f"(no {args.command})"]
    else:
        lines = (
            resource_text.agent_details(result)
            if agents
            else resource_text.environment_details(result)
        )
    out.write("".join(clean_terminal_text(line) + "\n" for line in lines))
    out.flush()


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
