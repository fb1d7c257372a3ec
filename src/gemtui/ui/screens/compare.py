"""The compare screen (Alt+D twice): two turns side by side.

It draws :func:`gemtui.core.turn_diff.report_lines`, the same report ``gemtui diff`` prints:
the requests' differences, the steps aligned by kind with their durations, bytes and tokens
in an A and a B column, and a diff of the answers. Every line is built as ``Text`` from text
already cleaned, never parsed as markup. ``y`` copies the report as plain text.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from gemtui.core.turn_diff import TurnDiff, report_lines, report_text
from gemtui.ui.screens.report import ReportScreen


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
    CompareReport > .compare--heading { color: $text-primary; text-style: bold; }
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


class CompareScreen(ReportScreen):
    """Shows one :class:`TurnDiff`; closes with Escape."""

    HELP = "↑↓ PgUp PgDn scroll · y copy the report · Esc close"
    COPIED = "Comparison"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="compare.close"),
        Binding("y", "copy", "Copy report", id="compare.copy"),
    ]

    def __init__(self, diff: TurnDiff) -> None:
        super().__init__()
        self.diff = diff

    def body(self) -> CompareReport:
        return CompareReport(markup=False)

    @property
    def report(self) -> CompareReport:
        return self.query_one(CompareReport)

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.scroller.size.width or self.app.size.width
        self.report.show(self.diff, max(width - 2, 40))

    @property
    def text(self) -> str:
        """The report as ``gemtui diff`` prints it (what ``y`` copies)."""
        return report_text(self.diff)
