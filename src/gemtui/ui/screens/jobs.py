"""The jobs screen (F4): the background runs of this session, updating as they are polled.

One row per run: short id, prompt, model or agent, status and elapsed time. The rows follow the
board's change events; a timer moves the elapsed time of running rows once a second (only
while the screen is open). Enter opens a finished run into the conversation (the app does
that, the screen only says which); ``c`` cancels a running one at the server.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from gemtui.api.errors import GemtuiApiError
from gemtui.core.jobs import Job, JobBoard, JobChange
from gemtui.core.safety import clean_terminal_text, escape_markup

#: Column key, title and width; the widths fit the table into 80 columns.
COLUMNS = (
    ("id", "id", 9),
    ("prompt", "prompt", 18),
    ("owner", "model / agent", 16),
    ("status", "status", 15),  # "requires_action"
    ("elapsed", "elapsed", 7),
)
#: Cells the box takes around the table (border and padding), and each column around its text.
FRAME = 4
CELL_PADDING = 2
#: The prompt is cut to no fewer characters than this before a column is left out.
PROMPT_MIN = 8
#: Left out first when the screen is narrow, in this order: the status and elapsed time
#: (is it done?) must stay in sight, and the detail lines under the table have the whole id,
#: the model or agent and the prompt.
DROPPED_FIRST = ("owner", "id")
#: How often running rows show their new elapsed time, in seconds.
TICK = 1.0
HELP = "Enter open the result · c cancel at the server · i copy its id · Esc close"
EMPTY = "No background runs yet: Ctrl+B sends the draft as one."


def columns_for(width: int) -> list[tuple[str, str, int]]:
    """The columns that fit a screen ``width`` cells wide, as in :data:`COLUMNS`: at 80 all
    of them; narrower, the prompt is cut, then the model and the id are left out, so the
    status and the elapsed time are never cut off (at 40 columns they were)."""
    inner = min(width, 100) - FRAME  # the box is at most 100 wide (DEFAULT_CSS)
    columns = list(COLUMNS)
    for dropped in (None, *DROPPED_FIRST):
        columns = [column for column in columns if column[0] != dropped]
        others = sum(w + CELL_PADDING for key, _t, w in columns if key != "prompt")
        room = inner - others - CELL_PADDING
        if room >= PROMPT_MIN:
            break
    prompt = max(PROMPT_MIN, min(COLUMNS[1][2], room))
    return [(key, title, prompt if key == "prompt" else w) for key, title, w in columns]


def short_id(interaction_id: str) -> str:
    """The end of an id: the start is the conversation's root and the same for a whole chain."""
    return interaction_id if len(interaction_id) <= 9 else "…" + interaction_id[-8:]


