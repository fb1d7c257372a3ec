"""The TUI's turn sink on a real event loop, fed by the real assembler: a new turn is drawn once
its request is out (or after a short limit), a step's first text goes out at once, the rest of
its opening frame by frame and the rest of a burst at 20 Hz; and a finished turn's events read
back the same after they let go of their parsed objects."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from textual.message import Message

from gemtui.api.models import parse_event
from gemtui.core.assembler import Change, apply
from gemtui.core.payload_log import BATCH
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import OPENING_CHARS
from gemtui.ui.chat.live_turn import (
    BURST_CHARS,
    BURST_INTERVAL,
    FLUSH_INTERVAL,
    HOLD_LIMIT,
    LiveTurn,
)
from gemtui.ui.chat.messages import TurnChanged, TurnEnded, TurnStarted


def fold(turn: Turn, payload: dict[str, Any]) -> Change:
    raw = json.dumps(payload)
    state = turn.reply.state
    return apply(state, parse_event(raw), received_at=0.0, size=len(raw), raw=raw)


def start(index: int, text: str = "") -> dict[str, Any]:
    content = [{"type": "text", "text": text}] if text else []
    return {"event_type": "step.start", "index": index, "step": {"type": "model_output",
            "content": content}}  # fmt: skip


def text(index: int, value: str) -> dict[str, Any]:
    return {"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": value}}


def texts_of(message: Message) -> list[str]:
    assert isinstance(message, TurnChanged)
    return [piece for update in message.steps.values() for piece in update.texts]


def answering() -> tuple[list[Message], LiveTurn, Turn]:
    """A sink whose turn's request is out and whose answer step has just started."""
    posted: list[Message] = []
    sink = LiveTurn(posted.append)
    turn = Turn(Asked("hello"))
    sink.turn_started(turn)
    sink.request_sent(turn)
    sink.turn_changed(turn, fold(turn, start(0)))
    return posted, sink, turn


async def test_a_new_turn_is_drawn_once_its_request_is_out() -> None:
    posted: list[Message] = []
    sink = LiveTurn(posted.append)
    turn = Turn(Asked("hello"))
    sink.turn_started(turn)
    await asyncio.sleep(0)
    assert posted == []  # the request goes first
    sink.request_sent(turn)
    assert [type(m) for m in posted] == [TurnStarted]
    sink.request_sent(turn)  # a retry's request: the turn is drawn already
    assert len(posted) == 1


async def test_a_turn_whose_request_is_slow_to_go_out_is_drawn_all_the_same() -> None:
    posted: list[Message] = []
    sink = LiveTurn(posted.append)
    turn = Turn(Asked("hello"))
    sink.turn_started(turn)
    await asyncio.sleep(HOLD_LIMIT * 3)
    assert [type(m) for m in posted] == [TurnStarted]


async def test_whatever_comes_first_the_turn_starts_before_it_changes_or_ends() -> None:
    posted: list[Message] = []
    sink = LiveTurn(posted.append)
    turn = Turn(Asked("hello"))
    sink.turn_started(turn)
    sink.turn_changed(turn, fold(turn, start(0, "Hi")))
    sink.turn_ended(turn)
    assert [type(m) for m in posted] == [TurnStarted, TurnChanged, TurnEnded]


async def test_a_steps_first_text_goes_out_at_once_and_a_burst_after_its_opening_is_batched():
    posted, sink, turn = answering()
    sink.turn_changed(turn, fold(turn, text(0, "First words")))
    assert texts_of(posted[-1]) == ["First words"]  # no wait for the flush interval
    first = len(posted)

    # The opening arrives as a burst: it is gathered for at most a frame, not 50 ms.
    piece = "x" * 100
    sink.turn_changed(turn, fold(turn, text(0, piece)))
    sink.turn_changed(turn, fold(turn, text(0, piece)))
    assert len(posted) == first  # gathered, not posted per event
    await asyncio.sleep(FLUSH_INTERVAL / 2)
    assert len(posted) == first + 1 and texts_of(posted[-1]) == [piece, piece]

    # Past the opening, a burst goes out in 20 Hz batches.
    for _ in range(OPENING_CHARS // len(piece) + 1):
        sink.turn_changed(turn, fold(turn, text(0, piece)))
    await asyncio.sleep(FLUSH_INTERVAL * 2)
    sink.turn_changed(turn, fold(turn, text(0, piece)))  # after a pause: at once
    count = len(posted)
    for _ in range(20):
        sink.turn_changed(turn, fold(turn, text(0, piece)))
    assert len(posted) == count  # nothing posted per event any more
    await asyncio.sleep(FLUSH_INTERVAL * 2)
    assert len(posted) == count + 1 and texts_of(posted[-1]) == [piece] * 20


async def test_events_kept_as_payloads_read_back_as_they_came() -> None:
    turn = Turn(Asked("hello"))
    payloads = [start(0, "Hi"), text(0, " there"), {"event_type": "odd.new_kind", "x": 1}]
    for payload in payloads:
        fold(turn, payload)
    records = turn.reply.state.events
    assert [record.event.to_wire() for record in records] == payloads
    assert records[0].event is not records[0].event  # parsed again on each look, not kept
    assert [record.kind for record in records] == ["model_output", "text", None]
    # Past a batch of the payload log (packed then), each still reads back as it came.
    more = [text(0, f" {n}") for n in range(2 * BATCH)]
    for payload in more:
        fold(turn, payload)
    assert [record.event.to_wire() for record in records[3:]] == more


async def test_a_burst_far_faster_than_anyone_reads_is_shown_less_often() -> None:
    posted, sink, turn = answering()
    piece = "y" * 256
    for _ in range(OPENING_CHARS // len(piece) + 1):  # past the opening
        sink.turn_changed(turn, fold(turn, text(0, piece)))
    await asyncio.sleep(BURST_INTERVAL * 2)
    for _ in range(BURST_CHARS // len(piece) + 1):  # a burst: more than BURST_CHARS at once
        sink.turn_changed(turn, fold(turn, text(0, piece)))
    count = len(posted)  # the first of them may go out at once
    await asyncio.sleep(FLUSH_INTERVAL * 1.5)
    assert len(posted) == count  # not at 20 Hz
    await asyncio.sleep(BURST_INTERVAL)
    assert len(posted) == count + 1
    # Text at a reading pace goes back to 20 Hz.
    sink.turn_changed(turn, fold(turn, text(0, piece)))
    await asyncio.sleep(FLUSH_INTERVAL * 1.5)
    assert len(posted) == count + 2
