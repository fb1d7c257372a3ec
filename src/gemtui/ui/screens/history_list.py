"""The conversation list (Ctrl+O): browse the history, open, rename, archive or delete.

A modal screen that talks to the :class:`~gemtui.core.store.Store` it is given and dismisses
with the id of the conversation to open, or ``None``. Opening is the app's job; this screen only
chooses. Every title comes from the database and is untrusted (a prompt, or a rename made by
another program): it reaches Rich only as :func:`~gemtui.core.safety.safe_text`.

Store calls run on the UI thread: each is one short transaction started by one key press (listing
500 conversations takes about a millisecond), so a worker would add a state to the screen (rows
not loaded yet) without making a key press feel faster.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from gemtui.core.safety import one_line, safe_text
from gemtui.core.store import ConversationSummary, Store, StoreError

HELP = "Enter open  r rename  a archive  d delete  / filter  A archived  Esc close"
EMPTY = "No conversations yet. Press Esc and type a prompt: every chat is saved here."


def describe_time(timestamp: float, now: float) -> str:
    """When, as a person says it for the last week, then as an ISO date (unambiguous anywhere)."""
    seconds = max(0.0, now - timestamp)
    if seconds < 60:
        return "just now"
    for unit, size, count in (("min", 60, 60), ("h", 3600, 24), ("d", 86400, 7)):
        if seconds < size * count:
            return f"{int(seconds // size)} {unit} ago"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


def plain_title(title: str) -> str:
    """The title as one clean line: no escape sequences, no line breaks."""
    return one_line(title)


#: The title's claim on a row: this share of the width (or all of its longest title, if
#: shorter). The side columns give way until the title has it.
TITLE_SHARE = 0.6
#: Blank cells between two columns.
GAP = 2
#: The widest a model name is shown (cut with an ellipsis beyond).
MODEL_WIDTH = 22
#: The side columns, left to right.
SIDE = ("model", "when", "turns")
#: What the side columns give up for the title, in this order, each step a (column, form):
#: the model drops its "gemini-", then goes; the time drops its "ago"; the turns go; the time.
GIVE_WAY: tuple[tuple[str, int], ...] = (
    ("model", 1),
    ("model", 2),
    ("when", 1),
    ("turns", 1),
    ("when", 2),
)


@dataclass(frozen=True, slots=True)
class RowCells:
    """One row's cells: the title, and each side column's forms, longest first, the last
    ``""`` (the column left out)."""

    title: Text
    side: dict[str, tuple[str, ...]]


def row_cells(summary: ConversationSummary, now: float) -> RowCells:
    """The cells of one list row: title, model, when, turns. The title is ``Text`` made by
    ``safe_text``, never markup."""
    title = safe_text(plain_title(summary.title))
    if summary.archived:
        title = Text.assemble(("archived ", "italic dim"), title)
    model = summary.model or ""
    when = describe_time(summary.updated, now)
    # The branch in use: what opening the chat shows (Ctrl+P "Switch branch" lists the rest).
    turns = f"{summary.branch_turns} turn{'' if summary.branch_turns == 1 else 's'}"
    return RowCells(
        title,
        {
            "model": (model, model.removeprefix("gemini-"), ""),
            "when": (when, "now" if when == "just now" else when.removesuffix(" ago"), ""),
            "turns": (turns, ""),
        },
    )


class RowLayout:
    """How the rows share a width: the same for every row, so the columns line up. The title
    keeps most of it: the side columns shorten or go (``GIVE_WAY``) before it is cut, where
    a table of fixed columns had cut the title first, to nothing at 40 columns."""

    def __init__(self, rows: list[RowCells]) -> None:
        self.rows = rows
        self.longest_title = max((row.title.cell_len for row in rows), default=0)
        self._at: dict[int, tuple[int, dict[str, tuple[int, int]]]] = {}

    def at(self, width: int) -> tuple[int, dict[str, tuple[int, int]]]:
        """The title's width and each side column's (form, width) at ``width`` cells (a
        width of 0: the column is left out)."""
        if width not in self._at:
            self._at[width] = self._fit(width)
        return self._at[width]

    def _fit(self, width: int) -> tuple[int, dict[str, tuple[int, int]]]:
        wanted = min(self.longest_title, math.ceil(width * TITLE_SHARE))
        forms = dict.fromkeys(SIDE, 0)
        steps = iter(GIVE_WAY)
        columns = self._columns(forms)
        while width - self._side_width(columns) < wanted:
            step = next(steps, None)
            if step is None:
                break
            column, form = step
            forms[column] = form
            columns = self._columns(forms)
        return max(0, width - self._side_width(columns)), columns

    def _columns(self, forms: dict[str, int]) -> dict[str, tuple[int, int]]:
        """Each side column's form and width: its widest cell in that form."""
        widest = {
            column: max((cell_len(row.side[column][form]) for row in self.rows), default=0)
            for column, form in forms.items()
        }
        widest["model"] = min(widest["model"], MODEL_WIDTH)
        return {column: (forms[column], widest[column]) for column in SIDE}

    @staticmethod
    def _side_width(columns: dict[str, tuple[int, int]]) -> int:
        return sum(GAP + width for _, width in columns.values() if width)


