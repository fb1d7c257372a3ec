"""Timeline rows and replay, without Textual: layout, incremental building, filter, usage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.stored import write_chat
from support.streams import (
    COMPLETED,
    CREATED,
    ERROR,
    OUTPUT_START,
    OUTPUT_STOP,
    STATUS,
    TEXT_STREAM,
    THOUGHT_START,
    THOUGHT_STOP,
    shown_turn,
    text_delta,
)

from gemtui.api.models import Usage, parse_event
from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState, apply, assembled_interaction, new_state
from gemtui.core.recording import parse_recording
from gemtui.core.replay import event_size, paced_events, replay_instant
from gemtui.core.store import Store
from gemtui.core.timeline_rows import (
    EventRow,
    StepRow,
    SummaryRow,
    TimelineRows,
    TurnRow,
    format_bytes,
    format_seconds,
    step_status,
    step_tokens,
    sum_usage,
    turn_span,
    usage_parts,
)


def feed(state: InteractionState, events: list[dict[str, Any]], start: float = 0.0) -> None:
    for n, event in enumerate(events):
        apply(state, parse_event(event), received_at=start + n * 0.01, size=event_size(event))


def state_of(events: list[dict[str, Any]]) -> InteractionState:
    state = new_state()
    feed(state, events)
    return state


def shape(rows: TimelineRows) -> list[tuple]:
    """What each shown line stands for, comparable across builds."""
    lines = []
    for row, inner in rows.rows():
        if isinstance(row, StepRow):
            lines.append(("step", row.turn, row.position, row.type_name, len(row.events)))
        elif isinstance(row, EventRow):
            owner = row.step.position if row.step is not None else None
            lines.append(("event", row.turn, owner, row.seq, row.label))
        elif isinstance(row, TurnRow):
            lines.append(("turn", row.turn, inner))
        else:
            lines.append(("summary",))
    return lines


def test_text_stream_rows_in_arrival_order():
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", state_of(TEXT_STREAM)))
    assert shape(rows) == [
        ("summary",),
        ("turn", 0, 0),
        ("turn", 0, 1),
        ("event", 0, None, 0, "interaction.created"),
        ("event", 0, None, 1, "interaction.status_update"),
        ("step", 0, 0, "thought", 3),
        ("step", 0, 1, "model_output", 4),
        ("event", 0, None, 9, "interaction.completed"),
    ]


def test_expanding_a_step_lists_its_events_and_lines_map_both_ways():
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", state_of(TEXT_STREAM)))
    output = rows.step_rows(0)[1]
    rows.toggle(output)
    labels = [row.label for row, _ in rows.rows() if isinstance(row, EventRow) and row.step]
    assert labels == ["step.start model_output", "step.delta text", "step.delta text", "step.stop"]
    assert [event.preview for event in output.events[1:3]] == ["1, 2, 3, ", "4, 5, 6, "]
    for line in range(rows.line_count):
        row, inner = rows.row_at(line)
        assert rows.line_of(row) == line - inner
    # Enter on one of its events collapses the step and keeps the step selected.
    assert rows.toggle(output.events[2]) is output
    assert not output.expanded
    assert rows.line_of(output.events[2]) is None


def test_incremental_refresh_equals_building_at_once():
    events = TEXT_STREAM
    live = new_state()
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", live))
    rows.expand_all(True)
    kept = None
    for n, event in enumerate(events):
        feed(live, [event], start=n * 0.01)
        rows.refresh_turn(0)
        assert not rows.refresh_turn(0)
        kept = kept or (rows.step_rows(0)[:1] or [None])[0]
    at_once = TimelineRows()
    at_once.add_turn(shown_turn("count", state_of(events)))
    at_once.expand_all(True)
    assert shape(rows) == shape(at_once)
    # Rows were extended, not rebuilt.
    assert rows.step_rows(0)[0] is kept


def test_repeated_indexes_after_continuation_get_their_own_steps():
    second = {**THOUGHT_START}
    events = [
        CREATED,
        THOUGHT_START,
        THOUGHT_STOP,
        second,
        {"index": 0, "event_type": "step.stop"},
        COMPLETED,
    ]
    rows = TimelineRows()
    rows.add_turn(shown_turn("again", state_of(events)))
    steps = rows.step_rows(0)
    assert [(step.position, len(step.events)) for step in steps] == [(0, 2), (1, 2)]
    assert [event.seq for event in steps[1].events] == [3, 4]


def test_unknown_events_go_under_their_step_or_stand_alone():
    events = [
        CREATED,
        OUTPUT_START,
        {"index": 1, "event_type": "step.probe", "note": "x"},
        {"event_type": "interaction.probe"},
        OUTPUT_STOP,
        COMPLETED,
    ]
    rows = TimelineRows()
    rows.add_turn(shown_turn("probe", state_of(events)))
    output = rows.step_rows(0)[0]
    assert [event.label for event in output.events] == [
        "step.start model_output",
        "step.probe",
        "step.stop",
    ]
    top = [row.label for row, _ in rows.rows() if isinstance(row, EventRow)]
    assert top == ["interaction.created", "interaction.probe", "interaction.completed"]


def test_filter_by_type_and_by_text():
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", state_of(TEXT_STREAM)))
    rows.set_filter("Thought")
    assert [s[3] for s in shape(rows) if s[0] == "step"] == ["thought"]
    rows.set_filter("4, 5")
    shown = shape(rows)
    assert [s[3] for s in shown if s[0] == "step"] == ["model_output"]
    assert [s[3] for s in shown if s[0] == "event"] == [7]
    rows.set_filter("nothing like this")
    assert shape(rows) == [("summary",), ("turn", 0, 0), ("turn", 0, 1)]
    rows.set_filter("")
    assert len(shape(rows)) == 8


def test_rows_read_their_text_from_the_payloads():
    """Records that came with their payloads keep only those: labels, previews and the filter
    still read what each event carries."""
    state = new_state()
    for n, event in enumerate(TEXT_STREAM):
        raw = json.dumps(event)
        apply(state, parse_event(raw), received_at=n * 0.01, size=len(raw), raw=raw)
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", state))
    output = rows.step_rows(0)[1]
    rows.toggle(output)
    labels = [row.label for row, _ in rows.rows() if isinstance(row, EventRow) and row.step]
    assert labels == ["step.start model_output", "step.delta text", "step.delta text", "step.stop"]
    assert [event.preview for event in output.events[1:3]] == ["1, 2, 3, ", "4, 5, 6, "]
    rows.set_filter("4, 5")
    assert [s[3] for s in shape(rows) if s[0] == "event"] == [7]


def test_a_steps_event_rows_are_made_when_shown_and_then_kept():
    """Memory (issue 20, item 10): a long answer is thousands of events in one step; their rows
    are made when the step is opened (or searched), not as the events arrive."""
    rows = TimelineRows()
    state = new_state()
    rows.add_turn(shown_turn("count", state))
    feed(state, [CREATED, OUTPUT_START, *[text_delta(f"{n}, ") for n in range(500)]])
    rows.refresh_turn(0)
    output = rows.step_rows(0)[0]
    assert len(output.events) == 501 and not output.events._made
    assert rows.find(0, 0, 300) is output.events[299] and len(output.events._made) == 1
    rows.toggle(output)
    shown = [row for row, _ in rows.rows() if isinstance(row, EventRow) and row.step]
    assert [row.seq for row in shown] == list(range(1, 502))
    assert shown[299] is rows.find(0, 0, 300)  # the same row: a selection stays on it
    assert shown[5].preview == "4, " and shown[5].label == "step.delta text"
    with pytest.raises(KeyError):
        rows.find(0, 0, 0)  # interaction.created is not one of the step's events


def test_filter_applies_to_events_arriving_later():
    state = new_state()
    rows = TimelineRows()
    rows.add_turn(shown_turn("count", state))
    rows.set_filter("6,")
    feed(state, TEXT_STREAM)
    rows.refresh_turn(0)
    assert [s[3] for s in shape(rows) if s[0] == "event"] == [7]


def test_refreshing_an_earlier_turn_keeps_the_layout_consistent():
    first, second = new_state(), new_state()
    rows = TimelineRows()
    rows.add_turn(shown_turn("one", first))
    rows.add_turn(shown_turn("two", second))
    feed(second, TEXT_STREAM)
    rows.refresh_turn(1)
    feed(first, TEXT_STREAM)
    rows.refresh_turn(0)
    turns = [s[1] for s in shape(rows) if s[0] != "summary"]
    assert turns == sorted(turns)
    assert turns.count(0) == turns.count(1) == 7
    for line in range(rows.line_count):
        row, inner = rows.row_at(line)
        assert rows.line_of(row) == line - inner
    assert rows.find(1, 1).type_name == "model_output"
    assert rows.find(0, None, 9).label == "interaction.completed"


def test_step_status_and_tokens():
    events = [
        CREATED,
        THOUGHT_START,
        {"index": 0, "event_type": "step.stop", "step_usage": {"total_tokens": 24}},
        OUTPUT_START,
        text_delta("cut"),
        ERROR,
    ]
    state = state_of(events)
    thought, output = state.steps
    assert step_status(state, thought) == "done"
    assert step_tokens(thought) == 24
    assert step_status(state, output) == "error"
    assert step_tokens(output) is None
    open_state = state_of(events[:-1])
    assert step_status(open_state, open_state.steps[1]) == "streaming"
    # The turn is over (cancelled) and the step never stopped.
    assert step_status(open_state, open_state.steps[1], live=False) == "cut off"
    assert step_status(open_state, open_state.steps[0], live=False) == "done"


def test_usage_per_turn_and_per_conversation():
    usage = Usage(total_input_tokens=11, total_output_tokens=90, total_tokens=346)
    assert usage_parts(usage) == [("in", 11), ("out", 90), ("total", 346)]
    assert usage_parts(None) == []
    other = Usage(total_input_tokens=1, total_cached_tokens=5, total_tokens=10)
    assert sum_usage([usage, None, other]) == [
        ("in", 12),
        ("out", 90),
        ("cached", 5),
        ("total", 356),
    ]
    rows = TimelineRows()
    rows.add_turn(shown_turn("a", state_of(TEXT_STREAM)))
    rows.add_turn(shown_turn("b", state_of(TEXT_STREAM)))
    assert dict(rows.conversation_usage())["total"] == 2 * 346


def test_the_heading_reads_the_turns_timings_when_they_come():
    rows = TimelineRows()
    turn = shown_turn("draft", new_state())
    rows.add_turn(turn)
    turn.reply.timings = RequestTimings(started_at=0.0, total_s=1.5, status_code=200)
    rows.refresh_turn(0)
    assert rows.turn_at(0) is turn
    assert turn_span(rows.turn_at(0)) == 1.5
    assert isinstance(rows.row_at(0)[0], SummaryRow)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0.0123, "12.3ms"), (2.5, "2.50s"), (75, "1m15s")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_format_bytes():
    assert [format_bytes(n) for n in (12, 2048, 3 * 1024 * 1024)] == ["12B", "2.0K", "3.0M"]


# --------------------------------------------------------------------------- replay


def recording_lines(events: list[dict[str, Any]]) -> list[str]:
    header = json.dumps({"recording": "gemtui/1", "created": "", "request": {}})
    lines = [json.dumps({"offset": n * 0.25, "event": event}) for n, event in enumerate(events)]
    return [header, *lines]


def test_replay_instant_matches_applying_the_events():
    recording = parse_recording(recording_lines(TEXT_STREAM))
    replayed = replay_instant(recording)
    direct = state_of(TEXT_STREAM)
    assert assembled_interaction(replayed).to_wire() == assembled_interaction(direct).to_wire()
    assert [e.received_at for e in replayed.events] == [n * 0.25 for n in range(10)]
    assert [e.size for e in replayed.events] == [e.size for e in direct.events]


async def test_replay_paced_waits_for_each_offset_at_the_speed_factor():
    now = [100.0]
    waits: list[float] = []

    async def sleep(delay: float) -> None:
        waits.append(delay)
        now[0] += delay

    recording = parse_recording(recording_lines([CREATED, STATUS, COMPLETED]))
    kinds = [
        raw["event_type"]
        async for _offset, raw, _event, _size in paced_events(
            recording, 2.0, clock=lambda: now[0], sleep=sleep
        )
    ]
    assert kinds == ["interaction.created", "interaction.status_update", "interaction.completed"]
    assert waits == [0.125, 0.125]


async def test_replay_paced_at_speed_zero_never_waits():
    async def sleep(delay: float) -> None:
        raise AssertionError("waited")

    recording = parse_recording(recording_lines(TEXT_STREAM))
    state = new_state()
    async for offset, _raw, event, size in paced_events(recording, 0, sleep=sleep):
        apply(state, event, received_at=offset, size=size)
    assert state.completed


def test_a_turn_read_back_from_the_history_has_a_row_per_step(tmp_path):
    """The history keeps steps, not events: such a turn showed its heading and no steps."""
    with Store(tmp_path / "history.sqlite3") as store:
        _live, conversation_id = write_chat(store, ["first", "second"])
        stored = [row.turn for row in store.load_turns(conversation_id)]
    assert not stored[0].reply.state.events and stored[0].reply.state.steps
    rows = TimelineRows()
    rows.set_turns(stored)
    steps = [line for line in shape(rows) if line[0] == "step"]
    assert steps == [
        ("step", turn, position, kind, 0)
        for turn in (0, 1)
        for position, kind in enumerate(("thought", "model_output"))
    ]
    later = TimelineRows()
    later.set_turns(stored[:1])
    later.add_turn(stored[1])  # a turn added to a chat read back
    assert shape(later) == shape(rows)
