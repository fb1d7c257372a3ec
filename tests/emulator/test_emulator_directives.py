"""Directives in the prompt: HTTP faults, stream faults, pacing and size."""

from __future__ import annotations

import httpx
import pytest
from emulator_wire import assemble, client, events, frames, stream_text

MODEL = "gemini-3.6-flash"


def _post(http, prompt, **body):
    return http.post("/v1beta/interactions", json={"model": MODEL, "input": prompt, **body})


def _stream(http, prompt, **body):
    return stream_text(
        http,
        "POST",
        "/v1beta/interactions",
        json={"model": MODEL, "input": prompt, "stream": True, **body},
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_request"),
        (401, "authentication"),
        (403, "permission_denied"),
        (404, "not_found"),
        (500, "api_error"),
        (503, "service_unavailable"),
    ],
)
def test_http_faults_have_real_bodies(http, status, code):
    response = _post(http, f"hello !fault {status}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert ("retry-after" in response.headers) == (status == 503)


def test_429_carries_retry_hints(http):
    response = _post(http, "!fault 429 please")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert response.headers["retry-after"] == "0.01"
    assert response.headers["retry-after-ms"] == "10"


def test_429_retry_after_default_is_whole_seconds(emulator_factory, api_key):
    running = emulator_factory(retry_after_seconds=1)
    with client(running.base_url, api_key) as http:
        response = _post(http, "!fault 429")
    assert response.headers["retry-after"] == "1" and response.headers["retry-after-ms"] == "1000"


def test_fault_times_n_fails_only_the_first_identical_requests(http):
    prompt = "flaky !fault 503x2"
    assert [_post(http, prompt).status_code for _ in range(3)] == [503, 503, 200]
    assert _post(http, prompt).status_code == 200
    assert _post(http, prompt + " other").status_code == 503


def test_stream_request_faults_before_the_stream(http):
    response = http.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "!fault 500", "stream": True}
    )
    assert response.status_code == 500 and response.json()["error"]["code"] == "api_error"


def test_directives_are_stripped_from_the_echoed_prompt(http):
    body = _post(http, "Explain tides !slow 0 !size 1").json()
    text = body["steps"][-1]["content"][0]["text"]
    assert "«Explain tides»" in text and "!slow 0" not in text and "!size 1" not in text


def test_unknown_directive_is_400(http):
    response = _post(http, "!fault bogus")
    assert response.status_code == 400 and "Supported" in response.json()["error"]["message"]


def test_error_event_ends_the_stream_and_fails_the_interaction(http):
    text = _stream(http, "hello !fault error-event")
    stream = events(text)
    assert frames(text)[-1] == ("done", "[DONE]")
    error = stream[-1]
    assert error["event_type"] == "error" and error["error"]["code"] == "gateway_timeout"
    assert not any(e["event_type"] == "interaction.completed" for e in stream)
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert stored["status"] == "failed" and stored["errors"][0]["code"] == "gateway_timeout"


def test_error_event_without_stream_returns_the_failed_interaction(http):
    body = _post(http, "hello !fault error-event").json()
    assert body["status"] == "failed" and body["errors"]


def test_no_done_ends_at_eof_after_completed(http):
    text = _stream(http, "!fault no-done")
    assert "[DONE]" not in text
    assert events(text)[-1]["event_type"] == "interaction.completed"


def test_malformed_adds_one_frame_that_is_not_json(http):
    text = _stream(http, "!fault malformed")
    bad = [data for _e, data in frames(text) if data != "[DONE]" and not data.endswith("}")]
    assert len(bad) == 1
    stream = events(text)
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert assemble(stream) == stored["steps"][1:]


def test_unknown_adds_unknown_event_step_and_delta(http):
    stream = events(_stream(http, "!fault unknown"))
    assert "interaction.emulator_probe" in [e["event_type"] for e in stream]
    start = next(e for e in stream if e.get("step", {}).get("type") == "emulator_probe")
    delta = next(e for e in stream if e.get("index") == start["index"] and "delta" in e)
    assert delta["delta"]["type"] == "emulator_probe_delta"
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert assemble(stream) == stored["steps"][1:]
    assert stored["steps"][2]["type"] == "emulator_probe"


@pytest.mark.parametrize("prompt", ["!fault stall 20 mid", "!slow 1 paced"])
def test_pacing_directives_still_complete(http, prompt):
    stream = events(_stream(http, prompt))
    assert stream[-1]["interaction"]["status"] == "completed"


def test_size_directive_makes_a_long_answer(http):
    stream = events(_stream(http, "big one !size 60"))
    text = assemble(stream)[-1]["content"][0]["text"]
    assert 60 * 1024 <= len(text) < 62 * 1024
    assert text.count("### Section") > 100


def test_drop_after_without_stream_answers_normally(http):
    assert _post(http, "!fault drop-after 2").json()["status"] == "completed"


def test_drop_after_closes_without_done(http):
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream(
            "POST",
            "/v1/interactions",
            json={"model": MODEL, "input": "!fault drop-after 3", "stream": True},
        ) as r,
    ):
        r.read()


@pytest.mark.parametrize(("kind", "opening"), [("code", "```python\n"), ("list", "- item 1:")])
def test_long_directive_answers_one_huge_block(http, kind, opening):
    text = assemble(events(_stream(http, f"!long {kind} 700 one block")))[-1]["content"][0]["text"]
    assert text.startswith(opening)
    assert len(text.splitlines()) == 700
    # One block that stays open to the end: the fence closes on the very last line.
    assert text.count("```") == (2 if kind == "code" else 0)


def test_long_directive_needs_a_kind_and_a_count(http):
    assert _post(http, "!long table 5").status_code == 400
