"""Wire models: every documented payload round-trips unchanged, and unknown shapes are kept raw.

The literals below are copied from ``shared/interactions-api.md`` (§2.3, §3.1, §4, §5, §6).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from pydantic_core import SchemaValidator
from support.doc_streams import DOC_STREAM_TEXT_WITH_THINKING

from gemtui.api import models, schema_cache
from gemtui.api.models import (
    CONTENT_TYPES,
    DELTA_TYPES,
    EVENT_TYPES,
    STEP_TYPES,
    Annotation,
    ErrorBody,
    ErrorEvent,
    EventBase,
    FunctionCallStep,
    Interaction,
    InteractionCompletedEvent,
    ModelOutputStep,
    StepDeltaEvent,
    StepStartEvent,
    TextContent,
    ThoughtStep,
    ToolDelta,
    UnknownAnnotation,
    UnknownContent,
    UnknownEvent,
    UnknownStep,
    parse_content,
    parse_event,
    parse_step,
)
from gemtui.api.request_models import TOOL_TYPES, CreateInteractionParams, UnknownTool

# --------------------------------------------------------------------------- §3.1 interactions

SIMPLE_INTERACTION = {
    "id": "v1_ChdPU0F4…",
    "object": "interaction",
    "model": "gemini-3.6-flash",
    "status": "completed",
    "created": "2025-11-26T12:25:15Z",
    "updated": "2025-11-26T12:25:15Z",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Hello! …"}]}],
    "usage": {
        "input_tokens_by_modality": [{"modality": "text", "tokens": 7}],
        "total_cached_tokens": 0,
        "total_input_tokens": 7,
        "total_output_tokens": 20,
        "total_thought_tokens": 22,
        "total_tokens": 49,
        "total_tool_use_tokens": 0,
    },
}

FUNCTION_CALL_INTERACTION = {
    "id": "v1_abc",
    "object": "interaction",
    "status": "requires_action",
    "model": "gemini-3.6-flash",
    "steps": [
        {"type": "thought", "signature": "c2lnbmF0dXJl"},
        {
            "type": "function_call",
            "id": "gth23981",
            "name": "get_weather",
            "arguments": {"location": "Boston, MA"},
        },
    ],
}

# Every field of §3.1, including the ones only background/agent/continuation runs carry.
FULL_INTERACTION = {
    "id": "v1_x",
    "object": "interaction",
    "status": "requires_continuation",
    "agent": "deep-research-preview-04-2026",
    "created": "2026-05-12T18:44:51Z",
    "updated": "2026-05-12T18:44:51Z",
    "steps": [],
    "usage": {
        "total_input_tokens": 260572,
        "total_output_tokens": 10174,
        "total_thought_tokens": 22882,
        "total_tool_use_tokens": 56236,
        "total_tokens": 349864,
        "output_tokens_by_modality": [{"modality": "image", "tokens": 4480}],
        "grounding_tool_count": [{"type": "google_search", "count": 3}],
        "initial_input_tokens": 11,
    },
    "environment_id": "env_abc123",
    "previous_interaction_id": "v1_prev",
    "service_tier": "standard",
    "errors": [{"code": "api_error", "message": "diagnostic fault"}],
    "continuation_token": "tok",
    "role": "model",
}

# --------------------------------------------------------------------------- §4 steps and content

ANNOTATIONS = [
    {
        "type": "url_citation",
        "url": "https://e.x/a",
        "title": None,
        "start_index": 0,
        "end_index": 5,
    },
    {
        "type": "file_citation",
        "document_uri": "files/1",
        "file_name": "a.pdf",
        "source": "s",
        "page_number": 3,
        "media_id": "m",
        "custom_metadata": {"k": "v"},
        "start_index": 1,
        "end_index": 2,
    },
    {
        "type": "place_citation",
        "name": "Cafe",
        "place_id": "places/abc",
        "url": "https://maps/x",
        "review_snippets": [{"review_id": "r", "title": "t", "url": "u"}],
        "start_index": 0,
        "end_index": 4,
    },
    {
        "type": "speech_metadata",
        "speaker": "Joe",
        "style": "calm",
        "start_index": 0,
        "end_index": 3,
    },
    {
        "type": "word_info",
        "text": "hi",
        "start_offset": "1.2s",
        "end_offset": "1.4s",
        "speaker": "A",
        "start_index": 0,
        "end_index": 2,
    },
]

CONTENTS = [
    {"type": "text", "text": "Hello", "annotations": ANNOTATIONS},
    {"type": "image", "data": "aW1hZ2U=", "mime_type": "image/png", "resolution": "high"},
    {"type": "image", "uri": "https://e.x/cat.png"},
    {
        "type": "audio",
        "data": "UklGRg==",
        "mime_type": "audio/wav",
        "sample_rate": 24000,
        "channels": 1,
    },
    {
        "type": "video",
        "uri": "https://www.youtube.com/watch?v=x",
        "mime_type": "video/mp4",
        "resolution": "low",
        "name": "clip",
        "processing": {"type": "static", "fps": 1, "start_offset": "10.5s", "end_offset": "20s"},
    },
    {"type": "video", "uri": "files/v", "processing": "agentic"},
    {"type": "document", "data": "JVBERi0=", "mime_type": "application/pdf"},
]

STEPS = [
    {"type": "user_input", "content": [{"type": "text", "text": "Capital of France?"}]},
    {"type": "model_output", "content": CONTENTS},
    {
        "type": "model_output",
        "error": {"code": 13, "message": "Internal error encountered.", "details": []},
    },
    {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "**Plan**"}]},
    {"type": "function_call", "id": "ktr5aysg", "name": "get_weather", "arguments": {"a": [1]}},
    {"type": "function_result", "call_id": "ktr5aysg", "name": "get_weather", "result": "Sunny"},
    {"type": "function_result", "call_id": "c", "result": {"temp": 3}, "is_error": True},
    {"type": "function_result", "call_id": "c", "result": [{"type": "text", "text": "ok"}]},
    {
        "type": "code_execution_call",
        "id": "c1",
        "arguments": {"code": "print(1)", "language": "python"},
        "signature": "c2ln",
    },
    {"type": "code_execution_result", "call_id": "c1", "result": "1\n", "is_error": False},
    {"type": "url_context_call", "id": "u1", "arguments": {"urls": ["https://e.x"]}},
    {
        "type": "url_context_result",
        "call_id": "u1",
        "result": [{"url": "https://e.x", "status": "success"}],
        "is_error": False,
    },
    {
        "type": "google_search_call",
        "id": "mkutnkgn",
        "arguments": {"queries": ["largest mountain in Europe"]},
        "search_type": "web_search",
        "signature": "",
    },
    {
        "type": "google_search_result",
        "call_id": "mkutnkgn",
        "result": [{"search_suggestions": "<div>widget</div>"}],
        "is_error": False,
        "signature": "c2ln",
    },
    {"type": "google_maps_call", "id": "m1", "arguments": {"queries": ["cafe"]}},
    {
        "type": "google_maps_result",
        "call_id": "m1",
        "result": [
            {
                "places": [
                    {
                        "name": "Cafe",
                        "place_id": "places/abc",
                        "url": "u",
                        "review_snippets": [{"review_id": "r", "title": "t", "url": "u"}],
                    }
                ],
                "widget_context_token": "w",
            }
        ],
    },
    {"type": "file_search_call", "id": "f1", "signature": "c2ln"},
    {"type": "file_search_result", "call_id": "f1", "result": [{"any": "thing"}]},
    {
        "type": "mcp_server_tool_call",
        "id": "p1",
        "name": "roll",
        "server_name": "dice",
        "arguments": {"sides": 6},
    },
    {
        "type": "mcp_server_tool_result",
        "call_id": "p1",
        "result": "4",
        "name": "roll",
        "server_name": "dice",
    },
    {
        "type": "retrieval_call",
        "id": "r1",
        "arguments": {"queries": ["q"]},
        "retrieval_type": "rag_store",
    },
    {"type": "retrieval_result", "call_id": "r1", "is_error": False, "signature": "c2ln"},
    {"type": "processing_call", "id": "x1"},
    {"type": "processing_result", "call_id": "x1", "signature": "c2ln"},
]

# --------------------------------------------------------------------------- §5 events


OTHER_DOC_EVENTS = [
    # §5.1 framing example
    '{"index":1,"delta":{"text":"1, 2, 3, ","type":"text"},"event_type":"step.delta"}',
    # §5.5 search + function call
    '{"index":0,"step":{"id":"mkutnkgn","signature":"","type":"google_search_call"},'
    '"event_type":"step.start"}',
    '{"index":0,"delta":{"signature":"...","type":"google_search_call","arguments":'
    '{"queries":["largest mountain in Europe"]}},"event_type":"step.delta"}',
    '{"index":1,"step":{"call_id":"mkutnkgn","signature":"","type":"google_search_result"},'
    '"event_type":"step.start"}',
    '{"index":1,"delta":{"signature":"...","type":"google_search_result","is_error":false},'
    '"event_type":"step.delta"}',
    '{"index":3,"step":{"id":"ktr5aysg","type":"function_call","name":"get_weather",'
    '"arguments":{}},"event_type":"step.start"}',
    '{"index":3,"delta":{"arguments":"{\\"location\\":\\"Mount Elbrus, Russia\\"}",'
    '"type":"arguments_delta"},"event_type":"step.delta"}',
    '{"interaction":{"id":"v1_...","status":"requires_action"},"event_type":"interaction.completed"}',
    # §5.5 thought summaries
    '{"index":0,"delta":{"content":{"text":"**Implementing Euclidean Algorithm**\\n\\n…",'
    '"type":"text"},"type":"thought_summary"},"event_type":"step.delta"}',
    # §5.5 image output
    '{"index":0,"delta":{"mime_type":"image/jpeg","data":"/9j/4AAQ…","type":"image"},'
    '"event_type":"step.delta"}',
    # §5.5 agent
    '{"interaction":{"id":"v1_...","status":"in_progress","object":"interaction",'
    '"agent":"deep-research-preview-04-2026"},"event_type":"interaction.created"}',
    # §5.4 / DOC-think seeds with initial content
    '{"index":1,"step":{"type":"model_output","content":[{"type":"text",'
    '"text":"Based on the clues provided, here"}]},"event_type":"step.start"}',
    '{"index":0,"step":{"type":"thought","signature":"","summary":[{"type":"text",'
    '"text":"**Evaluating…"}]},"event_type":"step.start"}',
    # §5.2 optional fields
    '{"interaction_id":"v1_x","status":"requires_continuation","continuation_token":"t",'
    '"usage":{"total_tokens":5},"event_id":"evt_7","event_type":"interaction.status_update"}',
    '{"index":2,"usage":{"total_tokens":9},"step_usage":{"total_tokens":4},"event_id":"evt_123",'
    '"event_type":"step.stop"}',
    '{"index":2,"delta":{"text":"x","type":"text"},"metadata":{"total_usage":{"total_tokens":3}},'
    '"event_type":"step.delta"}',
    # §5.6 errors during a stream
    '{"error":{"message":"Deadline expired before operation could complete.",'
    '"code":"gateway_timeout"},"event_type":"error"}',
    '{"error":{"code":"not_found","message":"Failed to get completed interaction: Result not '
    'found."},"event_type":"error"}',
    # §5.2: documented but unknown to the SDKs; legacy names
    '{"interaction":{"id":"v1_x","status":"in_progress"},"event_type":"interaction.in_progress"}',
    '{"content":{"type":"text"},"index":0,"event_type":"content.start"}',
]

# --------------------------------------------------------------------------- §2.3 / §6 bodies

CREATE_BODIES = [
    {"model": "gemini-3.6-flash", "input": "Hello, how are you?"},
    {"model": "gemini-3.6-flash", "input": {"type": "text", "text": "Hi"}, "stream": True},
    {
        "model": "gemini-3.6-flash",
        "input": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image", "data": "<base64>", "mime_type": "image/png"},
        ],
    },
    {
        "model": "gemini-3.6-flash",
        "input": [
            {"type": "user_input", "content": [{"type": "text", "text": "Hello!"}]},
            {"type": "model_output", "content": [{"type": "text", "text": "Hi there!"}]},
            {"type": "user_input", "content": [{"type": "text", "text": "Capital of France?"}]},
        ],
        "store": False,
    },
    {
        "model": "gemini-3.6-flash",
        "previous_interaction_id": "v1_prev",
        "input": [
            {
                "type": "function_result",
                "call_id": "gth23981",
                "name": "get_weather",
                "result": "ok",
            }
        ],
        "system_instruction": "Be brief.",
        "tools": [
            {"type": "function", "name": "get_weather", "description": "d", "parameters": {}},
            {"type": "google_search", "search_types": ["web_search"]},
            {"type": "code_execution"},
            {"type": "url_context"},
            {"type": "google_maps", "latitude": 1.5, "longitude": 2.5, "enable_widget": True},
            {"type": "file_search", "file_search_store_names": ["s"], "top_k": 3},
            {"type": "computer_use", "environment": "browser"},
            {"type": "mcp_server", "name": "m", "url": "https://m", "headers": {"a": "b"}},
            {"type": "retrieval", "retrieval_types": ["rag_store"]},
            {"type": "filesystem"},
        ],
        "generation_config": {
            "temperature": 0.5,
            "max_output_tokens": 100,
            "thinking_level": "high",
            "thinking_summaries": "auto",
            "tool_choice": {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}},
        },
        "response_format": {
            "type": "text",
            "mime_type": "application/json",
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        },
        "safety_settings": [{"type": "hate_speech", "threshold": "block_none"}],
        "service_tier": "flex",
        "labels": {"team": "x"},
        "webhook_config": {"uris": ["https://h"]},
    },
    {
        "agent": "deep-research-preview-04-2026",
        "input": "Research X",
        "background": True,
        "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
        "environment": {"type": "remote", "network": "disabled", "env": {"A": "b"}},
        "response_format": [{"type": "text"}, {"type": "image", "aspect_ratio": "16:9"}],
    },
    {"agent": "antigravity-preview-05-2026", "environment": "remote", "input": "x"},
    {"model": "lyria-3.5", "continuation_token": "tok", "previous_interaction_id": "v1_a"},
]

ERROR_BODIES = [
    {
        "error": {
            "code": "invalid_request",
            "message": "The value 'invalid_tool_type_xyz' is not supported for 'type' at "
            "'tools[0]'. Supported values: 'function', 'code_execution', …",
        }
    },
    {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT", "details": [{}]}},
    {"error": {"code": "too_many_requests", "message": "quota"}},
]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "payload", [SIMPLE_INTERACTION, FUNCTION_CALL_INTERACTION, FULL_INTERACTION]
)
def test_interaction_round_trips(payload: dict[str, Any]) -> None:
    assert Interaction.model_validate(payload).to_wire() == payload


def test_interaction_fields_are_typed() -> None:
    interaction = Interaction.model_validate(FUNCTION_CALL_INTERACTION)
    thought, call = interaction.steps or []
    assert isinstance(thought, ThoughtStep) and thought.signature == "c2lnbmF0dXJl"
    assert isinstance(call, FunctionCallStep) and call.arguments == {"location": "Boston, MA"}
    usage = Interaction.model_validate(SIMPLE_INTERACTION).usage
    assert usage is not None and usage.total_tokens == 49


@pytest.mark.parametrize("payload", STEPS, ids=[s["type"] for s in STEPS])
def test_step_round_trips_as_its_own_type(payload: dict[str, Any]) -> None:
    step = parse_step(payload)
    assert type(step) is STEP_TYPES[payload["type"]]
    assert step.to_wire() == payload


def test_every_step_type_has_an_example() -> None:
    assert {s["type"] for s in STEPS} == set(STEP_TYPES)


@pytest.mark.parametrize("payload", CONTENTS, ids=[c["type"] for c in CONTENTS])
def test_content_round_trips_as_its_own_type(payload: dict[str, Any]) -> None:
    content = parse_content(payload)
    assert type(content) is CONTENT_TYPES[payload["type"]]
    assert content.to_wire() == payload


def test_annotations_parse_to_their_types() -> None:
    text = parse_content(CONTENTS[0])
    assert isinstance(text, TextContent) and text.annotations is not None
    assert [type(a).__name__ for a in text.annotations] == [
        "UrlCitation",
        "FileCitation",
        "PlaceCitation",
        "SpeechMetadata",
        "WordInfo",
    ]


EVENTS = DOC_STREAM_TEXT_WITH_THINKING + OTHER_DOC_EVENTS


@pytest.mark.parametrize("raw", EVENTS)
def test_event_round_trips(raw: str) -> None:
    event = parse_event(raw)
    assert event.to_wire() == json.loads(raw)
    assert parse_event(raw.encode()).to_wire() == json.loads(raw)
    assert parse_event(json.loads(raw)).to_wire() == json.loads(raw)


@pytest.mark.parametrize("raw", EVENTS)
def test_event_parses_to_its_declared_type(raw: str) -> None:
    event = parse_event(raw)
    event_type = json.loads(raw)["event_type"]
    expected = EVENT_TYPES.get(event_type, UnknownEvent)
    assert type(event) is expected
    if expected is UnknownEvent:
        assert event.event_type == event_type  # type: ignore[attr-defined]
        assert event.parse_error is None  # type: ignore[attr-defined]


def test_deltas_parse_to_their_types() -> None:
    search = parse_event(OTHER_DOC_EVENTS[2])
    assert isinstance(search, StepDeltaEvent) and isinstance(search.delta, ToolDelta)
    assert search.delta.model_extra == {
        "signature": "...",
        "arguments": {"queries": ["largest mountain in Europe"]},
    }
    seed = parse_event(OTHER_DOC_EVENTS[11])
    assert isinstance(seed, StepStartEvent) and isinstance(seed.step, ModelOutputStep)
    completed = parse_event(DOC_STREAM_TEXT_WITH_THINKING[-1])
    assert isinstance(completed, InteractionCompletedEvent)
    assert completed.interaction.usage and completed.interaction.usage.total_thought_tokens == 245
    error = parse_event(OTHER_DOC_EVENTS[16])
    assert isinstance(error, ErrorEvent) and error.error.code == "gateway_timeout"


@pytest.mark.parametrize("body", CREATE_BODIES)
def test_create_params_round_trip(body: dict[str, Any]) -> None:
    assert CreateInteractionParams.model_validate(body).to_wire() == body


def test_create_params_types() -> None:
    params = CreateInteractionParams.model_validate(CREATE_BODIES[4])
    assert params.tools is not None and isinstance(params.tools[-1], UnknownTool)
    assert [type(t) for t in params.tools[:-1]] == list(TOOL_TYPES.values())
    stateless = CreateInteractionParams.model_validate(CREATE_BODIES[3])
    assert isinstance(stateless.input, list) and isinstance(stateless.input[1], ModelOutputStep)


@pytest.mark.parametrize("body", ERROR_BODIES)
def test_error_body_round_trips(body: dict[str, Any]) -> None:
    assert ErrorBody.model_validate(body).to_wire() == body


def test_model_built_in_code_carries_its_type() -> None:
    assert TextContent(text="hi").to_wire() == {"type": "text", "text": "hi"}
    assert StepStartEvent(index=0, step=ThoughtStep()).to_wire() == {
        "event_type": "step.start",
        "index": 0,
        "step": {"type": "thought"},
    }


# --------------------------------------------------------------------------- tolerance


def test_malformed_known_step_keeps_raw() -> None:
    raw = {"type": "function_call", "id": "a", "arguments": "not an object"}
    step = parse_step(raw)
    assert isinstance(step, UnknownStep) and step.to_wire() == raw


def test_malformed_known_event_becomes_unknown_with_reason() -> None:
    raw = '{"event_type":"step.start","index":"zero","step":{"type":"thought"}}'
    event = parse_event(raw)
    assert isinstance(event, UnknownEvent)
    assert event.parse_error and "index" in event.parse_error
    assert event.to_wire() == json.loads(raw)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("not json", {"data": "not json"}),
        ("[1, 2]", {"data": [1, 2]}),
        ('"text"', {"data": "text"}),
        (b"\xff\xfe\x00", None),
        ("", {"data": ""}),
    ],
)
def test_non_object_payload_is_wrapped(raw: str | bytes, kept: dict[str, Any] | None) -> None:
    event = parse_event(raw)
    assert isinstance(event, UnknownEvent) and event.parse_error
    if kept is not None:
        assert event.to_wire() == kept


@pytest.mark.parametrize(
    "raw",
    [
        '{"event_type": []}',
        '{"event_type": "step.start", "index": 0, "step": {"type": {"a": 1}}}',
        '{"event_type": "step.delta", "index": 0, "delta": {"type": ["text"]}}',
    ],
)
def test_parse_event_survives_unhashable_tags(raw: str) -> None:
    assert isinstance(parse_event(raw), UnknownEvent)


def test_parse_event_survives_deep_nesting() -> None:
    assert isinstance(parse_event("[" * 5000), UnknownEvent)


@pytest.mark.filterwarnings("error")
def test_malformed_known_step_serialises_inside_an_interaction_without_warnings() -> None:
    raw = {"type": "url_context_result", "result": "not a list"}
    assert Interaction(steps=[parse_step(raw)]).to_wire() == {"steps": [raw]}


# --------------------------------------------------------------------------- hypothesis

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def extras_for(*models: type) -> st.SearchStrategy[dict[str, Any]]:
    """Extra keys (not fields of any of ``models``) with arbitrary JSON values."""
    taken: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            taken |= {name, info.alias or name}
    keys = st.text(min_size=1, max_size=10).filter(lambda k: k not in taken)
    return st.dictionaries(keys, json_values, max_size=3)


def unknown_tag(known: set[str]) -> st.SearchStrategy[str]:
    return st.text(max_size=15).filter(lambda t: t not in known)


unknown_content = st.builds(
    lambda tag, extra: {**extra, "type": tag},
    unknown_tag(set(CONTENT_TYPES)),
    extras_for(UnknownContent),
)
known_content = st.builds(
    lambda base, extra: {**extra, **base},
    st.sampled_from(CONTENTS),
    extras_for(*CONTENT_TYPES.values()),
)
any_content = unknown_content | known_content


@st.composite
def steps(draw: st.DrawFn) -> dict[str, Any]:
    """A known step with extra keys, or an unknown one; model_output steps get mixed content."""
    if draw(st.booleans()):
        return {**draw(extras_for(UnknownStep)), "type": draw(unknown_tag(set(STEP_TYPES)))}
    base = dict(draw(st.sampled_from(STEPS)))
    if base["type"] == "model_output":
        base["content"] = draw(st.lists(any_content, max_size=4))
    return {**draw(extras_for(*STEP_TYPES.values())), **base}


@given(steps())
def test_generated_steps_round_trip(payload: dict[str, Any]) -> None:
    step = parse_step(payload)
    assert step.to_wire() == payload
    if payload["type"] not in STEP_TYPES:
        assert isinstance(step, UnknownStep)


@given(any_content)
def test_generated_content_round_trips(payload: dict[str, Any]) -> None:
    content = parse_content(payload)
    assert content.to_wire() == payload
    assert isinstance(content, UnknownContent) == (payload["type"] not in CONTENT_TYPES)


@given(
    unknown_tag(
        {"url_citation", "file_citation", "place_citation", "speech_metadata", "word_info"}
    ),
    extras_for(UnknownAnnotation),
)
def test_unknown_annotation_keeps_raw(tag: str, extra: dict[str, Any]) -> None:
    payload = {**extra, "type": tag}
    annotation = TypeAdapter(Annotation).validate_python(payload)
    assert isinstance(annotation, UnknownAnnotation) and annotation.to_wire() == payload


@given(st.lists(steps(), max_size=4), extras_for(Interaction))
def test_generated_interaction_round_trips(step_list: list[Any], extra: dict[str, Any]) -> None:
    payload = {**extra, **SIMPLE_INTERACTION, "steps": step_list}
    assert Interaction.model_validate(payload).to_wire() == payload


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """Documented events with extra keys at every level, nested unknown shapes, unknown types."""
    kind = draw(st.sampled_from([*EVENT_TYPES, "unknown"]))
    extra = draw(extras_for(*EVENT_TYPES.values(), UnknownEvent))
    if kind == "unknown":
        return {**extra, "event_type": draw(unknown_tag(set(EVENT_TYPES)))}
    if kind == "step.start":
        body = {"index": draw(st.integers(0, 99)), "step": draw(steps())}
    elif kind == "step.delta":
        delta = draw(
            st.sampled_from(
                [json.loads(e)["delta"] for e in EVENTS if '"step.delta"' in e]
                + [{"type": "arguments_delta", "arguments": '{"a'}]
            )
            | st.builds(
                lambda d: {**d, "type": "thought_summary"},
                st.builds(lambda c: {"content": c}, any_content),
            )
            | st.builds(lambda t, e: {**e, "type": t}, unknown_tag(set(DELTA_TYPES)), extras_for())
        )
        body = {"index": draw(st.integers(0, 99)), "delta": delta}
    elif kind in ("interaction.created", "interaction.completed"):
        body = {"interaction": {**draw(extras_for(Interaction)), "id": "v1_x", "status": "s"}}
    elif kind == "error":
        body = {"error": {"code": draw(st.text(max_size=10)), "message": draw(st.text())}}
    else:
        body = json.loads(next(e for e in EVENTS if f'"{kind}"' in e))
        body.pop("event_type")
    return {**extra, **body, "event_type": kind}


@given(events())
def test_generated_events_round_trip(payload: dict[str, Any]) -> None:
    for form in (payload, json.dumps(payload), json.dumps(payload).encode()):
        event = parse_event(form)
        assert event.to_wire() == payload
        assert (type(event) is UnknownEvent) == (payload["event_type"] not in EVENT_TYPES)


@pytest.fixture(scope="module")
def kept_validator(tmp_path_factory) -> SchemaValidator:
    """The event validator as a later run compiles it from the schema kept on disk."""
    directory = tmp_path_factory.mktemp("schemas")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(schema_cache.PLUGINS_VARIABLE, "__all__")
        models._event_adapter.rebuild()
        schema_cache.save(directory, models, models._event_adapter.validator)
        validator = schema_cache.load(directory, models)
    assert validator is not None
    return validator


def outcome(validator: Any, raw: str) -> str:
    """Everything a validation gives: the objects' types and values, or the error."""
    try:
        return repr(validator.validate_json(raw))
    except ValidationError as error:
        return f"error {error.errors(include_url=False)}"


