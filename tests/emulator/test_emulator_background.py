"""Background runs, GET polling and streaming, resume after a drop, cancel and delete."""

from __future__ import annotations

import httpx
import pytest
from emulator_wire import assemble, client, create, events, frames, stream_text

MODEL = "gemini-3.6-flash"


def test_background_create_returns_in_progress_then_completes(http):
    body = create(http, input="work in the background", background=True)
    assert body["status"] == "in_progress" and body["steps"] == []
    replay = events(
        stream_text(http, "GET", f"/v1beta/interactions/{body['id']}", params={"stream": "true"})
    )
    assert replay[0]["event_type"] == "interaction.created"
    assert replay[-1]["interaction"]["status"] == "completed"
    final = http.get(f"/v1beta/interactions/{body['id']}").json()
    assert final["status"] == "completed"
    assert final["steps"][1:] == assemble(replay)


def test_background_stream_create_streams_the_run(http):
    text = stream_text(
        http,
        "POST",
        "/v1beta/interactions",
        json={"model": MODEL, "input": "hi", "background": True, "stream": True},
    )
    assert events(text)[-1]["interaction"]["status"] == "completed"


def test_never_complete_stays_in_progress_until_cancelled(http):
    body = create(http, input="!fault never-complete", background=True)
    assert http.get(f"/v1beta/interactions/{body['id']}").json()["status"] == "in_progress"
    cancelled = http.post(f"/v1beta/interactions/{body['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert http.get(f"/v1beta/interactions/{body['id']}").json()["status"] == "cancelled"
    replay = events(
        stream_text(http, "GET", f"/v1beta/interactions/{body['id']}", params={"stream": "true"})
    )
    assert replay[-2] == {
        "interaction_id": body["id"],
        "status": "cancelled",
        "event_type": "interaction.status_update",
        "event_id": replay[-2]["event_id"],
    }
    assert replay[-1]["interaction"]["status"] == "cancelled"


def test_cancel_while_a_stream_is_open_ends_that_stream(http, emulator, api_key):
    body = create(http, input="!fault never-complete", background=True)
    with http.stream(
        "GET", f"/v1beta/interactions/{body['id']}", params={"stream": "true"}
    ) as response:
        lines = response.iter_lines()
        assert next(lines) == "event: interaction.created"
        with client(emulator.base_url, api_key) as other:
            assert other.post(f"/v1beta/interactions/{body['id']}/cancel").status_code == 200
        rest = "\n".join(lines)
    assert '"status":"cancelled"' in rest and rest.rstrip().endswith("data: [DONE]")


def test_cancel_finished_or_foreground_is_failed_precondition(http):
    foreground = create(http, input="done already")
    response = http.post(f"/v1beta/interactions/{foreground['id']}/cancel")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition"
    background = create(http, input="quick", background=True)
    stream_text(http, "GET", f"/v1beta/interactions/{background['id']}", params={"stream": "true"})
    response = http.post(f"/v1beta/interactions/{background['id']}/cancel")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition"


def test_delete_then_404(http):
    body = create(http, input="delete me")
    deleted = http.delete(f"/v1beta/interactions/{body['id']}")
    assert deleted.status_code == 200
    response = http.get(f"/v1beta/interactions/{body['id']}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_delete_a_running_background_interaction(http):
    body = create(http, input="!fault never-complete", background=True)
    assert http.delete(f"/v1/interactions/{body['id']}").status_code == 200
    assert http.get(f"/v1/interactions/{body['id']}").status_code == 404


def test_dropped_stream_resumes_after_last_event_id(http):
    received = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream(
            "POST",
            "/v1beta/interactions",
            json={"model": MODEL, "input": "resume me !fault drop-after 5", "stream": True},
        ) as response,
    ):
        for line in response.iter_lines():
            received.append(line)
    first = events("\n".join(received) + "\n\n")
    assert len(first) == 5 and "[DONE]" not in "\n".join(received)
    interaction_id = first[0]["interaction"]["id"]
    rest = events(
        stream_text(
            http,
            "GET",
            f"/v1beta/interactions/{interaction_id}",
            params={"stream": "true", "last_event_id": first[-1]["event_id"]},
        )
    )
    whole = first + rest
    ids_seen = [e["event_id"] for e in whole]
    assert len(ids_seen) == len(set(ids_seen))
    assert whole[-1]["interaction"]["status"] == "completed"
    stored = http.get(f"/v1beta/interactions/{interaction_id}").json()
    assert assemble(whole) == stored["steps"][1:]
    assert "resume me" in stored["steps"][-1]["content"][0]["text"]


def test_resume_of_a_live_paced_run(emulator_factory, api_key):
    running = emulator_factory(delay_ms=1, background_step_ms=1)
    with client(running.base_url, api_key) as http:
        body = create(http, input="paced", background=True)
        text = stream_text(
            http,
            "GET",
            f"/v1beta/interactions/{body['id']}",
            params={"stream": "true", "last_event_id": "evt_2"},
        )
    blocks = frames(text)
    assert events(text)[0]["event_id"] == "evt_3"
    assert blocks[-1] == ("done", "[DONE]")
