"""Retries: which failures, how long (recorded sleeps, never real waits), and never mid-stream."""

from __future__ import annotations

import pytest
from support.rawserver import ScriptedServer, chunk, reply, sse_event, sse_head, stream
from support.streams import COMPLETED, CREATED, TEXT_STREAM

from gemtui.api.client import RetryPolicy
from gemtui.api.errors import (
    ApiStatusError,
    RateLimitedError,
    ServerError,
    StreamInterrupted,
)

PARAMS = {"model": "gemini-3.6-flash", "input": "Hi"}
OK = reply(200, {"id": "v1_ok", "object": "interaction", "status": "completed"})


def failing(status: int, code: str = "api_error", headers: dict[str, str] | None = None):
    return reply(status, {"error": {"code": code, "message": "try again"}}, headers=headers)


async def test_server_error_then_success(make_client, sleeps):
    async with ScriptedServer(failing(503, "service_unavailable"), OK) as server:
        client = make_client(server.base_url)
        interaction = await client.create(PARAMS)
    assert interaction.id == "v1_ok"
    assert len(server.requests) == 2
    assert sleeps.delays == [0.5]
    assert client.last_timings.attempts == 2
    assert server.requests[0].body == server.requests[1].body


async def test_backoff_doubles_and_is_capped(make_client, sleeps):
    retry = RetryPolicy(max_attempts=5, max_delay=1.5, sleep=sleeps, rand=lambda: 0.0)
    async with ScriptedServer(failing(500), failing(502), failing(504), failing(500), OK) as server:
        await make_client(server.base_url, retry=retry).create(PARAMS)
    assert sleeps.delays == [0.5, 1.0, 1.5, 1.5]


async def test_jitter_shortens_the_delay_by_up_to_a_quarter(make_client, sleeps):
    retry = RetryPolicy(max_attempts=2, sleep=sleeps, rand=lambda: 1.0)
    async with ScriptedServer(failing(500), OK) as server:
        await make_client(server.base_url, retry=retry).create(PARAMS)
    assert sleeps.delays == [0.375]


async def test_attempts_are_limited(make_client, sleeps):
    async with ScriptedServer(failing(503, "service_unavailable")) as server:
        with pytest.raises(ServerError) as caught:
            await make_client(server.base_url).create(PARAMS)
    assert len(server.requests) == 3
    assert len(sleeps.delays) == 2
    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("headers", "delay"),
    [({"Retry-After": "2"}, 2.0), ({"retry-after-ms": "1"}, 0.001)],
    ids=["seconds", "ms"],
)
async def test_retry_after_replaces_the_backoff(make_client, sleeps, headers, delay):
    async with ScriptedServer(failing(429, "too_many_requests", headers), OK) as server:
        await make_client(server.base_url).create(PARAMS)
    assert len(server.requests) == 2
    assert sleeps.delays == [delay]


async def test_retry_after_as_http_date_in_the_past_retries_at_once(make_client, sleeps):
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    async with ScriptedServer(failing(503, "service_unavailable", headers), OK) as server:
        await make_client(server.base_url).create(PARAMS)
    assert sleeps.delays == [0.0]


async def test_a_long_retry_after_is_reported_not_waited_for(make_client, sleeps):
    async with ScriptedServer(failing(429, "too_many_requests", {"Retry-After": "3600"})) as server:
        with pytest.raises(RateLimitedError) as caught:
            await make_client(server.base_url).create(PARAMS)
    assert len(server.requests) == 1
    assert sleeps.delays == []
    assert caught.value.retry_after == 3600.0


async def test_request_timeout_408_is_retried(make_client, sleeps):
    async with ScriptedServer(failing(408, "request_timeout"), OK) as server:
        await make_client(server.base_url).create(PARAMS)
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_request"),
        (401, "authentication"),
        (403, "permission_denied"),
        (404, "not_found"),
        (409, "aborted"),
        (429, "quota_exceeded"),
        (501, "unimplemented"),
    ],
)
async def test_no_retry(make_client, sleeps, status, code):
    async with ScriptedServer(failing(status, code), OK) as server:
        with pytest.raises(ApiStatusError):
            await make_client(server.base_url).create(PARAMS)
    assert len(server.requests) == 1
    assert sleeps.delays == []


async def test_stream_open_is_retried_before_any_event(make_client, sleeps):
    parts = [sse_event(e) for e in TEXT_STREAM]
    server = ScriptedServer(failing(503, "service_unavailable"), stream(parts))
    async with server, make_client(server.base_url).stream(PARAMS) as events:
        items = [item async for item in events]
    assert len(items) == len(TEXT_STREAM)
    assert len(server.requests) == 2
    assert events.timings.attempts == 2
    assert all(r.json()["stream"] is True for r in server.requests)


async def test_no_retry_once_a_stream_has_delivered_events(make_client, sleeps):
    dropped = stream([chunk(sse_event(CREATED)), b"ff\r\npartial"], head=sse_head(chunked=True))
    complete = stream([sse_event(CREATED), sse_event(COMPLETED)])
    async with ScriptedServer(dropped, complete) as server:
        with pytest.raises(StreamInterrupted):
            async with make_client(server.base_url).stream(PARAMS) as events:
                async for _ in events:
                    pass
    assert len(server.requests) == 1
    assert sleeps.delays == []