@given(events())
def test_the_kept_schema_validates_as_the_generated_one(kept_validator, payload) -> None:
    raw = json.dumps(payload)
    assert outcome(kept_validator, raw) == outcome(models._event_adapter.validator, raw)


@pytest.mark.parametrize("raw", [*EVENTS, '{"event_type": "step.start", "step": 3}'])
def test_documented_events_validate_alike_from_the_kept_schema(kept_validator, raw) -> None:
    assert outcome(kept_validator, raw) == outcome(models._event_adapter.validator, raw)


@given(st.text() | st.binary())
def test_parse_event_never_raises_on_text_or_bytes(raw: str | bytes) -> None:
    assert isinstance(parse_event(raw), EventBase)


@given(json_values.map(json.dumps))
def test_parse_event_never_raises_on_json(raw: str) -> None:
    event = parse_event(raw)
    assert isinstance(event, EventBase)
    value = json.loads(raw)
    if isinstance(value, dict) and not isinstance(value.get("event_type"), str):
        assert event.to_wire() == value


# --- content given as a plain string (the REST quickstart's stateless examples) ------------

QUICKSTART_HISTORY = [
    {"type": "user_input", "content": "I have 2 dogs in my house."},
    {"type": "model_output", "content": "That is nice."},
    {"type": "user_input", "content": "How many paws are in my house?"},
]


