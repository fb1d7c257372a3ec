"""Interactions the emulator holds: their resource fields and the log of events they emitted.

Every run writes its events to its record; HTTP streams are readers of that log. That one
design gives create-streams, ``GET ?stream=true`` replays and ``last_event_id`` resumes the
same bytes, and lets a run finish (and be fetched) after its client dropped the connection.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from gemtui.emulator.events import frame

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
        return view

    def resource(self, *, with_input: bool) -> dict[str, Any]:
        """The Interaction JSON: POST shows output steps only, GET the whole timeline."""
        view = self.base()
        view["steps"] = (self.input_steps if with_input else []) + self.output_steps
        view["usage"] = self.usage
        if self.errors:
            view["errors"] = self.errors
        return view

    def created_event(self) -> dict[str, Any]:
        return {"interaction": self.base()}

    def completed_event(self) -> dict[str, Any]:
        view = self.base()
        view["usage"] = self.usage
        view["service_tier"] = "standard"
        return {"interaction": view}

    def timeline(self) -> list[dict[str, Any]]:
        return self.input_steps + self.output_steps


class Store:
    """Stored interactions by id (``store: false`` runs never enter it)."""

    def __init__(self) -> None:
        self._records: dict[str, Record] = {}

    def add(self, record: Record) -> None:
        self._records[record.id] = record

    def get(self, interaction_id: str) -> Record | None:
        return self._records.get(interaction_id)

    def remove(self, interaction_id: str) -> Record | None:
        return self._records.pop(interaction_id, None)

    def history(self, record: Record) -> list[dict[str, Any]]:
        """The whole conversation up to and including ``record``, oldest first."""
        chain = []
        current: Record | None = record
        while current is not None and len(chain) < 10_000:
            chain.append(current)
            previous = current.previous_interaction_id
            current = self._records.get(previous) if previous else None
        return [step for item in reversed(chain) for step in item.timeline()]