def one_line(text: str, width: int) -> str:
    """Untrusted text as one clean line of at most ``width`` characters."""
    flat = " ".join(clean_terminal_text(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def format_elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def status_text(job: Job) -> str:
    return f"{job.status} ⚠{job.poll_errors}" if job.poll_errors else job.status


class JobsScreen(ModalScreen[Job | None]):
    """Lists ``board``'s jobs; dismisses with the finished job to open, or ``None``."""

    BINDINGS = [
        Binding("enter", "open_job", "Open", id="jobs.open", priority=True),
        Binding("c", "cancel_job", "Cancel run", id="jobs.cancel"),
        Binding("i,y", "copy_id", "Copy id", id="jobs.copy_id"),
        Binding("home", "first", "First", show=False, id="jobs.first", priority=True),
        Binding("end", "last", "Last", show=False, id="jobs.last", priority=True),
        Binding("escape", "close", "Close", id="jobs.close"),
    ]

    DEFAULT_CSS = """
    JobsScreen { align: center middle; }
    JobsScreen > Vertical {
        width: 100%; max-width: 100; height: 100%; max-height: 30;
        border: round $primary; background: $surface; padding: 0 1;
    }
    JobsScreen #jobs-title { text-style: bold; }
    JobsScreen #jobs-help, JobsScreen #jobs-detail, JobsScreen #jobs-prompt {
        color: $text-muted;
    }
    JobsScreen #jobs-prompt { text-wrap: nowrap; text-overflow: ellipsis; }
    JobsScreen DataTable { height: 1fr; }
    """

    def __init__(self, board: JobBoard) -> None:
        super().__init__()
        self.board = board
        self._unsubscribe: Callable[[], None] | None = None
        #: The columns shown, for the screen's width (:func:`columns_for`).
        self._columns = list(COLUMNS)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Background runs", id="jobs-title")
            yield Static(HELP, id="jobs-help")
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            for key, title, width in self._columns:
                table.add_column(title, width=width, key=key)
            yield table
            yield Static("", id="jobs-detail", markup=False)
            yield Static("", id="jobs-prompt", markup=False)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        for job in self.board.jobs:
            self._show(job)
        self._unsubscribe = self.board.subscribe(self._changed)
        self.set_interval(TICK, self._tick)
        self.table.focus()
        self.action_last()  # the newest run: most often the one just sent or just ended

    def on_resize(self, event: events.Resize) -> None:
        """Fit the columns to the new width: rows are laid out again, the cursor kept."""
        columns = columns_for(event.size.width)
        if columns == self._columns:
            return
        self._columns = columns
        table = self.table
        row = table.cursor_row
        table.clear(columns=True)
        for key, title, width in columns:
            table.add_column(title, width=width, key=key)
        for job in self.board.jobs:
            self._show(job)
        table.move_cursor(row=row)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    # ------------------------------------------------------------------ rows

    def _cells(self, job: Job) -> list[Text]:
        """Cells as ``Text``: a ``str`` cell would be parsed as markup, and these are not ours."""
        widths = {key: width for key, _title, width in self._columns}
        cells = {
            "id": short_id(job.id),
            "prompt": one_line(job.prompt, widths["prompt"]),
            "owner": one_line(job.owner, widths.get("owner", 0)),
            "status": status_text(job),
            "elapsed": format_elapsed(job.elapsed(self.board.clock())),
        }
        return [Text(cells[key], no_wrap=True) for key in widths]

    def _show(self, job: Job) -> None:
        key = str(job.number)
        table = self.table
        if key not in table.rows:
            table.add_row(*self._cells(job), key=key)
            return
        for (column, _title, _width), value in zip(self._columns, self._cells(job), strict=True):
            table.update_cell(key, column, value)

    def _changed(self, job: Job, _change: JobChange) -> None:
        self._show(job)
        self._show_detail()

    def _tick(self) -> None:
        now = self.board.clock()
        for job in self.board.jobs:
            if not job.finished:
                elapsed = Text(format_elapsed(job.elapsed(now)))
                self.table.update_cell(str(job.number), "elapsed", elapsed)

    def selected_job(self) -> Job | None:
        table = self.table
        if not table.row_count:
            return None
        number = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)
        return self.board.jobs[number - 1] if 0 < number <= len(self.board.jobs) else None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The selected run whole: its id, model or agent (and environment), then its prompt
        on one line cut to the width. A narrow table leaves out the model and cuts the
        prompt (at 40 columns to ``!slow 2…``); these say what the row no longer does."""
        job = self.selected_job()
        detail = self.query_one("#jobs-detail", Static)
        prompt = self.query_one("#jobs-prompt", Static)
        if job is None:
            detail.update(EMPTY)
            prompt.update("")
            return
        prompt.update(" ".join(clean_terminal_text(job.prompt).split()))
        text = " · ".join(part for part in (job.id, job.owner) if part)
        if job.interaction is not None and job.interaction.environment_id:
            text += f" · {job.interaction.environment_id}"
        if job.poll_errors:
            text += f"\n{job.poll_errors} failed polls; last: {job.last_error}"
        detail.update(clean_terminal_text(text))

    # ------------------------------------------------------------------ actions

    def action_open_job(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        if not job.finished:
            self.notify("Still running: it can be opened once it has finished (c cancels it).")
            return
        self.dismiss(job)

    def action_cancel_job(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        if job.finished:
            self.notify(f"This run has already ended ({job.status}).")
            return
        self.run_worker(self._cancel(job), group="jobs-cancel", exit_on_error=False)

    async def _cancel(self, job: Job) -> None:
        try:
            await self.board.cancel(job)
        except GemtuiApiError as error:
            self.notify(escape_markup(f"Not cancelled: {error}"), severity="error")

    def action_copy_id(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.app.copy_to_clipboard(job.id)

    def action_first(self) -> None:
        self.table.move_cursor(row=0)
        self._show_detail()

    def action_last(self) -> None:
        self.table.move_cursor(row=max(0, self.table.row_count - 1))
        self._show_detail()

    def action_close(self) -> None:
        self.dismiss(None)

    def reopened(self) -> None:
        """F4 while the runs are shown closes them (see :mod:`gemtui.ui.dialogs`)."""
        self.action_close()
