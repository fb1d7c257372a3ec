"""Function tools in ``gemtui ask``: declared from the config file, run only when allow-listed.

Nobody is there to approve a call, so a call runs only if its tool has ``allow = true`` in the
config; a call to any other tool (or to a function declared with ``--function-decl`` only)
ends the run with ``requires_action`` and exit code 3, as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gemtui.core.config_path import default_config_path
from gemtui.core.tools import FunctionTool, ToolCall
from gemtui.core.turn_runner import Approver
from gemtui.headless.output import Messages

#: Settings come from the environment too (``GEMTUI_`` + the field, ``__`` for nesting).
FUNCTIONS_VARIABLE = "GEMTUI_FUNCTIONS"


def load_functions(config: Path | None, messages: Messages) -> dict[str, FunctionTool]:
    """The config file's function tools by name; its problems with them go to stderr.

    A file that does not mention ``functions`` (or no file) declares none: then the settings
    model is not loaded at all, which keeps about 0.1 s off every ``gemtui ask``.
    """
    path = config or default_config_path()
    try:
        mentions = b"functions" in path.read_bytes()
    except OSError:
        mentions = path.exists()  # unreadable: load_settings says why
    if not mentions and not any(name.startswith(FUNCTIONS_VARIABLE) for name in os.environ):
        return {}
    from gemtui.config import load_settings

    loaded = load_settings(config)
    for problem in loaded.problems:
        if "functions" in problem:
            messages.say(problem)
    return {tool.name: tool for tool in loaded.settings.functions}


def declare(tools: list[dict[str, Any]], functions: Mapping[str, FunctionTool]) -> None:
    """Add the enabled config functions to ``tools``, after any declared with the same name
    by ``--function-decl`` (those win: they were asked for on this command line)."""
    declared = {tool.get("name") for tool in tools if tool.get("type") == "function"}
    tools += [
        tool.declaration()
        for tool in functions.values()
        if tool.enabled and tool.name not in declared
    ]


def allow_listed(functions: Mapping[str, FunctionTool]) -> Approver:
    """The approval of ``gemtui ask``: every call runs if each one's tool is allow-listed;
    otherwise none runs and the run ends with the calls open (exit code 3)."""

    async def approve(calls: list[ToolCall]) -> list[bool] | None:
        if all(call.name in functions and functions[call.name].allow for call in calls):
            return [True] * len(calls)
        return None

    return approve
