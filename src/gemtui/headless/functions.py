"""Function tools in ``gemtui ask``: declared from the config file, run only when allow-listed.

Nobody is there to approve a call, so a call runs only if its tool has ``allow = true`` in the
config; a call to any other tool (or to a function declared with ``--function-decl`` only)
ends the run with ``requires_action`` and exit code 3, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gemtui.core.tools import FunctionTool, ToolCall
from gemtui.core.turn_runner import Approver
from gemtui.headless.output import Messages


def load_functions(config: Path | None, messages: Messages) -> dict[str, FunctionTool]:
    """The config file's function tools by name; its problems with them go to stderr."""
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
