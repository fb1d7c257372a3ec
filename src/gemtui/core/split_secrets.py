"""The API key out of recorded events also when the model's text splits it between deltas.

Each event line of a recording is redacted (:func:`~gemtui.core.safety.redact_secrets`), but
a model that repeats the key sends it in pieces: ``"cho secret-t"``, ``"est-key-123 "``. No
line holds the key, yet ``gemtui replay`` and ``gemtui diff`` join the pieces and print it.

:class:`DeltaRedactor` sees the events in order, and joins the text of each step's deltas
field by field (``text``, a thought summary's ``content.text``, a call's ``arguments`` ...).
Where the joined text holds a secret (a given value, or the shape of a Google API key), the
piece it starts in gets ``***`` and the pieces it runs on into lose their part of it, as the
whole text would be redacted. To be able to do that, an event whose text could still be the
start of a secret completed by the next delta is held back (at most the length of the
longest secret, in characters of text), and the events after it wait in line: a recording
keeps its order. A step's end, and the end of the stream, let everything out.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gemtui.api.secret_values import MIN_SECRET_CHARS
from gemtui.core.safety import REDACTED

#: A Google API key, as :mod:`gemtui.core.safety` finds one in whole text.
_KEY_SHAPE = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
_KEY_SHAPE_CHARS = 39

#: An event and what the recording keeps with it (its offset), in the order received.
Item = tuple[Any, dict[str, Any]]
#: Where a string is in a delta: the keys leading to it.
Path = tuple[str, ...]


@dataclass
class _Piece:
    """One delta's string at ``path`` (keys into its ``delta``), not let out yet."""

    held: _Held
    path: Path
    text: str


@dataclass
class _Held:
    item: Item
    pieces: int = 0


@dataclass
class _Stream:
    """The joined text of one field of one step's deltas, from the first piece held on."""

    pieces: list[_Piece] = field(default_factory=list)


class DeltaRedactor:
    """Redacts ``secrets`` split across deltas; ``push`` events in order, write what it
    returns, and ``flush`` at the end (see the module's docstring)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True
        )
        #: Text that may still be the start of a secret: as long as the longest, less one.
        self._keep = max([_KEY_SHAPE_CHARS, *map(len, self._secrets)]) - 1
        self._line: deque[_Held] = deque()
        self._streams: dict[tuple[Any, Path], _Stream] = {}

    def push(self, item: Item) -> list[Item]:
        """Take the next event; returns the events that may be written now, in order."""
        event = item[1]
        held = _Held(item)
        self._line.append(held)
        kind = event.get("event_type")
        delta = event.get("delta")
        if kind == "step.delta" and isinstance(delta, dict):
            for path, text in _strings(delta):
                stream = self._streams.setdefault((event.get("index"), path), _Stream())
                stream.pieces.append(_Piece(held, path, text))
                held.pieces += 1
                self._redact(stream)
                self._let_out(stream, keep=self._keep)
        elif kind == "step.stop":
            for key in [k for k in self._streams if k[0] == event.get("index")]:
                self._let_out(self._streams.pop(key), keep=0)
        elif kind in ("interaction.completed", "error", "done"):
            return self.flush()
        return self._ready()

    def flush(self) -> list[Item]:
        """Every event still held (the stream ended)."""
        for stream in self._streams.values():
            self._let_out(stream, keep=0)
        self._streams.clear()
        return self._ready()

    def _redact(self, stream: _Stream) -> None:
        joined = "".join(piece.text for piece in stream.pieces)
        spans = _spans(joined, self._secrets)
        if not spans:
            return
        start = 0
        for piece in stream.pieces:
            end = start + len(piece.text)
            kept: list[str] = []
            for at, char in enumerate(piece.text, start):
                span = next((s for s in spans if s[0] <= at < s[1]), None)
                if span is None:
                    kept.append(char)
                elif at == span[0]:
                    kept.append(REDACTED)
            if len(kept) != len(piece.text) or kept != list(piece.text):
                piece.text = "".join(kept)
                _set(piece.held.item[1]["delta"], piece.path, piece.text)
            start = end

    def _let_out(self, stream: _Stream, *, keep: int) -> None:
        """Let out the pieces that lie wholly before the stream's last ``keep`` characters."""
        left = sum(len(piece.text) for piece in stream.pieces) - keep
        while stream.pieces and len(stream.pieces[0].text) <= left:
            piece = stream.pieces.pop(0)
            left -= len(piece.text)
            piece.held.pieces -= 1

    def _ready(self) -> list[Item]:
        ready: list[Item] = []
        while self._line and self._line[0].pieces == 0:
            ready.append(self._line.popleft().item)
        return ready


def redact_split(items: Iterable[Item], secrets: Iterable[str]) -> list[Item]:
    """A whole stream's events with the secrets split across deltas redacted."""
    redactor = DeltaRedactor(secrets)
    out: list[Item] = []
    for item in items:
        out += redactor.push(item)
    return out + redactor.flush()


def _strings(value: dict[str, Any], path: Path = ()) -> Iterable[tuple[Path, str]]:
    """The strings in a delta, by their path, but its tags (``type``)."""
    for key, child in value.items():
        if isinstance(child, str) and key != "type":
            yield (*path, key), child
        elif isinstance(child, dict):
            yield from _strings(child, (*path, key))


def _set(value: dict[str, Any], path: Path, text: str) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = text


def _spans(text: str, secrets: list[str]) -> list[tuple[int, int]]:
    """Where secrets are in ``text`` (start, end), longest first where two overlap."""
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        at = text.find(secret)
        while at >= 0:
            if not any(s < at + len(secret) and at < e for s, e in spans):
                spans.append((at, at + len(secret)))
            at = text.find(secret, at + 1)
    for match in _KEY_SHAPE.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e in spans):
            spans.append(match.span())
    return spans
