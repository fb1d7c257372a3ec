"""The sink of a captured turn: the captures list always hears of it, the panes while shown.

A capture's turn runs through the turn runner like any other, and :class:`LiveTurn` batches
what it says into at most one ``TurnChanged`` per 50 ms, so a fast stream costs the list the
same as it costs a chat. The panes are the chat's: they get the turn's messages only while the
turn is in the chat shown (the reader chose this capture), so other captures running at the
same time never draw into them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from gemtui.proxy.collector import Capture
from gemtui.ui.chat.live_turn import LiveTurn
from gemtui.ui.chat.messages import RequestAccepted, TurnChanged, TurnEnded, TurnStarted
from gemtui.ui.inspector.messages import CaptureUpdated


class CaptureSink(LiveTurn):
    """``post`` is the app's ``post_message``; ``shown(capture)`` whether its turn is in the
    chat the panes show now."""

    def __init__(
        self,
        capture: Capture,
        post: Callable[[Message], object],
        shown: Callable[[Capture], bool],
    ) -> None:
        super().__init__(self._route)
        self.capture = capture
        self._post_to_app = post
        self._shown = shown

    def _route(self, message: Message) -> None:
        if isinstance(message, TurnStarted | TurnChanged | TurnEnded):
            self._post_to_app(CaptureUpdated(self.capture))
        if isinstance(message, TurnStarted | RequestAccepted):
            return  # a capture enters the panes when it is chosen, never by itself
        if self._shown(self.capture):
            self._post_to_app(message)
