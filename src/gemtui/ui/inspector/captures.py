"""The captures pane: every exchange the proxy has seen, newest at the bottom, updating live.

One row per exchange: the client (from its user agent), the request (method and path without
the API version, ``≋`` for an event stream), the status, the model or agent, the duration and
the tokens. The line under the table says more of the highlighted one. ``/`` filters the rows
by any of those words; Enter shows the capture in the chat panes (a plain exchange, one that
is not the Interactions API, opens its headers and bodies instead); ``f`` forks it into a new
chat; ``d`` shows the exchange's headers and bodies. Every cell is another program's or the
server's text: it is cleaned and never parsed as markup.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from gemtui.core.safety import one_line
from gemtui.proxy.collector import Capture
from gemtui.proxy.line import duration_text, tokens_text
from gemtui.ui.key_routing import focus_now

#: Column key, title and width; the widths fit the table into 80 columns.
COLUMNS = (
    ("client", "client", 12),
    ("request", "request", 22),
    ("status", "status", 7),
    ("owner", "model / agent", 16),
    ("time", "time", 6),
    ("tokens", "tok", 5),
)
STREAM_MARK = " ≋"
_VERSION = re.compile(r"^/v\d[0-9a-z]*/")
EMPTY = (
    "No exchanges yet: point a program at the proxy (GOOGLE_GEMINI_BASE_URL) and they appear "
    "here as they happen."
)


def middle_cut(text: str, width: int) -> str:
    """``text`` in ``width`` characters, cut in the middle (a path's ends say the most)."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def request_cell(capture: Capture) -> str:
    """Method and path, without the API version (the line under the list has it)."""
    wire = capture.wire
    mark = STREAM_MARK if wire.streaming else ""
    path = _VERSION.sub("/", wire.bare_path, count=1)
    return middle_cut(one_line(f"{wire.method} {path}"), COLUMNS[1][2] - len(mark)) + mark


def searchable(capture: Capture) -> str:
    """What the filter matches: every column, lower-cased."""
    wire = capture.wire
    words = [wire.client, wire.method, wire.path, capture.status_text, capture.owner]
    if capture.turn is not None:
        words.append(capture.turn.asked.prompt)
    return " ".join(words).lower()


def detail_line(capture: Capture) -> str:
    """The highlighted capture in full: request, client, what it is, what went wrong."""
    wire = capture.wire
    kind = "plain exchange" if capture.plain else f"interactions {capture.operation.kind}"  # type: ignore[union-attr]
    parts = [f"#{capture.number}", f"{wire.method} {wire.path}", wire.client, kind]
    turn = capture.turn
    if turn is not None and turn.interaction_id:
        parts.append(turn.interaction_id)
    if capture.exchange.error:
        parts.append(capture.exchange.error)
    return one_line(" · ".join(parts))


class CaptureTable(DataTable[Text]):
    """The captures, one row each: Home and End go to the first and last, as in the
    timeline (a DataTable's own scroll sideways, which a row list never needs)."""

    BINDINGS = [
        Binding("home,g", "scroll_top", "First", show=False),
        Binding("end,G", "scroll_bottom", "Last", show=False),
    ]


class CapturesPane(Vertical):
    """The list of captures; the app adds and refreshes rows with :meth:`show`."""

    BINDINGS = [
        Binding("f", "fork", "Fork into a chat", id="captures.fork"),
        Binding("d", "details", "Details", id="captures.details"),
        Binding("slash", "open_filter", "Filter", id="captures.filter"),
        Binding("escape", "leave", "Back", show=False, id="captures.back"),
    ]

    class Chosen(Message):
        """Enter on a capture: show it."""

        def __init__(self, capture: Capture) -> None:
            super().__init__()
            self.capture = capture

    class ForkRequested(Chosen):
        """``f`` on a capture: a new chat with its request."""

    class DetailsRequested(Chosen):
        """``d`` on a capture: its headers and bodies."""

    class Left(Message):
        """Escape with no filter: back to the prompt."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.captures: dict[str, Capture] = {}
        self._filter = ""

    def compose(self) -> ComposeResult:
        table = CaptureTable(id="captures-table", cursor_type="row")
        for key, title, width in COLUMNS:
            table.add_column(title, width=width, key=key)
        yield table
        yield Input(id="captures-filter", placeholder="filter: client, path, status, model")
        yield Static(EMPTY, id="captures-detail", markup=False)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#captures-table", DataTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#captures-filter", Input)

    def focus_table(self) -> None:
        self.table.focus()

    # ------------------------------------------------------------------ rows

    def _cells(self, capture: Capture) -> list[Text]:
        status = capture.status_text
        failed = status == "cut" or status.endswith(" cut") or status[:1] in ("4", "5")
        if capture.problem and not failed:  # a 200 whose answer failed all the same
            status, failed = f"{status} ×", True
        cells = [
            Text(one_line(capture.exchange.client)[: COLUMNS[0][2]], no_wrap=True),
            Text(request_cell(capture), no_wrap=True),
            Text(status, no_wrap=True, style="bold red" if failed else ""),
            Text(one_line(capture.owner)[: COLUMNS[3][2]], no_wrap=True),
            Text(duration_text(capture.wire.duration) if capture.done else "…", no_wrap=True),
            Text(tokens_text(capture.tokens).removesuffix("tok"), no_wrap=True),
        ]
        return cells

    def show(self, capture: Capture) -> None:
        """Add ``capture``'s row, or bring it up to date."""
        key = str(capture.number)
        self.captures[key] = capture
        table = self.table
        if self._filter and self._filter not in searchable(capture):
            if key in table.rows:
                table.remove_row(key)
            return
        at_end = not table.row_count or table.cursor_row >= table.row_count - 1
        if key not in table.rows:
            table.add_row(*self._cells(capture), key=key)
            if at_end:  # the cursor follows new exchanges unless the reader moved it up
                table.move_cursor(row=table.row_count - 1)
        else:
            for (column, _title, _width), cell in zip(COLUMNS, self._cells(capture), strict=True):
                table.update_cell(key, column, cell)
        if self.highlighted() is capture:
            self._show_detail()

    def forget(self, numbers: set[int]) -> None:
        """Drop the rows of captures the collector no longer keeps."""
        for number in numbers:
            key = str(number)
            self.captures.pop(key, None)
            if key in self.table.rows:
                self.table.remove_row(key)

    def highlighted(self) -> Capture | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.captures.get(key or "")

    def _show_detail(self) -> None:
        capture = self.highlighted()
        if capture is not None:
            text = detail_line(capture)
        elif self._filter and self.captures:
            count = len(self.captures)
            text = f"No exchange matches «{self._filter}» ({count} hidden; Escape clears)."
        else:
            text = EMPTY
        self.query_one("#captures-detail", Static).update(Text(text, no_wrap=True))

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        capture = self.captures.get(event.row_key.value or "")
        if capture is not None:
            self.post_message(self.Chosen(capture))

    # ------------------------------------------------------------------ filter

    def action_open_filter(self) -> None:
        box = self.filter_input
        box.add_class("-active")
        focus_now(box)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        focus_now(self.table)

    def apply_filter(self, text: str) -> None:
        """Show only the captures whose columns hold ``text`` (case-insensitive)."""
        self._filter = " ".join(text.lower().split())
        self.table.clear()
        for capture in list(self.captures.values()):
            self.show(capture)
        self._show_detail()

    def action_leave(self) -> None:
        box = self.filter_input
        if self._filter or box.has_class("-active"):
            box.value = ""
            box.remove_class("-active")
            self.apply_filter("")
            self.table.focus()
            return
        self.post_message(self.Left())

    # ------------------------------------------------------------------ actions

    def action_fork(self) -> None:
        capture = self.highlighted()
        if capture is not None:
            self.post_message(self.ForkRequested(capture))

    def action_details(self) -> None:
        capture = self.highlighted()
        if capture is not None:
            self.post_message(self.DetailsRequested(capture))
