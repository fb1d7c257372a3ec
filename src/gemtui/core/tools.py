"""Local function tools: what the user declared, who may run them, and running them safely.

A function tool is a command the user configured (``[[functions]]`` in the config file). When
the model calls it, the command runs with the call's arguments as JSON on stdin and its stdout
becomes the result. The model's arguments are untrusted, so:

* the command is an argv list run without a shell: arguments never become shell syntax;
* a call runs only after the user approves it, unless the tool is allow-listed in the config
  (``allow = true``) or the user chose "always allow" for it in this session;
* each run gets its own process group, killed whole at the timeout or when the run is
  cancelled, so a tool that forks cannot leave work behind;
* stdout is read up to a size cap and the child does not inherit the API key variables.

The output is untrusted text too: whoever shows it cleans it first (:mod:`gemtui.core.safety`).
No Textual here: the headless ``gemtui ask`` runs allow-listed tools with the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from gemtui.api.models import FunctionCallStep
from gemtui.core.assembler import InteractionState
from gemtui.core.environment import child_environment
from gemtui.core.json_files import read_json_schema
from gemtui.core.validation_text import check_entries

#: Most bytes of stdout kept from one run; a tool that writes more is stopped and its output cut.
OUTPUT_LIMIT = 1024 * 1024
#: Longest wait for a killed tool's pipes to close (see _reap).
REAP_SECONDS = 5.0
#: Most characters of stderr quoted in an error result.
ERROR_TEXT_LIMIT = 4000
#: Function names the API accepts: a letter or underscore, then letters, digits, ``_.:-``.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$"

_READ_CHUNK = 65536


class FunctionTool(BaseModel):
    """One ``[[functions]]`` entry of the config file."""

    # defer_build: built when a config file declares functions, not at every start.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    #: JSON schema of the arguments, inline ...
    parameters: dict[str, Any] | None = None
    #: ... or in a JSON file (relative paths are relative to the config file).
    parameters_file: Path | None = None
    #: The argv to run, without a shell.
    command: list[str] = Field(min_length=1)
    #: Seconds before the run is stopped.
    timeout: float = Field(30.0, gt=0)
    #: Allow-listed: runs without asking.
    allow: bool = False
    #: Declared to the model in the next requests (the settings pane switches it per session).
    enabled: bool = True

    _file_schema: dict[str, Any] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> FunctionTool:
        if not self.command[0].strip():
            raise ValueError("command: the program (its first item) cannot be empty")
        if self.parameters_file is not None:
            if self.parameters is not None:
                raise ValueError("give parameters or parameters_file, not both")
            self._file_schema = read_json_schema(
                self.parameters_file.expanduser(), "parameters_file"
            )
        return self

    @property
    def schema(self) -> dict[str, Any] | None:
        """The JSON schema of the arguments, wherever it was given."""
        return self.parameters if self.parameters is not None else self._file_schema

    def declaration(self) -> dict[str, Any]:
        """The tool as the API declares it (``tools[]`` entry)."""
        declared: dict[str, Any] = {"type": "function", "name": self.name}
        if self.description:
            declared["description"] = self.description
        if self.schema is not None:
            declared["parameters"] = self.schema
        return declared


def check_functions(
    entries: Any, base_dir: Path | None = None
) -> tuple[list[Any], list[tuple[int | None, str]]]:
    """The ``[[functions]]`` entries that are valid, and (entry number, problem) per bad one
    (:func:`~gemtui.core.validation_text.check_entries`: one mistake costs one tool, and a
    call must name one command). A relative ``parameters_file`` is made relative to
    ``base_dir`` (the config file's folder)."""

    def check(entry: Any) -> tuple[str, Any]:
        if isinstance(entry, Mapping):
            entry = dict(entry)
            schema_file = entry.get("parameters_file")
            if isinstance(schema_file, str) and base_dir is not None:
                entry["parameters_file"] = str(base_dir / Path(schema_file).expanduser())
        return FunctionTool.model_validate(entry).name, entry

    return check_entries(entries, "functions", "function", check)


# ---------------------------------------------------------------------------------- approval


@dataclass
class ApprovalPolicy:
    """Which tools run without asking: allow-listed in the config, or granted this session."""

    granted: set[str] = field(default_factory=set)

    def needs_approval(self, tool: FunctionTool) -> bool:
        return not (tool.allow or tool.name in self.granted)

    def always_allow(self, names: Iterable[str]) -> None:
        """The user chose "always allow" for these tools: until gemtui exits."""
        self.granted.update(names)


def offers_computer_use(tools: Iterable[Mapping[str, Any]]) -> bool:
    """Whether requests with these tools offer computer use: then a call to a function not
    declared is one of its predefined actions (``navigate``), not a [[functions]] entry."""
    return any(tool.get("type") == "computer_use" for tool in tools)


def computer_action_not_run(names: str, where: str = "") -> str:
    """What both front ends say of computer-use actions the model asked for: gemtui shows
    them and carries none out (that needs a program that drives a browser or a desktop).
    ``where``: put after the names, e.g. `` (interaction v1_…)``."""
    return (
        f"The model asked for the computer-use action {names}{where}, which gemtui does not "
        "carry out."
    )


# ---------------------------------------------------------------------------------- running


@dataclass(frozen=True)
class ToolCall:
    """What the model asked for: one ``function_call`` step."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    #: Set when the streamed arguments were not valid JSON (the call cannot be run).
    arguments_error: str | None = None


def pending_calls(state: InteractionState) -> list[ToolCall]:
    """The function calls an interaction that ended in ``requires_action`` waits for."""
    calls = []
    for step_state in state.steps:
        step = step_state.step
        if isinstance(step, FunctionCallStep) and step.name:
            calls.append(
                ToolCall(
                    call_id=step.id or "",
                    name=step.name,
                    arguments=dict(step.arguments or {}),
                    arguments_error=step_state.arguments_error,
                )
            )
    return calls


def function_result(
    call: ToolCall, result: str | dict[str, Any], *, is_error: bool
) -> dict[str, Any]:
    """The ``function_result`` input step that answers ``call``."""
    step: dict[str, Any] = {
        "type": "function_result",
        "call_id": call.call_id,
        "name": call.name,
        "result": result,
    }
    if is_error:
        step["is_error"] = True
    return step


def denied_result(call: ToolCall) -> dict[str, Any]:
    return function_result(
        call, f"The user denied running {call.name}; it was not run.", is_error=True
    )


async def answer_call(tools: Mapping[str, FunctionTool], call: ToolCall) -> dict[str, Any]:
    """Run ``call`` with the tool of its name (approval is the caller's business)."""
    tool = tools.get(call.name)
    if tool is None:
        return function_result(
            call, f"There is no function named {call.name} on this client.", is_error=True
        )
    if call.arguments_error is not None:
        return function_result(
            call, f"The arguments of this call were not valid JSON: {call.arguments_error}",
            is_error=True,
        )  # fmt: skip
    result, is_error = await run_tool(tool, call.arguments)
    return function_result(call, result, is_error=is_error)


async def run_tool(
    tool: FunctionTool, arguments: Mapping[str, Any], *, output_limit: int = OUTPUT_LIMIT
) -> tuple[str | dict[str, Any], bool]:
    """Run ``tool`` with ``arguments`` as JSON on stdin; (result, is_error).

    The result is stdout parsed as a JSON object when it is one, else stdout as text. A run
    that cannot start, exits non-zero or is stopped at its timeout gives an error text that
    says so. Cancelling this coroutine kills the tool's whole process group.
    """
    payload = (json.dumps(arguments, ensure_ascii=False) + "\n").encode()
    program = tool.command[0]
    try:
        process = await asyncio.create_subprocess_exec(
            *tool.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=child_environment(),
        )
    except OSError as error:
        reason = error.strerror or str(error)
        return f"{tool.name} could not be started ({program}): {reason}", True
    try:
        async with asyncio.timeout(tool.timeout):
            stdout, cut, stderr = await _communicate(process, payload, output_limit)
            if cut:
                await _reap(process)
            code = await process.wait()
    except TimeoutError:
        return f"{tool.name} did not finish within {tool.timeout:g} s and was stopped.", True
    finally:
        await _reap(process)
    output = stdout.decode("utf-8", "replace")
    if cut:
        return (
            f"{output}\n[gemtui: the output was cut at {output_limit} bytes and {tool.name} "
            "was stopped]",
            False,
        )
    if code != 0:
        return _failure(tool.name, code, stderr.decode("utf-8", "replace"), output), True
    return _parsed(output), False


async def _communicate(
    process: asyncio.subprocess.Process, payload: bytes, limit: int
) -> tuple[bytes, bool, bytes]:
    """Feed stdin, read stdout up to ``limit`` bytes and stderr alongside (neither pipe may
    fill up and block the tool); whether stdout went over the limit."""
    assert process.stdin and process.stdout and process.stderr
    writer = asyncio.ensure_future(_feed(process.stdin, payload))
    errors = asyncio.ensure_future(_read_capped(process.stderr, ERROR_TEXT_LIMIT * 4))
    try:
        output, cut = await _read_limited(process.stdout, limit)
        if cut:
            return output, True, b""
        return output, False, await errors
    finally:
        for task in (writer, errors):
            task.cancel()
        await asyncio.gather(writer, errors, return_exceptions=True)


async def _feed(stdin: asyncio.StreamWriter, payload: bytes) -> None:
    # A tool that ignores its input may exit before reading it: that is not an error.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.write(payload)
        await stdin.drain()
        stdin.close()


async def _read_limited(stream: asyncio.StreamReader, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes until EOF; stops early (True) as soon as there are more."""
    data = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        data += chunk
        if len(data) > limit:
            return bytes(data[:limit]), True
    return bytes(data), False


async def _read_capped(stream: asyncio.StreamReader, limit: int) -> bytes:
    """Everything until EOF, keeping only the first ``limit`` bytes (the rest is drained)."""
    data = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        if len(data) < limit:
            data += chunk[: limit - len(data)]
    return bytes(data)


async def _reap(process: asyncio.subprocess.Process) -> None:
    """Kill the tool's group and wait for it to end.

    asyncio's ``wait()`` returns only once every pipe has closed, and a pipe whose reading was
    paused (a tool that wrote more than was read) never sees its end: so the pipes are drained
    first. A descendant that left the group may keep them open; then gemtui stops waiting
    after REAP_SECONDS rather than hang the turn.
    """
    _kill_group(process)

    async def drain(stream: asyncio.StreamReader | None) -> None:
        if stream is not None:
            while await stream.read(_READ_CHUNK):
                pass

    with contextlib.suppress(TimeoutError, ProcessLookupError, OSError):
        async with asyncio.timeout(REAP_SECONDS):
            await asyncio.gather(drain(process.stdout), drain(process.stderr))
            await process.wait()


def _kill_group(process: asyncio.subprocess.Process) -> None:
    """Kill the tool and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _failure(name: str, code: int, stderr: str, stdout: str) -> str:
    if code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with status {code}"
    detail = (stderr.strip() or stdout.strip())[-ERROR_TEXT_LIMIT:]
    return f"{name} {how}: {detail}" if detail else f"{name} {how}."


def _parsed(output: str) -> str | dict[str, Any]:
    try:
        value = json.loads(output)
    except ValueError:
        return output.removesuffix("\n")
    return value if isinstance(value, dict) else output.removesuffix("\n")
