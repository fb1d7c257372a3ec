"""A text report over the whole app: a help line, then the report, scrolled by the keyboard.

The comparison of two turns (Alt+D) and the inspector's view of one exchange are such reports:
they share the frame, closing with Escape or ``q`` and copying with ``y``. Copying goes to the
app, which copies as it copies everything (OSC 52 or the desktop, and a note saying which).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static


class ReportScreen(ModalScreen[None]):
    """Subclasses give ``HELP``, ``COPIED`` (what the copy note calls the text), the
    ``body`` widget, the ``text`` that ``y`` copies, and bindings for ``close`` and ``copy``
    (with ids of their own, which the keymap names)."""

    HELP: ClassVar[str] = "↑↓ PgUp PgDn scroll · y copy · Esc close"
    COPIED: ClassVar[str] = "Report"

    DEFAULT_CSS = """
    ReportScreen { align: center middle; }
    ReportScreen > Vertical {
        width: 100%; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ReportScreen .report-help { color: $text-muted; }
    ReportScreen VerticalScroll { height: 1fr; }
    """

    class CopyRequested(Message):
        """The reader asked to copy the report; ``what`` names it in the copy note."""

        def __init__(self, text: str, what: str) -> None:
            super().__init__()
            self.text = text
            self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.HELP, classes="report-help", markup=False)
            with VerticalScroll(classes="report-body"):
                yield self.body()

    def body(self) -> Widget:
        """The report's widget, inside the scrolling part."""
        raise NotImplementedError

    @property
    def text(self) -> str:
        """What ``y`` copies."""
        raise NotImplementedError

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one(".report-body", VerticalScroll)

    def on_mount(self) -> None:
        self.scroller.focus()

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self.text, self.COPIED))

    def action_close(self) -> None:
        self.dismiss(None)
