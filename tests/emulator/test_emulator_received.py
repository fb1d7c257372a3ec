"""The read-only log of received requests that tests use to check what a client sent."""

from __future__ import annotations

import hashlib

import pytest
from emulator_wire import client

from gemtui.emulator.app import RECEIVED_LIMIT


def test_received_requests_keep_path_query_body_and_only_a_key_digest(emulator_factory, api_key):
    running = emulator_factory()
    with client(running.base_url, api_key) as http:
        created = http.post(
            "/v1/interactions", json={"model": "gemini-3.6-flash", "input": "hello log"}
        ).json()
        http.get(f"/v1beta/interactions/{created['id']}", params={"stream": "false"})
        http.post("/v1beta/interactions", content=b"{not json")
    received = running.received_requests()
    assert [(item["method"], item["path"]) for item in received] == [
        ("POST", "/v1/interactions"),
        ("GET", f"/v1beta/interactions/{created['id']}"),
        ("POST", "/v1beta/interactions"),
    ]
    assert received[0]["body"] == {"model": "gemini-3.6-flash", "input": "hello log"}
    assert received[1]["query"] == {"stream": "false"}
    assert received[2]["body"] is None
    assert received[0]["key_sha256"] == hashlib.sha256(api_key.encode()).hexdigest()
    assert api_key not in repr(received)


def test_received_requests_are_a_copy_and_bounded(emulator_factory, api_key):
    running = emulator_factory()
    with client(running.base_url, api_key) as http:
        for number in range(RECEIVED_LIMIT + 2):
            http.post("/v1beta/interactions", json={"model": "m", "input": f"n{number}"})
    received = running.received_requests()
    assert len(received) == RECEIVED_LIMIT
    assert received[-1]["body"]["input"] == f"n{RECEIVED_LIMIT + 1}"
    received.clear()
    assert running.received_requests()


def test_requests_since_a_mark_are_counted_past_the_bound(emulator_factory, api_key):
    """A full log no longer grows: tests that compared its length passed whatever was sent."""
    running = emulator_factory()
    with client(running.base_url, api_key) as http:
        for number in range(RECEIVED_LIMIT):
            http.post("/v1beta/interactions", json={"model": "m", "input": f"n{number}"})
        mark = running.received_count()
        assert mark == RECEIVED_LIMIT and running.requests_since(mark) == []
        http.post("/v1beta/interactions", json={"model": "m", "input": "after"})
        http.get("/v1beta/models")
    assert [item["path"] for item in running.requests_since(mark)] == [
        "/v1beta/interactions",
        "/v1beta/models",
    ]
    assert running.received_count() == RECEIVED_LIMIT + 2
    with pytest.raises(LookupError):
        running.requests_since(0)  # most of those are no longer kept
