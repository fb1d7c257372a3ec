"""A turn's event payloads, kept packed: compressed in batches as they arrive.

The timeline can show the raw JSON of every event of a turn, so every payload is kept. A long
answer is thousands of events, each a string of a few hundred bytes: about 1.6 MB for a 1 MB
answer, and as many small objects as events, which also stay in the garbage collector's way.
Here each batch of :data:`BATCH` payloads becomes one compressed ``bytes`` object once it is
complete (zlib at its fastest level: JSON text deltas shrink about fivefold, and a batch of a
hundred events takes well under a millisecond). A payload is read back when a timeline row
draws or opens its event; the batch read last stays decoded, since rows are read in runs.
"""

from __future__ import annotations

import zlib
from array import array
from itertools import accumulate

#: Payloads per compressed batch.
BATCH = 128


class PayloadLog:
    """Payloads by position (the event's ``seq``), appended in order."""

    __slots__ = ("_batches", "_decoded", "_pending")

    def __init__(self) -> None:
        #: Each complete batch: its payloads joined and compressed, and where each one ends.
        self._batches: list[tuple[bytes, array[int]]] = []
        self._pending: list[str] = []
        #: The batch read last: (its number, its payloads joined).
        self._decoded: tuple[int, str] | None = None

    def __len__(self) -> int:
        return len(self._batches) * BATCH + len(self._pending)

    def append(self, payload: str) -> None:
        self._pending.append(payload)
        if len(self._pending) == BATCH:
            joined = "".join(self._pending)
            ends = array("I", accumulate(map(len, self._pending)))  # 4 bytes: a batch is small
            self._batches.append((zlib.compress(_encode(joined), 1), ends))
            self._pending = []

    def __getitem__(self, position: int) -> str:
        if not 0 <= position < len(self):
            raise IndexError(position)
        batch, inner = divmod(position, BATCH)
        if batch == len(self._batches):
            return self._pending[inner]
        blob, ends = self._batches[batch]
        if self._decoded is None or self._decoded[0] != batch:
            self._decoded = (batch, zlib.decompress(blob).decode("utf-8", "surrogatepass"))
        joined = self._decoded[1]
        return joined[ends[inner - 1] if inner else 0 : ends[inner]]


def _encode(text: str) -> bytes:
    # A payload is decoded text, but one cut short by a dropped stream may end anywhere:
    # lone surrogates pass through rather than fail.
    return text.encode("utf-8", "surrogatepass")
