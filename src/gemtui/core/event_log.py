"""The events of one interaction, kept column by column: what the timeline lists and opens.

A long answer is thousands of events. One object per event (its record, with a float for its
time and an int for its size) came to about 150 bytes each, kept for the whole session, and
their small objects, made while the answer streamed, left holes in the allocator's pools that
the process did not give back. Here each column is one array (or one list of shared strings)
and the payloads are packed (:class:`~gemtui.core.payload_log.PayloadLog`); an
:class:`EventRecord` is made when one is read, and nothing keeps it.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any

from gemtui.api.models import EventBase, StepDeltaEvent, StepStartEvent, parse_event
from gemtui.core.lazy_sequence import LazySequence
from gemtui.core.payload_log import PayloadLog

__all__ = ["NO_EVENT_TYPE", "EventLog", "EventRecord"]

#: ``step_index`` of an event that names no step, in its column (of 4-byte ints: a step index
#: is small, and one that is not is shown as no step rather than fail).
_NO_STEP = -(2**31)
#: The type of an event that names none (its data is not JSON, or has no ``event_type``): the
#: timeline's label for it, in brackets so that no real type reads the same.
NO_EVENT_TYPE = "(malformed)"


class EventRecord:
    """One received event, as the timeline shows it (raw JSON: ``event.to_wire()``).

    ``event`` parses the payload again when the event came as text (parsing is lossless, so it
    reads back the same); ``kind`` (a delta's or started step's type) is what the timeline's
    rows need without parsing.
    """

    __slots__ = ("_log", "event_type", "kind", "received_at", "seq", "size", "step_index")

    def __init__(self, log: EventLog, seq: int) -> None:
        self._log = log
        self.seq = seq
        self.received_at = log._times[seq]
        self.size = log._sizes[seq]
        self.step_index = log.step_index(seq)
        self.event_type = log._types[seq]
        self.kind = log._kinds[seq]

    @property
    def event(self) -> EventBase:
        return self._log.event(self.seq)

    def __repr__(self) -> str:
        return f"EventRecord({self.seq}, {self.event_type!r}, step {self.step_index})"


class EventLog(LazySequence[EventRecord]):
    """An interaction's events by ``seq`` (their order of arrival), appended in order."""

    __slots__ = (
        "_by_type", "_kept", "_kinds", "_payloads", "_sizes", "_steps", "_times", "_types",
    )  # fmt: skip

    def __init__(self) -> None:
        self._times = array("d")
        self._sizes = array("I")
        self._steps = array("i")
        #: Event types and kinds: a few distinct strings, interned, shared by every event.
        self._types: list[str] = []
        self._kinds: list[str | None] = []
        #: The payloads that came as text ("" for the others).
        self._payloads = PayloadLog()
        #: The events that did not come as text, by seq: the payload as an object, or the
        #: parsed event itself when there was no payload.
        self._kept: dict[int, dict[str, Any] | EventBase] = {}
        #: For each type :meth:`of_type` was asked for: how many events were looked at, and
        #: the seqs of that type among them.
        self._by_type: dict[str, tuple[int, list[int]]] = {}

    def __len__(self) -> int:
        return len(self._times)

    def _item(self, index: int) -> EventRecord:
        return EventRecord(self, index)

    def append(
        self,
        event: EventBase,
        *,
        received_at: float,
        size: int,
        step_index: int | None,
        raw: str | dict[str, Any] | None,
    ) -> int:
        """Note ``event`` (``raw``: its payload as received); returns its ``seq``."""
        seq = len(self._times)
        event_type = getattr(event, "event_type", None)
        self._times.append(received_at)
        self._sizes.append(size)
        fits = step_index is not None and _NO_STEP < step_index < -_NO_STEP
        self._steps.append(step_index if fits else _NO_STEP)  # type: ignore[arg-type]
        self._types.append(sys.intern(event_type) if isinstance(event_type, str) else NO_EVENT_TYPE)
        self._kinds.append(_kind_of(event))
        self._payloads.append(raw if isinstance(raw, str) else "")
        if not isinstance(raw, str):
            self._kept[seq] = event if raw is None else raw
        return seq

    def step_index(self, seq: int) -> int | None:
        """The step event ``seq`` names (without making its record)."""
        step = self._steps[seq]
        return None if step == _NO_STEP else step

    def event(self, seq: int) -> EventBase:
        """Event ``seq``, parsed again from its payload if it came as text."""
        kept = self._kept.get(seq)
        if isinstance(kept, EventBase):
            return kept
        return parse_event(self._payloads[seq] if kept is None else kept)

    def of_type(self, event_type: str) -> list[EventBase]:
        """The events of one type, in order (without making a record for the others).

        Only the events that arrived since the last call for the type are looked at: the
        timeline's turn heading asks for ``interaction.created`` at every paint, and reading
        all of a long answer's events each time made a paint grow with the answer."""
        looked_at, seqs = self._by_type.get(event_type, (0, []))
        types = self._types
        while True:
            try:
                seq = types.index(event_type, looked_at)
            except ValueError:
                break
            seqs.append(seq)
            looked_at = seq + 1
        self._by_type[event_type] = (len(types), seqs)
        return [self.event(seq) for seq in seqs]

    def total_size(self) -> int:
        """Bytes of every payload."""
        return sum(self._sizes)


def _kind_of(event: EventBase) -> str | None:
    """A delta's type, or the type of the step an event starts (``None`` for other events)."""
    if isinstance(event, StepDeltaEvent):
        kind = getattr(event.delta, "type", None)
    elif isinstance(event, StepStartEvent):
        kind = getattr(event.step, "type", None)
    else:
        return None
    # One string per kind, not one per event (parsing makes a new one each time).
    return sys.intern(kind) if isinstance(kind, str) else "?"
