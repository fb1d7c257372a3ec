"""GemtuiApp: the panes, the key bindings and the one stream worker per turn."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.dom import DOMNode
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Footer, Input, TextArea
from textual.worker import Worker

from gemtui.api.errors import GemtuiApiError
from gemtui.config import (
    DEFAULT_THEME,
    OPTION_TOOLS,
    ConfigWriteError,
    LoadedSettings,
    Settings,
    allow_functions,
    option_tool,
    save_settings,
)
from gemtui.core.agent_options import needs_storing, runs_in_background
from gemtui.core.attachments import Attachment, AttachmentError, check_items
from gemtui.core.branching import branch_tips, leaf_holding
from gemtui.core.chat_history import ChatHistory
from gemtui.core.clipboard import copy_text
from gemtui.core.context_window import over_the_window
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.export import export_conversation, write_new, write_private
from gemtui.core.interaction_ids import refused_id
from gemtui.core.jobs import UNKNOWN_RUN, Job, JobBoard, JobChange, endpoint_of
from gemtui.core.logs import write_crash_report
from gemtui.core.recording import Recording, save_recording
from gemtui.core.safety import clean_draft_text, clean_terminal_text, escape_markup, redact_secrets
from gemtui.core.store import Store, StoreError
from gemtui.core.store import default_path as default_history_path
from gemtui.core.tool_specs import secret_values, tool_label
from gemtui.core.tools import FunctionTool, offers_computer_use
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import Notice
from gemtui.ui.chat.approval import DialogApprover
from gemtui.ui.chat.controller import ChatController
from gemtui.ui.chat.messages import (
    RequestAccepted,
    ToolActivity,
    TurnChanged,
    TurnEnded,
    TurnNotice,
    TurnReplaced,
    TurnResumed,
    TurnsLoaded,
    TurnStarted,
)
from gemtui.ui.chat.panes import ChatPanes
from gemtui.ui.custom_agents import CustomAgents
from gemtui.ui.dialogs import FocusMemory, TypedForPrompt, refuse_second_copy
from gemtui.ui.habits import HABIT_BINDINGS, HABIT_PALETTE, HabitsMixin
from gemtui.ui.key_routing import KeysInOrder, focus_now
from gemtui.ui.keymap import BindingInfo, binding_catalogue, build_keymap
from gemtui.ui.paste_guard import guard_pastes
from gemtui.ui.render import warm_up as warm_up_rendering
from gemtui.ui.render.chat_items import AnswerItem, NoticeItem
from gemtui.ui.retry_countdown import RetryCountdown
from gemtui.ui.session import SESSION_BINDINGS, SESSION_PALETTE, SessionFeatures
from gemtui.ui.widgets.attachment_bar import AttachmentBar
from gemtui.ui.widgets.composer import Composer
from gemtui.ui.widgets.conversation import ConversationView
from gemtui.ui.widgets.status_bar import StatusBar
from gemtui.ui.widgets.step_detail import StepDetail
from gemtui.ui.widgets.timeline import StepTimeline, TimelineList

if TYPE_CHECKING:  # the dialogs are imported when first opened: they cost start-up time
    from gemtui.api.client import InteractionsClient
    from gemtui.core.working_dir import Folder
    from gemtui.ui.chat.compare_pick import ComparePick
    from gemtui.ui.screens.history_list import ConversationListScreen
    from gemtui.ui.screens.report import ReportScreen
    from gemtui.ui.screens.resources import UseResource
    from gemtui.ui.screens.settings import SettingsResult
    from gemtui.ui.screens.tools import ToolsScreen

log = logging.getLogger(__name__)

#: What the command palette offers besides Textual's own commands: (title, help, action).
PALETTE_COMMANDS = [
    ("New conversation", "Start an empty chat (Ctrl+N)", "new_conversation"),
    ("Cancel the running answer", "Stop the stream and keep the partial answer (Escape)",
     "cancel_answer"),
    ("Copy the last answer", "Copy its Markdown to the clipboard (Ctrl+Y)", "copy_last_answer"),
    ("Copy a code block of the last answer", "The next one each time (c on a selected message)",
     "copy_last_code_block"),
    ("Go on, or send the last prompt again",
     "Resume a cut-off stream or continue a stopped answer; else resend after an error (F5)",
     "retry"),
    ("Switch stateful / stateless", "How the next turns carry the history (F6)", "toggle_mode"),
    ("Go to the messages", "Select, expand and copy messages (Ctrl+L)", "focus_conversation"),
    ("Go to the newest output", "Scroll down to the end and follow it (End in the prompt, "
     "Ctrl+End)", "newest"),
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
    ("Upload the selected attachment", "Send it through the Files API instead of inline (u on "
     "a chip)", "attachment('upload')"),
    ("Options of the selected attachment", "Resolution, a video's frame rate and segment, a "
     "URI's MIME type (o on a chip)", "attachment('options')"),
    ("Send in the background", "The draft runs at the server; F4 lists the runs (Ctrl+B)",
     "send_background"),
    ("Background runs", "Running and finished runs: open a result, cancel a run (F4)", "jobs"),
    ("Tools of this conversation", "Switch built-in and function tools on or off (F7)", "tools"),
    ("Toggle Google Search", "For this conversation's next requests",
     "toggle_tool('google_search')"),
    ("Toggle code execution", "For this conversation's next requests",
     "toggle_tool('code_execution')"),
    ("Toggle URL context", "For this conversation's next requests", "toggle_tool('url_context')"),
    ("Toggle Google Maps", "For this conversation's next requests", "toggle_tool('google_maps')"),
    ("Toggle file search", "For this conversation's next requests (stores set in F2)",
     "toggle_tool('file_search')"),
    ("Toggle computer use", "For this conversation's next requests",
     "toggle_tool('computer_use')"),
    ("Toggle retrieval", "For this conversation's next requests", "toggle_tool('retrieval')"),
    ("Copy the last interaction id", "i copies the id of a selected message's turn",
     "copy_last_id"),
    ("Open the last answer's media", "Pictures in the viewer; audio, video and documents with "
     "the system's player (o on a selected message)", "media('open')"),
    ("Save the last answer's media", "Pictures, audio, video and documents as files in the "
     "current directory (s on a selected message)", "media('save')"),
    ("Agents and environments", "Your custom agents and agent environments: create, delete, "
     "use one here, an environment's files (Alt+A)", "resources"),
    ("Compare two turns", "Mark the selected turn, then compare another with it: requests, "
     "steps, answers (Alt+D)", "compare"),
    *SESSION_PALETTE,
    *HABIT_PALETTE,
]  # fmt: skip


@dataclass
class Connection:
    """Where requests go and with which key (the key is never shown or logged)."""

    base_url: str | None = None
    #: Kept out of the repr: tracebacks and debug output print dataclasses whole.
    api_key: str | None = field(default=None, repr=False)
    api_version: str = "v1"
    demo: bool = False
    notice: str = ""
    secrets: list[str] = field(default_factory=list, repr=False)
    #: Starts the server behind ``base_url`` (``--demo``'s emulator) once the first frame is up,
    #: so that building it does not delay that frame; requests wait in its socket's backlog.
    start_server: Callable[[], None] | None = field(default=None, repr=False)


#: Priority keys of the chat that step aside while a dialog is open: the dialog's widgets get
#: them, as before they were priority (see BINDINGS).
OVER_THE_CHAT_ONLY = frozenset(
    {"history", "search_history", "attach", "focus_conversation", "focus_attachments", "find"}
)


def hidden_priority(key: str, action: str, description: str, binding_id: str) -> Binding:
    """A priority App key that the footer does not show (F1 and the palette list it)."""
    return Binding(key, action, description, show=False, id=binding_id, priority=True)


#: Why a pending run's row ended failed: the server in use does not know it any more.
LOST_RUN = (
    "The server no longer knows this background run (it expired, or was deleted): "
    "its answer cannot be fetched."
)
#: Background runs the history keeps pending are watched again at start if they are younger
#: than this (seconds): the API keeps a run's result for days, not for ever.
ADOPT_SECONDS = 3 * 24 * 3600
#: Why a stateless chat cannot send a background run.
STATELESS_BACKGROUND = (
    "Background runs are stored at the server and polled there; this chat is stateless. "
    "F6 switches to stateful."
)


@dataclass
class SentDraft:
    """The prompt sent, with its attachments: back in the composer if the request fails."""

    text: str
    attachments: list[Attachment]
    #: The draft the composer shows meanwhile (the one an edit displaced), if any.
    restore_over: str = ""
    #: The turn it started, once it has: a turn that ends before it (a background run
    #: fetched first) is not it, and must not bring the draft back.
    turn: Turn | None = None


class GemtuiApp(SessionFeatures, HabitsMixin, KeysInOrder, App[int]):
    """The chat app: layout, keys and screens. The chat itself is the
    :class:`~gemtui.ui.chat.controller.ChatController`'s; its turns run as the one turn
    worker and report through messages, from which :class:`ChatPanes` updates the panes."""

    CSS_PATH = [Path(__file__).with_name("gemtui.tcss"), Path(__file__).with_name("timeline.tcss")]
    #: Below 120 columns the timeline and its detail stack; from 120 on they sit side by side.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    TITLE = "gemtui"

    BINDINGS = [
        # Active only while something runs (the status bar then says "Esc cancels"); otherwise
        # Escape goes back. Not in the footer: showing and hiding it per turn recomposed the
        # footer (tens of milliseconds at the start of each answer, and its old keys frozen with
        # the turn by ChatPanes.turn_ended were never freed).
        Binding("escape", "cancel_or_focus", "Cancel", show=False, id="app.cancel"),
        Binding("escape", "back", "Back (cancels what runs)", show=False, id="app.back"),
        hidden_priority("ctrl+n", "new_conversation", "New", "app.new_conversation"),
        Binding("ctrl+y", "copy_last_answer", "Copy", id="app.copy_last_answer", priority=True),
        hidden_priority("f5", "retry", "Retry", "app.retry"),
        hidden_priority("f6", "toggle_mode", "Stateful/stateless", "app.toggle_mode"),
        hidden_priority("ctrl+l", "focus_conversation", "Messages", "app.focus_conversation"),
        Binding("f1", "help", "Help", id="app.help", priority=True),
        # Textual's own key for the palette, declared here to be named as the others are (its
        # description was "palette", the one lower-case row in F1).
        Binding(
            App.COMMAND_PALETTE_BINDING,
            "command_palette",
            "Command palette",
            show=False,
            id="app.command_palette",
            priority=True,
        ),
        Binding("f2", "settings", "Settings", id="app.settings", priority=True),
        Binding("ctrl+t", "timeline", "Timeline", id="app.timeline", priority=True),
        # Priority, like every key that opens a screen or moves the focus: a key that reaches
        # the focused widget first acts only once it bubbles back up, after the keys typed
        # behind it (a burst over SSH, tmux send-keys), and those went to the prompt: Ctrl+R
        # then "monad" and Enter sent "monad" as a prompt. Over a dialog they are the dialog's
        # (check_action), so they never stack a screen on it.
        hidden_priority("ctrl+o", "history", "History", "app.history"),
        hidden_priority("ctrl+r", "search_history", "Search", "app.search_history"),
        Binding("ctrl+s", "save_recording", "Save recording", show=False, id="app.save_recording"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # Replaces Textual's own Ctrl+C (``help_quit``, "Do you want to quit?"): a turn running
        # is cancelled as by Escape; with none, Textual's hint on how to quit is shown. Not
        # priority, so a text field with a selection still copies it (and, as for every
        # app key that is not priority, dialogs keep it: the approval dialog binds it too).
        Binding(
            "ctrl+c",
            "interrupt",
            "Cancel the running answer (idle: how to quit)",
            show=False,
            id="app.interrupt",
        ),
        hidden_priority("f8", "regenerate", "Regenerate", "app.regenerate"),
        hidden_priority("f3", "attach", "Attach", "app.attach"),
        hidden_priority("f9", "focus_attachments", "Attachments", "app.attachments"),
        # From the prompt: End at the end of its line (the editor passes it on when there).
        Binding("end", "newest", "Newest output", show=False, id="app.newest"),
        Binding("ctrl+b", "send_background", "Background", show=False, id="app.send_background"),
        hidden_priority("f4", "jobs", "Jobs", "app.jobs"),
        hidden_priority("f7", "tools", "Tools", "app.tools"),
        hidden_priority("alt+a", "resources", "Agents", "app.resources"),
        hidden_priority("alt+d", "compare", "Compare", "app.compare"),
        *SESSION_BINDINGS,
        *HABIT_BINDINGS,
    ]
    PALETTE = PALETTE_COMMANDS
    #: Classes whose bindings the keymap and F1 know besides those of ``keymap_catalogue``
    #: (an app made for another purpose, such as the inspector, adds its own).
    KEYMAP_EXTRA: ClassVar[tuple[type[DOMNode], ...]] = ()

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
        #: The status bar's countdown while a request waits to be sent again (from mount on).
        self.retry_countdown: RetryCountdown | None = None
        self._client: InteractionsClient | None = None
        self._client_lock = threading.Lock()  # made by the warm-up thread or on first use
        self.chat = ChatController(
            settings=settings or self.user_settings.to_chat_settings(),
            client=lambda: self.client,
            history=ChatHistory(store, self._history_failed),
            post=self.post_message,
            approve=DialogApprover(
                tools=self._function_tools,
                ask=self._ask_approval,
                allow_always=self._allow_always,
                notice=self._notice_now,
                computer_use=self._offers_computer_use,
            ),
            tools=self._function_tools,
        )
        self.chat.jobs.subscribe(self._job_changed)
        #: What a new chat (Ctrl+N) starts from: the settings the app started with, or those
        #: F2 saved or a preset set since; never a chat read back from the history (it holds
        #: only what its turns were sent with: no "Ask for", say).
        self.new_chat_base = copy.deepcopy(self.conversation.settings)
        #: What the user chose for the next turns by command (/model, /agent, /system, F6,
        #: Alt+A), in whatever chat: a new chat keeps it on top of ``new_chat_base``.
        self.chosen_settings: dict[str, Any] = {}
        self._turn_worker: Worker[object] | None = None
        self._panes: ChatPanes | None = None
        #: The draft on its way, until the server takes it (or refuses it: then it comes back).
        self._sent: SentDraft | None = None
        #: The id of a background run left going at the server when the app quit ("": none).
        self.left_running = ""
        #: The draft's chips while an earlier prompt is edited with its own (see _send).
        self._set_aside: list[Attachment] = []
        #: The crash report written when an unexpected error stops the app.
        self.crash_report: Path | None = None
        #: The last Ctrl+S: the turn, how many of its events, and the file (none written twice).
        self._recorded: tuple[Turn, int, Path] | None = None
        #: Where OSC 52 sequences go (None: the terminal driver); tests capture them here.
        self.clipboard_writer: Callable[[str], None] | None = None
        #: Function tools offered by F7 besides the config's: those once in force stay offered.
        self._offered_functions: list[dict[str, Any]] = []
        #: The account's custom agents, for /agent and F2 (listed when first wanted).
        self.custom_agents = CustomAgents(self, self._custom_agents_listed)
        #: Enter was pressed while attachments were uploading: send once they are done.
        self._send_after_uploads = False
        #: The turn marked to compare (Alt+D), from whichever chat it was in.
        self.compare_pick: ComparePick | None = None
        #: Where each screen's focus was, to give it back when a dialog above it closes.
        self._focus_memory = FocusMemory()
        #: Why the last screenshot is not where it would go (its toast says it), or "".
        self._screenshot_problem = ""

    @property
    def client(self) -> InteractionsClient:
        """The API client, made on first use. Its module loads the HTTP stack (httpx: about a
        fifth of the start-up), which the first frame need not wait for: the warm-up thread
        makes the client right after it (``_warm_up_client``)."""
        with self._client_lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    @client.setter
    def client(self, client: InteractionsClient) -> None:
        with self._client_lock:
            self._client = client

    def _make_client(self) -> InteractionsClient:
        from gemtui.api.client import InteractionsClient

        # The runs started from now on are of this server (F4 lists only those).
        self.chat.history.endpoint = self._endpoint()
        network = self.user_settings.network
        return InteractionsClient(
            api_key=self.connection.api_key,
            base_url=self.connection.base_url,
            api_version=self.connection.api_version,
            timeouts=network.timeouts(),
            retry=network.retry_policy(),
            on_retry=self._retry_announced,
        )

    def _endpoint(self) -> str:
        """The server in use, as the history keeps it with each background run."""
        return endpoint_of(self.connection.base_url, demo=self.connection.demo)

    def _retry_announced(self, attempt: int, delay: float, reason: str) -> None:
        """The client waits ``delay`` s before sending again: the status bar counts it down
        while a turn runs (a background poll's retries only go to the log)."""
        if self.busy and self.retry_countdown is not None:
            reason = redact_secrets(reason, self.connection.secrets)
            self.retry_countdown.start(attempt, delay, reason, self.client.retry.max_attempts)

    def _retry_over(self) -> None:
        if self.retry_countdown is not None:
            self.retry_countdown.stop()

    def _function_tools(self) -> dict[str, FunctionTool]:
        """The configured function tools by name, as the settings in force have them."""
        return {tool.name: tool for tool in self.user_settings.functions}

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

    # ------------------------------------------------------------------ dialogs

    def push_screen(  # type: ignore[override]
        self,
        screen: Screen[Any] | str,
        callback: Callable[[Any], Any] | None = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> AwaitMount | asyncio.Future[Any]:
        """Every dialog opens here: one that is open already is not opened again (see
        :mod:`gemtui.ui.dialogs`). A dialog a turn waits on (``wait_for_dismiss``) always opens."""
        if isinstance(screen, Screen) and not wait_for_dismiss and refuse_second_copy(self, screen):
            return AwaitMount(self.screen, [])
        return super().push_screen(screen, callback, wait_for_dismiss, mode=mode)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Remember the focus for when a dialog above closes; and every text field's cursor is
        steady: a blinking one repaints its line twice a second for as long as the field has
        focus (bytes on the wire over SSH, and a screen that depends on the moment it is
        looked at)."""
        widget = event.widget
        self._focus_memory.remember(widget)
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False

    def on_paste(self, event: events.Paste) -> None:
        """A paste the focus has no place for (the messages, the timeline) goes into the
        prompt, as typed text would: it was dropped without a word. One that a text field took
        comes up here too (TextArea lets it bubble on), and a dialog's stays in the dialog."""
        if (
            not event.text
            or isinstance(self.focused, Input | TextArea)
            or self.screen is not self.screen_stack[0]
        ):
            return
        focus_now(self.composer)
        self.composer.insert(clean_draft_text(event.text))

    # ------------------------------------------------------------------ layout

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Not Textual's "Keys": its side panel lists the text editor's keys first, and
        # Escape and F1 do not close it; "Show keys (F1)" is gemtui's own.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Keys")
        for title, help_text, action in PALETTE_COMMANDS:
            yield SystemCommand(title, help_text, partial(self.run_action, action))

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver, reading pastes that hold escape sequences whole (see
        :mod:`gemtui.ui.paste_guard`)."""
        driver_class = super().get_driver_class()
        guard_pastes(driver_class)
        return driver_class

    def get_default_screen(self) -> Screen:
        """Textual gives a screen its width's class (``-narrow``, ``-wide``) at its first
        resize, which styles every widget a second time before the first frame (8 ms, a
        tenth of ``App.run`` to it); given here, that resize finds it set and skips the pass."""
        screen = super().get_default_screen()
        width = self.size.width
        current = max((b for b in self.HORIZONTAL_BREAKPOINTS if b[0] <= width), default=None)
        for _, name in self.HORIZONTAL_BREAKPOINTS:
            screen.set_class(current is not None and name == current[1], name)
        return screen

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

    @property
    def panes(self) -> ChatPanes:
        if self._panes is None:
            self._panes = ChatPanes(
                self.view,
                self.timeline,
                self.step_detail,
                self.status,
                turns=lambda: self.chat.conversation.turns,
                turns_before=lambda: self.chat.conversation.unloaded_turns,
                secrets=self.connection.secrets,
            )
        return self._panes

    @property
    def conversation(self) -> Conversation:
        """The chat's conversation (read it; the controller changes it)."""
        return self.chat.conversation

    @property
    def store(self) -> Store | None:
        """The history (``None``: off for this session)."""
        return self.chat.history.store

    @property
    def jobs(self) -> JobBoard:
        return self.chat.jobs

    @property
    def conversation_id(self) -> int | None:
        """The open conversation's id in the history (None: not saved yet, or history off)."""
        return self.chat.conversation_id

    def on_mount(self) -> None:
        if self.no_color:
            from gemtui.ui.render.no_color import NO_COLOR_MARKDOWN

            self.console.push_theme(NO_COLOR_MARKDOWN)
        self.attachment_bar.uploader = self._upload_attachment
        # The live list: a key typed in F2 is not drawn either from then on.
        self.view.secrets = self.step_detail.secrets = self.connection.secrets
        self.attachment_bar.resolver = self._resolve_attachment
        self.screen_change_signal.subscribe(self, self._focus_memory.restore, immediate=True)
        self.retry_countdown = RetryCountdown(self.status)
        self._show_settings_in_force()
        self.status.set(
            endpoint="offline emulator"
            if self.connection.demo
            else (self.connection.base_url or "")
        )
        if self.connection.notice:
            self.view.add_item(NoticeItem(self.connection.notice, level="info"))
        for problem in self.loaded.problems if self.loaded else []:
            # Each problem already says what was done about it ("…; ignored.").
            self.view.add_item(NoticeItem(problem, level="warning"))
        # A truecolour theme on 16 colours: its blends come out as the colour under them
        # (the timeline's cursor row looked like the others); rules of this class make up.
        self.set_class(self.console.color_system in FEW_COLOURS, "-few-colours")
        self._apply_look(self.user_settings)
        self.first_focus().focus()
        self.call_after_refresh(self._warm_up_client)
        self.call_after_refresh(self._recall_earlier_prompts)

    def first_focus(self) -> Widget:
        """Where the keyboard starts: set once at mount, so no other widget holds the focus
        (and shows its cursor) for the first frame."""
        return self.composer

    def _warm_up_client(self) -> None:
        """Make and build the HTTP client beside the UI, after the first frame: the first
        request then leaves as soon as Enter is pressed."""
        start_server = self.connection.start_server

        def warm_up() -> None:
            try:
                client = self.client
                if start_server is not None:
                    start_server()
                # A message, not a call waited on: a closing app leaves it unread.
                self.post_message(self.PendingRunsToWatch())
                client.warm_up()
                warm_up_rendering()
            finally:  # a failed warm-up still ends start-up
                ChatPanes.set_aside_start_up()

        self.run_worker(warm_up, thread=True, group="warm-up", exit_on_error=False)

    def _recall_earlier_prompts(self) -> None:
        """Up recalls the prompts of earlier sessions too (the history keeps them), not only
        those sent since this start; after the first frame, which does not wait for it."""
        store = self.store
        if store is None:
            return
        try:
            self.composer.recall_from(store.recent_prompts())
        except StoreError:
            return

    class PendingRunsToWatch(Message):
        """The endpoint is up (the demo's emulator started): put the runs pending in the
        history on the board."""

    def on_gemtui_app_pending_runs_to_watch(self, _message: PendingRunsToWatch) -> None:
        self._adopt_pending_runs()

    def _adopt_pending_runs(self) -> None:
        """Put on the board (F4) the background runs the history keeps pending: started
        before gemtui last quit, or by ``gemtui ask --background``. Once they end, their
        answers go into their rows (see ``_job_changed``)."""
        store = self.store
        if store is None:
            return
        try:
            runs = store.pending_runs(since=time.time() - ADOPT_SECONDS, endpoint=self._endpoint())
        except StoreError:
            return
        for run in runs:
            self.chat.jobs.adopt(run.interaction_id, run.prompt, run.owner, run.created)
        self.status.set(jobs_running=self.chat.jobs.running)

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
        self.composer.set_vim(settings.vim_mode)
        if not settings.keymap:  # nothing remapped: no need to load every dialog to check it
            self.set_keymap({})
            return
        report = build_keymap(settings.keymap, keymap_catalogue(self.KEYMAP_EXTRA))
        self.set_keymap(report.keymap)
        for problem in report.problems:
            self.view.add_item(
                NoticeItem(problem, "That key binding was not applied.", level="warning")
            )

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quit; a background run streaming now (Deep Research) goes on at the server, kept
        pending in the history (F4 watches it at the next start): a quit cancelled it there,
        unasked, and the work was lost."""
        runner = self.chat.runner
        runner.leave_runs_going = True
        turns = self.conversation.turns
        if self.busy and turns and runner.runs_at_server(turns[-1]):
            self.left_running = turns[-1].interaction_id or ""
        super().exit(*args, **kwargs)

    async def on_unmount(self) -> None:
        ChatPanes.release()
        await self.chat.jobs.close()
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ running turns

    @property
    def busy(self) -> bool:
        return self._turn_worker is not None and self._turn_worker.is_running

    def run_turn(self, job: Coroutine[Any, Any, object]) -> Worker[object] | None:
        """Run ``job`` as the one turn: Escape cancels it, no other starts while it runs
        (``None`` and a warning when one is running)."""
        if self.busy:
            job.close()
            self.notify("A turn is still running: Escape cancels it.", severity="warning")
            return None
        self._turn_worker = self.run_worker(job, group="turn", exclusive=True, exit_on_error=False)
        return self._turn_worker

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        settings = self.conversation.settings
        if settings.background and settings.stateful and self.chat.editing is None:
            self.action_send_background()
            return
        if self.busy:
            self.notify("A turn is still running: Escape cancels it.", severity="warning")
            return
        editing = self.chat.editing
        bar = self.attachment_bar
        if editing is not None:
            self._leave_edit(restore=False)
            if not self._rewind(editing.turn):
                self._bring_back_set_aside()
                return
            # The edited prompt goes with the chips shown: its own, less any removed (F9),
            # plus any added while editing.
            self._send(message.text, bar.items(), bar.labels(), editing.draft)
            return
        self._send(message.text, bar.items(), bar.labels())

    def _send(
        self,
        prompt: str,
        attachments: list[dict[str, Any]],
        labels: list[str],
        restore_over: str = "",
    ) -> None:
        """Start a turn for ``prompt``. The composer empties at once (the prompt is in the
        chat); if the request fails, the draft and its attachments come back. The chips an
        edit set aside come back once it is sent, or refused (not while it waits for uploads:
        they would go with it)."""
        if self._wait_for_uploads():
            return
        try:
            self._start_turn(prompt, attachments, labels, restore_over)
        finally:
            self._bring_back_set_aside()

    def _start_turn(
        self, prompt: str, attachments: list[dict[str, Any]], labels: list[str], restore_over: str
    ) -> None:
        settings = self.conversation.settings
        if settings.agent and runs_in_background(settings.agent) and not settings.stateful:
            refusal = f"{needs_storing(settings.agent)}; this chat is stateless. F6 switches to "
            self.notify(refusal + "stateful.", severity="warning", timeout=8, markup=False)
            return
        try:
            check_items(attachments)
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return
        texts = [
            prompt,
            *(item["text"] for item in attachments if isinstance(item.get("text"), str)),
        ]
        model = settings.model
        too_big = (
            None
            if settings.agent
            else over_the_window(self.conversation, texts, model, self.chat.limits.get(model))
        )
        if too_big is not None:
            self.notify(too_big, severity="error", timeout=10, markup=False)
            return
        if self.run_turn(self.chat.send(prompt, attachments, labels)) is None:
            return
        self._sent = SentDraft(prompt, self.attachment_bar.take(attachments), restore_over)
        self.composer.load_text(restore_over)
        self.view.jump_to_newest()

    def draft_attachments(self) -> list[Attachment]:
        """The draft's chips: in the bar, or set aside while an earlier prompt is edited."""
        return self._set_aside if self.chat.editing is not None else self.attachment_bar.attachments

    def _bring_back_set_aside(self) -> None:
        """The draft's chips, set aside while an earlier prompt was edited, back in the bar."""
        chips, self._set_aside = self._set_aside, []
        self.attachment_bar.put_back(chips)

    # ------------------------------------------------------------------ Files API uploads

    async def _upload_attachment(
        self, attachment: Attachment, progress: Callable[[int, int], None]
    ) -> Attachment:
        from gemtui.core.uploads import upload_attachment  # the Files API: first use only

        return await upload_attachment(self.client, attachment, progress)

    async def _resolve_attachment(self, attachment: Attachment) -> Attachment:
        from gemtui.core.uploads import resolve_file_uri

        return await resolve_file_uri(self.client, attachment)

    def _wait_for_uploads(self) -> bool:
        """Whether the draft waits for its uploads (then it is sent once they are done)."""
        waiting = [
            a
            for a in self.attachment_bar.pending_uploads()
            if self.attachment_bar.states.get(id(a)) != "upload failed"
        ]
        if not waiting:
            return False
        self._send_after_uploads = True
        names = ", ".join(clean_terminal_text(a.name) for a in waiting)
        self.notify(
            escape_markup(
                f"Sending once {names} is uploaded (the chip shows how far), with the prompt "
                "as it is then. Escape cancels the send."
            ),
            timeout=8,
        )
        self.attachment_bar.report_uploads()
        return True

    def _call_off_send(self, why: str) -> None:
        """The send that waited for uploads is off; the draft and its chips stay."""
        self._send_after_uploads = False
        self._bring_back_set_aside()
        self.attachment_bar.report_uploads()
        self.notify(escape_markup(why), severity="warning", timeout=8)

    def on_attachment_bar_upload_changed(self, message: AttachmentBar.UploadChanged) -> None:
        status = message.status
        if self._send_after_uploads and status:
            status += " · then sends (Esc cancels)"
        self.status.set(uploads=status)
        if message.error:
            if self._send_after_uploads:
                self._bring_back_set_aside()  # the send that waited is off
            self._send_after_uploads = False
        elif message.removed and self._send_after_uploads:
            # Removing what the prompt waited for is how one takes it back: it went out
            # without the file instead.
            name = clean_terminal_text(message.removed)
            self._call_off_send(f"Not sent: {name} was removed while the prompt waited for it.")
        elif message.pending == 0 and self._send_after_uploads:
            self._send_after_uploads = False
            self.composer.post_message(Composer.Submitted(self.composer, self.composer.text))

    def send(self, prompt: str) -> None:
        """Send ``prompt`` as the next turn (as typing it and pressing Enter does)."""
        self._send(prompt, [], [])

    def on_turn_started(self, message: TurnStarted) -> None:
        sent = self._sent
        if sent is not None and sent.turn is None and message.turn.asked.prompt == sent.text:
            sent.turn = message.turn
        self.panes.turn_started(message.turn)

    def on_turn_resumed(self, message: TurnResumed) -> None:
        self.panes.turn_resumed(message.turn)

    def on_typed_for_prompt(self, message: TypedForPrompt) -> None:
        self.composer.insert(message.text)

    def on_turn_replaced(self, message: TurnReplaced) -> None:
        self.panes.show_all()
        self.notify("The answer was fetched whole from the server.")

    def on_turns_loaded(self, message: TurnsLoaded) -> None:
        self.panes.prepend(message.turns)

    def on_request_accepted(self, message: RequestAccepted) -> None:
        self._retry_over()
        sent = self._sent
        if sent is not None and message.turn.asked.prompt == sent.text:
            self.composer.remember(sent.text)
            self._sent = None

    def on_turn_changed(self, message: TurnChanged) -> None:
        self.panes.turn_changed(message)

    def on_turn_ended(self, message: TurnEnded) -> None:
        self._retry_over()
        turn = message.turn
        conversation = self.conversation
        self.panes.turn_ended(
            turn,
            conversation.total_tokens(),
            self._environment_shown(),
            resumable=self.chat.can_resume(),
        )
        sent = self._sent
        if sent is not None and sent.turn is turn:
            # The request never got through: the draft comes back, unless a new one is there.
            self._sent = None
            if self.composer.text in ("", sent.restore_over):
                self.composer.load_prompt(sent.text)
            self.attachment_bar.put_back(sent.attachments)
        log.info("turn ended: %s (interaction %s)", turn.reply.outcome, turn.interaction_id or "-")

    def on_turn_notice(self, message: TurnNotice) -> None:
        self.panes.notice(message.notice, message.turn)

    def on_tool_activity(self, message: ToolActivity) -> None:
        call = message.call
        self.status.set(state=f"running {call.name}" if call is not None else "ready")

    def _offers_computer_use(self) -> bool:
        """Whether this chat's requests offer the computer_use tool (its calls are actions)."""
        return offers_computer_use(self.conversation.settings.tools)

    def _notice_now(self, notice: Notice) -> None:
        """A notice from outside a message handler (the approval step of the running turn)."""
        self.post_message(TurnNotice(notice, None))

    def redraw_chat(self) -> None:
        """Show the chat now in force (opened, forked, replaced) from scratch: its panes, its
        settings and its token counts. The old chat's turns may be collected from here on."""
        ChatPanes.release()
        self.panes.show_all(resumable=self.chat.can_resume())
        self._show_settings_in_force()
        conversation = self.conversation
        # The tokens of its last turn that has usage, as after a turn (none for a new chat).
        usage = next((turn.usage for turn in reversed(conversation.turns) if turn.usage), None)
        self.status.set(
            total_tokens=conversation.total_tokens(),
            last_tokens=usage.total_tokens if usage is not None else None,
            state="ready",
            environment=self._environment_shown(),
        )
        # A chat read back has usage already: its window is looked up now, not after a turn.
        self._ask_limit()

    def _history_failed(self, error: StoreError) -> None:
        """Say once that history is off for this session, and why."""
        self.view.add_item(
            NoticeItem(f"History is not being saved: {error}", error.hint, level="warning")
        )

    def _allow_always(self, names: list[str]) -> None:
        """Write ``allow = true`` for these tools into the config file they came from, and
        into the settings in force, so "always" outlives the session."""
        saved: list[str] = []
        if self.loaded is not None:
            try:
                saved = allow_functions(self.loaded.path, names)
            except ConfigWriteError as error:
                self._notice_now(Notice(f"Allowed for this session only: {error}", "", "warning"))
                return
        self.user_settings.functions = [
            tool.model_copy(update={"allow": True}) if tool.name in saved else tool
            for tool in self.user_settings.functions
        ]
        if saved:
            where = self.loaded.path if self.loaded else ""
            self.notify(
                escape_markup(f"Always allowed from now on: {', '.join(saved)} (saved in {where}).")
            )
        else:
            self.notify(escape_markup(f"Allowed for this session: {', '.join(names)}."))

    def _show_settings_in_force(self) -> None:
        """The status bar names what the next request is made with."""
        settings = self.conversation.settings
        self.status.set(
            model=settings.agent or settings.model,
            mode=settings.mode_label,
            extras=settings_summary(settings),
            environment=self._environment_shown(),
        )
        self.refresh_session_status()

    def _environment_shown(self) -> str:
        """The agent environment the next request goes on in: none once the agent is off
        (``/agent off`` left the last agent's ``env_…`` on the status bar of model turns)."""
        if not self.conversation.settings.agent:
            return ""
        return self.conversation.environment_id or ""

    # ------------------------------------------------------------------ background runs

    def action_send_background(self) -> None:
        """Send the draft (and its attachments) as a background run; F4 lists the runs."""
        if len(self.screen_stack) > 1:
            return
        text = self.composer.text
        attachments = self.attachment_bar.items()
        if not text.strip() and not attachments:
            self.notify("Nothing to send: type a prompt first.", severity="warning")
            return
        if not self.conversation.settings.stateful:
            self.notify(STATELESS_BACKGROUND, severity="warning", timeout=8)
            return
        try:
            check_items(attachments)
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return
        labels = self.attachment_bar.labels()
        sent = SentDraft(text, self.attachment_bar.take())
        self.composer.load_text("")
        self.run_worker(
            self._start_background(sent, attachments, labels),
            group="background",
            exit_on_error=False,
        )

    async def _start_background(
        self, sent: SentDraft, attachments: list[dict[str, Any]], labels: list[str]
    ) -> None:
        from gemtui.ui.screens.jobs import short_id  # a dialog module: loaded on first use

        try:
            job = await self.chat.start_background(sent.text, attachments, labels)
        except GemtuiApiError as error:
            cause = redact_secrets(str(error), self.connection.secrets)
            self.view.add_item(
                NoticeItem(
                    f"The background run was not started: {cause}", error.hint, level="error"
                )
            )
            # The chat may be scrolled away from its end, where the notice went.
            self.notify("The background run was not started (the chat says why).",
                        severity="error", markup=False)  # fmt: skip
            if not self.composer.text:
                self.composer.load_prompt(sent.text)
            self.attachment_bar.put_back(sent.attachments)
            return
        self.composer.remember(sent.text)
        self.panes.background_started(sent.text, labels)
        self.notify(
            escape_markup(f"Running in the background as {short_id(job.id)}. F4 lists runs.")
        )

    def _job_changed(self, job: Job, change: JobChange) -> None:
        """Keep the status bar's count; say when a run has ended, and keep its answer in
        the row the history holds for it (found by ``gemtui history`` and search, and
        opened from there by F4)."""
        from gemtui.ui.screens.jobs import one_line  # a dialog module: loaded on first use

        self.status.set(jobs_running=self.chat.jobs.running)
        if change != "finished":
            return
        if job.status == UNKNOWN_RUN and job.adopted:
            # Started here (F4 lists no other server's runs), the server has lost it:
            # its row is pending no more, or it came back at every start.
            self._forget_lost_run(job.id)
            return
        if job.status != UNKNOWN_RUN:
            self.run_worker(
                self._keep_background_answer(job.id), group="background", exit_on_error=False
            )
        severity = "information" if job.status == "completed" else "warning"
        self.notify(
            escape_markup(f"Background run {job.status}: {one_line(job.prompt, 40)} (F4 opens it)"),
            severity=severity,
        )

    def _forget_lost_run(self, interaction_id: str) -> None:
        """A pending run the server does not know (expired, deleted): its row ends failed,
        saying so, as a chat read back then tells."""
        store = self.store
        try:
            pending = store.find_pending(interaction_id) if store is not None else None
            if store is not None and pending is not None:
                store.finish_turn(pending.turn_id, "failed", error=LOST_RUN)
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)

    async def _keep_background_answer(self, interaction_id: str) -> None:
        turns = self.conversation.turns
        last = turns[-1] if turns else None
        if last is not None and last.interaction_id == interaction_id and last.reply.in_background:
            # The chat shown ends with it (read back before it ended): fetched there.
            if not self.busy:
                self.run_turn(self.chat.fetch_answer(last))
            return
        store = self.store
        try:
            if store is None or store.find_pending(interaction_id) is None:
                return  # kept already, or never kept (history off)
        except StoreError:
            return
        await self.chat.settle_background_run(interaction_id)

    def action_jobs(self) -> None:
        """Show the jobs screen; from it, F4 closes it again (see :mod:`gemtui.ui.dialogs`)."""
        from gemtui.ui.screens.jobs import JobsScreen

        self.push_screen(JobsScreen(self.chat.jobs), self._job_chosen)

    def _job_chosen(self, job: Job | None) -> None:
        """Open a finished run in its chat, which then continues from it: the keys go to the
        prompt (left in the messages, a word typed at once ran their keys: e edited)."""
        if job is not None:
            self.open_interaction(job.id, from_board=True)

    def open_interaction(self, interaction_id: str, *, from_board: bool = False) -> None:
        """Show the interaction ``interaction_id``: where the history holds it (its chat, its
        turn selected), else fetched from the server as the chat's next turn. Fetched again,
        one the history held was added to it once more each time it was looked at. The keys
        go to the prompt: left in the messages, the words typed next ran their keys (``e``
        edited the turn, and Enter sent a mix of both). ``from_board``: opened from F4.

        A background run the history keeps pending is fetched into its own row and opened
        there, in the chat and on the branch it was started from: added to the chat shown,
        it showed a history the server's chain did not have (another chat, runs started side
        by side in one line)."""
        store, located = self.store, None
        pending = self.chat.settling(interaction_id)  # its row is being written: wait for it
        if store is not None and not pending:
            try:
                located = store.find_interaction(interaction_id, settled=True)
                pending = located is None and store.find_pending(interaction_id) is not None
            except StoreError:
                located = None
        if pending:
            self.run_worker(
                self._open_background_run(interaction_id), group="background", exit_on_error=False
            )
        elif located is None:
            # Shown at the end of the chat, as a sent prompt is: the view goes there, or a
            # reader scrolled up saw neither the turn nor the error of an id not found.
            if self.run_turn(self.chat.open_interaction(interaction_id)) is not None:
                self.view.jump_to_newest()
        else:
            self.open_stored(*located, to_prompt=True)
            said = f"{interaction_id} is in the history: opened there."
            if from_board:  # its id is on the board already
                said = "Opened in the chat it was started from."
            self.notify(said, markup=False)

    async def _open_background_run(self, interaction_id: str) -> None:
        shown = self._show_run_going(interaction_id)
        located = await self.chat.settle_background_run(interaction_id)
        if located is None or self.busy:
            return
        if shown is not None and self.conversation_id != shown:
            return  # the reader went to another chat meanwhile: F4 opens it from there
        turns = self.conversation.turns
        if shown is not None and turns and not turns[-1].reply.in_background:
            # The reader went on in that chat (a prompt fetched the run first): it shows the
            # answer already, and opening it again swapped the chat under them.
            return
        self.open_stored(*located, to_prompt=True)
        self.notify("Opened in the chat it was started from.", markup=False)

    def _show_run_going(self, interaction_id: str) -> int | None:
        """A pending run not known to have ended is shown at once where it is stored (its
        prompt, "Started in the background…"), and said to be still running: opening one by
        id (``gemtui show``, Ctrl+P) showed an empty chat and said nothing until it ended,
        which might be never. Returns the conversation shown (``None``: none)."""
        job = self.chat.jobs.find(interaction_id)
        if (job is not None and job.finished) or self.store is None or self.busy:
            return None
        try:
            row = self.store.find_pending(interaction_id)
        except StoreError:
            return None
        if row is None:
            return None
        self.open_stored(row.conversation_id, row.turn_id, to_prompt=True)
        status = job.status if job is not None and job.status else "in_progress"
        self.notify(
            f"Still running at the server ({status}): F4 watches it, and its answer shows "
            f"here once it is done (or: gemtui ask --wait {interaction_id}).",
            markup=False,
            timeout=10,
        )
        return row.conversation_id

    def replay(self, recording: Recording, speed: float = 0.0) -> None:
        self.run_turn(self.chat.replay(recording, speed))

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Escape when nothing runs: leave editing an earlier prompt, or back to the prompt."""
        if self.chat.editing is not None:
            self._leave_edit()
        else:
            focus_now(self.composer)

    def action_cancel_or_focus(self) -> None:
        if self._send_after_uploads:
            self._call_off_send("Not sent: the prompt no longer waits for its uploads.")
            return
        if not (self.busy and self._turn_worker is not None):
            self.action_back()
            return
        self._turn_worker.cancel()

    def action_cancel_answer(self) -> None:
        """The palette's cancel: Escape's, which is off while idle (Escape goes back then), so
        the entry did nothing at all; with nothing running it now says so."""
        if self.busy and self._turn_worker is not None:
            self._turn_worker.cancel()
        else:
            self.notify("Nothing is running: there is no answer to cancel.")

    def action_interrupt(self) -> None:
        """Ctrl+C: cancel the running turn (the approval dialog it waits on is answered "deny"
        first, so it does not stay open); with none, say how to quit."""
        worker = self._turn_worker
        if self._send_after_uploads:
            self._call_off_send("Not sent: the prompt no longer waits for its uploads.")
            return
        if not (self.busy and worker is not None):
            self.action_help_quit()
            return
        from gemtui.ui.screens.approval import ApprovalScreen  # loaded on first use

        if isinstance(self.screen, ApprovalScreen):
            self.screen.action_decide("deny")
        worker.cancel()

    def action_focus_conversation(self) -> None:
        """Ctrl+L: the messages, to select, expand and copy. A chat with no turn yet has none
        (its start notice is not one of them): the focus stays where it is, or the keys typed
        next went to an empty pane, which answered them with "select a message first"."""
        if not self.conversation.turns:
            self.notify("No messages yet: send a prompt first.", severity="warning")
            return
        focus_now(self.view)

    def action_newest(self) -> None:
        """End from the prompt: the newest output, followed from now on (focus stays)."""
        self.view.jump_to_newest()

    def action_new_conversation(self) -> None:
        if self._turn_worker is not None:
            self._turn_worker.cancel()
        self._leave_edit()  # the draft an edit displaced is the one this chat keeps
        if self.drafts is not None:
            self.drafts.leaving()
        # The new chat starts from the settings (F2, or the preset in force), with the tools of
        # those, not what F7 set for the last; what was chosen by command carries over.
        base = copy.deepcopy(self.new_chat_base)
        self.chat.new_chat(dataclasses.replace(base, **copy.deepcopy(self.chosen_settings)))
        if self.drafts is not None:
            self.drafts.arrived()
        ChatPanes.release()  # the old chat's cycles may be collected now
        self.panes.show_all()
        self._show_settings_in_force()
        self.status.set(last_tokens=None, total_tokens=0, state="ready", environment="")
        self.refresh_session_status()
        focus_now(self.composer)

    def _nothing_to_retry(self) -> str:
        """Why F5 has nothing to do, in the words that fit the last turn."""
        turns = self.conversation.turns
        last = turns[-1] if turns else None
        if last is None:
            return "Nothing to retry: no turn yet."
        if last.asked.kind == "captured":
            return (
                "A captured exchange was another program's request: F5 sends nothing again "
                "(f in the captures forks it into a chat of your own)."
            )
        if last.reply.outcome == "completed":
            return "Nothing to retry: the last turn completed."
        outcome = last.reply.outcome
        if outcome == "requires_action":
            return "Nothing to retry: the function calls are unanswered; send a prompt to go on."
        return f"Nothing to retry: the last turn ended {outcome}; send a prompt to go on."

    def action_retry(self) -> None:
        """F5: go on where the last turn stopped (a cut-off stream, an answer left at the
        decode limit), or send its input again (an error, a refusal)."""
        if self.busy:
            return
        if self.chat.can_resume():
            self.run_turn(self.chat.resume())
            return
        job = self.chat.retry()
        if job is None:
            self.notify(self._nothing_to_retry(), markup=False)
            return
        last = self.conversation.turns[-1].asked
        if self.run_turn(job) is not None and self.composer.text == last.prompt:
            # The failed draft came back to the composer: it is on its way again.
            taken = self.attachment_bar.take(last.attachments)
            self._sent = SentDraft(last.prompt, taken)
            self.composer.load_text("")

    def keep_for_new_chats(self, *fields: str) -> None:
        """The user chose these settings of the chat in use by command: a new chat keeps them
        (those of a chat read back from the history are not kept)."""
        settings = self.conversation.settings
        self.chosen_settings.update({name: getattr(settings, name) for name in fields})

    def action_toggle_mode(self) -> None:
        settings = self.conversation.settings
        settings.stateful = not settings.stateful
        self.keep_for_new_chats("stateful")
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

    def copy_to_clipboard(self, text: str) -> None:
        """Textual's own copies (Ctrl+C on text selected with the mouse, or in a text field)
        take gemtui's way to the clipboard, as every copy key does: OSC 52 wrapped for tmux and
        screen, or the desktop's clipboard, and a note that says which. Textual's way is a bare
        OSC 52, which tmux drops unless told otherwise."""
        self._clipboard = text  # Textual's in-app clipboard, which its text fields paste from
        self._copy(text, "Selection")

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
        from gemtui.ui.screens.settings import SettingsScreen

        current = self.user_settings.with_chat_settings(self.conversation.settings)
        self.custom_agents.names()  # listed now, they are there when the agent field is typed in
        screen = SettingsScreen(
            current,
            themes=self.available_themes,
            bindings=keymap_catalogue(self.KEYMAP_EXTRA),
            base=self.user_settings,
            preset=self.preset_in_use,
            agent_names=self.custom_agents.names,
        )
        self.push_screen(screen, partial(self._settings_saved, current))

    def _settings_saved(self, before: Settings, result: SettingsResult | None) -> None:
        """Apply the pane's values from the next turn on, and write them to the config file."""
        if result is None:
            return
        after = result.settings
        self.conversation.settings = after.to_chat_settings()
        self.new_chat_base = copy.deepcopy(self.conversation.settings)
        self.chosen_settings.clear()  # the pane showed them, and saved what it showed
        self.preset_in_use = ""  # the pane's values are the settings now
        # New MCP header values (tokens) are redacted from now on, like the key.
        tokens = secret_values(self.conversation.settings.tools)
        self.connection.secrets += [t for t in tokens if t not in self.connection.secrets]
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
        self.custom_agents.forget()
        self.run_worker(old.aclose(), group="close-client")
        self._warm_up_client()
        self.status.set(
            endpoint="offline emulator" if self.connection.demo else settings.base_url or ""
        )

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's "Screenshot" (and Textual's screenshot action): into the Downloads
        folder when there is one, else the current directory. Textual wrote to Downloads
        only, which is missing on most servers reached over SSH: the save failed there. (In a
        browser the file is downloaded and the folder plays no part.)"""
        self._screenshot_problem = ""
        if not path:
            folder = screenshot_folder()
            path, self._screenshot_problem = str(folder.path), folder.problem
        return super().deliver_screenshot(filename, path, time_format)

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        """A screenshot saved in the home folder because the working one is gone says so,
        as F3 and ``s`` do: Textual's toast gave only the path, and the file seemed to land
        in a folder picked at random."""
        problem = self._screenshot_problem
        if event.name == "screenshot" and problem and event.path is not None:
            event.prevent_default()
            self.notify(
                f"{problem}\nSaved screenshot to {str(event.path)!r}",
                title="Screenshot",
                markup=False,
            )

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """The screen as SVG, without the API key: a prompt or an answer that holds it shows
        it on screen, and a screenshot is a file that gets shared."""
        svg = super().export_screenshot(title=title, simplify=simplify)
        return redact_secrets(svg, self.connection.secrets)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        """A screenshot not saved says why (Textual's own message, run after this one
        otherwise, said only that it failed)."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(
                f"Screenshot not saved: {event.exception}",
                title="Screenshot",
                severity="error",
                markup=False,
            )

    def action_save_recording(self) -> None:
        """Write the last turn's raw event stream where ``gemtui replay`` can read it."""
        turns = [turn for turn in self.conversation.turns if turn.reply.state.events]
        if not turns:
            self.notify(self._no_stream_to_save(), severity="warning")
            return
        turn = turns[-1]
        count = len(turn.reply.state.events)
        lead = f"{count} events"
        if turn is not self.conversation.turns[-1]:  # the last has no stream (refused, read back)
            from gemtui.ui.chat.compare_pick import short_title  # on first use

            lead = f"The last turn has no stream; «{short_title(turn)}»'s {count} events"
        recorded = self._recorded
        if recorded is not None and recorded[:2] == (turn, count):
            self.notify(escape_markup(f"{lead}: saved already, nothing new since: {recorded[2]}"))
            return
        events = [
            (record.received_at, record.event.to_wire()) for record in turn.reply.state.events
        ]
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{turn.interaction_id or 'turn'}.jsonl"
        path = save_recording(
            recordings_dir() / name, turn.asked.request, events, self.connection.secrets
        )
        self._recorded = (turn, count, path)
        if turn.reply.live:  # a replay of it would end where it stands now
            self.notify(
                escape_markup(
                    f"Saved the {len(events)} events so far to {path}: the answer is still "
                    "streaming, so the recording stops there. Ctrl+S again once it is done."
                ),
                severity="warning",
            )
            return
        self.notify(escape_markup(f"{lead}: saved to {path}"))

    def _no_stream_to_save(self) -> str:
        if not self.conversation.turns:
            return "No stream to save yet: Ctrl+S saves a turn's events once one has run."
        return (
            "No stream to save: a turn read back from the history keeps its steps, not its "
            "events (Ctrl+S saves a turn's events right after it ran)."
        )

    # ------------------------------------------------------------------ history

    def action_history(self) -> None:
        if self._history_available():
            from gemtui.ui.screens.history_list import ConversationListScreen, OpenChat

            number = self.conversation_id
            open_chat = None if number is None else OpenChat(number, self._has_draft)
            screen = ConversationListScreen(self.store, open_chat=open_chat)
            self.push_screen(screen, self._history_chosen)

    def _has_draft(self) -> bool:
        """Whether the prompt holds an unsent draft (text or attachments)."""
        return not self.drafts.current().empty if self.drafts is not None else False

    def action_search_history(self) -> None:
        if self._history_available():
            from gemtui.ui.screens.history_search import SearchScreen

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
        """A deleted conversation takes its saved draft along; the one on screen gives way to
        a new chat, which keeps its unsent draft (the question said so): thrown away with
        the chat, the text typed was lost without a word."""
        drafts = self.drafts
        if message.conversation_id != self.conversation_id:
            if drafts is not None:
                drafts.forget(message.conversation_id)
            return
        if drafts is None:
            self.action_new_conversation()  # without a keeper, the prompt is left as it was
            return
        kept = drafts.current()
        self.action_new_conversation()
        drafts.forget(message.conversation_id)
        drafts.carry_in(kept)

    def open_stored(
        self, conversation_id: int, turn_id: int | None = None, *, to_prompt: bool = False
    ) -> None:
        """Show a saved conversation and continue it; ``turn_id``: select that turn (the keys
        go to the messages then, unless ``to_prompt``)."""
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return
        self._leave_edit()  # the draft an edit displaced is the one this chat keeps
        if self.drafts is not None:
            self.drafts.leaving()
        if turn_id is not None:
            self._use_branch_holding(conversation_id, turn_id)
        try:
            self.chat.open_stored(conversation_id)
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)
            return
        if self.drafts is not None:
            self.drafts.arrived()
        self.redraw_chat()
        while turn_id is not None and not self._find_stored(turn_id) and self._load_older():
            pass
        self.view.follow_now()
        self._fill_top()
        target = self._find_stored(turn_id) if turn_id is not None else None
        if target is not None:
            index = self.panes.first_item_of(target)
            if index is not None:
                if not to_prompt:
                    self.view.focus()
                self.view.select(index)
        if to_prompt:
            focus_now(self.composer)

    def _use_branch_holding(self, conversation_id: int, turn_id: int) -> None:
        """Make the branch that holds ``turn_id`` the one in use, as choosing it in the branch
        list would, and say so; the branch in use was opened and the turn was not in it."""
        store = self.store
        if store is None:
            return
        try:
            summary = store.get_conversation(conversation_id)
            head = summary.head_turn_id if summary is not None else None
            leaf = leaf_holding(store.turn_tree(conversation_id), head, turn_id)
            if leaf is None:
                return
            store.set_head(conversation_id, leaf)
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)
            return
        self.notify(
            "Opened the branch that holds this turn (an edit or a regenerated answer had left "
            'it). Ctrl+P "Switch branch" lists the branches.'
        )

    def _find_stored(self, turn_id: int) -> Turn | None:
        return next(
            (t for t in self.conversation.turns if t.stored and t.stored.turn_id == turn_id), None
        )

    def _load_older(self, *, everything: bool = False) -> bool:
        """Read the next batch of older turns (``everything``: all of them, in one go) above
        the others; whether any came."""
        try:
            older = self.chat.load_older(everything=everything)
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)
            return False
        self.panes.prepend(older)
        self.status.set(total_tokens=self.conversation.total_tokens())
        return bool(older)

    def _fill_top(self) -> None:
        """Read older batches while the top of the conversation is less than a screen away:
        the reader never waits at the top for what is above."""
        view = self.view
        while view.scroll_y < view.scrollable_content_region.height and self._load_older():
            pass

    def on_conversation_view_near_top(self, _message: ConversationView.NearTop) -> None:
        self._fill_top()

    def on_step_timeline_older_wanted(self, _message: StepTimeline.OlderWanted) -> None:
        self._load_older(everything=True)
        self.timeline.list.action_cursor_first()

    # ------------------------------------------------------------------ branches

    def _rewind(self, turn: Turn) -> bool:
        """Cut the chat back to before ``turn`` (it stays in the history as a branch)."""
        first_item = self.panes.first_item_of(turn)
        if self.chat.rewind(turn) is None:
            self.notify("This turn cannot be branched from.", severity="warning")
            return False
        self.panes.drop_from(first_item)
        self.status.set(total_tokens=self.conversation.total_tokens(), last_tokens=None)
        return True

    def action_regenerate(self) -> None:
        """Send the last prompt again from the same point; the old answer stays as a branch."""
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return
        last = self.chat.last_prompt_turn()
        if last is None:
            self.notify("No prompt to regenerate an answer for.", severity="warning")
            return
        self._leave_edit()
        if self._rewind(last):
            asked = last.asked
            self.run_turn(self.chat.send(asked.prompt, asked.attachments, asked.attachment_labels))

    def on_conversation_view_edit_requested(self, message: ConversationView.EditRequested) -> None:
        """Load the prompt of the selected message into the composer, to resend it."""
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return
        turn = self.view.items[message.index].turn
        if turn is None or not turn.asked.has_user_input or self.chat.index_of(turn) is None:
            self.notify("Select one of your messages to edit it.", severity="warning")
            return
        bar = self.attachment_bar
        if self.chat.editing is None:
            self._set_aside = bar.take()  # the draft's chips, back when the edit ends
        else:
            bar.take()  # the chips of the prompt edited before
        editing = self.chat.begin_edit(turn, self.composer.text)
        self.status.set(editing=f"editing “{editing.label}” (Esc leaves)")
        asked = turn.asked
        labels = asked.attachment_labels
        bar.put_back(
            [
                Attachment.sent_before(item, labels[index] if index < len(labels) else "")
                for index, item in enumerate(asked.attachments)
            ]
        )
        self.composer.load_prompt(turn.asked.prompt)
        self.composer.move_cursor(self.composer.document.end)
        self.composer.focus()

    def _leave_edit(self, *, restore: bool = True) -> None:
        """Stop editing; ``restore`` puts the displaced draft back in the composer."""
        editing = self.chat.leave_edit()
        if editing is None:
            return
        self.status.set(editing="")
        if restore:
            self.composer.load_text(editing.draft)
            self.attachment_bar.take()  # the edited prompt's chips
            self._bring_back_set_aside()

    def action_switch_branch(self) -> None:
        """List the branches of the open conversation and open the chosen one."""
        conversation_id, store = self.conversation_id, self.store
        if store is None or conversation_id is None:
            self.notify("No saved conversation is open.", severity="warning")
            return
        try:
            summary = store.get_conversation(conversation_id)
            tree = store.turn_tree(conversation_id)
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)
            return
        head = summary.head_turn_id if summary is not None else None

        def chosen(leaf_id: int | None) -> None:
            if leaf_id is None or self.store is None:
                return
            try:
                self.store.set_head(conversation_id, leaf_id)
            except StoreError as error:
                self.notify(error.explained(), severity="error", markup=False)
                return
            self.open_stored(conversation_id)

        from gemtui.ui.screens.branch_list import BranchListScreen  # on demand: start-up time

        self.push_screen(BranchListScreen(branch_tips(tree, head)), chosen)

    # ------------------------------------------------------------------ timeline

    def action_timeline(self) -> None:
        """Show the step timeline and go to it, its detail showing the selected row (the last
        turn when none is); from the timeline or its detail, hide it again."""
        pane = self.query_one("#timeline-pane")
        if pane.display and pane.has_focus_within:
            pane.display = False
            focus_now(self.composer)
            return
        pane.display = True
        timeline = self.timeline
        row = timeline.list.selected
        if row is None and timeline.rows.turn_count:
            row = timeline.rows.turn_row(timeline.rows.turn_count - 1)
        if row is not None:
            self._show_in_detail(StepTimeline.Selected.of(row))
            # Once the pane has its size, so the row is scrolled into view.
            self.call_after_refresh(timeline.list.select, row, announce=False)
        focus_now(timeline.list)

    def _show_in_detail(self, selected: StepTimeline.Selected) -> None:
        turn = self.timeline.turn_at(selected.turn_index)
        self.step_detail.show(
            turn.reply, selected.step_index, selected.event_seq, label=turn.title, asked=turn.asked
        )

    def on_step_timeline_selected(self, message: StepTimeline.Selected) -> None:
        if not self.query(StepTimeline):
            return  # the app is closing: the panes went before the message was handled
        self._show_in_detail(message)
        turn = self.timeline.turn_at(message.turn_index)
        # The conversation follows the timeline (only when the reader is in the timeline, so
        # the two never chase each other).
        if self.timeline.has_focus_within:
            index = self.panes.first_item_of(turn)
            if index is not None:
                self.view.select(index)

    def on_conversation_view_selected(self, message: ConversationView.Selected) -> None:
        """The timeline follows the conversation: the selected message's turn."""
        if not self.view.has_focus:
            return
        section = self.panes.section_of(self.view.items[message.index].turn)
        if section is not None:
            self.timeline.select_turn(section)

    # ------------------------------------------------------------------ the rest

    def action_export(self, fmt: str, target: str | None = None) -> None:
        """Write the current conversation from the history to a file (mode 0600): ``target``
        (in a folder that exists), else a new one in the data dir's ``exports``."""
        if not self._history_available():
            return
        store = self.store
        assert store is not None
        if self.conversation_id is None:
            self.notify("Nothing to export yet: send a prompt first.", severity="warning")
            return
        try:
            summary = store.get_conversation(self.conversation_id)
            turns = store.load_turns(self.conversation_id, limit=None, all_branches=fmt == "json")
        except StoreError as error:
            self.notify(error.explained(), severity="error", markup=False)
            return
        if summary is None:
            return
        text = export_conversation(fmt, summary, turns, secrets=self.connection.secrets)
        path = Path(target).expanduser() if target else data_dir() / "exports"
        try:
            if target:
                write_private(path, text)
            else:  # a name of our choosing never replaces an earlier export
                path = write_new(path, f"conversation-{summary.id}", f".{fmt}", text)
        except OSError as error:
            why = error.strerror or str(error)
            self.notify(escape_markup(f"Cannot write {path}: {why}"), severity="error")
            return
        self.notify(escape_markup(f"Exported to {path}"))

    def action_attach(self, at: tuple[int, int] | None = None) -> None:
        """Open the file picker; ``at``: where the ``@`` that opened it was typed."""
        from gemtui.ui.screens.file_picker import FilePickerScreen

        query, submit = self.composer.take_picker_keys(at) if at is not None else ("", False)
        picker = FilePickerScreen(query=query, submit=submit, attach=self._attach_picked)
        self.push_screen(picker, partial(self._picked, at))

    def _attach_picked(self, source: str) -> str | None:
        """Attach what the picker chose; why not, which the picker shows while it stays open
        (a toast after it closed meant F3 and the name again)."""
        try:
            self.attachment_bar.try_add(source)
        except AttachmentError as error:
            return str(error)
        return None

    def _picked(self, at: tuple[int, int] | None, source: str | None) -> None:
        """The picker closed; ``source``: what it attached (``None``: nothing)."""
        if source is not None and at is not None:
            self.composer.remove_at_sign(at)
        self.composer.focus()

    def on_composer_attach_requested(self, message: Composer.AttachRequested) -> None:
        self.action_attach(message.at)

    def on_attachment_bar_changed(self, message: AttachmentBar.Changed) -> None:
        self.composer.attachments_pending = message.count > 0

    def action_focus_attachments(self) -> None:
        if self.attachment_bar.attachments:
            focus_now(self.attachment_bar)
        else:
            self.notify("No attachments yet: F3 (or @ in the prompt) attaches a file or URL.")

    def action_attachment(self, what: str) -> None:
        """A chip action from the palette, on the selected chip."""
        bar = self.attachment_bar
        if not bar.attachments:
            self.notify("No attachments yet: F3 (or @ in the prompt) attaches a file or URL.")
            return
        focus_now(bar)
        getattr(bar, f"action_{what}")()

    def action_open_by_id(self) -> None:
        from gemtui.ui.screens.open_by_id import OpenByIdScreen

        self.push_screen(OpenByIdScreen(self._refused_id), self._open_id_chosen)

    def _refused_id(self, interaction_id: str) -> str | None:
        """Why the dialog should not ask the server for ``interaction_id``: an id of the wrong
        shape went to the server and came back as an HTTP 404 error block in the chat."""
        connection = self.connection
        return refused_id(
            interaction_id, demo=connection.demo, base_url=connection.base_url, store=self.store
        )

    def _open_id_chosen(self, interaction_id: str | None) -> None:
        if interaction_id:
            self.open_interaction(interaction_id)

    def on_timeline_list_copy_requested(self, message: TimelineList.CopyRequested) -> None:
        if not self.step_detail.copy_text():
            self.notify("Select a row first: its JSON shows beside it.", severity="warning")
            return
        self.step_detail.action_copy()

    def on_step_detail_copy_requested(self, message: StepDetail.CopyRequested) -> None:
        self._copy(message.text)

    def action_help(self, commands_first: bool = False) -> None:
        """The keys in force where the reader is (F1 again closes them); in the prompt, the
        slash commands too (``commands_first``: /help, which shows them first)."""
        from gemtui.ui.screens.help_screen import HelpScreen, help_sections

        order = [info.id for info in keymap_catalogue(self.KEYMAP_EXTRA)]
        sections = help_sections(self, self.screen, order)
        if commands_first:
            sections = [*self.slash_help_sections(), *sections]
        elif self.focused is self.composer:  # before the text editor's inherited keys
            at = next((n for n, s in enumerate(sections) if s.title == "Text editor"),
                      len(sections))  # fmt: skip
            sections[at:at] = self.slash_help_sections(full=False)
        self.push_screen(HelpScreen(sections))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_or_focus":
            # Idle, Escape goes back instead; a send waiting for its uploads is what runs.
            return self.busy or self._send_after_uploads
        if action == "search_history" and self.focused is self.composer:
            vim = self.composer.vim
            if vim is not None and vim.mode == "normal":
                return False  # vim's redo
        if len(self.screen_stack) > 1:
            if action in OVER_THE_CHAT_ONLY:
                return False
            # Over a dialog, F4 and F7 only close their own screen (F7 is also a text area's
            # "select all", which it stays in the settings); the timeline is a pane under it.
            if action == "tools":
                from gemtui.ui.screens.tools import ToolsScreen

                return isinstance(self.screen, ToolsScreen)
            if action == "jobs":
                from gemtui.ui.screens.jobs import JobsScreen

                return isinstance(self.screen, JobsScreen)
            if action == "timeline":
                return False
        return super().check_action(action, parameters)

    def action_tools(self) -> None:
        """The tools checklist of this conversation; from it, F7 closes it again."""
        from gemtui.ui.screens.tools import ToolsScreen

        offered = self._offered_tools() + self._offered_functions
        screen = ToolsScreen(self.conversation.settings.tools, offered)
        self.push_screen(screen, partial(self._tools_chosen, screen))

    def _tools_chosen(self, screen: ToolsScreen, tools: list[dict[str, Any]] | None) -> None:
        self._offered_functions = screen.function_tools()
        if tools is not None:
            self.conversation.settings.tools = tools
            self._show_settings_in_force()

    def _offered_tools(self) -> list[dict[str, Any]]:
        """What F7 offers from the settings: the server-side tools with their configured
        parameters, the MCP servers and the function tools of the config."""
        user = self.user_settings
        offered = [
            option_tool(name, options)
            for name in OPTION_TOOLS
            if (options := getattr(user.tools, f"{name}_options"))
        ]
        offered += [server.declaration() for server in user.mcp_servers]
        return offered + [function.declaration() for function in user.functions]

    def action_toggle_tool(self, name: str) -> None:
        from gemtui.ui.screens.tools import NEEDS_PARAMETERS, toggle_tool, tool_title

        settings = self.conversation.settings
        offered = self._offered_tools()
        # Named as F7 names it, not by its wire type (google_search).
        title = tool_title(name)
        title = title[:1].upper() + title[1:]
        if name in NEEDS_PARAMETERS and not any(t.get("type") == name for t in offered):
            self.notify(f"{title} cannot be switched on yet: {NEEDS_PARAMETERS[name]}.")
            return
        settings.tools, on = toggle_tool(settings.tools, name, offered)
        self._show_settings_in_force()
        self.notify(f"{title} is {'on' if on else 'off'} for this conversation.")

    def action_resources(self) -> None:
        """The agents and environments screen; Alt+A again closes it."""
        from gemtui.ui.screens.resources import ResourcesScreen

        if isinstance(self.screen, ResourcesScreen):
            self.screen.dismiss(None)
        elif len(self.screen_stack) == 1:
            screen = ResourcesScreen(
                lambda: self.client, self.custom_agents.known, in_use=self._uses_resource
            )
            self.push_screen(screen, self._resource_chosen)

    def _custom_agents_listed(self) -> None:
        """The completion list under the prompt, if open, offers them at once."""
        popup = self.composer.popup
        if popup is not None:
            popup.find_again()

    def _uses_resource(self, kind: str, item_id: str) -> bool:
        """Whether this chat's next turn asks the agent, or runs in the environment,
        ``item_id`` (Alt+A warns before deleting it)."""
        settings = self.conversation.settings
        if kind == "agents":
            return settings.agent == item_id
        environment = settings.environment or self.conversation.environment_id
        return bool(settings.agent) and environment == item_id

    def _resource_chosen(self, chosen: UseResource | None) -> None:
        """Use the chosen agent, or environment, from the next turn of this conversation."""
        if chosen is None:
            return
        settings = self.conversation.settings
        if chosen.kind == "agents":
            settings.agent = chosen.id
            self.keep_for_new_chats("agent")
            self.notify(escape_markup(f"Next turns ask the agent {chosen.id}."))
        else:
            settings.environment = chosen.id
            self.keep_for_new_chats("environment")
            note = "" if settings.agent else " (once an agent is set: F2 or Alt+A)"
            self.notify(escape_markup(f"Agent turns run in {chosen.id}{note}."))
        self._show_settings_in_force()

    # ------------------------------------------------------------------ compare

    def current_turn(self) -> Turn | None:
        """The turn the reader is at: the timeline's selected row, else the selected message,
        else the chat's last turn."""
        timeline = self.timeline
        row = timeline.list.selected
        if timeline.has_focus_within and isinstance(getattr(row, "turn", None), int):
            return timeline.turn_at(row.turn)  # type: ignore[union-attr]
        selected = self.view.selected
        if selected is not None and self.view.items[selected].turn is not None:
            return self.view.items[selected].turn
        turns = self.conversation.turns
        return turns[-1] if turns else None

    def action_compare(self) -> None:
        """Mark the current turn to compare, or compare it with the marked one."""
        selected = self.view.selected
        if self.view.has_focus and selected is not None and self.view.items[selected].turn is None:
            # A notice of the chat (the demo's, a warning): the chat's last turn stood in for
            # it, and picking that turn again took the mark off.
            self.notify(
                "The selected message is not part of a turn: select a prompt or an answer, "
                "then press Alt+D.",
                severity="warning",
            )
            return
        turn = self.current_turn()
        if turn is None:
            self.notify("No turn to compare yet.", severity="warning")
            return
        if self.compare_pick is None:
            from gemtui.ui.chat.compare_pick import ComparePick  # loaded on first use

            self.compare_pick = ComparePick()
        result = self.compare_pick.pick(turn, turn.asked.sent_with or self.conversation.settings)
        if isinstance(result, str):
            self.notify(escape_markup(result), timeout=8)
            return
        from gemtui.ui.screens.compare import CompareScreen  # a dialog: loaded on first use

        self.push_screen(CompareScreen(result))

    def on_report_screen_copy_requested(self, message: ReportScreen.CopyRequested) -> None:
        self._copy(message.text, message.what)

    def on_conversation_view_id_requested(self, message: ConversationView.IdRequested) -> None:
        self._copy_turn_id(self.view.items[message.index].turn)

    def action_media(self, what: str) -> None:
        """``o`` or ``s`` on the newest message that has media."""
        view = self.view
        found = [n for n, item in enumerate(view.items) if item.media()]
        if not found:
            self.notify("No answer with media yet.", severity="warning")
            return
        view.select(found[-1])
        if what == "open":
            view.action_open_image()
        else:
            view.action_save_image()

    def action_copy_last_id(self) -> None:
        ids = [turn for turn in self.conversation.turns if turn.interaction_id]
        if not ids:
            self.notify("No interaction id yet: the server accepted no turn of this chat.",
                        severity="warning")  # fmt: skip
            return
        self._copy_turn_id(ids[-1])

    def _copy_turn_id(self, turn: Turn | None) -> None:
        interaction_id = turn.interaction_id if turn is not None else None
        if turn is None:
            # A notice of gemtui's own (the demo's welcome, a settings problem): no turn.
            self.notify("No interaction id here: this message belongs to no turn.",
                        severity="warning")  # fmt: skip
            return
        if not interaction_id:
            self.notify("No interaction id here: the server did not accept this turn.",
                        severity="warning")  # fmt: skip
            return
        self._copy(interaction_id, f"Interaction {interaction_id}")


