"""The official google-genai SDK reads the emulator's Maps, file search, MCP, retrieval and
computer-use answers as its own typed steps and annotations (none falls back to Unknown*)."""

from __future__ import annotations

import pytest
from google import genai

MODEL = "gemini-3.6-flash"
TOOLS = [
    {"type": "google_maps", "latitude": 52.52, "longitude": 13.4, "enable_widget": True},
    {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook"]},
    {
        "type": "mcp_server",
        "name": "docs",
        "url": "https://example.com/mcp",
        "headers": {"Authorization": "Bearer t"},
        "allowed_tools": [{"mode": "auto", "tools": ["lookup"]}],
    },
    {"type": "retrieval", "retrieval_types": ["vertex_ai_search"]},
]
STEP_CLASSES = [
    "ThoughtStep",
    "GoogleMapsCallStep",
    "GoogleMapsResultStep",
    "FileSearchCallStep",
    "FileSearchResultStep",
    "MCPServerToolCallStep",
    "MCPServerToolResultStep",
    "RetrievalCallStep",
    "RetrievalResultStep",
    "ModelOutputStep",
]


@pytest.fixture
def sdk(emulator, api_key):
    return genai.Client(api_key=api_key, http_options={"base_url": emulator.base_url})


def test_every_step_and_citation_is_typed_by_the_sdk(sdk):
    interaction = sdk.interactions.create(model=MODEL, input="Cafés in Berlin Mitte", tools=TOOLS)
    assert [type(step).__name__ for step in interaction.steps] == STEP_CLASSES
    places = interaction.steps[2].result[0].places
    assert places[0].name == "Berlin Mitte Café" and places[0].review_snippets[0].url
    assert interaction.steps[5].server_name == "docs" and interaction.steps[5].name == "lookup"
    text = interaction.steps[-1].content[0]
    kinds = [type(note).__name__ for note in text.annotations]
    assert kinds == ["PlaceCitation", "PlaceCitation", "FileCitation", "FileCitation",
                     "FileCitation"]  # fmt: skip
    raw = text.text.encode()
    assert all(raw[n.start_index : n.end_index] for n in text.annotations)
    assert interaction.steps[-1].content[0].annotations[2].page_number == 3
    assert "MCP server" in interaction.output_text


def test_the_stream_has_no_unknown_event_step_or_delta(sdk):
    stream = list(
        sdk.interactions.create(model=MODEL, input="Cafés in Mitte", tools=TOOLS, stream=True)
    )
    assert stream[-1].interaction.status == "completed"
    for event in stream:
        assert not getattr(event, "is_unknown", False), event
        for part in ("step", "delta"):
            assert not getattr(getattr(event, part, None), "is_unknown", False), event
    starts = [type(e.step).__name__ for e in stream if e.event_type == "step.start"]
    assert starts == STEP_CLASSES


def test_computer_use_waits_for_the_clients_action(sdk):
    interaction = sdk.interactions.create(
        model=MODEL,
        input="open https://example.org",
        tools=[{"type": "computer_use", "environment": "browser"}],
    )
    assert interaction.status == "requires_action"
    call = interaction.steps[-1]
    assert (call.type, call.name, call.arguments) == (
        "function_call", "navigate", {"url": "https://example.org"},
    )  # fmt: skip


def test_tool_choice_allowed_tools_goes_through(sdk):
    weather = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}
    clock = {"type": "function", "name": "get_time", "parameters": {"type": "object"}}
    interaction = sdk.interactions.create(
        model=MODEL,
        input="time and weather",
        tools=[weather, clock],
        generation_config={
            "tool_choice": {"allowed_tools": {"mode": "any", "tools": ["get_time"]}}
        },
    )
    assert [s.name for s in interaction.steps if s.type == "function_call"] == ["get_time"]
