"""Function tools in ``gemtui ask``: declared from the config file, run only when allow-listed.

Nobody is there to approve a call, so a call runs only if its tool has ``allow = true`` in the
config; a call to any other tool (or to a function declared with ``--function-decl`` only)
ends the run with ``requires_action`` and exit code 3, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gemtui.core.conversation import Turn
from gemtui.core.tools import FunctionTool, answer_call, pending_calls
from gemtui.headless.output import Messages, short

#: Rounds of function calls answered in a row before the run stops (exit code 3).
MAX_TOOL_ROUNDS = 10


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


async def run_allowed(
    functions: Mapping[str, FunctionTool], turn: Turn, messages: Messages
) -> list[dict[str, Any]] | None:
    """The results of the turn's function calls, or ``None`` when the run must stop there
    (no calls, or a call to a tool that is not allow-listed: nothing is run then)."""
    if turn.outcome != "requires_action":
        return None
    calls = pending_calls(turn.state)
    allowed = [call for call in calls if call.name in functions and functions[call.name].allow]
    if not calls or len(allowed) < len(calls):
        return None
    results = []
    for call in calls:
        messages.detail("run", f"{call.name} {short(call.arguments)}")
        result = await answer_call(functions, call)
        label = "function_error" if result.get("is_error") else "function_result"
        messages.detail(label, short(result["result"]))
        results.append(result)
    return results
