"""What the captures tell the inspector app, as Textual messages."""

from __future__ import annotations

from textual.message import Message

from gemtui.proxy.collector import Capture


class CaptureUpdated(Message):
    """A capture began, got its response head, moved on, or ended: its row is out of date."""

    def __init__(self, capture: Capture) -> None:
        super().__init__()
        self.capture = capture
