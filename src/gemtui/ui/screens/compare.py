"""The compare screen (Alt+D twice): two turns side by side.

It draws :func:`gemtui.core.turn_diff.report_lines`, the same report ``gemtui diff`` prints:
the requests' differences, the steps aligned by kind with their durations, bytes and tokens
in an A and a B column, and a diff of the answers. Every line is built as ``Text`` from text
already cleaned, never parsed as markup. ``y`` copies the report as plain text.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from gemtui.core.turn_diff import TurnDiff, report_lines, report_text

HELP = "↑↓ PgUp PgDn scroll · y copy the report · Esc close"


class CompareReport(Static):
    """The report's lines, each coloured by its kind (a component class per kind)."""

    COMPONENT_CLASSES = {
        "compare--title",
        "compare--heading",
        "compare--same",
        "compare--changed",
        "compare--added",
        "compare--removed",
    }

    DEFAULT_CSS = """
    CompareReport > .compare--title { color: $accent; text-style: bold; }
    CompareReport > .compare--heading { color: $primary; text-style: bold; }
    CompareReport > .compare--same { color: $text-muted; }
    CompareReport > .compare--changed { text-style: bold; }
    CompareReport > .compare--added { color: $success; }
    CompareReport > .compare--removed { color: $error; }
    """

    def show(self, diff: TurnDiff, width: int) -> None:
        report = Text()
        for kind, line in report_lines(diff, width):
            name = f"compare--{kind}"
            style = self.get_component_rich_style(name) if name in self.COMPONENT_CLASSES else ""
            report.append(line, style=style)
            report.append("\n")
        self.update(report)


class CompareScreen(ModalScreen[None]):
    """Shows one :class:`TurnDiff`; closes with Escape."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="compare.close"),
        Binding("y", "copy", "Copy report", id="compare.copy"),
    ]

    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > Vertical {
        width: 100%; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CompareScreen #compare-help { color: $text-muted; }
    CompareScreen VerticalScroll { height: 1fr; }
    """

    class CopyRequested(Message):
        """The reader asked to copy the report (the app copies, as it copies everything)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, diff: TurnDiff) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(HELP, id="compare-help", markup=False)
            with VerticalScroll(id="compare-body"):
                yield CompareReport(id="compare-report", markup=False)

    @property
    def report(self) -> CompareReport:
        return self.query_one(CompareReport)

    def on_mount(self) -> None:
        self.query_one("#compare-body", VerticalScroll).focus()
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.query_one("#compare-body", VerticalScroll).size.width or self.app.size.width
        self.report.show(self.diff, max(width - 2, 40))

    @property
    def text(self) -> str:
        """The report as ``gemtui diff`` prints it (what ``y`` copies)."""
        return report_text(self.diff)

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self.text))

    def action_close(self) -> None:
        self.dismiss(None)
