"""The inspector app: the chat app with the proxy running inside and its captures on top.

Everything below the captures pane is the ordinary app: choosing a capture makes its turn the
chat shown (conversation, timeline with its waterfall, events and raw JSON, the request body
too), live while its stream runs; typing a prompt then continues from it, through gemtui's own
client to the same upstream. ``f`` forks a captured request into a new chat with the same
settings and input, to change and send again; Alt+D compares two turns, captures included.

The proxy serves from its own thread (:mod:`gemtui.proxy.run`); the collector runs here, on
the app's loop, so captured turns reach the panes as the app's own turns do: through the turn
runner, a :class:`~gemtui.ui.chat.live_turn.LiveTurn` and the typed turn messages.
"""

from __future__ import annotations

import asyncio
import copy
import socket
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from gemtui.api.client import DEFAULT_BASE_URL
from gemtui.core.attachments import Attachment, item_label
from gemtui.core.capture import asked_from_request, fork_context, settings_from_request
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.safety import escape_markup, redact_secrets
from gemtui.core.store import Store, StoreError
from gemtui.core.turn import Turn
from gemtui.proxy.collector import Capture, Collector
from gemtui.proxy.record import ExchangeRecorder
from gemtui.proxy.run import RunningProxy, exposed
from gemtui.proxy.wire import CaptureHub
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.inspector.captures import CapturesPane
from gemtui.ui.inspector.exchange_screen import ExchangeScreen
from gemtui.ui.inspector.messages import CaptureUpdated
from gemtui.ui.inspector.sink import CaptureSink
from gemtui.ui.render.chat_items import NoticeItem

INSPECTING = (
    "Inspecting: programs pointed at {url} reach {upstream} through gemtui, and each exchange "
    "appears in the list above, where the keys start (Enter shows one, f forks it into a chat; "
    "Alt+C goes back and forth between the list and the prompt)."
)
POINT_AT = "export GOOGLE_GEMINI_BASE_URL={url}   (or the SDK's base URL option)"
EXPOSED = (
    "The proxy listens on {host}, not on this machine only: anyone who can reach it can send "
    "requests through it."
)
#: What the command palette offers in the inspector besides the app's own: (title, help, action).
INSPECTOR_COMMANDS = [
    ("Captures", "The exchanges the proxy has seen; Enter shows one (Alt+C)", "captures"),
    ("Fork the highlighted capture into a chat",
     "A new chat with its model, config, tools and input, to change and send (f in the list)",
     "fork_highlighted"),
    ("Details of the highlighted capture",
     "Its request and response as they went over the wire: headers and bodies (d in the list)",
     "details_highlighted"),
]  # fmt: skip
#: Captures kept in the list (the oldest finished ones go first).
KEEP = 2000
#: Rows from which the captures pane and the timeline fit on the screen together.
TALL_ENOUGH = 40


