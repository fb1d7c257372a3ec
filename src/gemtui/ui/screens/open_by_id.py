"""A one-field dialog: the id of an interaction to reopen."""

from __future__ import annotations

from collections.abc import Callable

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
    OpenByIdScreen #interaction-id-problem { color: $error; }
    """

    def __init__(self, refuse: Callable[[str], str | None] | None = None) -> None:
        """``refuse``: why a typed id cannot be one (said under the field, which stays open
        to correct it), ``None`` when it may be asked for."""
        super().__init__()
        self._refuse = refuse

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Open an interaction by id (its steps, events and timings)")
            yield Input(placeholder="v1_…", id="interaction-id")
            yield Static("", id="interaction-id-problem", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self._refuse(value) if value and self._refuse is not None else None
        if problem:
            self.query_one("#interaction-id-problem", Static).update(problem)
            return
        self.dismiss(value or None)

    def on_input_changed(self, _event: Input.Changed) -> None:
        # The id is being corrected: the reason given for the last one no longer applies.
        self.query_one("#interaction-id-problem", Static).update("")

    def action_close(self) -> None:
        self.dismiss(None)
