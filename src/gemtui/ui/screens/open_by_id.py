"""A one-field dialog: the id of an interaction to reopen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class OpenByIdScreen(ModalScreen[str | None]):
    """Enter opens the interaction whose id was typed or pasted; Escape closes."""

    BINDINGS = [Binding("escape", "close", "Close", id="open_by_id.close")]

    DEFAULT_CSS = """
    OpenByIdScreen { align: center middle; }
    OpenByIdScreen > Vertical {
        width: 70; max-width: 95%; height: auto; padding: 1 2;
        border: round $primary; background: $surface;
    }
    OpenByIdScreen Input { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Open an interaction by id (its steps, events and timings)")
            yield Input(placeholder="v1_…", id="interaction-id")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_close(self) -> None:
        self.dismiss(None)
