"""The function-tool loop of the TUI: run what the model asked for, send the results, repeat.

When a turn ends in ``requires_action`` the app hands it here. Calls to allow-listed tools (or
tools the user allowed for the session) run at once; the others wait for the approval dialog,
all calls of a turn in one dialog. A denied call is answered with an error result, so the model
learns it was refused. Each result is shown in the conversation and sent as the next turn, and
the loop goes on until the model answers in words (at most ``MAX_ROUNDS`` rounds).

The whole loop runs as the app's turn: Escape cancels it at any point (a running tool is
killed with its process group) and everything shown so far stays.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.strip import Strip

from gemtui.api.models import parse_step
from gemtui.config import ConfigWriteError, allow_functions
from gemtui.core.conversation import Turn
from gemtui.core.safety import safe_text
from gemtui.core.tools import (
    ApprovalPolicy,
    FunctionTool,
    ToolCall,
    answer_call,
    denied_result,
    pending_calls,
)
from gemtui.ui.chat_items import NoticeItem, RenderContext, ToolItem, UserItem, render_lines

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: Rounds of tool calls answered in a row before the loop stops and says so.
MAX_ROUNDS = 10
#: The timeline's name for a turn that sends function results.
RESULTS_LABEL = "function results"


class ResultsSentItem(UserItem):
    """The user's side of a results turn: what was sent back (a turn shows one prompt item)."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        super().__init__("")
        self.results = results

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        names = ", ".join(str(result.get("name")) for result in self.results)
        header = Text("You", style=ctx.style("conversation--user-label"))
        header.append_text(safe_text(f"  sent results of {names}", ctx.style("conversation--dim")))
        return render_lines(header, width, ctx)

    def copy_text(self) -> str:
        return json.dumps(self.results, indent=2, ensure_ascii=False)


class ToolLoop:
    """Answers the function calls of the app's turns; one per app."""

    def __init__(self, app: GemtuiApp) -> None:
        self.app = app
        self.approvals = ApprovalPolicy()
        self._running = False

    def tools(self) -> dict[str, FunctionTool]:
        """The configured tools by name, as the settings in force have them."""
        return {tool.name: tool for tool in self.app.user_settings.functions}

    def turn_ended(self, turn: Turn) -> None:
        """A turn ended in ``requires_action``: start the loop, or say why it cannot run."""
        if self._running:
            return  # the loop itself sent this turn and goes on with it
        if turn.replayed:
            self._notice(
                "The recording ends with function calls; a replay does not run them.",
                "",
                "info",
            )
            return
        if self._answerable(turn):
            self.app.call_later(self._start, turn)

    def _answerable(self, turn: Turn) -> bool:
        calls = pending_calls(turn.state)
        tools = self.tools()
        unknown = [call.name for call in calls if call.name not in tools]
        if calls and len(unknown) < len(calls):
            return True
        names = ", ".join(dict.fromkeys(unknown)) or "a function"
        self._notice(
            f"The model asked to call {names}, which gemtui has no command for.",
            "Declare it as a [[functions]] entry in the config file to run it.",
            "warning",
        )
        return False

    def _start(self, turn: Turn) -> None:
        if self.app.busy:  # the user was quicker: the calls stay unanswered
            self._notice("The function calls were not run: another turn started.", "", "warning")
            return
        self.app.run_as_turn(self._loop(turn))

    def resend(self, results: list[dict[str, Any]]) -> None:
        """Send ``results`` again (F5 after a results turn failed) and go on with the loop."""
        self.app.run_as_turn(self._loop(None, results))

    async def _loop(self, turn: Turn | None, results: list[dict[str, Any]] | None = None) -> None:
        """Answer ``turn``'s calls, or send ``results`` already made, until the model answers."""
        self._running = True
        try:
            for _ in range(MAX_ROUNDS):
                if results is None:
                    assert turn is not None
                    results = await self._answer(pending_calls(turn.state))
                turn, results = self._results_turn(results), None
                await self.app.stream_turn(turn)
                if turn.outcome != "requires_action" or not self._answerable(turn):
                    return
            self._notice(
                f"Stopped after {MAX_ROUNDS} rounds of function calls in a row.",
                "The last calls are unanswered; send a prompt to go on.",
                "warning",
            )
        finally:
            self._running = False

    async def _answer(self, calls: list[ToolCall]) -> list[dict[str, Any]]:
        """Ask for approval where needed, run what may run; one result per call, in order."""
        tools = self.tools()
        asking = [
            call
            for call in calls
            if call.name in tools and self.approvals.needs_approval(tools[call.name])
        ]
        decision = "once"
        if asking:
            from gemtui.ui.widgets.approval import ApprovalScreen  # on demand: start-up

            decision = await self.app.push_screen_wait(ApprovalScreen(asking, tools))
        if decision == "always":
            names = list(dict.fromkeys(call.name for call in asking))
            self.approvals.always_allow(names)
            self._remember_allowed(names)
        results = []
        for call in calls:
            if decision == "deny" and call in asking:
                results.append(denied_result(call))
                continue
            self.app.status.set(state=f"running {call.name}")
            try:
                results.append(await answer_call(tools, call))
            except asyncio.CancelledError:
                self.app.status.set(state="cancelled")
                self._notice(
                    f"Stopped {call.name}; its process was killed.",
                    "The function calls of this turn are unanswered; send a prompt to go on.",
                    "warning",
                )
                raise
        return results

    def _remember_allowed(self, names: list[str]) -> None:
        """Write ``allow = true`` for these tools into the config file they came from, and
        into the settings in force, so "always" outlives the session."""
        app = self.app
        saved: list[str] = []
        if app.loaded is not None:
            try:
                saved = allow_functions(app.loaded.path, names)
            except ConfigWriteError as error:
                self._notice(f"Allowed for this session only: {error}", "", "warning")
                return
        app.user_settings.functions = [
            tool.model_copy(update={"allow": True}) if tool.name in saved else tool
            for tool in app.user_settings.functions
        ]
        if saved:
            where = app.loaded.path if app.loaded else ""
            app.notify(f"Always allowed from now on: {', '.join(saved)} (saved in {where}).")
        else:
            app.notify(f"Allowed for this session: {', '.join(names)}.")

    def _results_turn(self, results: list[dict[str, Any]]) -> Turn:
        """A turn that sends ``results``, shown as the user's item and one row per result."""
        turn = self.app.conversation.start_turn("")
        turn.extra_input = results
        self.app.view.add_item(ResultsSentItem(results))
        for result in results:
            self.app.view.add_item(ToolItem(parse_step(result)))
        self.app.attach_turn(turn, RESULTS_LABEL)
        return turn

    def _notice(self, message: str, hint: str, level: str) -> None:
        self.app.view.add_item(NoticeItem(message, hint, level=level))
