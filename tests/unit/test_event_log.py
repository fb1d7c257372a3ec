"""EventLog: an interaction's events kept as columns, read back as records."""

from __future__ import annotations

import json

import pytest

from gemtui.api.models import parse_event
from gemtui.core.event_log import EventLog
from gemtui.core.payload_log import BATCH


def delta(index: int, text: str) -> str:
    return json.dumps(
        {"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": text}}
    )


CREATED = {"event_type": "interaction.created", "interaction": {"id": "v1_a", "status": "x"}}


def filled() -> tuple[EventLog, list[str]]:
    log = EventLog()
    log.append(parse_event(CREATED), received_at=0.001, size=70, step_index=None, raw=CREATED)
    texts = [delta(n % 3, f"part {n} é") for n in range(BATCH + 5)]  # across a packed batch
    for n, text in enumerate(texts):
        log.append(
            parse_event(text), received_at=0.01 * n, size=len(text), step_index=n % 3, raw=text
        )
    return log, texts


def test_records_read_back_what_was_appended() -> None:
    log, texts = filled()
    assert len(log) == len(texts) + 1
    first = log[0]
    assert (first.seq, first.event_type, first.kind, first.step_index) == (
        0, "interaction.created", None, None,
    )  # fmt: skip
    assert first.event.to_wire() == CREATED
    for n, text in enumerate(texts, start=1):
        record = log[n]
        assert record.seq == n and record.received_at == 0.01 * (n - 1)
        assert record.size == len(text) and record.step_index == (n - 1) % 3
        assert (record.event_type, record.kind) == ("step.delta", "text")
        assert record.event.to_wire() == json.loads(text)  # parsed again from the packed text
    assert log[-1].seq == len(texts) and [r.seq for r in log[1:3]] == [1, 2]
    assert log.total_size() == 70 + sum(map(len, texts))
    assert [event.to_wire() for event in log.of_type("interaction.created")] == [CREATED]
    assert [e.to_wire() for e in log.of_type("step.delta")] == [json.loads(t) for t in texts]
    with pytest.raises(IndexError):
        log[len(log)]


def test_events_of_a_type_include_those_that_came_after_the_last_ask() -> None:
    log, texts = filled()
    assert len(log.of_type("interaction.created")) == 1
    assert log.of_type("step.stop") == []
    second = {**CREATED, "interaction": {"id": "v1_b"}}
    stop = {"event_type": "step.stop", "index": 0}
    for raw in (stop, second, json.loads(delta(0, "more")), second):
        log.append(parse_event(raw), received_at=9.0, size=1, step_index=None, raw=raw)
    created = [event.to_wire() for event in log.of_type("interaction.created")]
    assert created == [CREATED, second, second]
    assert [event.to_wire() for event in log.of_type("step.stop")] == [stop]
    assert len(log.of_type("step.delta")) == len(texts) + 1


def test_an_event_without_a_payload_is_kept_as_it_came() -> None:
    log = EventLog()
    event = parse_event(delta(0, "hi"))
    seq = log.append(event, received_at=0.5, size=0, step_index=0, raw=None)
    assert log.event(seq) is event and log[seq].step_index == 0


def test_types_and_kinds_are_one_string_each() -> None:
    log, _ = filled()
    assert len({id(log[n].event_type) for n in range(1, len(log))}) == 1
    assert len({id(log[n].kind) for n in range(1, len(log))}) == 1


def test_events_that_came_as_text_are_not_kept_parsed() -> None:
    log, _ = filled()
    assert log._kept == {0: CREATED}  # the payload that came as an object, and only it
    assert log[3] is not log[3]  # a record is made when read


def test_a_step_index_out_of_range_reads_as_no_step() -> None:
    """Malformed input never fails: an index too large for the column is kept as no step."""
    log = EventLog()
    event = parse_event(delta(0, "hi"))
    for index in (2**40, -(2**40), -5, 2**31 - 1):
        log.append(event, received_at=0.0, size=1, step_index=index, raw=None)
    assert [record.step_index for record in log] == [None, None, -5, 2**31 - 1]
