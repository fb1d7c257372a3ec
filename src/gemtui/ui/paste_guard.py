"""Bracketed pastes that hold escape sequences reach the app whole, in order, and cleaned.

Textual's terminal parser (8.2) treats an ESC inside a bracketed paste as the start of a key
sequence: the paste is cut there, and the rest of it is replayed as key presses *before* the
paste itself. Pasting ``line1 ESC[32mgreen ESC[0m`` CR ``line2`` therefore typed "green",
pressed Enter (which sent it as a prompt) and only then pasted "line1". Text copied from a
terminal or a log holds such sequences often.

:class:`PasteGuardParser` cleans the text between the paste's start and end markers before
the parser sees it (the escape sequences go, as :func:`~gemtui.core.safety.clean_draft_text`
removes them from any draft), so the parser reads a plain paste. It is put in place of the
parser the terminal driver's module uses (:func:`guard_pastes`): the driver builds its parser
inside its input thread, where nothing else can reach it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from textual._xterm_parser import XTermParser

from gemtui.core.safety import clean_draft_text

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


class PasteCleaner:
    """Cleans bracketed pastes in a stream of terminal input, chunk by chunk.

    Outside a paste the input passes at once (a lone Escape press must not wait for more
    input), also when a start marker is cut between two reads: the rest of it at the head of
    the next read starts the paste. Inside one it is held until the end marker, as the parser
    holds a paste anyway, and comes out cleaned."""

    def __init__(self) -> None:
        #: The paste read so far, or ``None`` outside a paste.
        self._paste: list[str] | None = None
        #: The start of an end marker cut off at the end of the last chunk.
        self._tail = ""
        #: How much of a start marker the last chunk ended with (passed on already).
        self._started = 0

    def feed(self, data: str) -> str:
        text, self._tail = self._tail + data, ""
        out: list[str] = []
        started, self._started = self._started, 0
        if started and self._paste is None:
            rest = PASTE_START[started:]
            if text.startswith(rest):
                out.append(rest)
                text, self._paste = text[len(rest) :], []
            elif rest.startswith(text):  # more of the marker, and no more than that
                self._started = started + len(text)
                return text
        while text:
            if self._paste is None:
                start = text.find(PASTE_START)
                if start < 0:
                    out.append(text)
                    self._started = len(text) - _marker_start_at_end(text, PASTE_START)
                    break
                start += len(PASTE_START)
                out.append(text[:start])
                text, self._paste = text[start:], []
                continue
            end = text.find(PASTE_END)
            if end < 0:
                cut = _marker_start_at_end(text, PASTE_END)
                self._paste.append(text[:cut])
                self._tail = text[cut:]
                break
            self._paste.append(text[:end])
            out.append(clean_draft_text("".join(self._paste)) + PASTE_END)
            text, self._paste = text[end + len(PASTE_END) :], None
        return "".join(out)


def _marker_start_at_end(text: str, marker: str) -> int:
    """Where a beginning of ``marker`` that ``text`` ends with starts (``len(text)``: none)."""
    for length in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:length]):
            return len(text) - length
    return len(text)


class PasteGuardParser(XTermParser):
    """Textual's parser, fed through a :class:`PasteCleaner`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cleaner = PasteCleaner()

    def feed(self, data: str) -> Iterable[Any]:
        if not data:
            return super().feed(data)  # the end of input
        cleaned = self._cleaner.feed(data)
        # Nothing to pass on yet (the middle of a paste): "" would tell the parser input ended.
        return super().feed(cleaned) if cleaned else ()


def guard_pastes(driver_class: type) -> None:
    """Make the terminal driver ``driver_class`` read its input with :class:`PasteGuardParser`."""
    module = sys.modules.get(driver_class.__module__)
    if module is not None and getattr(module, "XTermParser", None) is XTermParser:
        module.XTermParser = PasteGuardParser  # type: ignore[attr-defined]
