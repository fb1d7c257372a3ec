"""gemtui's own client + assembler through the scenarios the SDK interop tests cover.

Each one is streamed and assembled the way the app does it, and checked against the stored
interaction, so the streaming path and the JSON path agree for every kind of answer.
"""

from __future__ import annotations

import base64
import json

import pytest
from support.tools import WEATHER

from gemtui.api.client import InteractionsClient
from gemtui.api.models import FunctionCallStep, ImageContent, ModelOutputStep, TextContent
from gemtui.core.assembler import apply, assembled_interaction, new_state, output_text

MODEL = "gemini-3.6-flash"


@pytest.fixture
async def client(emulator, api_key):
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as c:
        yield c


async def streamed(client: InteractionsClient, body: dict):
    """Stream ``body`` and assemble it; the stored interaction must be the same."""
    state = new_state()
    async with client.stream(body) as stream:
        async for item in stream:
            apply(state, item.event, received_at=item.received_at, size=item.size)
    interaction = assembled_interaction(state)
    if body.get("store", True) and not body.get("background"):
        stored = await client.get(interaction.id)
        # GET returns the whole timeline: the input steps, then the streamed output steps.
        streamed_steps = [s.to_wire() for s in interaction.steps or []]
        assert [s.to_wire() for s in stored.steps or []][-len(streamed_steps) :] == streamed_steps
    return interaction


async def test_stateless_history(client):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello!"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "Again"}]},
    ]
    interaction = await streamed(client, {"model": MODEL, "input": history, "store": False})
    assert "turn 2" in output_text(interaction.steps)


async def test_function_call_round_trip(client):
    first = await streamed(
        client, {"model": MODEL, "input": "Weather in Boston?", "tools": [WEATHER]}
    )
    assert first.status == "requires_action"
    call = first.steps[-1]
    assert isinstance(call, FunctionCallStep) and call.arguments == {"location": "Boston"}
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": "18C"}
    second = await streamed(
        client,
        {
            "model": MODEL,
            "previous_interaction_id": first.id,
            "tools": [WEATHER],
            "input": [result],
        },
    )
    assert second.status == "completed" and "18C" in output_text(second.steps)


async def test_structured_output_matches_the_schema(client):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    body = {
        "model": MODEL,
        "input": "A city",
        "response_format": {"type": "text", "mime_type": "application/json", "schema": schema},
    }
    data = json.loads(output_text((await streamed(client, body)).steps))
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


async def test_google_search_citations_point_into_the_text(client):
    body = {
        "model": MODEL,
        "input": "Who built the Eiffel Tower?",
        "tools": [{"type": "google_search"}],
    }
    interaction = await streamed(client, body)
    types = [s.type for s in interaction.steps]
    assert "google_search_call" in types and "google_search_result" in types
    answer = interaction.steps[-1]
    assert isinstance(answer, ModelOutputStep)
    text = answer.content[0]
    assert isinstance(text, TextContent) and text.annotations
    raw = text.text.encode()
    assert all(raw[a.start_index : a.end_index] for a in text.annotations)


async def test_image_model_returns_a_png(client):
    interaction = await streamed(
        client, {"model": "gemini-3.1-flash-image", "input": "a lighthouse"}
    )
    images = [c for s in interaction.steps for c in getattr(s, "content", None) or []]
    image = next(c for c in images if isinstance(c, ImageContent))
    assert base64.b64decode(image.data).startswith(b"\x89PNG")


async def test_background_run_completes_over_polling(client):
    started = await client.create({"model": MODEL, "input": "slow job", "background": True})
    assert started.status == "in_progress"
    for _ in range(400):
        current = await client.get(started.id)
        if current.status != "in_progress":
            break
    assert current.status == "completed"
    assert output_text(current.steps)
