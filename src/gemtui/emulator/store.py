"""Interactions the emulator holds: their resource fields and the log of events they emitted.

Every run writes its events to its record; HTTP streams are readers of that log. That one
design gives create-streams, ``GET ?stream=true`` replays and ``last_event_id`` resumes the
same bytes, and lets a run finish (and be fetched) after its client dropped the connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gemtui.emulator.events import frame

if TYPE_CHECKING:
    from gemtui.emulator.persist import PersistentRecords

RUNNING = frozenset({"in_progress", "queued"})


def timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(eq=False)
class Record:
    """One interaction: what GET shows, plus the event log readers follow."""

    id: str
    root_token: str
    owner: dict[str, str]
    input_steps: list[dict[str, Any]]
    usage: dict[str, Any]
    background: bool = False
    previous_interaction_id: str | None = None
    environment_id: str | None = None
    #: set while the answer goes on in another hop (status ``requires_continuation``)
    continuation_token: str | None = None
    #: the tier the run was served on (echoed in ``interaction.completed``)
    service_tier: str = "standard"
    status: str = "in_progress"
    created: str = field(default_factory=timestamp)
    updated: str = ""
    output_steps: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    event_ids: list[str | None] = field(default_factory=list)
    finished: bool = False
    send_done: bool = True
    task: asyncio.Task | None = None
    #: the rest of the run (a ``runner.script``) while it is going, so it can be rushed
    script: Iterator[float] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.updated = self.updated or self.created

    # --- the event log -------------------------------------------------------------------

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        event_id = f"evt_{len(self.frames) + 1}"
        payload["event_type"] = event_type
        payload["event_id"] = event_id
        self.frames.append(frame(event_type, payload))
        self.event_ids.append(event_id)

    def emit_raw(self, data: bytes) -> None:
        """A frame that is not a proper event (the ``malformed`` fault); it has no id."""
        self.frames.append(data)
        self.event_ids.append(None)

    def notify(self) -> None:
        """Wake readers waiting for new frames; called before the producer pauses."""
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def waiter(self) -> asyncio.Event:
        return self._wake

    def position_after(self, event_id: str) -> int | None:
        try:
            return self.event_ids.index(event_id) + 1
        except ValueError:
            return None

    def finish(self, status: str, usage: dict[str, Any] | None = None) -> None:
        self.status = status
        if usage is not None:
            self.usage = usage
        self.updated = timestamp()

    def close(self) -> None:
        self.finished = True
        self.notify()

    # --- views ---------------------------------------------------------------------------

    def base(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id,
            "object": "interaction",
            **self.owner,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
        }
        if self.previous_interaction_id:
            view["previous_interaction_id"] = self.previous_interaction_id
        if self.environment_id:
            view["environment_id"] = self.environment_id
        if self.continuation_token and self.status == "requires_continuation":
            view["continuation_token"] = self.continuation_token
        return view

    def resource(self, *, with_input: bool) -> dict[str, Any]:
        """The Interaction JSON: POST shows output steps only, GET the whole timeline."""
        view = self.base()
        view["steps"] = (self.input_steps if with_input else []) + self.output_steps
        view["usage"] = self.usage
        view["service_tier"] = self.service_tier
        if self.errors:
            view["errors"] = self.errors
        return view

    def created_event(self) -> dict[str, Any]:
        return {"interaction": self.base()}

    def completed_event(self) -> dict[str, Any]:
        view = self.base()
        view["usage"] = self.usage
        view["service_tier"] = self.service_tier
        if self.errors:
            view["errors"] = self.errors
        return {"interaction": view}

    def timeline(self) -> list[dict[str, Any]]:
        return self.input_steps + self.output_steps


class Store:
    """Stored interactions by id (``store: false`` runs never enter it).

    With ``persist``, interactions also outlive the process: :meth:`keep` writes a record
    (when its run has ended), and an id this process does not hold is looked up in the file,
    so earlier runs' interactions (and those of another gemtui process that finished them)
    can be fetched and chained onto.
    """

    def __init__(self, persist: PersistentRecords | None = None) -> None:
        self._records: dict[str, Record] = {}
        self._deleted: set[str] = set()
        self.persist = persist

    def add(self, record: Record) -> None:
        self._records[record.id] = record

    def get(self, interaction_id: str) -> Record | None:
        record = self._records.get(interaction_id)
        if record is not None or self.persist is None or not interaction_id:
            return record
        if interaction_id in self._deleted:
            return None
        record = self.persist.load(interaction_id)
        if record is not None:
            self._records[interaction_id] = record
        return record

    def remove(self, interaction_id: str) -> Record | None:
        if self.persist is not None:
            self._deleted.add(interaction_id)
            self.persist.delete(interaction_id)
        return self._records.pop(interaction_id, None)

    def keep(self, record: Record) -> None:
        """Write ``record`` to the file, if there is one and the record is still stored."""
        if self.persist is not None and self._records.get(record.id) is record:
            self.persist.save(record)

    def running(self) -> list[Record]:
        """The records of this process whose run has not ended."""
        return [record for record in self._records.values() if not record.finished]

    def history(self, record: Record) -> list[dict[str, Any]]:
        """The whole conversation up to and including ``record``, oldest first."""
        chain = []
        current: Record | None = record
        while current is not None and len(chain) < 10_000:
            chain.append(current)
            previous = current.previous_interaction_id
            current = self.get(previous) if previous else None
        return [step for item in reversed(chain) for step in item.timeline()]
