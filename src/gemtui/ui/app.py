"""GemtuiApp: the panes, the key bindings and the one stream worker per turn."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker

from gemtui.api.client import InteractionsClient, RequestTimings
from gemtui.api.errors import GemtuiApiError, StreamInterrupted
from gemtui.api.models import RUNNING_STATUSES
from gemtui.api.sse import ReceivedEvent
from gemtui.config import DEFAULT_THEME, ConfigWriteError, LoadedSettings, Settings, save_settings
from gemtui.core.assembler import apply
from gemtui.core.attachments import AttachmentError, check_items, item_label
from gemtui.core.branching import place_stored_turns, previous_stored_id
from gemtui.core.clipboard import copy_text
from gemtui.core.conversation import ChatSettings, Conversation, Turn
from gemtui.core.export import export_conversation, write_private
from gemtui.core.jobs import JobBoard
from gemtui.core.logs import write_crash_report
from gemtui.core.recording import save_recording
from gemtui.core.safety import escape_markup, redact_secrets
from gemtui.core.store import HEAD, Store, StoreError
from gemtui.core.store import default_path as default_history_path
from gemtui.core.store_recorder import TurnRecorder
from gemtui.ui.background import job_changed, open_jobs, send_background
from gemtui.ui.branching import (
    EditState,
    begin_edit,
    leave_edit,
    regenerate,
    send_edit,
    switch_branch,
)
from gemtui.ui.chat_items import AnswerItem, NoticeItem, UserItem
from gemtui.ui.keymap import BindingInfo, binding_catalogue, build_keymap
from gemtui.ui.lazy_history import BATCH as HISTORY_BATCH
from gemtui.ui.lazy_history import OlderTurns, fill_top, load_older, older_after, stored_items
from gemtui.ui.tool_loop import ToolLoop
from gemtui.ui.turn_presenter import TurnPresenter, turn_of
from gemtui.ui.widgets.attachment_bar import AttachmentBar
from gemtui.ui.widgets.composer import Composer
from gemtui.ui.widgets.conversation import ConversationView
from gemtui.ui.widgets.status_bar import StatusBar
from gemtui.ui.widgets.step_detail import StepDetail
from gemtui.ui.widgets.timeline import StepTimeline

if TYPE_CHECKING:  # the dialogs are imported when first opened: they cost start-up time
    from gemtui.ui.widgets.history_list import ConversationListScreen
    from gemtui.ui.widgets.settings import SettingsResult
    from gemtui.ui.widgets.tools import ToolsScreen

log = logging.getLogger(__name__)

#: Longest pause between repaints of a streaming answer (about 20 Hz, DESIGN.md section 4).
FLUSH_INTERVAL = 0.05
#: How often the waiting indicator ticks; it runs only while a request is waiting.
SPINNER_INTERVAL = 0.2

OUTCOME_NOTICES = {
    "cancelled": ("Cancelled. The partial answer is kept.", "", "warning"),
    "interrupted": (
        "The stream was cut off. The partial answer is kept.",
        "Press F5 to send the prompt again.",
        "error",
    ),
    "incomplete": (
        "The answer is incomplete (the output token limit was reached).",
        "Raise max_output_tokens in the settings, or ask the model to continue.",
        "warning",
    ),
}


#: What the command palette offers besides Textual's own commands: (title, help, action).
PALETTE_COMMANDS = [
    ("New conversation", "Start an empty chat (Ctrl+N)", "new_conversation"),
    ("Cancel the running answer", "Stop the stream and keep the partial answer (Escape)",
     "cancel_or_focus"),
    ("Copy the last answer", "Copy its Markdown to the clipboard (Ctrl+Y)", "copy_last_answer"),
    ("Copy a code block of the last answer", "The next one each time (c on a selected message)",
     "copy_last_code_block"),
    ("Send the last prompt again", "Retry after an error or a cut-off stream (F5)", "retry"),
    ("Switch stateful / stateless", "How the next turns carry the history (F6)", "toggle_mode"),
    ("Go to the messages", "Select, expand and copy messages (Ctrl+L)", "focus_conversation"),
    ("Show keys", "Every key of the focused pane (F1)", "help"),
    ("Settings", "Model, tools, generation config, keys, theme (F2)", "settings"),
    ("Save a recording of the last turn", "Its raw events as JSON Lines, for gemtui replay "
     "(Ctrl+S)", "save_recording"),
    ("Conversation history", "Open, rename, archive or delete saved chats (Ctrl+O)",
     "history"),
    ("Search the history", "Prompts, answers, thoughts and tool results (Ctrl+R)",
     "search_history"),
    ("Export this conversation as Markdown", "Prompts, answers, thoughts and tool calls",
     "export('md')"),
    ("Export this conversation as JSON", "Every turn with its raw steps", "export('json')"),
    ("Open an interaction by id", "Fetch a stored interaction with its steps and events",
     "open_by_id"),
    ("Step timeline", "Every step and event of each turn, with timings and raw JSON (Ctrl+T)",
     "timeline"),
    ("Regenerate the last answer", "Send the last prompt again from the same point; the old "
     "answer stays as a branch (F8)", "regenerate"),
    ("Switch branch", "Every branch of this conversation (an edited prompt, a regenerated "
     "answer); open one", "switch_branch"),
    ("Attach a file or URL", "Pick a file under the working directory, or type a URL (F3, or @ "
     "in the prompt)", "attach"),
    ("Attachments", "Go to the attachment chips: Left/Right choose, Delete removes (F9)",
     "focus_attachments"),
    ("Send in the background", "The draft runs at the server; F4 lists the runs (Ctrl+B)",
     "send_background"),
    ("Background runs", "Running and finished runs: open a result, cancel a run (F4)", "jobs"),
    ("Tools of this conversation", "Switch built-in and function tools on or off (F7)", "tools"),
    ("Toggle Google Search", "For this conversation's next requests",
     "toggle_tool('google_search')"),
    ("Toggle code execution", "For this conversation's next requests",
     "toggle_tool('code_execution')"),
    ("Toggle URL context", "For this conversation's next requests", "toggle_tool('url_context')"),
    ("Copy the last interaction id", "i copies the id of a selected message's turn",
     "copy_last_id"),
]  # fmt: skip


@dataclass
class Connection:
    """Where requests go and with which key (the key is never shown or logged)."""

    base_url: str | None = None
    #: Kept out of the repr: tracebacks and debug output print dataclasses whole.
    api_key: str | None = field(default=None, repr=False)
    api_version: str = "v1beta"
    demo: bool = False
    notice: str = ""
    secrets: list[str] = field(default_factory=list, repr=False)


class GemtuiApp(App[int]):
    """The chat app. Widgets only render what they are given; the turn worker does the I/O."""

    CSS_PATH = [Path(__file__).with_name("gemtui.tcss"), Path(__file__).with_name("timeline.tcss")]
    #: Below 120 columns the timeline and its detail stack; from 120 on they sit side by side.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    TITLE = "gemtui"

    BINDINGS = [
        # Shown (and active) only while something runs; otherwise Escape goes back.
        Binding("escape", "cancel_or_focus", "Cancel", id="app.cancel"),
        Binding("escape", "back", "Back (cancels what runs)", show=False, id="app.back"),
        Binding(
            "ctrl+n",
            "new_conversation",
            "New",
            show=False,
            id="app.new_conversation",
            priority=True,
        ),
        Binding("ctrl+y", "copy_last_answer", "Copy", id="app.copy_last_answer", priority=True),
        Binding("f5", "retry", "Retry", show=False, id="app.retry", priority=True),
        Binding(
            "f6",
            "toggle_mode",
            "Stateful/stateless",
            show=False,
            id="app.toggle_mode",
            priority=True,
        ),
        Binding(
            "ctrl+l", "focus_conversation", "Messages", show=False, id="app.focus_conversation"
        ),
        Binding("f1", "help", "Help", id="app.help", priority=True),
        Binding("f2", "settings", "Settings", id="app.settings", priority=True),
        Binding("ctrl+t", "timeline", "Timeline", id="app.timeline", priority=True),
        # Not priority: while one of these screens is open, the keys cannot stack another.
        Binding("ctrl+o", "history", "History", show=False, id="app.history"),
        Binding("ctrl+r", "search_history", "Search", show=False, id="app.search_history"),
        Binding("ctrl+s", "save_recording", "Save recording", show=False, id="app.save_recording"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f8", "regenerate", "Regenerate", show=False, id="app.regenerate", priority=True),
        Binding("f3", "attach", "Attach", show=False, id="app.attach"),
        Binding("f9", "focus_attachments", "Attachments", show=False, id="app.attachments"),
        Binding("ctrl+b", "send_background", "Background", show=False, id="app.send_background"),
        Binding("f4", "jobs", "Jobs", show=False, id="app.jobs", priority=True),
        Binding("f7", "tools", "Tools", show=False, id="app.tools", priority=True),
    ]

    def __init__(
        self,
        connection: Connection,
        settings: ChatSettings | None = None,
        loaded: LoadedSettings | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__()
        self.connection = connection
        #: The user's settings as loaded (file < env < flags); None when not from a file (tests).
        self.loaded = loaded
        self.user_settings = loaded.settings if loaded else Settings.model_validate({})
        chat_settings = settings or self.user_settings.to_chat_settings()
        self.conversation = Conversation(settings=chat_settings)
        #: Where turns are saved (None: history off); the current chat's row in it.
        self.store = store
        self._conversation_id: int | None = None
        #: The stored turn the next turn follows (set when rewound to branch; else the head).
        self.branch_parent: int | Literal["head"] | None = HEAD
        #: An earlier prompt being edited in the composer, and the draft to restore once sent.
        self.editing: EditState | None = None
        self.draft_after_send = ""
        #: What of the open stored conversation is not read yet (lazy loading).
        self.older_turns: OlderTurns | None = None
        self.client = self._make_client()
        self._turn_worker: Worker[object] | None = None
        self._presenter: TurnPresenter | None = None
        #: The running turn's row group in the timeline, and its request timings.
        self._timeline_turn = 0
        self._timings: RequestTimings | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._wait_started: float | None = None
        self._spinner = None
        #: The crash report written when an unexpected error stops the app.
        self.crash_report: Path | None = None
        #: Where OSC 52 sequences go (None: the terminal driver); tests capture them here.
        self.clipboard_writer: Callable[[str], None] | None = None
        #: Answers the function calls of turns that end in requires_action.
        self.tool_loop = ToolLoop(self)
        #: Background runs of this session (F4), polled with whichever client is current.
        self.jobs = JobBoard(lambda: self.client)
        self.jobs.subscribe(partial(job_changed, self))
        #: Function tools offered by F7 besides the config's: those once in force stay offered.
        self._offered_functions: list[dict[str, Any]] = []

    def _make_client(self) -> InteractionsClient:
        network = self.user_settings.network
        return InteractionsClient(
            api_key=self.connection.api_key,
            base_url=self.connection.base_url,
            api_version=self.connection.api_version,
            timeouts=network.timeouts(),
            retry=network.retry_policy(),
        )

    # Textual has no public hook for an unhandled error, so these two override its own.

    def _handle_exception(self, error: Exception) -> None:
        """Write a crash report (secrets removed) before Textual shuts the app down."""
        self.crash_report = write_crash_report(error, self.connection.secrets)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Say where the report is, without Textual's traceback of local variables (a local
        can hold the API key)."""
        self.bell()
        where = (
            f"A report without your key is in {self.crash_report}; please attach it to a bug "
            "report."
            if self.crash_report
            else "No crash report could be written."
        )
        error = self._exception
        text = redact_secrets(f"gemtui stopped on an unexpected error: {error!r}\n{where}",
                              self.connection.secrets)  # fmt: skip
        self._exit_renderables.append(Text(text))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ layout

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in PALETTE_COMMANDS:
            yield SystemCommand(title, help_text, partial(self.run_action, action))

    def compose(self) -> ComposeResult:
        code_theme = "ansi_dark" if self.console.color_system in ("standard", None) else "monokai"
        yield ConversationView(id="conversation", code_theme=code_theme)
        with Container(id="timeline-pane"):
            yield StepTimeline(id="timeline")
            yield StepDetail(id="step-detail", code_theme=code_theme)
        composer = Composer(id="composer")
        # A blinking cursor repaints its line twice a second forever: about 320 bytes/s to the
        # terminal while idle (bench/idle_bytes.py), on the wire over SSH. A steady one doesn't.
        composer.cursor_blink = False
        with Vertical(id="composer-box"):
            yield AttachmentBar(id="attachments", back_to="#composer")
            yield composer
        yield StatusBar(id="status")
        # Ctrl+P is listed by F1 and named in the prompt's placeholder: at 80 columns the footer
        # has no room for it beside a pane's own keys.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def view(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def attachment_bar(self) -> AttachmentBar:
        return self.query_one(AttachmentBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def timeline(self) -> StepTimeline:
        return self.query_one(StepTimeline)

    @property
    def step_detail(self) -> StepDetail:
        return self.query_one(StepDetail)

    def on_mount(self) -> None:
        self._show_settings_in_force()
        self.status.set(
            endpoint="offline emulator"
            if self.connection.demo
            else (self.connection.base_url or "")
        )
        if self.connection.notice:
            self.view.add_item(NoticeItem(self.connection.notice, level="info"))
        for problem in self.loaded.problems if self.loaded else []:
            self.view.add_item(NoticeItem(problem, "Defaults are used for it.", level="warning"))
        self._apply_look(self.user_settings)
        self.composer.focus()

    def _apply_look(self, settings: Settings) -> None:
        """Theme and keymap from the settings; what cannot be applied is said, not raised."""
        theme = pick_theme(settings.theme, self.console.color_system)
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.view.add_item(
                NoticeItem(
                    f"Unknown theme {settings.theme!r}.", "F2 lists the themes.", level="warning"
                )
            )
        if not settings.keymap:  # nothing remapped: no need to load every dialog to check it
            self.set_keymap({})
            return
        report = build_keymap(settings.keymap, keymap_catalogue())
        self.set_keymap(report.keymap)
        for problem in report.problems:
            self.view.add_item(
                NoticeItem(problem, "That key binding was not applied.", level="warning")
            )

    async def on_unmount(self) -> None:
        await self.jobs.close()
        await self.client.aclose()

    # ------------------------------------------------------------------ sending

    @property
    def busy(self) -> bool:
        return self._turn_worker is not None and self._turn_worker.is_running

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        settings = self.conversation.settings
        if settings.background and settings.stateful and self.editing is None:
            send_background(self)
            return
        if self.busy:
            self.notify("A turn is still running: Escape cancels it.", severity="warning")
            return
        if self.editing is not None:
            send_edit(self, message.text)
            return
        bar = self.attachment_bar
        self.send(message.text, bar.items(), bar.labels())

    def send(
        self,
        prompt: str,
        attachments: list[dict[str, Any]] | None = None,
        labels: list[str] | None = None,
    ) -> None:
        """Start a turn for ``prompt``; the draft stays in the composer until it is accepted.

        ``attachments`` are content items; ``labels`` say how they are shown (derived from the
        items when not given). Attachments over the API's inline limit are refused unsent.
        """
        attachments = attachments or []
        try:
            check_items(attachments)
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return
        turn = self.conversation.start_turn(prompt, attachments)
        turn.attachment_labels = labels or [item_label(item) for item in attachments]
        self.view.add_item(UserItem(prompt, turn.attachment_labels))
        self.attach_turn(turn, prompt)
        self._turn_worker = self._run_turn(turn)

    # The turn API: every way a turn is shown (a prompt, a replay, a reopened interaction)
    # goes through these, so they all batch, trace and end the same way.

    def attach_turn(self, turn: Turn, label: str) -> None:
        """Give ``turn`` its presenter and its section in the timeline."""
        self._presenter = TurnPresenter(self.view, turn)
        self._timeline_turn = self.timeline.add_turn(label, turn.state)
        self._timings = None

    def stream_opened(self, timings: RequestTimings) -> None:
        """The turn's stream is open: its request timings head its timeline section."""
        self._timings = timings
        self.timeline.refresh_turn(self._timeline_turn, timings)

    def run_as_turn(self, job: Coroutine[Any, Any, object]) -> Worker[object]:
        """Run ``job`` as the turn: Escape cancels it, no prompt starts while it runs."""
        worker = self.run_worker(job, group="turn", exclusive=True, exit_on_error=False)
        self._turn_worker = worker
        return worker

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _run_turn(self, turn: Turn) -> None:
        await self.stream_turn(turn)

    async def stream_turn(self, turn: Turn) -> None:
        """Send ``turn`` and stream its answer, inside the running turn worker."""
        body = turn.request = self.conversation.build_request(turn)
        recorder = self.start_recorder(turn)
        self._begin_wait()
        try:
            async with self.client.stream(body) as stream:
                self.stream_opened(stream.timings)
                self.accept_draft(turn)
                turn.outcome = "streaming"
                started = stream.timings.started_at
                async for received in stream:
                    if self._wait_started is not None:
                        self._end_wait("streaming")
                    self.take_event(turn, received, started, recorder)
            turn.settle()
        except asyncio.CancelledError:
            turn.outcome = "cancelled"
            raise
        except StreamInterrupted as error:
            turn.outcome = "interrupted"
            turn.error = error
        except GemtuiApiError as error:
            turn.outcome = "failed"
            turn.error = error
        finally:
            self.end_turn(turn, recorder)

    def accept_draft(self, turn: Turn) -> None:
        """The server took the request: now the draft can go."""
        self.composer.remember(turn.prompt)
        if self.composer.text == turn.prompt:
            self.composer.load_text(self.draft_after_send)
        self.draft_after_send = ""
        self.attachment_bar.discard_sent(turn.attachments)

    def take_event(
        self,
        turn: Turn,
        received: ReceivedEvent,
        started: float,
        recorder: TurnRecorder | None,
    ) -> None:
        """Fold one event of ``turn``'s stream (opened at ``started``) into its state and pass
        the change on: to the panes (batched) and to the history."""
        change = apply(
            turn.state,
            received.event,
            received_at=received.received_at - started,
            size=received.size,
        )
        self.note_change(change)
        if recorder is not None:
            recorder.on_change(change)

    def note_change(self, change) -> None:
        presenter = self._presenter
        if presenter is None:
            return
        presenter.note(change)
        if self._flush_handle is None:
            delay = max(0.0, FLUSH_INTERVAL - (time.monotonic() - self._last_flush))
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self._flush_turn)

    def _flush_turn(self) -> None:
        self._flush_handle = None
        self._last_flush = time.monotonic()
        if self._presenter is not None:
            self._presenter.flush()
            self.timeline.refresh_turn(self._timeline_turn)
            self.step_detail.refresh_live()

    def start_recorder(self, turn: Turn) -> TurnRecorder | None:
        """Start writing ``turn`` to the history; without a usable history, chat on without it.

        Writes are small, synchronous SQLite transactions (about 0.1 ms a step, measured by
        bench/long_chat_store.py), so they run in the turn worker without a thread of their own.
        """
        if self.store is None:
            return None
        settings = self.conversation.settings
        try:
            if self._conversation_id is None:
                self._conversation_id = self.store.create_conversation(settings)
            parent, self.branch_parent = self.branch_parent, HEAD
            recorder = TurnRecorder.start(
                self.store,
                self._conversation_id,
                turn,
                settings,
                parent_turn_id=parent,
                previous_interaction_id=self.conversation.previous_interaction_id,
            )
            turn.stored_id = recorder.turn_id
            turn.stored_parent = parent if parent != HEAD else previous_stored_id(self.conversation)
            return recorder
        except StoreError as error:
            self._history_failed(error)
            return None

    def _history_failed(self, error: StoreError) -> None:
        """Say once that history is off for this session, and why."""
        self.view.add_item(
            NoticeItem(f"History is not being saved: {error}", error.hint, level="warning")
        )
        self.store = None

    def end_turn(self, turn: Turn, recorder: TurnRecorder | None = None) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        self._flush_turn()
        if self._presenter is not None:
            self._presenter.close()
        self.view.follow_now()
        self.timeline.refresh_turn(self._timeline_turn, self._timings or self.client.last_timings)
        self._end_wait("ready")
        if recorder is not None:
            recorder.finish(turn)
            if recorder.error is not None and self.store is not None:
                self._history_failed(recorder.error)
        self.conversation.finish_turn(turn)
        if turn.outcome == "failed" and turn.error is not None:
            self.show_error(turn.error)
        elif turn.outcome == "failed" and turn.state.error is not None:
            error = turn.state.error
            self.view.add_item(
                NoticeItem(
                    f"The server reported an error mid-stream: {error.message} ({error.code})",
                    "The partial answer is kept. Press F5 to send the prompt again.",
                    level="error",
                )
            )
        elif turn.outcome == "interrupted" and turn.error is not None:
            cause = redact_secrets(str(turn.error), self.connection.secrets)
            hint = getattr(turn.error, "hint", "") or ""
            self.view.add_item(
                NoticeItem(
                    f"The stream was cut off: {cause}",
                    f"{hint} Press F5 to send the prompt again.".strip(),
                    level="error",
                )
            )
        elif turn.outcome == "requires_action":
            self.tool_loop.turn_ended(turn)
        elif turn.outcome in OUTCOME_NOTICES:
            message, hint, level = OUTCOME_NOTICES[turn.outcome]
            self.view.add_item(NoticeItem(message, hint, level=level))
        log.info("turn ended: %s (interaction %s)", turn.outcome, turn.state.interaction.id or "-")
        # A finished turn's objects live as long as the chat: moved out of the collector's
        # sight, they no longer make each full collection slower (a 120-turn chat paused up to
        # 230 ms per full collection before; bench/gc_pauses.py). A new chat releases them.
        gc.freeze()
        usage = turn.usage
        self.status.set(
            state="ready" if turn.outcome in ("completed", "requires_action") else turn.outcome,
            last_tokens=usage.total_tokens if usage else None,
            total_tokens=self.conversation.total_tokens(),
            environment=self.conversation.environment_id or "",
        )

    def _show_settings_in_force(self) -> None:
        """The status bar names what the next request is made with."""
        settings = self.conversation.settings
        self.status.set(
            model=settings.agent or settings.model,
            mode=settings.mode_label,
            extras=settings_summary(settings),
        )

    def show_error(self, error: Exception) -> None:
        message = redact_secrets(str(error), self.connection.secrets)
        log.warning("error shown: %s", message)
        hint = getattr(error, "hint", "") or ""
        self.view.add_item(NoticeItem(message, hint, level="error"))

    # ------------------------------------------------------------------ waiting indicator

    def _begin_wait(self) -> None:
        self._wait_started = time.monotonic()
        self.status.set(state="waiting", elapsed=0.0)
        self._spinner = self.set_interval(SPINNER_INTERVAL, self._tick_wait)

    def _tick_wait(self) -> None:
        if self._wait_started is not None:
            self.status.set(elapsed=time.monotonic() - self._wait_started)

    def _end_wait(self, state: str) -> None:
        self._wait_started = None
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        self.status.set(state=state, elapsed=None)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Escape when nothing runs: leave editing an earlier prompt, or back to the prompt."""
        if self.editing is not None:
            leave_edit(self)
        else:
            self.composer.focus()

    def action_cancel_or_focus(self) -> None:
        if not (self.busy and self._turn_worker is not None):
            self.action_back()
            return
        turn = self.conversation.turns[-1]
        interaction_id = turn.state.interaction.id
        self._turn_worker.cancel()
        # A background run goes on at the server (and is billed) unless it is cancelled there.
        if (
            turn.request.get("background")
            and interaction_id
            and turn.state.status in RUNNING_STATUSES
        ):
            self.run_worker(
                self._cancel_remote(interaction_id), group="cancel-remote", exit_on_error=False
            )

    async def _cancel_remote(self, interaction_id: str) -> None:
        try:
            await self.client.cancel(interaction_id)
        except GemtuiApiError as error:
            cause = redact_secrets(str(error), self.connection.secrets)
            self.view.add_item(
                NoticeItem(f"The run may go on at the server: {cause}", error.hint, level="warning")
            )

    def action_focus_conversation(self) -> None:
        self.view.focus()

    def action_new_conversation(self) -> None:
        if self._turn_worker is not None:
            self._turn_worker.cancel()
        self.conversation = Conversation(settings=self.conversation.settings)
        self._conversation_id = None
        gc.unfreeze()  # the old chat's cycles may be collected now
        self.branch_parent, self.editing, self.older_turns = HEAD, None, None
        self.view.clear()
        self.timeline.set_turns([])
        self.step_detail.clear()
        self.status.set(last_tokens=None, total_tokens=0, state="ready", editing="", environment="")
        self.composer.focus()

    def action_retry(self) -> None:
        if self.busy:
            return
        turns = self.conversation.turns
        if turns and turns[-1].outcome not in ("completed", "requires_action"):
            last = turns[-1]
            if last.extra_input and not (last.prompt or last.attachments):
                self.tool_loop.resend(last.extra_input)  # a results turn: no prompt to resend
            else:
                self.send(last.prompt, last.attachments, last.attachment_labels)
        else:
            self.notify("Nothing to retry: the last turn completed.")

    def action_toggle_mode(self) -> None:
        settings = self.conversation.settings
        settings.stateful = not settings.stateful
        self._show_settings_in_force()
        self.notify(f"Next turns are {settings.mode_label}.")

    def action_copy_last_answer(self) -> None:
        answers = [item for item in self.view.items if isinstance(item, AnswerItem)]
        if not answers:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self._copy(answers[-1].copy_text())

    def action_copy_last_code_block(self) -> None:
        answers = [i for i, item in enumerate(self.view.items) if isinstance(item, AnswerItem)]
        if not answers:
            self.notify("No answer to copy from yet.", severity="warning")
            return
        self.view.copy_code_block(answers[-1])

    def on_conversation_view_copy_requested(self, message: ConversationView.CopyRequested) -> None:
        self._copy(message.text, message.what)

    def _copy(self, text: str, what: str = "") -> None:
        write = self.clipboard_writer
        if write is None and self._driver is not None:
            write = self._driver.write
        result = copy_text(text, write=write, prefer=self.user_settings.clipboard)
        # ``what`` can hold a code block's language, which the model wrote: no markup in it.
        message = f"{what}: {result.message}" if what else result.message
        severity = "information" if result.bytes_copied else "warning"
        self.notify(escape_markup(message), severity=severity)

    def on_conversation_view_new_output_below(
        self, message: ConversationView.NewOutputBelow
    ) -> None:
        self.status.set(new_below=message.lines)

    def action_settings(self) -> None:
        from gemtui.ui.widgets.settings import SettingsScreen

        current = self.user_settings.with_chat_settings(self.conversation.settings)
        screen = SettingsScreen(current, themes=self.available_themes, bindings=keymap_catalogue())
        self.push_screen(screen, partial(self._settings_saved, current))

    def _settings_saved(self, before: Settings, result: SettingsResult | None) -> None:
        """Apply the pane's values from the next turn on, and write them to the config file."""
        if result is None:
            return
        after = result.settings
        self.conversation.settings = after.to_chat_settings()
        if (after.api_key, after.base_url, after.api_version) != (
            before.api_key, before.base_url, before.api_version
        ):  # fmt: skip
            self._reconnect(after)
        self._apply_look(after)
        self.user_settings = after
        self._show_settings_in_force()
        if self.loaded is not None:
            try:
                save_settings(self.loaded.path, before, after, save_api_key=result.save_api_key)
            except ConfigWriteError as error:
                self.notify(escape_markup(str(error)), severity="error")

    def _reconnect(self, settings: Settings) -> None:
        key = settings.api_key.get_secret_value() if settings.api_key else None
        if key:
            self.connection.api_key = key
            self.connection.secrets.append(key)
        if settings.base_url:
            self.connection.base_url = settings.base_url
            self.connection.demo = False
        self.connection.api_version = settings.api_version
        old, self.client = self.client, self._make_client()
        self.run_worker(old.aclose(), group="close-client")
        self.status.set(
            endpoint="offline emulator" if self.connection.demo else settings.base_url or ""
        )

    def action_save_recording(self) -> None:
        """Write the last turn's raw event stream where ``gemtui replay`` can read it."""
        turns = [turn for turn in self.conversation.turns if turn.state.events]
        if not turns:
            self.notify("No stream to save yet.", severity="warning")
            return
        turn = turns[-1]
        events = [(record.received_at, record.event.to_wire()) for record in turn.state.events]
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{turn.state.interaction.id or 'turn'}.jsonl"
        path = save_recording(
            recordings_dir() / name, turn.request, events, self.connection.secrets
        )
        self.notify(escape_markup(f"Saved {len(events)} events to {path}"))

    def action_history(self) -> None:
        if self._history_available():
            from gemtui.ui.widgets.history_list import ConversationListScreen

            self.push_screen(ConversationListScreen(self.store), self._history_chosen)

    def action_search_history(self) -> None:
        if self._history_available():
            from gemtui.ui.widgets.history_search import SearchScreen

            self.push_screen(SearchScreen(self.store), self._search_chosen)

    def _history_available(self) -> bool:
        if self.store is None:
            self.notify("History is off for this session.", severity="warning")
            return False
        return True

    def _history_chosen(self, conversation_id: int | None) -> None:
        if conversation_id is not None:
            self.open_stored(conversation_id)

    def _search_chosen(self, found: tuple[int, int] | None) -> None:
        if found is not None:
            self.open_stored(*found)

    def on_conversation_list_screen_deleted(self, message: ConversationListScreen.Deleted) -> None:
        if message.conversation_id == self._conversation_id:
            self.action_new_conversation()

    def open_stored(self, conversation_id: int, turn_id: int | None = None) -> None:
        """Show a saved conversation and continue it: stateful chats chain onto their last
        interaction, stateless ones resend the history exactly as it was sent."""
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return
        assert self.store is not None
        try:
            loaded = self.store.load_conversation(conversation_id, limit=HISTORY_BATCH)
        except StoreError as error:
            self.notify(escape_markup(f"{error} {error.hint}"), severity="error")
            return
        self.action_new_conversation()
        self.conversation = loaded.conversation
        self._conversation_id = conversation_id
        # Only the newest batch is read now; older turns come as the reader scrolls up.
        self.older_turns = older_after(conversation_id, loaded.turns, loaded.has_older)
        place_stored_turns(loaded.turns, len(self.conversation.history))
        try:
            total = self.store.token_total(conversation_id)
        except StoreError:
            total = 0  # the count is a courtesy; the chat opens without it
        self.conversation.unloaded_tokens = max(0, total - self.conversation.total_tokens())
        for item in stored_items(loaded.turns):
            self.view.add_item(item)
        for stored in loaded.turns:
            self.timeline.add_turn(stored.turn.prompt, stored.turn.state)
        self._show_settings_in_force()
        self.status.set(total_tokens=self.conversation.total_tokens(), last_tokens=None)
        turns = self.conversation.turns
        while turn_id is not None and all(t.stored_id != turn_id for t in turns):
            if not load_older(self):
                break
        self.view.follow_now()
        fill_top(self)
        target = next((i for i, turn in enumerate(turns) if turn.stored_id == turn_id), None)
        if target is not None:
            self.view.focus()
            self.view.select(self.prompt_positions()[target])

    def on_conversation_view_near_top(self, _message: ConversationView.NearTop) -> None:
        fill_top(self)

    def on_conversation_view_edit_requested(self, message: ConversationView.EditRequested) -> None:
        begin_edit(self, message.index)

    def action_regenerate(self) -> None:
        regenerate(self)

    def action_switch_branch(self) -> None:
        switch_branch(self)

    @property
    def conversation_id(self) -> int | None:
        """The open conversation's id in the history (None: not saved yet, or history off)."""
        return self._conversation_id

    def action_timeline(self) -> None:
        """Show the step timeline and go to it; from the timeline, hide it again."""
        pane = self.query_one("#timeline-pane")
        if pane.display and self.timeline.has_focus_within:
            pane.display = False
            self.composer.focus()
        else:
            pane.display = True
            self.timeline.focus()

    def on_step_timeline_selected(self, message: StepTimeline.Selected) -> None:
        label, state, timings = self.timeline.turn_entry(message.turn_index)
        self.step_detail.show(
            state, message.step_index, message.event_seq, timings=timings, label=label
        )
        # The conversation follows the timeline (only when the reader is in the timeline, so
        # the two never chase each other).
        prompts = self.prompt_positions()
        if self.timeline.has_focus_within and message.turn_index < len(prompts):
            self.view.select(prompts[message.turn_index])

    def on_conversation_view_selected(self, message: ConversationView.Selected) -> None:
        """The timeline follows the conversation: the selected message's turn."""
        if not self.view.has_focus:
            return
        turn_index = sum(1 for position in self.prompt_positions() if position <= message.index)
        if turn_index:
            self.timeline.select_turn(turn_index - 1)

    def prompt_positions(self) -> list[int]:
        """Where each turn starts in the conversation: every turn shows exactly one prompt."""
        return [i for i, item in enumerate(self.view.items) if isinstance(item, UserItem)]

    def action_export(self, fmt: str) -> None:
        """Write the current conversation from the history to a file (mode 0600)."""
        if not self._history_available():
            return
        assert self.store is not None
        if self._conversation_id is None:
            self.notify("Nothing to export yet: send a prompt first.", severity="warning")
            return
        try:
            summary = self.store.get_conversation(self._conversation_id)
            turns = self.store.load_turns(
                self._conversation_id, limit=None, all_branches=fmt == "json"
            )
        except StoreError as error:
            self.notify(escape_markup(f"{error} {error.hint}"), severity="error")
            return
        if summary is None:
            return
        text = export_conversation(fmt, summary, turns, secrets=self.connection.secrets)
        path = data_dir() / "exports" / f"conversation-{summary.id}.{fmt}"
        try:
            write_private(path, text)
        except OSError as error:
            self.notify(escape_markup(f"Cannot write {path}: {error}"), severity="error")
            return
        self.notify(escape_markup(f"Exported to {path}"))

    def action_attach(self, at: tuple[int, int] | None = None) -> None:
        """Open the file picker; ``at``: where the ``@`` that opened it was typed."""
        from gemtui.ui.widgets.file_picker import FilePickerScreen

        self.push_screen(FilePickerScreen(), partial(self._picked, at))

    def _picked(self, at: tuple[int, int] | None, source: str | None) -> None:
        if source is not None and self.attachment_bar.add(source) and at is not None:
            self.composer.remove_at_sign(at)
        self.composer.focus()

    def on_composer_attach_requested(self, message: Composer.AttachRequested) -> None:
        self.action_attach(message.at)

    def on_attachment_bar_changed(self, message: AttachmentBar.Changed) -> None:
        self.composer.attachments_pending = message.count > 0

    def action_focus_attachments(self) -> None:
        if self.attachment_bar.attachments:
            self.attachment_bar.focus()
        else:
            self.notify("No attachments yet: F3 (or @ in the prompt) attaches a file or URL.")

    def action_open_by_id(self) -> None:
        from gemtui.ui.widgets.open_by_id import OpenByIdScreen

        self.push_screen(OpenByIdScreen(), self._open_id_chosen)

    def _open_id_chosen(self, interaction_id: str | None) -> None:
        if interaction_id:
            from gemtui.ui.reopen import show_interaction, start_reopen

            start_reopen(self, show_interaction(self, interaction_id))

    def on_step_detail_copy_requested(self, message: StepDetail.CopyRequested) -> None:
        self._copy(message.text)

    def action_help(self) -> None:
        """The keys in force where the reader is (F1 again closes them)."""
        from gemtui.ui.widgets.help_screen import HelpScreen, help_sections

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            order = [info.id for info in keymap_catalogue()]
            self.push_screen(HelpScreen(help_sections(self, self.screen, order)))

    def action_send_background(self) -> None:
        if len(self.screen_stack) == 1:
            send_background(self)

    def action_jobs(self) -> None:
        open_jobs(self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "turn":
            self.refresh_bindings()  # Escape's "Cancel" shows only while a turn runs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_or_focus":
            return self.busy  # the footer has no room for a key that does nothing now
        # F7 is also a text area's "select all": over other dialogs (settings) it stays that.
        if action == "tools" and len(self.screen_stack) > 1:
            from gemtui.ui.widgets.tools import ToolsScreen

            return isinstance(self.screen, ToolsScreen)
        return super().check_action(action, parameters)

    def action_tools(self) -> None:
        """The tools checklist of this conversation; from it, F7 closes it again."""
        from gemtui.ui.widgets.tools import ToolsScreen

        if isinstance(self.screen, ToolsScreen):
            self.screen.action_done()
        else:
            functions = [function.declaration() for function in self.user_settings.functions]
            functions += self._offered_functions
            screen = ToolsScreen(self.conversation.settings.tools, functions)
            self.push_screen(screen, partial(self._tools_chosen, screen))

    def _tools_chosen(self, screen: ToolsScreen, tools: list[dict[str, Any]] | None) -> None:
        self._offered_functions = screen.function_tools()
        if tools is not None:
            self.conversation.settings.tools = tools
            self._show_settings_in_force()

    def action_toggle_tool(self, name: str) -> None:
        from gemtui.ui.widgets.tools import toggle_tool

        settings = self.conversation.settings
        settings.tools, on = toggle_tool(settings.tools, name)
        self._show_settings_in_force()
        self.notify(f"{name} is {'on' if on else 'off'} for this conversation.")

    def on_conversation_view_id_requested(self, message: ConversationView.IdRequested) -> None:
        self._copy_turn_id(turn_of(self.view.items, message.index))

    def action_copy_last_id(self) -> None:
        ids = [turn for turn in self.conversation.turns if turn.state.interaction.id]
        self._copy_turn_id(ids[-1] if ids else None)

    def _copy_turn_id(self, turn: Turn | None) -> None:
        interaction_id = turn.state.interaction.id if turn is not None else None
        if not interaction_id:
            self.notify("No interaction id here: the server did not accept this turn.",
                        severity="warning")  # fmt: skip
            return
        self._copy(interaction_id, f"Interaction {interaction_id}")


def keymap_catalogue() -> list[BindingInfo]:
    """Every remappable binding of the app, by id (for the keymap and the settings pane)."""
    from gemtui.ui.widgets.approval import ApprovalScreen
    from gemtui.ui.widgets.branch_list import BranchListScreen
    from gemtui.ui.widgets.file_picker import FilePickerScreen
    from gemtui.ui.widgets.help_screen import HelpScreen
    from gemtui.ui.widgets.history_list import ConfirmDeleteScreen, ConversationListScreen
    from gemtui.ui.widgets.history_search import SearchScreen
    from gemtui.ui.widgets.image_viewer import ImageViewerScreen
    from gemtui.ui.widgets.jobs import JobsScreen
    from gemtui.ui.widgets.open_by_id import OpenByIdScreen
    from gemtui.ui.widgets.settings import SettingsScreen
    from gemtui.ui.widgets.tools import ToolsScreen

    return binding_catalogue(
        [
            GemtuiApp,
            Composer,
            ConversationView,
            SettingsScreen,
            ConversationListScreen,
            ConfirmDeleteScreen,
            SearchScreen,
            OpenByIdScreen,
            AttachmentBar,
            FilePickerScreen,
            JobsScreen,
            ToolsScreen,
            ImageViewerScreen,
            BranchListScreen,
            HelpScreen,
            ApprovalScreen,
        ]
    )


def data_dir() -> Path:
    """gemtui's data dir, where the history lives (GEMTUI_DATA_DIR overrides it)."""
    return default_history_path().parent


def recordings_dir() -> Path:
    """Where saved recordings go: beside the history."""
    return data_dir() / "recordings"


def pick_theme(configured: str, color_system: str | None) -> str:
    """The theme to use: the user's choice, except that a 16-colour terminal left on the
    default gets the theme made of the terminal's own ANSI palette (which the user picked to
    be readable) rather than approximations of truecolour."""
    if configured == DEFAULT_THEME and color_system in ("standard", "windows"):
        return "ansi-dark"
    return configured


#: Short names of the built-in tools, for the status bar.
TOOL_LABELS = {"google_search": "search", "code_execution": "code", "url_context": "url"}


def settings_summary(settings: ChatSettings) -> str:
    """What is in force besides model and mode, in a few characters: tools, system
    instruction, JSON schema, background."""
    parts = [
        TOOL_LABELS.get(tool.get("type", ""), tool.get("name") or tool.get("type", "?"))
        for tool in settings.tools
    ]
    if settings.system_instruction:
        parts.append("system")
    if settings.response_format is not None:
        parts.append("schema")
    if settings.background and settings.stateful:  # stateless chats cannot run in background
        parts.append("background")
    return "+".join(parts)
