"""Replay a recording through the assembler: the same state a live stream would have built.

Each recorded event is parsed with the API's own :func:`~gemtui.api.models.parse_event` and
applied with its recorded offset as the receive time, so the timeline of a replay shows the
original timings whether it is replayed instantly or paced.

The size of an event is that of its JSON written compactly (``separators=(",", ":")``, UTF-8):
the recording keeps the parsed event, not the bytes, so a server that sent extra whitespace
would have had slightly larger live sizes than a replay shows.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from gemtui.api.models import EventBase, parse_event
from gemtui.core.assembler import InteractionState, apply, new_state
from gemtui.core.recording import Recording

__all__ = ["event_size", "paced_events", "replay_instant", "replayed_events"]

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def event_size(event: dict[str, Any]) -> int:
    """Bytes of the event as a compact JSON payload."""
    return len(_compact(event).encode("utf-8"))


def replayed_events(recording: Recording) -> Iterator[tuple[float, EventBase, int]]:
    """``(offset, parsed event, size)`` for each recorded event, in order."""
    for recorded in recording.events:
        yield recorded.offset, parse_event(recorded.event), event_size(recorded.event)


def replay_instant(recording: Recording) -> InteractionState:
    """The state after applying every event of the recording, without waiting."""
    state = new_state()
    for offset, event, size in replayed_events(recording):
        apply(state, event, received_at=offset, size=size)
    return state


async def paced_events(
    recording: Recording,
    speed: float = 1.0,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> AsyncIterator[tuple[float, dict[str, Any], EventBase, int]]:
    """``(offset, event as recorded, parsed event, size)`` for each event, at the recorded
    pace divided by ``speed``.

    ``speed`` 2 plays twice as fast; ``0`` or less, or infinity, does not wait at all. Waits
    are measured from the start of the replay, so a slow consumer catches up instead of
    adding its own delays. ``clock`` and ``sleep`` are injectable for tests.
    """
    paced = 0 < speed < float("inf")
    started = clock()
    for recorded in recording.events:
        offset = recorded.offset
        if paced:
            delay = started + offset / speed - clock()
            if delay > 0:
                await sleep(delay)
        yield offset, recorded.event, parse_event(recorded.event), event_size(recorded.event)