class ConversationRow:
    """One list row, laid out when it is drawn, at the width it is drawn at."""

    def __init__(self, cells: RowCells, layout: RowLayout) -> None:
        self.cells = cells
        self.layout = layout

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title_width, columns = self.layout.at(options.max_width)
        line = self.cells.title.copy()
        line.no_wrap = True
        line.truncate(title_width, overflow="ellipsis", pad=True)
        for column in SIDE:
            form, width = columns[column]
            if not width:
                continue
            cell = Text(self.cells.side[column][form], style="dim" if column == "model" else "")
            cell.truncate(width, overflow="ellipsis")
            cell.align("left" if column == "model" else "right", width)
            line.append(" " * GAP)
            line.append_text(cell)
        yield line


def quoted(summary: ConversationSummary) -> Text:
    """The title in quotes, for messages; safe whatever the title holds."""
    return Text.assemble("“", safe_text(plain_title(summary.title)), "”")


@dataclass(frozen=True)
class OpenChat:
    """The conversation on screen, as the delete question needs it: ``has_draft`` says
    whether its prompt holds an unsent draft (asked when the question is put)."""

    conversation_id: int
    has_draft: Callable[[], bool]


class ConfirmDeleteScreen(ModalScreen[bool]):
    """Asks once before a conversation is deleted; ``y`` deletes, ``n`` or Escape keeps it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Delete", id="history.confirm_delete"),
        Binding("n,escape", "answer(False)", "Keep", id="history.keep"),
    ]

    DEFAULT_CSS = """
    ConfirmDeleteScreen { align: center middle; }
    ConfirmDeleteScreen > #confirm-box {
        width: 60; max-width: 100%; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmDeleteScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, summary: ConversationSummary, open_chat: OpenChat | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.open_chat = open_chat

    def compose(self) -> ComposeResult:
        turns = self.summary.turn_count
        others = turns - self.summary.branch_turns
        also = f" ({others} of them on other branches)" if others > 0 else ""
        with Vertical(id="confirm-box"):
            yield Static(
                Text.assemble(
                    "Delete ",
                    quoted(self.summary),
                    f" and its {turns} turn{'' if turns == 1 else 's'}{also}?\n",
                    self._open_chat_line(),
                    "This cannot be undone.",
                ),
                id="confirm-question",
            )
            yield Static("y delete · n or Esc keep it", id="confirm-keys")

    def _open_chat_line(self) -> str:
        """What else goes when the chat on screen is the one deleted (nothing was said: its
        draft seemed lost with it)."""
        chat = self.open_chat
        if chat is None or chat.conversation_id != self.summary.id:
            return ""
        kept = " Its unsent draft stays in the prompt." if chat.has_draft() else ""
        return f"It is the chat open now: a new chat takes its place.{kept}\n"

    def action_answer(self, delete: bool) -> None:
        self.dismiss(delete)


class ConversationOptions(OptionList):
    """The rows; a class of its own so the screen's styles and tests can name it."""

    def on_resize(self) -> None:
        """Keep the highlighted row in view when the list gets shorter: the report line a key
        shows (archive, delete), the rename or filter field, take rows from it, which pushed
        a highlighted row near the bottom out of sight, where ``d`` then offered to delete
        a conversation the reader could not see."""
        self.scroll_to_highlight()