def keymap_catalogue(extra: Sequence[type[DOMNode]] = ()) -> list[BindingInfo]:
    """Every remappable binding of the app, by id (for the keymap and the settings pane);
    ``extra``: more classes whose bindings count (``GemtuiApp.KEYMAP_EXTRA``)."""
    from gemtui.ui.screens.approval import ApprovalScreen
    from gemtui.ui.screens.attachment_options import AttachmentOptionsScreen
    from gemtui.ui.screens.branch_list import BranchListScreen
    from gemtui.ui.screens.compare import CompareScreen
    from gemtui.ui.screens.file_picker import FilePickerScreen
    from gemtui.ui.screens.help_screen import HelpScreen
    from gemtui.ui.screens.history_list import ConfirmDeleteScreen, ConversationListScreen
    from gemtui.ui.screens.history_search import SearchScreen
    from gemtui.ui.screens.image_viewer import ImageViewerScreen
    from gemtui.ui.screens.jobs import JobsScreen
    from gemtui.ui.screens.open_by_id import OpenByIdScreen
    from gemtui.ui.screens.presets import PresetScreen
    from gemtui.ui.screens.resources import ResourceEditorScreen, ResourcesScreen
    from gemtui.ui.screens.settings import SettingsScreen
    from gemtui.ui.screens.templates import TemplateScreen
    from gemtui.ui.screens.tools import ToolsScreen
    from gemtui.ui.widgets.find_bar import FindBar

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
            ResourcesScreen,
            ResourceEditorScreen,
            AttachmentOptionsScreen,
            PresetScreen,
            TemplateScreen,
            FindBar,
            CompareScreen,
            # The timeline's panes: their keys were neither remappable nor in F2's table.
            TimelineList,
            StepDetail,
            *extra,
        ],
        chat_only=OVER_THE_CHAT_ONLY,
    )