class InspectorApp(GemtuiApp):
    """``gemtui inspect``: ``sock`` is the proxy's bound socket; it forwards to the app's own
    endpoint (``connection.base_url``). ``history``: keep the captures in ``store``."""

    CSS_PATH = [*GemtuiApp.CSS_PATH, Path(__file__).with_name("inspector.tcss")]

    BINDINGS = [
        Binding("alt+c", "captures", "Captures", id="inspector.captures", priority=True),
    ]

    def __init__(
        self,
        connection: Connection,
        settings: ChatSettings | None = None,
        *,
        sock: socket.socket,
        history: bool = True,
        recorder: ExchangeRecorder | None = None,
        loaded: Any = None,
        store: Store | None = None,
    ) -> None:
        super().__init__(connection, settings, loaded=loaded, store=store)
        self.hub = CaptureHub()
        self.proxy = RunningProxy(sock, connection.base_url or DEFAULT_BASE_URL, self.hub)
        self._host = sock.getsockname()[0]
        self.collector = Collector(
            store=store if history else None,
            sink_for=self._sink_for,
            on_change=lambda capture, _kind: self.post_message(CaptureUpdated(capture)),
            on_done=recorder.write if recorder is not None else lambda _capture: None,
            on_history_failure=self._history_failed,
            keep=KEEP,
        )
        #: The capture whose turn the panes show (``None``: a chat of the reader's own).
        self.shown: Capture | None = None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in INSPECTOR_COMMANDS:
            yield SystemCommand(title, help_text, partial(self.run_action, action))

    # ------------------------------------------------------------------ layout and life

    def compose(self) -> ComposeResult:
        yield CapturesPane(id="captures")
        yield from super().compose()

    @property
    def captures(self) -> CapturesPane:
        return self.query_one(CapturesPane)

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        self.hub.attach_loop(loop, self.collector.take)
        self.proxy.start()
        url = self.proxy.url
        self.view.add_item(
            NoticeItem(
                INSPECTING.format(url=url, upstream=self.proxy.upstream),
                POINT_AT.format(url=url),
                level="info",
            )
        )
        if exposed(self._host):
            self.view.add_item(NoticeItem(EXPOSED.format(host=self._host), "", level="warning"))

    def first_focus(self) -> Widget:
        """The captures list: what a developer watching their program's traffic moves in."""
        return self.captures.table

    async def on_unmount(self) -> None:
        self.hub.attach(lambda _note: None)  # nothing more reaches a loop that is ending
        await asyncio.get_running_loop().run_in_executor(None, self.proxy.stop)
        self.collector.cancel()
        await self.collector.drain()

    def _sink_for(self, capture: Capture) -> CaptureSink:
        return CaptureSink(capture, self.post_message, self.is_shown)

    def is_shown(self, capture: Capture) -> bool:
        """Whether ``capture``'s turn is in the chat the panes show."""
        turn = capture.turn
        return self.shown is capture and any(t is turn for t in self.conversation.turns)

    # ------------------------------------------------------------------ the list

    def on_capture_updated(self, message: CaptureUpdated) -> None:
        panes = self.query(CapturesPane)
        if not panes:  # one that came in as the app closed: its panes are gone (it crashed)
            return
        pane = panes.first()
        pane.show(message.capture)
        kept = {capture.number for capture in self.collector.captures}
        gone = {int(key) for key in pane.captures} - kept
        if gone:
            pane.forget(gone)

    def action_captures(self) -> None:
        """Go to the captures; from them, hide the pane (Alt+C again shows it). On a short
        terminal the timeline makes way for them."""
        pane = self.captures
        if pane.display and pane.has_focus_within:
            pane.display = False
            self.composer.focus()
            return
        pane.display = True
        if self.size.height < TALL_ENOUGH:
            self.query_one("#timeline-pane").display = False
        pane.focus_table()

    def action_timeline(self) -> None:
        """The timeline needs the room: on a short terminal the captures make way for it
        (Alt+C brings them back)."""
        super().action_timeline()
        if self.query_one("#timeline-pane").display and self.size.height < TALL_ENOUGH:
            self.captures.display = False

    def action_fork_highlighted(self) -> None:
        capture = self.captures.highlighted()
        if capture is None:
            self.notify("No capture yet.", severity="warning")
        else:
            self.fork_capture(capture)

    def action_details_highlighted(self) -> None:
        capture = self.captures.highlighted()
        if capture is None:
            self.notify("No capture yet.", severity="warning")
        else:
            self.push_screen(ExchangeScreen(capture))

    def on_captures_pane_left(self, _message: CapturesPane.Left) -> None:
        self.composer.focus()

    def on_captures_pane_chosen(self, message: CapturesPane.Chosen) -> None:
        self.show_capture(message.capture)

    def on_captures_pane_details_requested(self, message: CapturesPane.DetailsRequested) -> None:
        self.push_screen(ExchangeScreen(message.capture))

    def on_captures_pane_fork_requested(self, message: CapturesPane.ForkRequested) -> None:
        self.fork_capture(message.capture)

    def current_turn(self) -> Turn | None:
        """In the captures pane, the highlighted capture's turn (what Alt+D marks)."""
        pane = self.captures
        if pane.display and pane.has_focus_within:
            capture = pane.highlighted()
            return capture.turn if capture is not None else None
        return super().current_turn()

    # ------------------------------------------------------------------ show and fork

    def _may_switch(self) -> bool:
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return False
        self._leave_edit(restore=False)
        return True

    def show_capture(self, capture: Capture) -> None:
        """Make the capture's turn the chat shown (live while it streams); a plain exchange
        shows its headers and bodies."""
        turn = capture.turn
        if turn is None or capture.conversation is None:
            self.push_screen(ExchangeScreen(capture))
            return
        if not self._may_switch():
            return
        conversation = Conversation(
            settings=copy.deepcopy(capture.conversation.settings),
            turns=[turn],
            base_row=turn.stored.parent_id if turn.stored is not None else None,
        )
        history = capture.history
        self.chat.use(conversation, history.conversation_id if history is not None else None)
        self.shown = capture
        self.redraw_chat()
        if turn.reply.live:
            self.panes.follow_live(turn)

    def fork_capture(self, capture: Capture) -> None:
        """A new chat with the captured request's model, config, tools and system
        instruction, the history it resent, and its input in the prompt, ready to change
        and send."""
        operation = capture.operation
        if operation is None or operation.kind != "create" or not capture.request:
            self.notify(
                "Only a captured create (POST …/interactions) can be forked into a chat.",
                severity="warning",
            )
            return
        if not self._may_switch():
            return
        request = capture.request
        turns, previous = fork_context(request)
        settings = settings_from_request(request)
        conversation = Conversation(
            settings=settings, turns=turns, continues=previous if settings.stateful else None
        )
        self.chat.use(conversation)
        self.shown = None
        self.redraw_chat()
        asked = asked_from_request(request, capture.exchange)
        self.composer.load_prompt(asked.prompt)
        self.attachment_bar.put_back([_attachment(item) for item in asked.attachments])
        self.composer.focus()
        note = (
            " Its function results are not carried over: the chat answers calls itself."
            if asked.results
            else ""
        )
        self.notify(
            escape_markup(
                "Forked into a new chat with the same model, config, tools and input: Enter "
                f"sends it as it was; change it first to iterate.{note}"
            ),
            timeout=8,
        )

    def _history_failed(self, error: StoreError) -> None:
        self.view.add_item(
            NoticeItem(
                redact_secrets(f"Captures are not being saved: {error}", self.connection.secrets),
                error.hint,
                level="warning",
            )
        )


def _attachment(item: dict[str, Any]) -> Attachment:
    """An attachment chip for a content item of a captured request."""
    data = item.get("data") or ""
    size = len(data) * 3 // 4 - data[-2:].count("=") if isinstance(data, str) else 0
    return Attachment(
        name=item_label(item),
        mime_type=str(item.get("mime_type") or ""),
        kind=str(item.get("type") or "file"),
        size=size,
        item=item,
    )


InspectorApp.KEYMAP_EXTRA = (InspectorApp, CapturesPane, ExchangeScreen)
