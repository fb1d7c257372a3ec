"""A secret the model's text splits between deltas is redacted in recordings all the same."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemtui.core.recording import RecordingWriter, event_lines
from gemtui.core.split_secrets import DeltaRedactor, redact_split

SECRET = "secret-test-key-123"
GOOGLE_SHAPED = "AIza" + "B" * 35


def delta(index: int, text: str, kind: str = "text") -> dict[str, Any]:
    if kind == "thought_summary":
        body: dict[str, Any] = {"type": kind, "content": {"type": "text", "text": text}}
    else:
        body = {"type": kind, "text": text}
    return {"event_type": "step.delta", "index": index, "delta": body}


def stream(text: str, size: int, index: int = 0, kind: str = "text") -> list[dict[str, Any]]:
    return [delta(index, text[i : i + size], kind) for i in range(0, len(text), size)]


def texts(events: list[dict[str, Any]]) -> str:
    found = []
    for event in events:
        body = event.get("delta", {})
        found.append(body.get("text") or body.get("content", {}).get("text", ""))
    return "".join(found)


@pytest.mark.parametrize("size", [1, 3, 7, 12, 100])
@pytest.mark.parametrize("kind", ["text", "thought_summary"])
def test_a_split_secret_is_redacted_as_the_whole_text_would_be(size: int, kind: str) -> None:
    text = f"echo {SECRET} back, and {GOOGLE_SHAPED} too; {SECRET}"
    events = [{"event_type": "step.start", "index": 0}, *stream(text, size, kind=kind)]
    events.append({"event_type": "step.stop", "index": 0})
    out = [event for _, event in redact_split(enumerate(events), [SECRET])]
    assert texts(out) == "echo *** back, and *** too; ***"
    assert [e["event_type"] for e in out] == [e["event_type"] for e in events]  # none lost


def test_events_keep_their_order_while_a_delta_is_held() -> None:
    redactor = DeltaRedactor([SECRET])
    assert redactor.push((0, delta(0, "my key is secret-"))) == []  # may go on as the key
    status = {"event_type": "interaction.status_update", "status": "in_progress"}
    assert redactor.push((1, status)) == []  # waits behind it
    out = redactor.push((2, delta(0, "test-key-123 and more text than the longest key is")))
    assert [offset for offset, _ in out] == [0, 1]
    assert out[0][1]["delta"]["text"] == "my key is ***"
    assert [offset for offset, _ in redactor.flush()] == [2]


def test_a_steps_end_and_the_streams_end_let_everything_out() -> None:
    redactor = DeltaRedactor([SECRET])
    assert redactor.push((0, delta(0, "secret-"))) == []
    assert [o for o, _ in redactor.push((1, {"event_type": "step.stop", "index": 0}))] == [0, 1]
    assert redactor.push((2, delta(1, "secret-"))) == []
    done = {"event_type": "interaction.completed", "interaction": {}}
    assert [o for o, _ in redactor.push((3, done))] == [2, 3]


def test_text_of_two_steps_is_never_joined() -> None:
    events = [delta(0, "secret-test"), delta(1, "-key-123")]
    assert texts([e for _, e in redact_split(enumerate(events), [SECRET])]) == "secret-test-key-123"


def test_the_recording_writer_and_whole_recordings_redact_split_secrets(tmp_path) -> None:
    events = [(i / 10, json.dumps(e)) for i, e in enumerate(stream(f"say {SECRET}!", 4))]
    lines = event_lines(events, [SECRET])
    path = tmp_path / "r.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        writer = RecordingWriter(handle, [SECRET])
        writer.start({"input": "hi"})
        for offset, raw in events:
            writer.event(offset, raw)
        writer.finish()
    written = path.read_text().splitlines()[1:]
    assert written == lines
    assert texts([json.loads(line)["event"] for line in lines]) == "say ***!"
