"""Plain answers, SSE framing, versions, auth and request errors, over real loopback HTTP."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from emulator_wire import assemble, client, events, frames, stream_text

from gemtui.emulator import ids

MODEL = "gemini-3.6-flash"


def test_plain_answer_is_rich_markdown_that_mentions_the_prompt(http):
    response = http.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "Tell me about otters"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["object"] == "interaction"
    assert body["status"] == "completed"
    assert body["model"] == MODEL
    assert [s["type"] for s in body["steps"]] == ["thought", "model_output"]
    thought, output = body["steps"]
    assert thought["signature"] and "summary" not in thought
    text = output["content"][0]["text"]
    for marker in ("## ", "### ", "- ", "1. ", "```python\n", "|---|", "**", "*«"):
        assert marker in text
    assert "Tell me about otters" in text


def test_interaction_id_looks_real_and_is_opaque(http):
    body = http.post("/v1/interactions", json={"model": MODEL, "input": "hi"}).json()
    assert body["id"].startswith("v1_")
    raw = body["id"][3:]
    decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    assert decoded[0] == 0x0A and decoded[1] == ids.TOKEN_LENGTH
    assert "=" not in body["id"]


def test_thinking_summaries_auto_adds_a_bold_titled_summary(http):
    body = http.post(
        "/v1beta/interactions",
        json={"model": MODEL, "input": "Why?", "generation_config": {"thinking_summaries": "auto"}},
    ).json()
    thought = body["steps"][0]
    assert thought["summary"][0]["text"].startswith("**")
    assert thought["signature"]


def test_usage_totals_add_up(http):
    usage = http.post("/v1/interactions", json={"model": MODEL, "input": "count me"}).json()[
        "usage"
    ]
    parts = ("total_input_tokens", "total_output_tokens", "total_thought_tokens")
    assert usage["total_tokens"] == sum(usage[p] for p in parts) + usage["total_tool_use_tokens"]
    assert usage["total_cached_tokens"] == 0
    assert usage["input_tokens_by_modality"][0]["modality"] == "text"
    assert usage["total_output_tokens"] > 0


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_stream_framing_ids_and_order(http, version):
    text = stream_text(
        http,
        "POST",
        f"/{version}/interactions?alt=sse",
        json={"model": MODEL, "input": "stream please", "stream": True},
    )
    blocks = frames(text)
    assert blocks[-1] == ("done", "[DONE]")
    assert text.endswith("event: done\ndata: [DONE]\n\n")
    stream = events(text)
    for (name, _data), event in zip(blocks, stream, strict=False):
        assert name == event["event_type"]
    kinds = [e["event_type"] for e in stream]
    assert kinds[:2] == ["interaction.created", "interaction.status_update"]
    assert kinds[-1] == "interaction.completed"
    event_ids = [e["event_id"] for e in stream]
    assert len(set(event_ids)) == len(event_ids)
    created = stream[0]["interaction"]
    assert created["status"] == "in_progress" and created["model"] == MODEL
    completed = stream[-1]["interaction"]
    assert completed["status"] == "completed" and completed["service_tier"] == "standard"
    assert "steps" not in completed and completed["usage"]["total_tokens"] > 0
    starts = [e["index"] for e in stream if e["event_type"] == "step.start"]
    stops = [e["index"] for e in stream if e["event_type"] == "step.stop"]
    assert starts == stops == list(range(len(starts)))


def test_stream_assembles_to_the_stored_steps(http):
    text = stream_text(
        http,
        "POST",
        "/v1beta/interactions",
        json={
            "model": MODEL,
            "input": "same steps?",
            "stream": True,
            "generation_config": {"thinking_summaries": "auto"},
        },
    )
    stream = events(text)
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert stored["steps"][0]["type"] == "user_input"
    assert assemble(stream) == stored["steps"][1:]
    signature = [e for e in stream if e.get("delta", {}).get("type") == "thought_signature"]
    next_event = stream[stream.index(signature[0]) + 1]
    assert next_event["event_type"] == "step.stop"


def test_text_arrives_in_chunks_of_the_configured_size(emulator_factory, api_key):
    running = emulator_factory(chunk_chars=5)
    with client(running.base_url, api_key) as http:
        text = stream_text(
            http, "POST", "/v1/interactions", json={"model": MODEL, "input": "x", "stream": True}
        )
    pieces = [e["delta"]["text"] for e in events(text) if e.get("delta", {}).get("type") == "text"]
    assert len(pieces) > 20
    assert all(len(p) == 5 for p in pieces[:-1]) and 0 < len(pieces[-1]) <= 5


def test_get_stream_replays_the_whole_run(http):
    body = http.post("/v1/interactions", json={"model": MODEL, "input": "replay"}).json()
    text = stream_text(http, "GET", f"/v1/interactions/{body['id']}", params={"stream": "true"})
    assert assemble(events(text)) == body["steps"]


# --- auth ------------------------------------------------------------------------------------


def test_missing_key_is_401_authentication(emulator):
    response = httpx.post(f"{emulator.base_url}/v1beta/interactions", json={"model": MODEL})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "authentication"
    assert "API key" in error["message"]
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize(
    ("headers", "params"),
    [({}, {"key": "abc"}), ({"Authorization": "Bearer tok"}, {}), ({"x-goog-api-key": "k"}, {})],
)
def test_any_non_empty_key_form_is_accepted(emulator, headers, params):
    response = httpx.post(
        f"{emulator.base_url}/v1/interactions",
        json={"model": MODEL, "input": "hi"},
        headers=headers,
        params=params,
    )
    assert response.status_code == 200


# --- request errors --------------------------------------------------------------------------


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"model": MODEL, "agent": "deep-research-preview-04-2026", "input": "x"},
        {"input": "x"},
        {"model": MODEL},
        {"model": MODEL, "input": "x", "store": False, "background": True},
        {"model": MODEL, "input": []},
        {"model": MODEL, "input": [{"type": "text", "text": "a"}, {"type": "user_input"}]},
        {"model": MODEL, "input": "x", "stream": "yes"},
        {"agent": "a", "input": "x", "generation_config": {}},
        [1, 2],
    ],
)
def test_invalid_bodies_are_400_invalid_request(http, body):
    _error(http.post("/v1beta/interactions", json=body), 400, "invalid_request")


def test_bad_json_is_400(http):
    response = http.post(
        "/v1/interactions", content=b"{not json", headers={"content-type": "application/json"}
    )
    _error(response, 400, "invalid_request")


def test_unknown_tool_type_names_the_supported_values(http):
    body = {"model": MODEL, "input": "x", "tools": [{"type": "invalid_tool_type_xyz"}]}
    message = _error(http.post("/v1beta/interactions", json=body), 400, "invalid_request")
    assert message.startswith(
        "The value 'invalid_tool_type_xyz' is not supported for 'type' at 'tools[0]'. "
        "Supported values: 'function', 'code_execution',"
    )


def test_legacy_api_revision_is_refused(http):
    response = http.post(
        "/v1beta/interactions",
        json={"model": MODEL, "input": "x"},
        headers={"Api-Revision": "2026-05-07"},
    )
    assert "legacy" in _error(response, 400, "invalid_request")


def test_unknown_ids_and_routes_are_json_404(http):
    _error(http.get("/v1/interactions/v1_nope"), 404, "not_found")
    _error(http.post("/v1/interactions/v1_nope/cancel"), 404, "not_found")
    _error(http.delete("/v1beta/interactions/v1_nope"), 404, "not_found")
    _error(http.get("/v2/interactions"), 404, "not_found")
    _error(http.get("/"), 404, "not_found")


def test_wrong_method_is_json_405(http):
    _error(http.put("/v1/interactions"), 405, "method_not_allowed")


def test_last_event_id_without_stream_is_400(http):
    body = http.post("/v1/interactions", json={"model": MODEL, "input": "x"}).json()
    response = http.get(f"/v1/interactions/{body['id']}", params={"last_event_id": "evt_1"})
    _error(response, 400, "invalid_request")
    response = http.get(
        f"/v1/interactions/{body['id']}", params={"last_event_id": "evt_x", "stream": "true"}
    )
    _error(response, 400, "invalid_request")


# --- determinism -----------------------------------------------------------------------------


def _session(base_url: str, api_key: str) -> list[dict]:
    requests = [
        {"model": MODEL, "input": "first question"},
        {"model": MODEL, "input": "with a tool", "tools": [{"type": "google_search"}]},
    ]
    with client(base_url, api_key) as http:
        bodies = [http.post("/v1/interactions", json=r).json() for r in requests]
        follow = {"model": MODEL, "input": "again", "previous_interaction_id": bodies[0]["id"]}
        bodies.append(http.post("/v1/interactions", json=follow).json())
    for body in bodies:
        for key in ("created", "updated"):
            body.pop(key)
    return bodies


def test_same_request_sequence_gives_same_ids_and_steps(emulator_factory, api_key):
    first = _session(emulator_factory().base_url, api_key)
    second = _session(emulator_factory().base_url, api_key)
    assert first == second
    assert len({b["id"] for b in first}) == 3


def test_different_seeds_give_different_ids(emulator_factory, api_key):
    one = _session(emulator_factory(seed="a").base_url, api_key)
    two = _session(emulator_factory(seed="b").base_url, api_key)
    assert one[0]["id"] != two[0]["id"]
    assert json.dumps(one[0]["steps"][1]) == json.dumps(two[0]["steps"][1])
