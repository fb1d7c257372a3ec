"""What the app puts on the clipboard, read from the exact OSC 52 bytes it writes."""

from __future__ import annotations

import base64
import re

import pytest

from gemtui.ui.app import GemtuiApp

OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")
#: What would send a copy elsewhere than a bare OSC 52 (a desktop clipboard, a multiplexer).
CLIPBOARD_ROUTES = ("DISPLAY", "WAYLAND_DISPLAY", "TMUX", "STY", "SSH_TTY", "SSH_CONNECTION")


def bare_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No desktop clipboard, no multiplexer: the app must use a bare OSC 52."""
    for name in CLIPBOARD_ROUTES:
        monkeypatch.delenv(name, raising=False)


def capture(app: GemtuiApp) -> list[str]:
    """Everything the app writes for the clipboard from now on, decoded from OSC 52."""
    written: list[str] = []

    def write(sequence: str) -> None:
        (payload,) = OSC52.fullmatch(sequence).groups()
        written.append(base64.b64decode(payload).decode("utf-8"))

    app.clipboard_writer = write
    return written
