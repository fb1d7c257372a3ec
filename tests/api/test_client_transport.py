"""Requests, timeouts, cancellation, timings and key handling, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import traceback

import httpx
import pytest
from support.rawserver import (
    ScriptedServer,
    never_answer,
    reply,
    response_bytes,
    sse_event,
    stream,
)
from support.streams import CREATED, INTERACTION_ID, STATUS, TEXT_STREAM

from gemtui import __version__
from gemtui.api.client import (
    DEFAULT_BASE_URL,
    InteractionsClient,
    RetryPolicy,
    Timeouts,
    default_base_url,
)
from gemtui.api.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    GemtuiApiError,
    StreamIdleTimeout,
    StreamInterrupted,
    UnexpectedResponseError,
)
from gemtui.api.models import Interaction
from gemtui.api.request_models import CreateInteractionParams

PARAMS = {"model": "gemini-3.6-flash", "input": "Hi"}
INTERACTION = {"id": INTERACTION_ID, "object": "interaction", "status": "completed", "steps": []}
#: A safety net for waits on the server side; no assertion depends on it.
WAIT = 10


def tiny(**limits: float) -> Timeouts:
    return Timeouts(**{"connect": 10, "first_byte": 10, "idle": 10} | limits)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- requests


async def test_create_sends_the_model_compact_and_without_stream(make_client, api_key):
    params = CreateInteractionParams(model="gemini-3.6-flash", input="Hi", stream=True)
    async with ScriptedServer(reply(200, INTERACTION)) as server:
        client = make_client(server.base_url)
        interaction = await client.create(params)
    assert isinstance(interaction, Interaction)
    assert interaction.id == INTERACTION_ID
    request = server.requests[0]
    assert (request.method, request.target) == ("POST", "/v1/interactions")
    assert request.body == b'{"model":"gemini-3.6-flash","input":"Hi"}'
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"gemtui/{__version__}"
    assert request.headers["x-goog-api-key"] == api_key


async def test_get_cancel_delete_paths(make_client):
    scripts = [reply(200, INTERACTION), reply(200, INTERACTION | {"status": "cancelled"})]
    async with ScriptedServer(*scripts, reply(200, b"{}")) as server:
        client = make_client(server.base_url, api_version="v1")
        got = await client.get(INTERACTION_ID)
        cancelled = await client.cancel(INTERACTION_ID)
        assert await client.delete(INTERACTION_ID) is None
    assert got.status == "completed"
    assert cancelled.status == "cancelled"
    assert [(r.method, r.target) for r in server.requests] == [
        ("GET", f"/v1/interactions/{INTERACTION_ID}"),
        ("POST", f"/v1/interactions/{INTERACTION_ID}/cancel"),
        ("DELETE", f"/v1/interactions/{INTERACTION_ID}"),
    ]
    assert [r.body for r in server.requests] == [b"", b"", b""]


async def test_delete_accepts_an_empty_body(make_client):
    async with ScriptedServer(reply(200, b"")) as server:
        assert await make_client(server.base_url).delete("v1_x") is None


async def test_ids_are_quoted_into_one_path_segment(make_client):
    async with ScriptedServer(reply(200, INTERACTION)) as server:
        await make_client(server.base_url).get("../a/b?c")
    assert server.requests[0].target == "/v1/interactions/..%2Fa%2Fb%3Fc"


async def test_a_body_that_is_not_json_is_an_unexpected_response(make_client):
    async with ScriptedServer(reply(200, "<html>hello</html>", content_type="text/html")) as server:
        with pytest.raises(UnexpectedResponseError, match="not JSON"):
            await make_client(server.base_url).get("v1_x")


def test_api_version_and_base_url_defaults():
    assert default_base_url({}) == DEFAULT_BASE_URL
    assert default_base_url({"GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9"}) == (
        "http://127.0.0.1:9"
    )
    with pytest.raises(ValueError, match="v1beta"):
        InteractionsClient(api_key=None, api_version="v2")


async def test_base_url_trailing_slash(make_client):
    async with ScriptedServer(reply(200, INTERACTION)) as server:
        await make_client(server.base_url + "/").get("v1_x")
    assert server.requests[0].target == "/v1/interactions/v1_x"


# --------------------------------------------------------------------------- timings


async def test_timings_of_a_plain_request(make_client):
    body = json.dumps(INTERACTION).encode()
    async with ScriptedServer(reply(200, body)) as server:
        client = make_client(server.base_url)
        await client.get("v1_x")
    timings = client.last_timings
    assert timings is not None
    assert timings.status_code == 200
    assert timings.bytes_received == len(body)
    assert timings.connect_s is not None
    assert 0 <= timings.connect_s <= timings.first_byte_s <= timings.total_s
    assert timings.attempts == 1


async def test_timings_of_a_stream(make_client):
    server = ScriptedServer(stream([sse_event(e) for e in TEXT_STREAM]))
    async with server, make_client(server.base_url).stream(PARAMS) as events:
        assert events.timings.first_byte_s is not None
        assert events.timings.total_s is None
        items = [item async for item in events]
    timings = events.timings
    assert timings.status_code == 200
    assert timings.started_at <= items[0].received_at
    assert timings.first_byte_s <= items[-1].received_at - timings.started_at <= timings.total_s


# --------------------------------------------------------------------------- transport failures


async def test_connection_refused(make_client):
    port = closed_port()
    with pytest.raises(ApiConnectionError) as caught:
        await make_client(f"http://127.0.0.1:{port}", retry=RetryPolicy(max_attempts=1)).get("x")
    error = caught.value
    assert error.kind == "refused"
    assert str(error) == f"Could not reach 127.0.0.1:{port}: connection refused"
    assert "--base-url" in error.hint


async def test_tls_failure_is_named(make_client):
    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(response_bytes(400, "this is not TLS"))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ApiConnectionError) as caught:
            await make_client(f"https://127.0.0.1:{port}").get("x")
    finally:
        server.close()
        await server.wait_closed()
    assert caught.value.kind == "tls"
    assert "TLS" in str(caught.value)
    assert "certificates" in caught.value.hint


async def test_server_that_never_answers_hits_the_first_byte_timeout(make_client, sleeps):
    async with ScriptedServer(never_answer) as server:
        with pytest.raises(ApiTimeoutError) as caught:
            await make_client(server.base_url, timeouts=tiny(first_byte=0.2)).create(PARAMS)
        await asyncio.wait_for(server.exchanges[0].client_closed.wait(), WAIT)
    assert caught.value.phase == "first_byte"
    assert (
        str(caught.value)
        == f"Timed out waiting for the response ({server.base_url[7:]}) after 0.2 s"
    )
    assert len(server.requests) == 1  # a request that may be running is not sent again
    assert sleeps.delays == []


async def test_stalled_stream_hits_the_idle_timeout(make_client):
    parts = [sse_event(CREATED | {"event_id": "evt_1"}), sse_event(STATUS)]
    async with ScriptedServer(stream(parts, then="hold")) as server:
        client = make_client(server.base_url, timeouts=tiny(idle=0.2))
        received = []
        with pytest.raises(StreamIdleTimeout) as caught:
            async with client.stream(PARAMS) as events:
                async for item in events:
                    received.append(item)
        await asyncio.wait_for(server.exchanges[0].client_closed.wait(), WAIT)
    error = caught.value
    assert isinstance(error, ApiTimeoutError) and isinstance(error, StreamInterrupted)
    assert (error.phase, error.seconds) == ("idle", 0.2)
    assert (error.interaction_id, error.last_event_id, error.events_received) == (
        INTERACTION_ID,
        "evt_1",
        2,
    )
    assert len(received) == 2


async def test_stalled_body_hits_the_idle_timeout(make_client):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    async with ScriptedServer(stream([b'{"id":'], head=head, then="hold")) as server:
        with pytest.raises(ApiTimeoutError) as caught:
            await make_client(server.base_url, timeouts=tiny(idle=0.2)).get("v1_x")
    assert caught.value.phase == "idle"


async def test_cancelling_the_task_closes_the_connection(make_client):
    parts = [sse_event(CREATED), sse_event(STATUS)]
    async with ScriptedServer(stream(parts, then="hold")) as server:
        client = make_client(server.base_url)
        two_events = asyncio.Event()

        async def consume() -> None:
            count = 0
            async with client.stream(PARAMS) as events:
                async for _ in events:
                    count += 1
                    if count == 2:
                        two_events.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(two_events.wait(), WAIT)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.exchanges[0].client_closed.wait(), WAIT)


async def test_leaving_the_context_early_closes_the_connection(make_client):
    parts = [sse_event(CREATED), sse_event(STATUS)]
    async with ScriptedServer(stream(parts, then="hold")) as server:
        async with make_client(server.base_url).stream(PARAMS) as events:
            async for _ in events:
                break
        await asyncio.wait_for(server.exchanges[0].client_closed.wait(), WAIT)
        assert [item async for item in events] == []


# --------------------------------------------------------------------------- the key


async def test_the_key_is_never_shown(make_client, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"error": {"code": "invalid_request", "message": f"API key not valid: {api_key}"}}
    fake_google_key = "AIza" + "A" * 35
    leak = {"error": {"code": "api_error", "message": f"internal: {fake_google_key}"}}
    async with ScriptedServer(reply(400, echo), reply(500, leak)) as server:
        client = make_client(server.base_url, retry=RetryPolicy(max_attempts=1))
        errors: list[GemtuiApiError] = []
        for _ in range(2):
            with pytest.raises(GemtuiApiError) as caught:
                await client.create(PARAMS)
            errors.append(caught.value)
    refused = make_client(f"http://127.0.0.1:{closed_port()}", retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ApiConnectionError) as caught:
        await refused.create(PARAMS)
    errors.append(caught.value)

    assert isinstance(errors[0], AuthenticationError)
    assert all(api_key not in r.target and "key=" not in r.target for r in server.requests)
    shown = [repr(client), repr(vars(client)), repr(refused)]
    for error in errors:
        shown += [str(error), repr(error), error.hint, repr(vars(error))]
        shown.append("".join(traceback.format_exception(error)))
        cause = error.__cause__
        if isinstance(cause, httpx.RequestError):
            shown.append(repr(cause.request))
    shown += [record.getMessage() for record in caplog.records]
    text = "\n".join(shown)
    assert api_key not in text
    assert fake_google_key not in text
    assert "<redacted>" in str(errors[0]) and "<redacted>" in str(errors[1])


async def test_hang_up_before_answering_is_not_retried(make_client, sleeps):
    async def hang_up(exchange) -> None:
        """Read the request, then close without a word."""

    async with ScriptedServer(hang_up, reply(200, INTERACTION)) as server:
        with pytest.raises(ApiConnectionError) as caught:
            await make_client(server.base_url).create(PARAMS)
    assert caught.value.kind == "dropped"
    assert not caught.value.retryable
    assert len(server.requests) == 1
    assert sleeps.delays == []
