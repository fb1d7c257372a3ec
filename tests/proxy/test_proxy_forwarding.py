"""What the proxy forwards, what it answers when the upstream fails, and what it captures."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from support.cli_env import FAKE_KEY, clean_env, run_gemtui
from support.proxy_env import InProcessProxy, api_client, proxy_in_process
from support.rawserver import (
    Exchange,
    ScriptedServer,
    chunk,
    never_answer,
    reply,
    sse_event,
    stream,
)

from gemtui.core.store import Store
from gemtui.local_server import bind
from gemtui.proxy.run import RunningProxy
from gemtui.proxy.wire import CaptureHub, Spool

CREATE = "/v1beta/interactions"
BODY = {"model": "gemini-3.6-flash", "input": "hello"}


async def test_every_part_of_a_request_goes_on_and_the_answer_comes_back_byte_for_byte():
    packed = gzip.compress(b'{"models": ["a", "b"]}')
    answer = reply(200, packed, headers={"Content-Encoding": "gzip", "X-Upstream": "yes"})
    async with ScriptedServer(answer) as upstream, proxy_in_process(upstream.base_url) as proxy:
        async with api_client(proxy.url) as client:
            request = client.build_request(
                "PUT",
                "/v1beta/some/x%2Fy?key=secret-in-query&a=1",
                content=b"hello body",
                headers={"X-Custom": "kept", "User-Agent": "my-tool/2.1 extra"},
            )
            response = await client.send(request, stream=True)
            raw = b"".join([part async for part in response.aiter_raw()])
        (capture,) = await proxy.wait_for(1)

    seen = upstream.requests[0]
    assert (seen.method, seen.target) == ("PUT", "/v1beta/some/x%2Fy?key=secret-in-query&a=1")
    assert seen.headers["x-custom"] == "kept" and seen.headers["x-goog-api-key"] == FAKE_KEY
    assert seen.headers["host"] == upstream.base_url.removeprefix("http://")
    assert seen.body == b"hello body"
    assert response.status_code == 200 and raw == packed
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["x-upstream"] == "yes"
    # The capture: a plain exchange, the key nowhere, the body decoded for reading.
    assert capture.plain and capture.turn is None
    assert capture.exchange.client == "my-tool/2.1"
    assert capture.wire.path == "/v1beta/some/x%2Fy?key=***&a=1"
    assert capture.wire.request_headers["x-goog-api-key"] == "***"
    assert capture.request_preview == "hello body"
    assert capture.response_preview == '{"models": ["a", "b"]}'
    assert FAKE_KEY not in repr(capture.wire) and "secret-in-query" not in capture.wire.path


async def test_an_unreachable_upstream_is_a_502_in_the_api_error_shape(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with Store(tmp_path / "history.sqlite3") as store:
        async with proxy_in_process(f"http://127.0.0.1:{port}", store) as proxy:
            async with api_client(proxy.url) as client:
                response = await client.post(CREATE, json=BODY)
            (capture,) = await proxy.wait_for(1)
        stored = store.turn(capture.turn.stored.turn_id)

    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "bad_gateway" and "could not be reached" in error["message"]
    turn = capture.turn
    assert turn.reply.outcome == "failed" and turn.reply.state.error.code == "bad_gateway"
    assert capture.exchange.status == 502 and "could not be reached" in capture.exchange.error
    assert stored.turn.asked.kind == "captured" and stored.turn.reply.outcome == "failed"
    assert stored.turn.asked.exchange.status == 502
    # The body never reached an upstream; the capture has it all the same (it had none).
    assert capture.request == BODY and capture.exchange.request_bytes > 0


async def test_a_body_that_is_not_a_json_object_is_shown_as_it_came(emulator):
    """`d` said "Request body (none)" for a body the API would refuse."""
    async with proxy_in_process(emulator.base_url) as proxy:
        async with api_client(proxy.url) as client:
            response = await client.post(CREATE, content=b"not json{")
        (capture,) = await proxy.wait_for(1)
    assert response.status_code == 400
    assert capture.request == {} and capture.request_preview == "not json{"


async def test_no_connection_to_the_upstream_in_time_is_a_504():
    # A listener whose accept queue is full: further connections are never completed.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        upstream = f"http://127.0.0.1:{port}"
        async with proxy_in_process(upstream, connect_timeout=0.3) as proxy:
            async with api_client(proxy.url) as client:
                response = await client.post(CREATE, json=BODY)
            (capture,) = await proxy.wait_for(1)
    finally:
        for sock in [*fillers, listener]:
            sock.close()
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "deadline_exceeded"
    assert capture.turn.reply.outcome == "failed"


def kinds(data: bytes) -> list[str]:
    lines = data.decode().splitlines()
    return [json.loads(line[6:])["event_type"] for line in lines if line.startswith("data: ")]


async def _read_until_cut(client: httpx.AsyncClient, body: dict) -> tuple[bytes, type]:
    received = bytearray()
    async with client.stream("POST", CREATE, json=body) as response:
        try:
            async for part in response.aiter_raw():
                received += part
        except httpx.HTTPError as error:
            return bytes(received), type(error)
    return bytes(received), type(None)


async def test_a_stream_the_upstream_cuts_is_cut_for_the_client_at_the_same_point(emulator):
    body = {**BODY, "input": "cut me !fault drop-after 6", "stream": True}
    async with api_client(emulator.base_url) as client:
        direct, direct_error = await _read_until_cut(client, body)
    async with proxy_in_process(emulator.base_url) as proxy:
        async with api_client(proxy.url) as client:
            proxied, proxied_error = await _read_until_cut(client, body)
        (capture,) = await proxy.wait_for(1)

    assert direct_error is httpx.RemoteProtocolError and proxied_error is direct_error
    # The two runs have interaction ids of their own: the events' types are compared.
    assert kinds(proxied) == kinds(direct) and len(kinds(direct)) == 6
    turn = capture.turn
    assert turn.reply.outcome == "interrupted"
    assert len(turn.reply.state.events) == 6
    assert "broke off" in capture.exchange.error
    assert capture.status_text == "200 cut"


def _events() -> list[dict]:
    created = {"id": "v1_live", "status": "in_progress", "model": "m"}
    return [
        {"event_type": "interaction.created", "interaction": created},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output", "content": []}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Hello"}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {**created, "status": "completed"}},
    ]


async def test_events_pass_one_by_one_and_the_capture_grows_while_the_stream_runs():
    release = asyncio.Event()
    events = _events()

    async def script(exchange: Exchange) -> None:
        await exchange.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
        await exchange.write(b"Transfer-Encoding: chunked\r\n\r\n")
        for event in events[:2]:
            await exchange.write(chunk(sse_event(event)))
        await release.wait()  # nothing more until the client has seen those two
        for event in events[2:]:
            await exchange.write(chunk(sse_event(event)))
        await exchange.write(b"0\r\n\r\n")

    async with ScriptedServer(script) as upstream, proxy_in_process(upstream.base_url) as proxy:
        async with api_client(proxy.url) as client:
            seen: list[str] = []
            async with client.stream("POST", CREATE, json={**BODY, "stream": True}) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        seen.append(json.loads(line[6:])["event_type"])
                    if len(seen) == 2 and not release.is_set():
                        # The capture has both events too, while the stream is still open.
                        live = await proxy.folded(2)
                        assert not live.done and live.turn.reply.outcome == "streaming"
                        release.set()
        (capture,) = await proxy.wait_for(1)
    assert seen == [event["event_type"] for event in events]
    assert capture.turn.reply.outcome == "completed"
    assert capture.exchange.streaming and capture.wire.streaming


async def read_first_event(proxy: InProcessProxy, then: Callable[[], Awaitable[object]]) -> None:
    """Stream a create through ``proxy`` until its first event, run ``then``, and stop
    reading (the connection closes)."""
    async with (
        api_client(proxy.url) as client,
        client.stream("POST", CREATE, json={**BODY, "stream": True}) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                await then()
                break


async def test_a_client_that_leaves_ends_the_upstream_stream_too():
    held = stream([sse_event(_events()[0])], then="hold")
    async with ScriptedServer(held) as upstream, proxy_in_process(upstream.base_url) as proxy:
        await read_first_event(proxy, lambda: asyncio.sleep(0))  # the program stops reading
        (capture,) = await proxy.wait_for(1)
        await upstream.exchanges[0].client_closed.wait()  # the proxy hung up on the upstream
    assert capture.exchange.error == "the client closed the connection"
    assert capture.turn.reply.outcome == "interrupted"


async def test_a_client_that_gives_up_before_the_answer_ends_its_capture_at_once():
    """A create that is not streamed answers only when it is done: a client that stopped
    waiting left its capture running until then (forever, here)."""
    async with (
        ScriptedServer(never_answer) as upstream,
        proxy_in_process(upstream.base_url) as proxy,
    ):
        async with api_client(proxy.url) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(CREATE, json=BODY, timeout=httpx.Timeout(5, read=0.5))
        async with asyncio.timeout(20):  # before: never
            (capture,) = await proxy.wait_for(1)
            await upstream.exchanges[0].client_closed.wait()  # the proxy hung up on upstream
    assert capture.exchange.error == "the client closed the connection before the answer came"
    assert capture.wire.ended_at is not None


async def test_a_stream_cut_by_stopping_the_proxy_says_so_not_that_the_client_left():
    held = stream([sse_event(_events()[0])], then="hold")
    async with ScriptedServer(held) as upstream, proxy_in_process(upstream.base_url) as proxy:
        await read_first_event(proxy, proxy.close)  # while the client still reads
        (capture,) = await proxy.wait_for(1)
    assert capture.exchange.error == "the proxy stopped"


async def test_captured_turns_join_the_conversation_they_continue(emulator, tmp_path):
    with Store(tmp_path / "history.sqlite3") as store:
        async with proxy_in_process(emulator.base_url, store) as proxy:
            async with api_client(proxy.url) as client:
                first = (await client.post(CREATE, json=BODY)).json()
                await proxy.wait_for(1)
                await client.post(
                    CREATE, json={**BODY, "input": "again", "previous_interaction_id": first["id"]}
                )
                await proxy.wait_for(2)
                await client.get(f"{CREATE}/{first['id']}")
            captures = await proxy.wait_for(3)
        rows = [store.turn(c.turn.stored.turn_id) for c in captures]
    assert len({row.conversation_id for row in rows}) == 1
    assert rows[1].parent_turn_id == rows[0].id
    assert rows[1].turn.asked.request["previous_interaction_id"] == first["id"]
    assert rows[2].turn.asked.exchange.method == "GET"
    assert rows[2].turn.interaction_id == first["id"]
    assert [row.turn.asked.kind for row in rows] == ["captured"] * 3


async def test_a_dummy_key_is_redacted_in_the_headers_and_leaves_the_bodies_whole(emulator):
    """A program on the emulator may send a key like "k": its captures keep their usage
    and events (a body-wide replacement of "k" renamed the JSON's fields)."""
    async with proxy_in_process(emulator.base_url) as proxy:
        async with api_client(proxy.url, key="k") as client:
            await client.post(CREATE, json={**BODY, "stream": True})
        (capture,) = await proxy.wait_for(1)
    assert capture.turn.reply.outcome == "completed"
    assert capture.tokens is not None and capture.tokens > 0
    assert capture.wire.request_headers["x-goog-api-key"] == "***"


def test_a_spool_keeps_a_small_body_in_memory_and_a_large_one_on_disk():
    small, large = Spool(memory=1024), Spool(memory=1024)
    small.write(b"x" * 1000)
    for _ in range(10):
        large.write(b"y" * 1000)
    assert not small.on_disk and large.on_disk
    assert large.read() == b"y" * 10_000 and large.read(5) == b"yyyyy" and large.size == 10_000
    small.close()
    large.close()


async def test_show_prints_a_captured_interaction_from_the_history_with_no_key(emulator):
    with Store.open_default() as store:
        async with proxy_in_process(emulator.base_url, store) as proxy:
            async with api_client(proxy.url) as client:
                created = (await client.post(CREATE, json={**BODY, "input": "Shown later"})).json()
            await proxy.wait_for(1)
    # No key and no endpoint: the capture in the history is all there is to read.
    text = run_gemtui("show", created["id"], "--print", env=clean_env())
    assert text.returncode == 0, text.stderr
    assert "Shown later" in text.stdout
    as_json = json.loads(run_gemtui("show", created["id"], "-o", "json", env=clean_env()).stdout)
    assert [step["type"] for step in as_json["steps"]] == ["user_input", "thought", "model_output"]
    assert as_json["id"] == created["id"]


async def test_export_says_a_conversation_was_captured_and_keeps_the_request(emulator):
    from gemtui.core.export import export_conversation

    with Store.open_default() as store:
        async with proxy_in_process(emulator.base_url, store) as proxy:
            async with api_client(proxy.url, headers={"user-agent": "my-app/2"}) as client:
                await client.post(CREATE, json={**BODY, "input": "Exported later"})
            (capture,) = await proxy.wait_for(1)
        cid = capture.history.conversation_id
        summary = store.get_conversation(cid)
        turns = store.load_turns(cid, limit=None)
    markdown = export_conversation("md", summary, turns)
    assert "## 1. my-app/2" in markdown and "Captured by the inspector: POST" in markdown
    document = json.loads(export_conversation("json", summary, turns))
    captured = document["turns"][0]["captured"]
    assert captured["request"]["input"] == "Exported later"
    assert captured["exchange"]["status"] == 200 and captured["exchange"]["client"] == "my-app/2"


def test_a_proxy_never_started_stops_at_once_and_frees_its_port():
    """The inspector makes its proxy before its first frame and starts it once mounted: quit
    before that, and stopping it must neither wait for a server nobody builds nor keep the
    port."""
    proxy = RunningProxy(bind("127.0.0.1", 0), "http://127.0.0.1:9", CaptureHub())
    host, port = proxy.sock.getsockname()[:2]
    proxy.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=5)


async def test_a_file_upload_goes_through_the_proxy_too(emulator):
    """The upload session's URL pointed at the upstream, so the file's bytes went straight
    there: a developer saw the start of an upload and never the upload."""
    async with proxy_in_process(emulator.base_url) as proxy:
        async with api_client(proxy.url) as client:
            start = await client.post(
                "/upload/v1/files",
                json={"file": {"display_name": "notes.txt"}},
                headers={
                    "X-Goog-Upload-Protocol": "resumable",
                    "X-Goog-Upload-Command": "start",
                    "X-Goog-Upload-Header-Content-Length": "5",
                    "X-Goog-Upload-Header-Content-Type": "text/plain",
                },
            )
            session = start.headers["x-goog-upload-url"]
            assert session.startswith(proxy.url + "/upload/")
            done = await client.post(
                session,
                content=b"hello",
                headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"},
            )
        captures = await proxy.wait_for(2)
    assert done.status_code == 200 and done.json()["file"]["sizeBytes"] == "5"
    assert [capture.wire.path.split("?")[0] for capture in captures] == [
        "/upload/v1/files",
        "/upload/v1/files",
    ]