def test_string_content_is_one_text_item_and_goes_back_as_a_list():
    from gemtui.api.models import ModelOutputStep, UserInputStep

    steps = [parse_step(step) for step in QUICKSTART_HISTORY]
    assert [type(step) for step in steps] == [UserInputStep, ModelOutputStep, UserInputStep]
    assert steps[0].to_wire() == {
        "type": "user_input",
        "content": [{"type": "text", "text": "I have 2 dogs in my house."}],
    }
    body = CreateInteractionParams.model_validate({"model": "m", "input": QUICKSTART_HISTORY})
    assert all(isinstance(step["content"], list) for step in body.to_wire()["input"])


def test_the_prompt_of_a_captured_request_with_string_contents():
    from gemtui.core.reopen_state import prompt_from_input

    assert prompt_from_input(QUICKSTART_HISTORY) == "How many paws are in my house?"


def test_parsing_a_stream_keeps_none_of_its_values() -> None:
    """Memory (issue 20, item 10): pydantic-core would keep each short string parsed from JSON
    (every event's id, up to 16 384 of them) in its cache; the wire models cache keys only."""
    import gc
    import tracemalloc

    payloads = [
        json.dumps({"event_type": "step.delta", "index": 1, "event_id": f"evt_{n:08d}_unique",
                    "delta": {"type": "text", "text": "word " * 40}})
        for n in range(2000)
    ]  # fmt: skip
    parse_event(payloads[0])
    interactions = [json.dumps({"id": f"v1_{n:08d}_unique", "status": "done"}) for n in range(2000)]
    Interaction.model_validate_json(interactions[0])
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for payload in payloads:
            parse_event(payload)
        for payload in interactions:
            Interaction.model_validate_json(payload)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    kept = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert kept < 50_000  # 4 000 ids cached would be about 250 000 bytes
