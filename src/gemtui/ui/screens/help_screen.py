"""F1: the keys in force where the reader is, ours first.

Textual's key panel lists the bindings in the order it looks for them, from the focused widget
out, so in the prompt editor a screenful of text-editing keys (inherited from ``TextArea``)
comes before the app's own. This screen orders them for a reader: the focused pane's own keys
(the ones with a binding id, which the keymap can change), then the app's, then the keys the
pane inherits from a Textual widget (a list's, and last the text editor's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TextArea

#: Titles of the panes whose class names say little to a reader.
PANE_TITLES = {
    "ConversationView": "Messages",
    "Composer": "Prompt",
    "StepTimeline": "Step timeline",
    "StepDetail": "Step detail",
    "AttachmentBar": "Attachments",
    # Dialogs as their titles say, and Textual's widgets by what they are to a reader (F1 in
    # F4 said "Jobs Screen" and "Data Table (built in)").
    "JobsScreen": "Background runs",
    "ConversationListScreen": "History",
    "ApprovalScreen": "Function calls",
    "DataTable": "List",
    "OptionList": "List",
    "SelectionList": "Checklist",
    "TickList": "Checklist",
    "Input": "Text field",
    "VerticalScroll": "Scrolling",
}


@dataclass(frozen=True)
class HelpSection:
    title: str
    #: (keys as shown, what they do), in declaration order.
    rows: tuple[tuple[str, str], ...]


def help_sections(
    app: App[object], screen: Screen[object], id_order: Sequence[str] = ()
) -> list[HelpSection]:
    """The keys active on ``screen`` now, grouped as the module docstring says; within a group,
    bindings with an id come in ``id_order`` (the order they are declared in), then the rest."""
    rank = {binding_id: number for number, binding_id in enumerate(id_order)}
    groups: dict[tuple[int, str], list[tuple[DOMNode, Binding]]] = {}
    order: list[tuple[int, str]] = []
    for active in screen.active_bindings.values():
        node, binding = active.node, active.binding
        if isinstance(node, App):
            group = (1, app.title or "App")
        elif binding.id is not None:
            group = (0, pane_title(node))
        elif isinstance(node, TextArea):
            group = (3, "Text editor")
        else:
            group = (2, f"{pane_title(node)} (built in)")
        if group not in groups:
            groups[group] = []
            order.append(group)
        groups[group].append((node, binding))
    return [
        HelpSection(
            group[1],
            tuple(_rows(app, sorted(groups[group], key=lambda b: rank.get(b[1].id, len(rank))))),
        )
        for group in sorted(order, key=lambda group: group[0])
    ]


def pane_title(node: DOMNode) -> str:
    if isinstance(node, Screen) and not isinstance(node, ModalScreen):
        return "Screen"
    name = type(node).__name__
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).removesuffix(" Screen")
    return PANE_TITLES.get(name) or words


def _rows(app: App[object], bindings: Iterable[tuple[DOMNode, Binding]]) -> list[tuple[str, str]]:
    """One row per action, its keys joined (``up,k`` is one row)."""
    rows: dict[tuple[int, str], list[str]] = {}
    descriptions: dict[tuple[int, str], str] = {}
    for node, binding in bindings:
        action = (id(node), binding.action)
        rows.setdefault(action, []).append(app.get_key_display(binding))
        descriptions.setdefault(action, binding.description or binding.action)
    return [(" ".join(keys), descriptions[action]) for action, keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    """The sections in one scrollable table; Escape (or F1 again) closes it."""

    BINDINGS = [Binding("escape", "close", "Close", id="help.close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100%; max-width: 80; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-keys { width: 100%; }
    """

    def __init__(self, sections: list[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll") as scroll:
            scroll.border_title = "Keys here · ↑↓ PgUp PgDn scroll · Esc or F1 closes"
            yield Static(self._table(), id="help-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for number, section in enumerate(self.sections):
            if number:
                table.add_row("", "")
            table.add_row(Text(section.title, style="reverse"), "")
            for keys, description in section.rows:
                table.add_row(Text(keys), Text(description))
        return table

    def action_close(self) -> None:
        self.dismiss(None)

    def reopened(self) -> None:
        """F1 while the keys are shown closes them (see :mod:`gemtui.ui.dialogs`)."""
        self.action_close()
