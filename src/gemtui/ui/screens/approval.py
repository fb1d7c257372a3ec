"""The approval dialog: the model wants to run local commands; the user says whether they may.

Every call of the turn that needs approval is shown at once (parallel calls are approved
together), each with the command it would run and its arguments as pretty JSON. The arguments
come from the model and the command line from the config, so both are shown cleaned of
terminal escapes and never parsed as markup.

The dialog opens when the model asks, which may be while the user is typing the next prompt:
then ``a`` in "what about" allowed the tool for ever, and ``d`` or Enter decided too. Only a
decision key (:data:`DECISION_KEYS`) pressed after a pause decides: :data:`QUIET_SECONDS`
since the key before it, or :data:`TYPING_QUIET_SECONDS` once anything was typed while the
dialog was open (a word typed after a short pause, "xyz … and", is still typing). Every other
character goes on to the prompt under the dialog, which then says to pause. Escape and Ctrl+C
(deny, stop) act at once; the arrow and page keys scroll the calls.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from time import monotonic
from typing import Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gemtui.core.safety import safe_text
from gemtui.core.tools import FunctionTool, ToolCall
from gemtui.ui.dialogs import pass_to_prompt

Decision = Literal["once", "always", "deny"]

#: A key this soon after the one before it is typing, not a decision (seconds).
QUIET_SECONDS = 0.6
#: The same once the user has typed while the dialog was open: a pause inside a sentence is
#: longer than one between keys, and "a" would allow the tools for good.
TYPING_QUIET_SECONDS = 2.0
#: The keys that decide (Enter and r run once, a always allows, d denies).
DECISION_KEYS = frozenset({"enter", "r", "a", "d"})
#: Keys that act even while the user is typing: both stop rather than run.
ALWAYS_ACT = frozenset({"escape", "ctrl+c"})
#: The calls' rows: at most (then they scroll), and at least on the shortest terminal.
MAX_CALL_ROWS = 16
MIN_CALL_ROWS = 2
#: Rows of the box that are not its content: the border.
BOX_FRAME = 2


def describe_call(call: ToolCall, tool: FunctionTool | None) -> Text:
    """The name, the command and the arguments of one call, as plain (cleaned) text."""
    text = safe_text(call.name, style="bold")
    if tool is not None:
        text.append_text(safe_text(f"  runs {shlex.join(tool.command)}", style="dim"))
    arguments = json.dumps(call.arguments, indent=2, ensure_ascii=False, sort_keys=True)
    text.append("\n")
    text.append_text(safe_text(arguments))
    return text


class ApprovalScreen(ModalScreen[Decision]):
    """Asks whether the pending function calls may run; dismisses with the decision."""

    BINDINGS = [
        Binding("enter,r", "decide('once')", "Run once", id="approval.run_once"),
        Binding("a", "decide('always')", "Always allow", id="approval.always_allow"),
        Binding("d,escape", "decide('deny')", "Deny", id="approval.deny"),
        # The app's Ctrl+C does not reach a modal screen: here it stops the turn too.
        Binding("ctrl+c", "app.interrupt", "Cancel the turn", show=False, id="approval.cancel"),
    ]

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > #approval-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ApprovalScreen #approval-title { text-style: bold; }
    ApprovalScreen #approval-calls { height: auto; max-height: 16; }  /* see _fit_calls */
    ApprovalScreen .approval-call { margin-top: 1; }
    /* Docked: on a short terminal the calls scroll, and the keys stay in view. */
    ApprovalScreen #approval-keys { color: $text-muted; margin-top: 1; dock: bottom; }
    """

    def __init__(self, calls: Sequence[ToolCall], tools: Mapping[str, FunctionTool]) -> None:
        super().__init__()
        self.calls = list(calls)
        self.tools = tools
        #: When the last key came (the App's, until the dialog has one of its own).
        self._typed_at = 0.0
        #: Whether something was typed (went to the prompt) while the dialog was open.
        self._typing = False
        #: Whether the calls are more than the box shows (see _fit_calls).
        self._calls_scroll = False

    def on_mount(self) -> None:
        self._typed_at = getattr(self.app, "typed_at", 0.0)
        # The calls take the keys the dialog does not: on a short terminal, Up/Down and
        # PgUp/PgDn scroll to the calls below before they are run.
        self.query_one("#approval-calls").focus()
        self.call_after_refresh(self._fit_calls)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_calls)

    def _fit_calls(self) -> None:
        """Give the calls the rows the title and the keys leave, so that they scroll inside
        the box (an auto height would push the keys out of a short terminal instead), and
        say ↑↓ when they do not all fit. Runs again once if saying it took a row."""
        calls = self.query_one("#approval-calls", VerticalScroll)
        title, keys = self.query_one("#approval-title"), self.query_one("#approval-keys")
        room = self.size.height - BOX_FRAME - title.outer_size.height - keys.outer_size.height
        calls.styles.max_height = max(MIN_CALL_ROWS, min(MAX_CALL_ROWS, room))
        scrolls = calls.virtual_size.height > room
        if scrolls != self._calls_scroll:
            self._calls_scroll = scrolls
            self._say_keys()
            self.call_after_refresh(self._fit_calls)

    def _say_keys(self, prefix: str = "") -> None:
        self.query_one("#approval-keys", Static).update(safe_text(prefix + self._keys_text()))

    def on_key(self, event: events.Key) -> None:
        now = monotonic()
        quiet = TYPING_QUIET_SECONDS if self._typing else QUIET_SECONDS
        paused = now - self._typed_at >= quiet
        self._typed_at = now
        if event.key in ALWAYS_ACT or (paused and event.key in DECISION_KEYS):
            return
        if pass_to_prompt(self, event):
            self._typing = True
        elif event.key in DECISION_KEYS:
            event.stop()  # Enter typed with the words decides nothing either
            event.prevent_default()
        else:
            return  # Up, Down, Page Up…: they scroll the calls
        wait = TYPING_QUIET_SECONDS if self._typing else QUIET_SECONDS
        self._say_keys(f"Typing goes to the prompt: pause {wait:g} s, then decide. ")

    def compose(self) -> ComposeResult:
        count = len(self.calls)
        with Vertical(id="approval-box"):
            yield Static(
                f"The model wants to run {count} local function call{'s' if count > 1 else ''}",
                id="approval-title",
                markup=False,
            )
            with VerticalScroll(id="approval-calls"):
                for call in self.calls:
                    yield Static(
                        describe_call(call, self.tools.get(call.name)), classes="approval-call"
                    )
            yield Static(safe_text(self._keys_text()), id="approval-keys")

    def _keys_text(self) -> str:
        names = ", ".join(dict.fromkeys(call.name for call in self.calls))
        them = "them" if len(self.calls) > 1 else "it"
        keys = (
            f"Enter/r run {them} once · a always allow {names} (saved in the config) · d/Esc deny"
        )
        if self._calls_scroll:
            keys = f"↑↓ see every call · {keys}"
        return keys

    def action_decide(self, decision: Decision) -> None:
        self.dismiss(decision)
