"""SSE framing edge cases, against exact bytes from a scripted loopback server."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from support.rawserver import ScriptedServer, chunk, reply, sse_event, sse_head, stream
from support.streams import (
    COMPLETED,
    CREATED,
    ERROR,
    INTERACTION_ID,
    OUTPUT_START,
    STATUS,
    TEXT_STREAM,
    text_delta,
)

from gemtui.api.errors import StreamInterrupted, UnexpectedResponseError
from gemtui.api.models import (
    ErrorEvent,
    InteractionCompletedEvent,
    InteractionCreatedEvent,
    StepDeltaEvent,
    TextDelta,
    UnknownEvent,
)

PARAMS = {"model": "gemini-3.7-flash", "input": "Count to 6"}
DONE = sse_event("[DONE]", event="done")


def documented(eol: str = "\n") -> list[bytes]:
    """The documented stream: ``event:`` + ``data:`` per event, then ``[DONE]``."""
    blocks = [sse_event(e, event=e["event_type"], eol=eol) for e in TEXT_STREAM]
    return [*blocks, sse_event("[DONE]", event="done", eol=eol)]


async def collect(client, params=PARAMS):
    async with client.stream(params) as events:
        items = [item async for item in events]
    return events, items


async def test_documented_stream_yields_every_event_in_order(make_client):
    async with ScriptedServer(stream(documented())) as server:
        events, items = await collect(make_client(server.base_url))
    assert [item.event.event_type for item in items] == [e["event_type"] for e in TEXT_STREAM]
    assert [item.sse_event for item in items] == [e["event_type"] for e in TEXT_STREAM]
    assert [json.loads(item.raw) for item in items] == TEXT_STREAM
    assert items[6].size == len(items[6].raw.encode())
    assert isinstance(items[0].event, InteractionCreatedEvent)
    assert isinstance(items[-1].event, InteractionCompletedEvent)
    assert events.interaction_id == INTERACTION_ID
    assert events.status_code == 200
    assert events.response_headers["content-type"] == "text/event-stream"
    assert all(a.received_at <= b.received_at for a, b in itertools.pairwise(items))


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["crlf", "cr"])
async def test_crlf_and_bare_cr_line_endings(make_client, eol):
    async with ScriptedServer(stream(documented(eol))) as server:
        _, items = await collect(make_client(server.base_url))
    assert [json.loads(item.raw) for item in items] == TEXT_STREAM


async def test_crlf_split_between_writes(make_client):
    body = b"".join(documented("\r\n"))
    # Cut after every "\r", so each "\r\n" arrives in two TCP writes.
    parts = [part + b"\r" for part in body.split(b"\r")[:-1]] + [body.split(b"\r")[-1]]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert [json.loads(item.raw) for item in items] == TEXT_STREAM


@pytest.mark.parametrize("split", [0, 1, 2, 3], ids=["whole", "bom-1", "bom-2", "bom-3"])
async def test_utf8_bom_is_stripped_even_when_split(make_client, split):
    # httpx-sse 0.4.3 alone would read "\ufeffdata" as an unknown field and lose this event.
    body = b"\xef\xbb\xbf" + b"".join(sse_event(e) for e in TEXT_STREAM)
    parts = [body[:split], body[split:]] if split else [body]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert [json.loads(item.raw) for item in items] == TEXT_STREAM


async def test_comments_empty_data_and_dataless_blocks_are_ignored(make_client):
    parts = [
        b": keepalive\n\n",
        sse_event(CREATED),
        b":\n\n",
        b"data:\n\n",
        b"event: ping\n\n",
        b"id: 7\n\n",
        b"event: step.start\n: a comment inside a block\n"
        + b"data: "
        + json.dumps(OUTPUT_START).encode()
        + b"\n\n",
        sse_event(COMPLETED),
        DONE,
    ]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert [item.event.event_type for item in items] == [
        "interaction.created",
        "step.start",
        "interaction.completed",
    ]
    assert items[1].sse_event == "step.start"


async def test_multi_line_data_is_joined_with_newlines(make_client):
    delta = text_delta("two\nlines")
    pretty = json.dumps(delta, indent=1)  # several lines, valid JSON once joined with "\n"
    parts = [sse_event(CREATED), sse_event(pretty), sse_event(COMPLETED), DONE]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert items[1].raw == pretty
    assert isinstance(items[1].event, StepDeltaEvent)
    assert items[1].event.delta.text == "two\nlines"


async def test_dispatch_is_on_json_event_type_not_the_sse_event_field(make_client):
    parts = [sse_event(CREATED, event="step.delta"), sse_event(COMPLETED, event="message"), DONE]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert isinstance(items[0].event, InteractionCreatedEvent)
    assert items[0].sse_event == "step.delta"
    assert isinstance(items[1].event, InteractionCompletedEvent)
    assert items[1].sse_event == ""  # "message" is SSE's default type, read as absent


async def test_data_only_framing_without_done_ends_cleanly_after_completed(make_client):
    # The recorded shape of qunqin24/polyglot: no "event:" lines and no [DONE].
    async with ScriptedServer(stream([sse_event(e) for e in TEXT_STREAM])) as server:
        _, items = await collect(make_client(server.base_url))
    assert len(items) == len(TEXT_STREAM)
    assert {item.sse_event for item in items} == {""}


async def test_last_event_without_blank_line_is_still_delivered(make_client):
    parts = [sse_event(CREATED), b"data: " + json.dumps(COMPLETED).encode() + b"\n"]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert isinstance(items[-1].event, InteractionCompletedEvent)


async def test_eof_before_completed_raises_stream_interrupted_with_resume_data(make_client):
    events = [CREATED | {"event_id": "evt_1"}, STATUS | {"event_id": "evt_2"}]
    async with ScriptedServer(stream([sse_event(e) for e in events])) as server:
        client = make_client(server.base_url)
        received = []
        with pytest.raises(StreamInterrupted) as caught:
            async with client.stream(PARAMS) as items:
                async for item in items:
                    received.append(item)
    assert len(received) == 2
    error = caught.value
    assert error.interaction_id == INTERACTION_ID
    assert error.last_event_id == "evt_2"
    assert error.events_received == 2
    assert "interaction.completed" in str(error)
    assert error.hint


async def test_sse_id_field_is_the_fallback_last_event_id(make_client):
    parts = [b"id: sse-9\ndata: " + json.dumps(CREATED).encode() + b"\n\n"]
    async with ScriptedServer(stream(parts)) as server:
        with pytest.raises(StreamInterrupted) as caught:
            async with make_client(server.base_url).stream(PARAMS) as items:
                async for _ in items:
                    pass
    assert caught.value.last_event_id == "sse-9"


async def test_truncated_event_is_shown_raw_then_the_stream_is_interrupted(make_client):
    cut = json.dumps(text_delta("hello"))[:20]
    parts = [sse_event(CREATED), sse_event(OUTPUT_START), b"data: " + cut.encode()]
    async with ScriptedServer(stream(parts)) as server:
        received = []
        with pytest.raises(StreamInterrupted):
            async with make_client(server.base_url).stream(PARAMS) as items:
                async for item in items:
                    received.append(item)
    assert len(received) == 3
    assert isinstance(received[-1].event, UnknownEvent)
    assert received[-1].event.parse_error
    assert received[-1].raw == cut


async def test_connection_lost_mid_chunk_raises_stream_interrupted(make_client):
    block = sse_event(OUTPUT_START)
    parts = [chunk(sse_event(CREATED)), f"{len(block) + 50:x}\r\n".encode() + block]
    async with ScriptedServer(stream(parts, head=sse_head(chunked=True))) as server:
        with pytest.raises(StreamInterrupted) as caught:
            async with make_client(server.base_url).stream(PARAMS) as items:
                async for _ in items:
                    pass
    assert "connection lost" in caught.value.reason
    assert caught.value.interaction_id == INTERACTION_ID


async def test_malformed_json_event_is_kept_and_the_stream_continues(make_client):
    parts = [sse_event(CREATED), sse_event('{"index": 1, "delta": '), sse_event(COMPLETED), DONE]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert isinstance(items[1].event, UnknownEvent)
    assert items[1].event.parse_error
    assert items[1].raw == '{"index": 1, "delta": '
    assert isinstance(items[2].event, InteractionCompletedEvent)


async def test_unknown_event_type_is_kept_and_the_stream_continues(make_client):
    novel = {"event_type": "interaction.in_progress", "interaction_id": INTERACTION_ID}
    parts = [sse_event(CREATED), sse_event(novel), sse_event(COMPLETED), DONE]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert isinstance(items[1].event, UnknownEvent)
    assert items[1].event.event_type == "interaction.in_progress"
    assert items[1].event.parse_error is None
    assert items[1].event.to_wire() == novel


async def test_error_event_is_yielded_and_ends_the_stream_cleanly(make_client):
    async with ScriptedServer(stream([sse_event(CREATED), sse_event(ERROR)])) as server:
        _, items = await collect(make_client(server.base_url))
    assert isinstance(items[-1].event, ErrorEvent)
    assert items[-1].event.error.code == "gateway_timeout"


async def test_done_stops_iteration_and_closes_the_connection(make_client):
    parts = [sse_event(CREATED), sse_event(COMPLETED), DONE, sse_event(STATUS)]
    async with ScriptedServer(stream(parts, then="hold")) as server:
        client = make_client(server.base_url)
        async with client.stream(PARAMS) as items:
            received = [item async for item in items]
            # Closed at [DONE], before leaving the context: the server sees the hang-up.
            await asyncio.wait_for(server.exchanges[0].client_closed.wait(), 10)
    assert len(received) == 2


async def test_one_megabyte_event_in_one_kib_writes(make_client):
    text = "x" * (1024 * 1024)
    body = b"".join([sse_event(CREATED), sse_event(text_delta(text)), sse_event(COMPLETED), DONE])
    parts = [body[i : i + 1024] for i in range(0, len(body), 1024)]
    async with ScriptedServer(stream(parts)) as server:
        events, items = await collect(make_client(server.base_url))
    delta = items[1].event.delta
    assert isinstance(delta, TextDelta)
    assert delta.text == text
    assert items[1].size > 1024 * 1024
    assert events.timings.bytes_received == len(body)


async def test_multibyte_utf8_split_across_writes(make_client):
    body = sse_event(CREATED) + sse_event(text_delta("héllo → 世界 🎉")) + sse_event(COMPLETED)
    parts = [body[i : i + 1] for i in range(len(body))]
    async with ScriptedServer(stream(parts)) as server:
        _, items = await collect(make_client(server.base_url))
    assert items[1].event.delta.text == "héllo → 世界 🎉"
    assert items[1].size == len(items[1].raw.encode())


async def test_a_json_answer_to_a_stream_request_is_an_unexpected_response(make_client):
    async with ScriptedServer(reply(200, {"id": "v1_x", "status": "completed"})) as server:
        with pytest.raises(UnexpectedResponseError, match="application/json"):
            async with make_client(server.base_url).stream(PARAMS):
                pass


async def test_iterating_without_a_context_opens_and_closes(make_client):
    async with ScriptedServer(stream(documented())) as server:
        events = make_client(server.base_url).stream(PARAMS)
        items = [item async for item in events]
        assert [item async for item in events] == []
    assert len(items) == len(TEXT_STREAM)
    assert events.timings.total_s is not None


async def test_stream_request_shape(make_client, api_key):
    async with ScriptedServer(stream(documented())) as server:
        await collect(make_client(server.base_url))
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/interactions")
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-goog-api-key"] == api_key
    assert request.json() == PARAMS | {"stream": True}
    assert request.body == json.dumps(PARAMS | {"stream": True}, separators=(",", ":")).encode()


async def test_stream_get_resumes_after_last_event_id(make_client):
    async with ScriptedServer(stream(documented())) as server:
        client = make_client(server.base_url)
        async with client.stream_get(INTERACTION_ID, last_event_id="evt_5") as items:
            received = [item async for item in items]
    request = server.requests[0]
    assert (request.method, request.path) == ("GET", f"/v1/interactions/{INTERACTION_ID}")
    assert request.query == {"stream": ["true"], "last_event_id": ["evt_5"]}
    assert request.headers["accept"] == "text/event-stream"
    assert request.body == b""
    assert len(received) == len(TEXT_STREAM)
