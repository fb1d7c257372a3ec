"""The client against the real emulator on loopback: every operation, faults and resume."""

from __future__ import annotations

import pytest

from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.api.errors import (
    AuthenticationError,
    NotFoundError,
    RateLimitedError,
    StreamInterrupted,
)
from gemtui.api.models import ErrorEvent, InteractionCompletedEvent, TextDelta, UnknownEvent
from gemtui.core.assembler import apply, assembled_interaction, new_state, output_text

MODEL = "gemini-3.6-flash"


@pytest.fixture
async def client(emulator, api_key, sleeps):
    retry = RetryPolicy(max_attempts=3, sleep=sleeps, rand=lambda: 0.0)
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url, retry=retry) as c:
        yield c


def assemble(items):
    state = new_state()
    for item in items:
        apply(state, item.event, received_at=item.received_at, size=item.size)
    return assembled_interaction(state)


async def read_all(events):
    return [item async for item in events]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
async def test_create_then_get(emulator, api_key, version):
    async with InteractionsClient(
        api_key=api_key, base_url=emulator.base_url, api_version=version
    ) as client:
        created = await client.create({"model": MODEL, "input": "Hello there"})
        fetched = await client.get(created.id)
    assert created.status == "completed"
    assert created.id.startswith("v1_")
    assert fetched.id == created.id
    assert fetched.steps[0].type == "user_input"
    assert client.last_timings.status_code == 200


async def test_stream_assembles_to_the_stored_interaction(client):
    async with client.stream({"model": MODEL, "input": "Tell me about streams"}) as events:
        items = await read_all(events)
    assert isinstance(items[-1].event, InteractionCompletedEvent)
    assert events.interaction_id == items[0].event.interaction.id
    assert any(isinstance(getattr(i.event, "delta", None), TextDelta) for i in items)
    streamed = assemble(items)
    stored = await client.get(events.interaction_id)
    outputs = [s.to_wire() for s in stored.steps if s.type != "user_input"]
    assert [s.to_wire() for s in streamed.steps] == outputs
    assert output_text(streamed.steps)


async def test_dropped_stream_resumes_from_the_last_event_id(client):
    params = {"model": MODEL, "input": "A long story !fault drop-after 5", "background": True}
    first: list = []
    with pytest.raises(StreamInterrupted) as caught:
        async with client.stream(params) as events:
            async for item in events:
                first.append(item)
    interrupted = caught.value
    assert len(first) == 5
    assert interrupted.interaction_id and interrupted.last_event_id
    async with client.stream_get(interrupted.interaction_id, interrupted.last_event_id) as events:
        rest = await read_all(events)
    assert isinstance(rest[-1].event, InteractionCompletedEvent)
    ids = [i.event.event_id for i in first + rest]
    assert len(ids) == len(set(ids))
    async with client.stream_get(interrupted.interaction_id) as events:
        replay = await read_all(events)
    assert [i.raw for i in replay] == [i.raw for i in first + rest]


async def test_background_run_is_cancelled(client):
    params = {"model": MODEL, "input": "Wait !fault never-complete", "background": True}
    created = await client.create(params)
    assert created.status == "in_progress"
    cancelled = await client.cancel(created.id)
    assert cancelled.status == "cancelled"


async def test_deleted_interaction_is_gone(client):
    created = await client.create({"model": MODEL, "input": "Forget me"})
    await client.delete(created.id)
    with pytest.raises(NotFoundError) as caught:
        await client.get(created.id)
    assert caught.value.code == "not_found"


async def test_multi_turn_with_previous_interaction_id(client):
    first = await client.create({"model": MODEL, "input": "What is a monad?"})
    params = {"model": MODEL, "input": "And a functor?", "previous_interaction_id": first.id}
    async with client.stream(params) as events:
        items = await read_all(events)
    answer = output_text(assemble(items).steps)
    assert "Earlier you asked: «What is a monad?». This is turn 2" in answer
    stored = await client.get(events.interaction_id)
    assert stored.previous_interaction_id == first.id


async def test_missing_key_is_an_authentication_error(emulator):
    async with InteractionsClient(api_key=None, base_url=emulator.base_url) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.create({"model": MODEL, "input": "Hi"})
    assert "GEMINI_API_KEY" in caught.value.hint


async def test_rate_limit_is_retried_with_the_servers_retry_after(client, sleeps):
    created = await client.create({"model": MODEL, "input": "Busy? !fault 429x1"})
    assert created.status == "completed"
    assert len(sleeps.delays) == 1
    assert sleeps.delays[0] == pytest.approx(0.01)


async def test_persistent_rate_limit_is_raised(client, sleeps):
    with pytest.raises(RateLimitedError) as caught:
        await client.create({"model": MODEL, "input": "Busy! !fault 429"})
    assert caught.value.retry_after is not None
    assert len(sleeps.delays) == 2


async def test_error_event_and_malformed_event_are_yielded(client):
    params = {"model": MODEL, "input": "Go !fault error-event !fault malformed"}
    async with client.stream(params) as events:
        items = await read_all(events)
    assert isinstance(items[-1].event, ErrorEvent)
    assert any(isinstance(i.event, UnknownEvent) and i.event.parse_error for i in items)