def data_dir() -> Path:
    """gemtui's data dir, where the history lives (GEMTUI_DATA_DIR overrides it)."""
    return default_history_path().parent


def screenshot_folder() -> Folder:
    """Where a screenshot goes: the user's Downloads folder if it exists, else the current
    directory (as media saved with ``s``), else the home folder (the current one was
    deleted under gemtui), with the sentence that says so."""
    from platformdirs import user_downloads_path  # on first use: start-up time

    from gemtui.core.working_dir import Folder, working_dir_or_home

    downloads = user_downloads_path()
    return Folder(downloads) if downloads.is_dir() else working_dir_or_home()


def recordings_dir() -> Path:
    """Where saved recordings go: beside the history."""
    return data_dir() / "recordings"


#: Rich's names of the colour systems of 16 colours or fewer.
FEW_COLOURS = ("standard", "windows")


def pick_theme(configured: str, color_system: str | None) -> str:
    """The theme to use: the user's choice, except that a 16-colour terminal left on the
    default gets the theme made of the terminal's own ANSI palette (which the user picked to
    be readable) rather than approximations of truecolour."""
    if configured == DEFAULT_THEME and color_system in FEW_COLOURS:
        return "ansi-dark"
    return configured


def settings_summary(settings: ChatSettings) -> str:
    """What is in force besides model and mode, in a few characters: tools, system
    instruction, JSON schema, background."""
    parts = [tool_label(tool) for tool in settings.tools]
    if settings.system_instruction:
        parts.append("system")
    formats = settings.response_format
    for item in [formats] if isinstance(formats, dict) else formats or []:
        parts.append("schema" if item.get("type") == "text" else str(item.get("type")))
    parts += settings.response_modalities
    if settings.service_tier:
        parts.append(settings.service_tier)
    if settings.background and settings.stateful:  # stateless chats cannot run in background
        parts.append("background")
    return "+".join(parts)
