"""Switch branch: the branches of the open conversation, to pick the one to continue.

Each row is one leaf of the conversation's tree: the prompt where that branch went its own way,
when its last turn was written and how many turns it has; the branch in use is marked. Prompts
come from the database and are untrusted: they reach Rich only as ``Text``.
"""

from __future__ import annotations

import time
from collections import Counter

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gemtui.core.branching import BranchTip
from gemtui.core.safety import safe_text
from gemtui.ui.screens.history_list import describe_time, plain_title


def branch_cells(tip: BranchTip, now: float) -> tuple[str, str, str]:
    """What tells a branch apart: where it went its own way (that prompt, and which version
    of it when several branches share it, as regenerated answers do), when, how long."""
    where = plain_title(tip.label) or "(no prompt)"
    if tip.versions > 1:
        where = f"{where} · version {tip.version} of {tip.versions}"
    turns = f"{tip.turn_count} turn{'' if tip.turn_count == 1 else 's'}"
    return where, describe_time(tip.created, now), turns


def branch_rows(tips: list[BranchTip], now: float) -> list[tuple[str, str, str]]:
    """The cells of every row; rows that would still read the same (written within the same
    minute) show the time to the second."""
    rows = [branch_cells(tip, now) for tip in tips]
    seen = Counter(rows)
    return [
        (where, time.strftime("%H:%M:%S", time.localtime(tip.created)), turns)
        if seen[(where, when, turns)] > 1
        else (where, when, turns)
        for tip, (where, when, turns) in zip(tips, rows, strict=True)
    ]


def branch_row(tip: BranchTip, cells: tuple[str, str, str]) -> Table:
    """One row: marker, where it differs (cut to fit), when, turns."""
    where, when, turns = cells
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(no_wrap=True, width=1)
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(no_wrap=True, justify="right", width=10)
    row.add_column(no_wrap=True, justify="right", width=9)
    row.add_row(Text("●" if tip.is_head else " "), safe_text(where), Text(when), Text(turns))
    return row


class BranchListScreen(ModalScreen[int | None]):
    """Dismisses with the leaf turn id of the chosen branch, or ``None``."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="branches.open", priority=True),
        Binding("escape", "close", "Close", id="branches.close"),
    ]

    DEFAULT_CSS = """
    BranchListScreen { align: center middle; }
    BranchListScreen > Vertical {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    BranchListScreen #branches-help { color: $text-muted; }
    """

    def __init__(self, tips: list[BranchTip]) -> None:
        super().__init__()
        self.tips = tips

    def compose(self) -> ComposeResult:
        rows = branch_rows(self.tips, time.time())
        with Vertical():
            yield Static("Branches of this conversation (● the one in use)")
            yield OptionList(
                *(
                    Option(branch_row(tip, cells), id=str(tip.leaf_id))
                    for tip, cells in zip(self.tips, rows, strict=True)
                ),
                id="branches",
            )
            yield Static("Enter open  Esc close", id="branches-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = next((i for i, t in enumerate(self.tips) if t.is_head), 0)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        self.dismiss(self.tips[index].leaf_id if index is not None else None)

    def action_close(self) -> None:
        self.dismiss(None)
