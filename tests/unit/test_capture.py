"""A captured exchange as a turn: core.capture, TurnRunner.capture, and the history's columns."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from support.sinks import RecordingSink

from gemtui.api.errors import StreamInterrupted
from gemtui.api.timing import RequestTimings
from gemtui.core.capture import (
    asked_from_request,
    input_steps,
    response_events,
    settings_from_request,
)
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import Conversation
from gemtui.core.store import Store
from gemtui.core.store_schema import _V1, MIGRATIONS, migrate
from gemtui.core.turn import Exchange
from gemtui.core.turn_runner import TurnRunner

POST = Exchange(method="POST", path="/v1beta/interactions", client="sdk/1")
STREAM = [
    {"event_type": "interaction.created", "interaction": {"id": "v1_a", "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output", "content": []}},
    {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Hi there"}},
    {"event_type": "step.stop", "index": 0},
    {"event_type": "interaction.completed", "interaction": {"id": "v1_a", "status": "completed"}},
]


def test_input_takes_every_form_the_api_accepts():
    text = [{"type": "user_input", "content": [{"type": "text", "text": "hi"}]}]
    assert input_steps("hi") == text
    assert input_steps([{"type": "text", "text": "hi"}]) == text
    assert input_steps({"type": "text", "text": "hi"}) == text
    assert input_steps(text) == text
    assert input_steps(None) == [] and input_steps(3) == []


def test_the_asked_part_is_the_new_input_after_the_history_resent():
    image = {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="}
    body = {
        "model": "m",
        "store": False,
        "input": [
            {"type": "user_input", "content": [{"type": "text", "text": "first"}]},
            {"type": "model_output", "content": [{"type": "text", "text": "answer"}]},
            {"type": "user_input", "content": [image, {"type": "text", "text": "second"}]},
        ],
    }
    asked = asked_from_request(body, POST)
    assert (asked.kind, asked.prompt, asked.attachments) == ("captured", "second", [image])
    assert asked.attachment_labels == ["image · 8 B"]
    assert asked.stateful is False and asked.request is body and asked.exchange is POST
    assert asked.label == "POST /v1beta/interactions"
    results = asked_from_request(
        {"input": [{"type": "function_result", "call_id": "c", "name": "f", "result": "1"}]}, POST
    )
    assert results.prompt == "" and results.results[0]["call_id"] == "c"
    assert asked_from_request(None, POST).prompt == ""


def test_settings_are_read_from_the_request():
    settings = settings_from_request(
        {
            "agent": "deep-research",
            "environment": "remote",
            "system_instruction": "be brief",
            "tools": [{"type": "google_search"}, "junk"],
            "generation_config": {"temperature": 0.2},
            "response_format": {"type": "text"},
            "background": True,
        }
    )
    assert settings.agent == "deep-research" and settings.environment == "remote"
    assert settings.tools == [{"type": "google_search"}] and settings.background
    assert settings.generation_config == {"temperature": 0.2} and settings.stateful
    assert settings_from_request({"model": "x", "store": False}).stateful is False


def test_a_whole_response_becomes_the_events_of_its_steps_or_one_error():
    interaction = {
        "id": "v1_b",
        "status": "completed",
        "steps": [
            {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
            {"type": "model_output", "content": [{"type": "text", "text": "a"}]},
        ],
    }
    events = response_events(200, json.dumps(interaction).encode())
    kinds = [event["event_type"] for event in events]
    assert kinds == ["interaction.created", "step.start", "step.stop", "interaction.completed"]
    assert events[1]["step"]["type"] == "model_output"
    assert response_events(200, b"{}") == []  # a DELETE
    error = {"error": {"code": "invalid_request", "message": "no"}}
    assert response_events(400, json.dumps(error).encode()) == [
        {"event_type": "error", "error": {"code": "invalid_request", "message": "no"}}
    ]
    assert response_events(500, b"upstream exploded")[0]["error"] == {
        "code": "http_500",
        "message": "upstream exploded",
    }


async def _events(items, cut: bool = False):
    for offset, event in enumerate(items):
        yield float(offset), json.dumps(event), 10
    if cut:
        raise StreamInterrupted("cut", last_event_id=None, interaction_id="v1_a", events_received=2)


def _runner(store: Store | None = None) -> tuple[TurnRunner, RecordingSink]:
    sink = RecordingSink()
    runner = TurnRunner(
        Conversation(),
        client=lambda: None,
        sink=sink,
        history=ChatHistory(store),  # type: ignore[arg-type, return-value]
    )
    return runner, sink


async def test_the_runner_folds_captured_events_into_a_turn_and_stores_it(tmp_path: Path):
    exchange = Exchange(method="POST", path="/v1/interactions", client="sdk/1", streaming=True)
    asked = asked_from_request({"model": "m", "input": "Hello", "stream": True}, exchange)
    with Store(tmp_path / "h.sqlite3", secrets=["sekrit"]) as store:
        runner, sink = _runner(store)
        timings = RequestTimings(started_at=0.0)
        exchange.status, exchange.duration = 200, 1.5
        turn = await runner.capture(asked, _events(STREAM), timings=timings)
        stored = store.turn(turn.stored.turn_id)
    assert turn.reply.outcome == "completed" and turn.reply.timings is timings
    assert [e.received_at for e in turn.reply.state.events] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert sink.names()[:3] == ["turn_started", "request_accepted", "turn_changed"]
    assert stored.turn.asked.kind == "captured" and stored.turn.asked.prompt == "Hello"
    assert stored.turn.asked.request == {"model": "m", "input": "Hello", "stream": True}
    assert stored.turn.asked.exchange.client == "sdk/1"
    assert stored.turn.asked.exchange.status == 200  # written again when the turn ended
    assert stored.turn.asked.exchange.duration == 1.5
    assert stored.turn.interaction_id == "v1_a" and stored.turn.reply.outcome == "completed"


async def test_a_cut_stream_is_interrupted_and_a_whole_answer_without_an_end_completed():
    runner, _sink = _runner()
    cut = await runner.capture(asked_from_request({}, POST), _events(STREAM[:2], cut=True))
    assert cut.reply.outcome == "interrupted"
    whole = await runner.capture(asked_from_request({}, POST), _events([]), whole=True)
    assert whole.reply.outcome == "completed"
    running = await runner.capture(asked_from_request({}, POST), _events([]))
    assert running.reply.outcome == "interrupted"


def test_a_history_of_version_1_gains_the_capture_columns(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _V1:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO conversations (mode, settings, created, updated) "
        "VALUES ('stateful', '{}', 0, 0)"
    )
    db.execute(
        "INSERT INTO turns (conversation_id, ordinal, prompt, outcome, settings, created) "
        "VALUES (1, 1, 'old prompt', 'completed', '{}', 0)"
    )
    assert migrate(db) == len(MIGRATIONS) == 7
    db.close()
    with Store(path) as store:
        turn = store.turn(1)
    assert turn is not None
    assert turn.turn.asked.kind == "prompt" and turn.turn.asked.exchange is None
    assert turn.turn.asked.prompt == "old prompt"


@pytest.mark.parametrize(
    "value", [None, "junk", {"status": "x", "duration": "y", "streaming": 1, "method": 3}]
)
def test_an_exchange_read_back_tolerates_anything(value):
    exchange = Exchange.from_json(value)
    assert exchange.status is None and exchange.duration is None and not exchange.streaming
    assert exchange.source == "proxy"