class ConversationListScreen(ModalScreen[int | None]):
    """Every stored conversation, newest first; dismisses with the id to open, or ``None``."""

    BINDINGS = [
        # Priority, or the list's own Enter (select) would take the key first.
        Binding("enter", "open", "Open", id="history.open", priority=True),
        Binding("r", "rename", "Rename", id="history.rename"),
        Binding("a", "archive", "Archive", id="history.archive"),
        Binding("d", "delete", "Delete", id="history.delete"),
        Binding("slash", "filter", "Filter", id="history.filter"),
        Binding("A", "toggle_archived", "Show archived", id="history.show_archived"),
        Binding("down", "focus_list", "To the list", show=False, id="history.to_list"),
        Binding("escape", "back", "Close", id="history.close"),
    ]

    DEFAULT_CSS = """
    ConversationListScreen { align: center middle; }
    ConversationListScreen > #history-box {
        width: 100%; max-width: 110; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ConversationListScreen #history-help { color: $text-muted; }
    ConversationListScreen .history-row { height: 1; }
    ConversationListScreen .history-row > Label { width: auto; color: $text-muted; }
    ConversationListScreen .history-row > Input { width: 1fr; }
    ConversationListScreen .-hidden { display: none; }
    ConversationListScreen #history-message { color: $text-muted; height: auto; }
    ConversationListScreen #history-message.-error { color: $error; }
    ConversationListScreen #history-list { height: 1fr; border: none; padding: 0; }
    /* A blank column between the last column and the scrollbar. */
    ConversationListScreen #history-list > .option-list--option { padding: 0 1 0 0; }
    ConversationListScreen #history-empty { color: $text-muted; height: auto; }
    """

    class Deleted(Message):
        """A conversation is gone: the app forgets it if it is the one on screen."""

        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        open_chat: OpenChat | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        #: The chat on screen, which a delete question names as such.
        self.open_chat = open_chat
        self.show_archived = False
        self._clock = clock
        self._summaries: list[ConversationSummary] = []
        #: The rows on screen: ``_summaries`` filtered by title.
        self._shown: list[ConversationSummary] = []
        self._renaming: ConversationSummary | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box"):
            yield Static(HELP, id="history-help")
            with Horizontal(id="filter-row", classes="history-row -hidden"):
                yield Label("Filter: ")
                yield Input(id="history-filter", placeholder="part of a title", compact=True)
            with Horizontal(id="rename-row", classes="history-row -hidden"):
                yield Label("New title: ")
                yield Input(id="history-rename", compact=True)
            yield Static("", id="history-message", classes="-hidden")
            yield ConversationOptions(id="history-list")
            yield Static("", id="history-empty", classes="-hidden")

    def on_mount(self) -> None:
        self.reload()
        self.rows.focus()

    @property
    def rows(self) -> ConversationOptions:
        return self.query_one(ConversationOptions)

    @property
    def shown(self) -> list[ConversationSummary]:
        """The rows on screen, top to bottom."""
        return list(self._shown)

    @property
    def selected(self) -> ConversationSummary | None:
        index = self.rows.highlighted
        return self._shown[index] if index is not None and index < len(self._shown) else None

    # ------------------------------------------------------------------ showing rows

    def reload(self, keep: int | None = None) -> None:
        """Read the list again and show it, the cursor on ``keep`` (an id) if it is still there,
        else on the row where it was."""
        if keep is None and self.selected is not None:
            keep = self.selected.id
        try:
            self._summaries = self.store.list_conversations(
                archived=None if self.show_archived else False
            )
        except StoreError as error:
            self._summaries = []
            self.say_error(error)
        self.query_one("#history-box").border_title = (
            "History · archived shown" if self.show_archived else "History"
        )
        self._show_rows(keep)

    def _show_rows(self, keep: int | None = None) -> None:
        needle = self.query_one("#history-filter", Input).value.casefold().strip()
        self._shown = [s for s in self._summaries if needle in plain_title(s.title).casefold()]
        old_index = self.rows.highlighted
        # set_options scrolls to the top: the rows stay where the reader had them instead.
        scrolled = self.rows.scroll_y
        now = self._clock()
        cells = [row_cells(summary, now) for summary in self._shown]
        layout = RowLayout(cells)
        self.rows.set_options(
            Option(ConversationRow(row, layout), id=str(summary.id))
            for row, summary in zip(cells, self._shown, strict=True)
        )
        self.rows.scroll_y = scrolled
        ids = [s.id for s in self._shown]
        if keep in ids:
            self.rows.highlighted = ids.index(keep)
        elif self._shown:
            # The row that took the place of one gone: its neighbour.
            self.rows.highlighted = min(old_index or 0, len(self._shown) - 1)
        empty = self.query_one("#history-empty", Static)
        empty.update(self._empty_text(needle))
        empty.set_class(bool(self._shown), "-hidden")

    def _empty_text(self, needle: str) -> Text:
        if needle:
            return Text.assemble("No title contains “", safe_text(needle), "”.")
        if not self.show_archived and self._has_archived():
            return Text("No conversations here. Press A to show the archived ones.")
        return Text(EMPTY)

    def _has_archived(self) -> bool:
        try:
            return bool(self.store.list_conversations(archived=True))
        except StoreError:
            return False

    def say(self, message: Text | str) -> None:
        """A one-line report of what a key did (replaces the previous one)."""
        widget = self.query_one("#history-message", Static)
        widget.update(message)
        widget.remove_class("-error")
        widget.set_class(not message, "-hidden")

    def say_error(self, error: StoreError) -> None:
        widget = self.query_one("#history-message", Static)
        widget.update(safe_text(error.explained()))
        widget.add_class("-error")
        widget.remove_class("-hidden")

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        """Enter: open the highlighted conversation (from the list or the filter field)."""
        if self.focused is self.query_one("#history-rename", Input) or self.selected is None:
            raise SkipAction()  # the rename field's Enter saves the title
        self.dismiss(self.selected.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a row (Enter never gets here: the priority binding takes it)."""
        event.stop()
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_focus_list(self) -> None:
        if self._renaming is not None:
            raise SkipAction()
        self.rows.focus()

    def action_rename(self) -> None:
        summary = self.selected
        if summary is None:
            return
        self._renaming = summary
        field = self.query_one("#history-rename", Input)
        field.value = plain_title(summary.title)
        self.query_one("#rename-row").remove_class("-hidden")
        self.say("Enter saves the new title · Esc keeps the old one")
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "history-rename":
            self._save_title(event.value)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Leaving the rename field (Tab) saves what it holds, as Enter does: the title typed
        was lost without a word, and Enter on the list then opened the chat."""
        if event.widget.id != "history-rename" or self._renaming is None:
            return
        field = self.query_one("#history-rename", Input)
        if " ".join(field.value.split()) in ("", plain_title(self._renaming.title)):
            self._end_rename()
        else:
            self._save_title(field.value)

    def _save_title(self, value: str) -> None:
        summary = self._renaming
        if summary is None:
            return
        title = " ".join(value.split())
        if not title:
            self.say("A title cannot be empty: type one, or press Esc to keep the old title.")
            return
        try:
            self.store.rename(summary.id, title)
        except StoreError as error:
            self._end_rename()
            self.say_error(error)
            return
        self._end_rename()
        self.reload(keep=summary.id)
        self.say(Text.assemble("Renamed to “", safe_text(title), "”."))

    def _end_rename(self) -> None:
        self._renaming = None
        self.query_one("#rename-row").add_class("-hidden")
        self.say("")
        self.rows.focus()

    def action_archive(self) -> None:
        summary = self.selected
        if summary is None:
            return
        try:
            self.store.archive(summary.id, not summary.archived)
        except StoreError as error:
            self.say_error(error)
            return
        self.reload(keep=summary.id)
        if summary.archived:
            self.say(Text.assemble("Restored ", quoted(summary), " from the archive."))
        else:
            hint = "" if self.show_archived else " A shows archived conversations."
            self.say(Text.assemble("Archived ", quoted(summary), f".{hint}"))

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.reload()
        self.say(
            "Showing archived conversations too (A hides them)."
            if self.show_archived
            else "Archived conversations are hidden (A shows them)."
        )

    def action_delete(self) -> None:
        summary = self.selected
        if summary is not None:
            self.app.push_screen(
                ConfirmDeleteScreen(summary, self.open_chat),
                lambda yes: self._deleted(summary, bool(yes)),
            )

    def _deleted(self, summary: ConversationSummary, confirmed: bool) -> None:
        if not confirmed:
            self.say(Text.assemble("Kept ", quoted(summary), "."))
            return
        try:
            self.store.delete(summary.id)
        except StoreError as error:
            self.say_error(error)
            return
        self.post_message(self.Deleted(summary.id))
        self.reload()
        self.say(Text.assemble("Deleted ", quoted(summary), "."))

    def action_filter(self) -> None:
        self.query_one("#filter-row").remove_class("-hidden")
        self.query_one("#history-filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "history-filter":
            self._show_rows()

    def action_back(self) -> None:
        """Escape steps back one level: out of renaming, then out of the filter, then away."""
        if self._renaming is not None:
            self._end_rename()
            return
        filter_row = self.query_one("#filter-row")
        if not filter_row.has_class("-hidden"):
            self.query_one("#history-filter", Input).value = ""
            filter_row.add_class("-hidden")
            self._show_rows()
            self.rows.focus()
            return
        self.dismiss(None)
