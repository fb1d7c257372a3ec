"""The find bar (Ctrl+F, or ``/`` in the messages): one line above the prompt.

Typing searches at once; Enter (or Down) goes to the next match and Shift+Enter (or Up) to the
previous one, and ``3/12`` says where the reader is. Escape closes the bar and its highlights
and gives the focus back to where it was. The search itself is the conversation's
(:class:`~gemtui.ui.widgets.conversation_find.ConversationFinder`); the bar only reports what
the reader asks for.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label

from gemtui.ui.key_routing import focus_now
from gemtui.ui.pane_keys import PaneKey


class FindBar(Horizontal):
    """The query field and the match count."""

    # Priority: the field is an Input, whose own (hidden) Up and Down scroll it; they gave
    # way only because it cannot scroll, and the footer showed neither key of the bar.
    BINDINGS = [
        Binding("down", "step(1)", "Next match", id="find.next", priority=True),
        Binding("shift+enter,up", "step(-1)", "Previous match", id="find.previous", priority=True),
        Binding("escape", "close", "Close", id="find.close"),
    ]
    #: The field's Enter (``on_input_submitted``), for F1.
    HELP_KEYS = (PaneKey("enter", "Next match"),)
    DEFAULT_CSS = """
    FindBar { height: 1; background: $panel; display: none; }
    FindBar > Label { width: auto; padding: 0 1; color: $text-muted; }
    FindBar > #find-count { min-width: 9; text-align: right; }
    FindBar > Input { width: 1fr; }
    """

    class Changed(Message):
        """The query changed."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Step(Message):
        """Go to the next (1) or previous (-1) match."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    class Closed(Message):
        """The bar was closed."""

    def compose(self) -> ComposeResult:
        yield Label("Find", id="find-label")
        yield Input(id="find-input", placeholder="text shown in the conversation", compact=True)
        yield Label("", id="find-count")

    @property
    def field(self) -> Input:
        return self.query_one(Input)

    def open(self, query: str = "") -> None:
        self.display = True
        if query:
            self.field.value = query
        focus_now(self.field)  # the keys typed right behind Ctrl+F go in

    def show_count(self, position: str) -> None:
        self.query_one("#find-count", Label).update(position)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))

    def action_step(self, delta: int) -> None:
        self.post_message(self.Step(delta))

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())
