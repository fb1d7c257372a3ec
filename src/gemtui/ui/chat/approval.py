"""The TUI's answer to a turn's function calls: run what is allowed, ask about the rest.

Calls to allow-listed tools (or tools the user allowed for the session) run at once; the
others wait for the approval dialog, all calls of a turn in one dialog. "Always" is written to
the config file the tools came from, so it outlives the session. A turn whose calls name no
tool gemtui has a command for says so and runs nothing (the calls stay open and are answered
"not run" when the chat goes on).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from textual.screen import Screen

from gemtui.core.tools import ApprovalPolicy, FunctionTool, ToolCall, computer_action_not_run
from gemtui.core.turn_runner import Notice


@dataclass
class DialogApprover:
    """``ask`` shows a screen and waits for its answer (the app's ``push_screen_wait``);
    ``allow_always`` makes tools allow-listed for good; ``notice`` tells the conversation."""

    tools: Callable[[], Mapping[str, FunctionTool]]
    ask: Callable[[Screen[str]], Awaitable[str]]
    allow_always: Callable[[list[str]], None]
    notice: Callable[[Notice], None]
    policy: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    #: Whether the chat's requests offer the computer_use tool.
    computer_use: Callable[[], bool] = lambda: False

    async def __call__(self, calls: list[ToolCall]) -> list[bool] | None:
        tools = self.tools()
        unknown = [call.name for call in calls if call.name not in tools]
        if len(unknown) == len(calls):
            self.notice(self._not_run(", ".join(dict.fromkeys(unknown)) or "a function"))
            return None
        asking = [c for c in calls if c.name in tools and self.policy.needs_approval(tools[c.name])]
        if not asking:
            return [True] * len(calls)
        from gemtui.ui.screens.approval import ApprovalScreen  # on demand: start-up time

        decision = await self.ask(ApprovalScreen(asking, tools))
        if decision == "always":
            names = list(dict.fromkeys(call.name for call in asking))
            self.policy.always_allow(names)
            self.allow_always(names)
        return [decision != "deny" or call not in asking for call in calls]

    def _not_run(self, names: str) -> Notice:
        """Why calls to ``names`` are not run, and what to do. With computer use offered, a
        call to a function not declared is one of its predefined actions (``navigate``),
        which no [[functions]] entry may stand for: gemtui shows them and runs none."""
        if self.computer_use():
            return Notice(
                computer_action_not_run(names),
                "Computer use needs a program of your own that carries out each action and "
                'sends back its result; here the call stays open (answered "not run" when '
                "the chat goes on). F7 switches computer use off.",
                "warning",
            )
        return Notice(
            f"The model asked to call {names}, which gemtui has no command for.",
            "Declare it as a [[functions]] entry in the config file to run it.",
            "warning",
        )
