"""The assembler: a stream folded event by event equals the non-streaming interaction.

Streams are written as the JSON ``data`` payloads the server sends (``shared/interactions-api.md``
§5.5), parsed with the real ``parse_event`` and applied in order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.doc_streams import DOC_STREAM_TEXT_WITH_THINKING

from gemtui.api.models import (
    STEP_TYPES,
    TOOL_DELTA_TYPES,
    FunctionCallStep,
    ImageContent,
    ModelOutputStep,
    ThoughtStep,
    UnknownStep,
    parse_event,
    parse_step,
)
from gemtui.core.assembler import (
    Change,
    InteractionState,
    apply,
    assembled_interaction,
    new_state,
    output_text,
)

# --------------------------------------------------------------------------- helpers


def feed(
    payloads: list[dict[str, Any] | str], state: InteractionState | None = None
) -> tuple[InteractionState, list[Change]]:
    """Apply payloads as a stream: event ``i`` arrives at ``i / 10`` s with its JSON size."""
    state = state or new_state()
    changes = []
    for payload in payloads:
        raw = payload if isinstance(payload, str) else json.dumps(payload)
        at = len(state.events) / 10
        changes.append(apply(state, parse_event(raw), received_at=at, size=len(raw.encode())))
    return state, changes


def start(index: int, step: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "step.start", "index": index, "step": step}


def delta(index: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "step.delta", "index": index, "delta": body}


def stop(index: int, **extra: Any) -> dict[str, Any]:
    return {"event_type": "step.stop", "index": index, **extra}


def text(index: int, value: str) -> dict[str, Any]:
    return delta(index, {"type": "text", "text": value})


def steps_of(state: InteractionState) -> list[dict[str, Any]]:
    return assembled_interaction(state).to_wire()["steps"]


def chunks(value: str, cuts: Sequence[int]) -> list[str]:
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(value)}), len(value)]
    return [value[a:b] for a, b in pairwise(bounds)] or [""]


def stream_of(steps: list[dict[str, Any]], cuts: Sequence[int] = ()) -> list[dict[str, Any]]:
    """The events a server sends for ``steps``: seeds as in §5.5, text and arguments chunked."""
    events: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        kind = step["type"]
        if kind == "model_output":
            events.append(start(index, {"type": "model_output"}))
            for block in step.get("content", []):
                if block["type"] == "text":
                    events += [text(index, part) for part in chunks(block["text"], cuts)]
                    if "annotations" in block:
                        events.append(
                            delta(
                                index,
                                {
                                    "type": "text_annotation_delta",
                                    "annotations": block["annotations"],
                                },
                            )
                        )
                else:
                    events.append(delta(index, block))
        elif kind == "thought":
            seed = {"type": "thought"}
            if "signature" in step:
                seed["signature"] = ""
            events.append(start(index, seed))
            for block in step.get("summary", []):
                for part in chunks(block["text"], cuts):
                    body = {"type": "thought_summary", "content": {"type": "text", "text": part}}
                    events.append(delta(index, body))
            if "signature" in step:
                events.append(
                    delta(index, {"type": "thought_signature", "signature": step["signature"]})
                )
        elif kind == "function_call":
            events.append(start(index, {**step, "arguments": {}}))
            encoded = json.dumps(step["arguments"])
            events += [
                delta(index, {"type": "arguments_delta", "arguments": part})
                for part in chunks(encoded, cuts)
            ]
        else:
            events.append(start(index, step))
        events.append(stop(index))
    return events


# --------------------------------------------------------------------------- §5.5 doc streams

TEXT_WITH_THINKING = DOC_STREAM_TEXT_WITH_THINKING


def test_doc_stream_text_with_thinking_equals_the_non_streaming_response() -> None:
    state, changes = feed(TEXT_WITH_THINKING)
    completed = json.loads(TEXT_WITH_THINKING[-1])["interaction"]
    assert assembled_interaction(state).to_wire() == {
        **completed,
        "steps": [
            {"type": "thought", "signature": "..."},
            {"type": "model_output", "content": [{"type": "text", "text": "1, 2, 3, 4, 5, 6, "}]},
        ],
    }
    assert [c.kind for c in changes] == [
        "created",
        "status",
        "step_started",
        "step_delta",
        "step_stopped",
        "step_started",
        "step_delta",
        "step_stopped",
        "completed",
    ]
    assert changes[3] == Change("step_delta", 0, "signature")
    assert changes[6] == Change("step_delta", 1, "text", "1, 2, 3, 4, 5, 6, ")
    assert state.completed and state.status == "completed" and state.error is None
    assert state.interaction.created == "2026-05-12T18:44:51Z"
    assert output_text([s.step for s in state.steps]) == "1, 2, 3, 4, 5, 6, "


def test_doc_stream_search_then_function_call() -> None:
    payloads = [
        '{"interaction":{"id":"v1_s","status":"in_progress","model":"gemini-3.7-flash"},'
        '"event_type":"interaction.created"}',
        '{"index":0,"step":{"id":"mkutnkgn","signature":"","type":"google_search_call"},'
        '"event_type":"step.start"}',
        '{"index":0,"delta":{"signature":"...","type":"google_search_call","arguments":'
        '{"queries":["largest mountain in Europe"]}},"event_type":"step.delta"}',
        '{"index":0,"event_type":"step.stop"}',
        '{"index":1,"step":{"call_id":"mkutnkgn","signature":"","type":"google_search_result"},'
        '"event_type":"step.start"}',
        '{"index":1,"delta":{"signature":"...","type":"google_search_result","is_error":false},'
        '"event_type":"step.delta"}',
        '{"index":1,"event_type":"step.stop"}',
        '{"index":2,"step":{"type":"thought"},"event_type":"step.start"}',
        '{"index":2,"delta":{"signature":"c2ln","type":"thought_signature"},'
        '"event_type":"step.delta"}',
        '{"index":2,"event_type":"step.stop"}',
        '{"index":3,"step":{"id":"ktr5aysg","type":"function_call","name":"get_weather",'
        '"arguments":{}},"event_type":"step.start"}',
        '{"index":3,"delta":{"arguments":"{\\"location\\":\\"Mount Elbrus, Russia\\"}",'
        '"type":"arguments_delta"},"event_type":"step.delta"}',
        '{"index":3,"event_type":"step.stop"}',
        '{"interaction":{"id":"v1_s","status":"requires_action"},"event_type":"interaction.completed"}',
    ]
    state, changes = feed(payloads)
    assert steps_of(state) == [
        {
            "type": "google_search_call",
            "id": "mkutnkgn",
            "signature": "...",
            "arguments": {"queries": ["largest mountain in Europe"]},
        },
        {
            "type": "google_search_result",
            "call_id": "mkutnkgn",
            "signature": "...",
            "is_error": False,
        },
        {"type": "thought", "signature": "c2ln"},
        {
            "type": "function_call",
            "id": "ktr5aysg",
            "name": "get_weather",
            "arguments": {"location": "Mount Elbrus, Russia"},
        },
    ]
    assert [type(s.step).__name__ for s in state.steps] == [
        "GoogleSearchCallStep",
        "GoogleSearchResultStep",
        "ThoughtStep",
        "FunctionCallStep",
    ]
    assert changes[2].field == "arguments" and changes[5].field == "result"
    assert changes[11] == Change(
        "step_delta", 3, "arguments", '{"location":"Mount Elbrus, Russia"}'
    )
    assert state.status == "requires_action" and state.completed
    assert state.interaction.model == "gemini-3.7-flash"  # kept from interaction.created


def test_doc_stream_thought_summaries_merge_into_one_text_block() -> None:
    summary = "**Implementing Euclidean Algorithm**\n\nI am writing a function …"
    parts = [summary[:20], summary[20:41], summary[41:]]
    payloads = [
        start(0, {"type": "thought"}),
        *[
            delta(0, {"type": "thought_summary", "content": {"type": "text", "text": p}})
            for p in parts
        ],
        delta(0, {"type": "thought_signature", "signature": "c2ln"}),
        stop(0),
    ]
    state, changes = feed(payloads)
    assert steps_of(state) == [
        {"type": "thought", "summary": [{"type": "text", "text": summary}], "signature": "c2ln"}
    ]
    assert [c.appended_text for c in changes[1:4]] == parts
    assert {c.field for c in changes[1:4]} == {"summary"}


def test_thought_summary_image_starts_a_new_summary_block() -> None:
    image = {"type": "image", "data": "aW1n", "mime_type": "image/png"}
    state, _ = feed(
        [
            start(0, {"type": "thought"}),
            delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "a"}}),
            delta(0, {"type": "thought_summary", "content": image}),
            delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "b"}}),
            delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "c"}}),
            stop(0),
        ]
    )
    assert steps_of(state)[0]["summary"] == [
        {"type": "text", "text": "a"},
        image,
        {"type": "text", "text": "bc"},
    ]


def test_doc_stream_image_output_interleaves_blocks() -> None:
    image = {"mime_type": "image/jpeg", "data": "/9j/4AAQ…", "type": "image"}
    state, changes = feed(
        [
            start(0, {"type": "model_output"}),
            text(0, "Here is "),
            text(0, "a cat:"),
            delta(0, image),
            text(0, "Do you "),
            text(0, "like it?"),
            stop(0),
        ]
    )
    assert steps_of(state) == [
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "Here is a cat:"},
                image,
                {"type": "text", "text": "Do you like it?"},
            ],
        }
    ]
    assert changes[3] == Change("step_delta", 0, "image")
    assert output_text([s.step for s in state.steps]) == "Do you like it?"


def test_doc_stream_agent() -> None:
    payloads: list[dict[str, Any] | str] = [
        '{"interaction":{"id":"v1_a","status":"in_progress","object":"interaction",'
        '"agent":"deep-research-preview-04-2026"},"event_type":"interaction.created"}'
    ]
    for i in range(5):
        payloads += [
            start(i, {"type": "thought"}),
            delta(i, {"type": "thought_summary", "content": {"type": "text", "text": f"step {i}"}}),
            stop(i),
        ]
    payloads += [start(5, {"type": "model_output"}), *[text(5, "word ") for _ in range(300)]]
    payloads += [
        stop(5),
        {
            "event_type": "interaction.completed",
            "interaction": {"id": "v1_a", "status": "completed"},
        },
    ]
    state, _ = feed(payloads)
    assert state.interaction.agent == "deep-research-preview-04-2026"
    assert state.interaction.model is None
    assert len(state.steps) == 6 and all(s.done for s in state.steps)
    assert steps_of(state)[5]["content"] == [{"type": "text", "text": "word " * 300}]
    assert output_text([s.step for s in state.steps]) == "word " * 300


# --------------------------------------------------------------------------- seeds and resume


def test_step_start_with_initial_content_is_extended() -> None:
    seed_text = "Based on the clues provided, here"
    state, changes = feed(
        [
            start(
                0,
                {
                    "type": "thought",
                    "signature": "",
                    "summary": [{"type": "text", "text": "**Evaluating…"}],
                },
            ),
            delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "** more"}}),
            delta(0, {"type": "thought_signature", "signature": "c2ln"}),
            stop(0),
            start(1, {"type": "model_output", "content": [{"type": "text", "text": seed_text}]}),
            text(1, " is the answer."),
            stop(1),
        ]
    )
    assert steps_of(state) == [
        {
            "type": "thought",
            "signature": "c2ln",
            "summary": [{"type": "text", "text": "**Evaluating…** more"}],
        },
        {
            "type": "model_output",
            "content": [{"type": "text", "text": seed_text + " is the answer."}],
        },
    ]
    assert changes[0].appended_text == "**Evaluating…"
    assert changes[4] == Change("step_started", 1, appended_text=seed_text)


def test_step_start_event_keeps_its_raw_json_while_the_step_grows() -> None:
    seed = {"type": "model_output", "content": [{"type": "text", "text": "Hi"}]}
    state, _ = feed([start(0, seed), text(0, " there"), stop(0)])
    assert state.events[0].event.to_wire() == start(0, seed)
    assert state.steps[0].step.to_wire()["content"][0]["text"] == "Hi there"


def test_seed_with_non_text_last_block_gets_a_new_text_block() -> None:
    image = {"type": "image", "uri": "https://e.x/i.png"}
    state, changes = feed(
        [start(0, {"type": "model_output", "content": [image]}), text(0, "x"), stop(0)]
    )
    assert changes[0].appended_text is None
    assert steps_of(state)[0]["content"] == [image, {"type": "text", "text": "x"}]


@pytest.mark.parametrize(
    ("body", "step_class"),
    [
        ({"type": "text", "text": "tail"}, ModelOutputStep),
        ({"type": "image", "data": "aW1n"}, ModelOutputStep),
        ({"type": "text_annotation_delta", "annotations": []}, ModelOutputStep),
        ({"type": "thought_summary", "content": {"type": "text", "text": "s"}}, ThoughtStep),
        ({"type": "thought_signature", "signature": "c2ln"}, ThoughtStep),
        ({"type": "arguments_delta", "arguments": '{"a": 1}'}, FunctionCallStep),
        ({"type": "code_execution_result", "result": "1"}, STEP_TYPES["code_execution_result"]),
        ({"type": "brand_new_delta", "x": 1}, UnknownStep),
    ],
)
def test_delta_without_start_creates_a_placeholder(body: dict[str, Any], step_class: type) -> None:
    state, changes = feed([delta(4, body), stop(4)])
    (step,) = state.steps
    assert step.placeholder and step.done and step.index == 4
    assert type(step.step) is step_class
    assert changes[0].kind == "step_delta" and changes[0].step_index == 4


def test_resume_without_start_keeps_text_and_parses_arguments() -> None:
    state, _ = feed(
        [
            text(2, "rest of "),
            text(2, "answer"),
            stop(2),
            delta(3, {"type": "arguments_delta", "arguments": '{"city": '}),
            delta(3, {"type": "arguments_delta", "arguments": '"Oslo"}'}),
            stop(3),
        ]
    )
    assert steps_of(state) == [
        {"type": "model_output", "content": [{"type": "text", "text": "rest of answer"}]},
        {"type": "function_call", "arguments": {"city": "Oslo"}},
    ]


def test_stop_without_start_creates_an_empty_placeholder() -> None:
    state, changes = feed([stop(7)])
    assert changes == [Change("step_stopped", 7)]
    assert state.steps[0].placeholder and isinstance(state.steps[0].step, UnknownStep)


def test_resumed_stream_continues_the_same_state() -> None:
    first = [start(0, {"type": "model_output"}), {**text(0, "Hello, "), "event_id": "evt_1"}]
    state, _ = feed(first)
    assert state.last_event_id == "evt_1"
    feed([{**text(0, "world"), "event_id": "evt_2"}, stop(0)], state)
    assert len(state.steps) == 1 and not state.steps[0].placeholder
    assert steps_of(state)[0]["content"][0]["text"] == "Hello, world"
    assert [r.seq for r in state.events] == [0, 1, 2, 3]
    assert state.last_event_id == "evt_2"


def test_a_second_hop_with_index_zero_adds_steps() -> None:
    hop = [start(0, {"type": "model_output"}), text(0, "part"), stop(0)]
    state, _ = feed([*hop, *hop])
    assert len(state.steps) == 2
    assert output_text([s.step for s in state.steps]) == "partpart"


# --------------------------------------------------------------------------- arguments

ARGUMENTS = {
    "path": 'C:\\dir\\"q"',
    "note": "é ünï \u2603 \n\t",
    "n": [1, 2.5, None, True],
    "o": {},
}


@pytest.mark.parametrize("cut", range(len(json.dumps(ARGUMENTS))))
def test_arguments_split_anywhere_parse_at_stop(cut: int) -> None:
    encoded = json.dumps(ARGUMENTS)  # escapes: \\ \" \u00e9 \n ...
    fragments = [encoded[:cut], encoded[cut:]]
    state, changes = feed(
        [
            start(0, {"type": "function_call", "id": "c", "name": "f", "arguments": {}}),
            *[delta(0, {"type": "arguments_delta", "arguments": f}) for f in fragments],
        ]
    )
    assert state.steps[0].streamed_arguments == encoded
    assert state.steps[0].step.arguments == {}  # type: ignore[attr-defined]
    feed([stop(0)], state)
    assert state.steps[0].step.arguments == ARGUMENTS  # type: ignore[attr-defined]
    assert state.steps[0].arguments_error is None
    assert "".join(c.appended_text or "" for c in changes[1:]) == encoded


@given(
    st.dictionaries(
        st.text(max_size=6),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3),
            max_leaves=5,
        ),
        max_size=4,
    ),
    st.lists(st.integers(0, 200), max_size=8),
)
def test_arguments_any_chunking(arguments: dict[str, Any], cuts: list[int]) -> None:
    call = {"type": "function_call", "id": "c", "name": "f", "arguments": arguments}
    state, _ = feed(stream_of([call], cuts))
    assert steps_of(state) == [call]


@pytest.mark.parametrize("raw", ['{"city": "Os', "[1, 2]", "", "null", '{"a": 1}}'])
def test_malformed_arguments_are_kept_not_raised(raw: str) -> None:
    state, changes = feed(
        [
            start(0, {"type": "function_call", "id": "c", "name": "f"}),
            delta(0, {"type": "arguments_delta", "arguments": raw}),
            stop(0),
        ]
    )
    step = state.steps[0]
    assert step.done and changes[-1] == Change("step_stopped", 0)
    assert step.arguments_error == raw
    assert step.step.to_wire() == {"type": "function_call", "id": "c", "name": "f", "arguments": {}}


# --------------------------------------------------------------------------- every delta type


def test_text_annotation_delta_attaches_to_the_last_text_block() -> None:
    cite = {"type": "url_citation", "url": "https://e.x", "start_index": 0, "end_index": 3}
    other = {"type": "place_citation", "name": "Cafe", "start_index": 4, "end_index": 8}
    image = {"type": "image", "data": "aW1n"}
    state, changes = feed(
        [
            start(0, {"type": "model_output"}),
            text(0, "first"),
            delta(0, image),
            text(0, "second"),
            delta(0, {"type": "text_annotation_delta", "annotations": [cite]}),
            delta(0, image),
            delta(0, {"type": "text_annotation_delta", "annotations": [other]}),
            stop(0),
        ]
    )
    assert steps_of(state)[0]["content"] == [
        {"type": "text", "text": "first"},
        image,
        {"type": "text", "text": "second", "annotations": [cite, other]},
        image,
    ]
    assert changes[4] == Change("step_delta", 0, "annotations")


def test_annotations_without_text_get_an_empty_text_block() -> None:
    cite = {"type": "url_citation", "url": "u"}
    state, _ = feed(
        [
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text_annotation_delta", "annotations": [cite]}),
            text(0, "later"),
            stop(0),
        ]
    )
    assert steps_of(state)[0]["content"] == [
        {"type": "text", "text": "later", "annotations": [cite]}
    ]


@pytest.mark.parametrize(
    "block",
    [
        {
            "type": "image",
            "data": "aW1n",
            "mime_type": "image/png",
            "resolution": "low",
            "uri": "u",
        },
        {
            "type": "audio",
            "data": "UklG",
            "mime_type": "audio/l16",
            "sample_rate": 24000,
            "channels": 1,
        },
        {"type": "video", "data": "AAAA", "mime_type": "video/mp4", "resolution": "high"},
        {"type": "document", "data": "JVBE", "mime_type": "application/pdf", "uri": "files/d"},
    ],
)
def test_media_deltas_each_start_a_block(block: dict[str, Any]) -> None:
    state, changes = feed(
        [start(0, {"type": "model_output"}), delta(0, block), delta(0, block), stop(0)]
    )
    assert steps_of(state)[0]["content"] == [block, block]
    assert changes[1] == Change("step_delta", 0, block["type"])


def test_media_block_is_not_shared_with_the_event() -> None:
    state, _ = feed([start(0, {"type": "model_output"}), delta(0, {"type": "image", "data": "a"})])
    block = state.steps[0].step.content[0]  # type: ignore[attr-defined]
    assert isinstance(block, ImageContent)
    assert block is not state.events[1].event.delta  # type: ignore[attr-defined]


TOOL_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "function_result": ({"call_id": "c"}, {"result": {"t": 3}, "is_error": False, "name": "f"}),
    "google_search_call": (
        {"id": "g", "signature": ""},
        {"arguments": {"queries": ["q"]}, "signature": "s"},
    ),
    "google_search_result": (
        {"call_id": "g"},
        {"result": [{"search_suggestions": "<b>"}], "is_error": False},
    ),
    "code_execution_call": ({"id": "c"}, {"arguments": {"code": "print(1)", "language": "python"}}),
    "code_execution_result": (
        {"call_id": "c"},
        {"result": "1\n", "is_error": False, "signature": "s"},
    ),
    "url_context_call": ({"id": "u"}, {"arguments": {"urls": ["https://e.x"]}}),
    "url_context_result": (
        {"call_id": "u"},
        {"result": [{"url": "https://e.x", "status": "paywall"}]},
    ),
    "google_maps_call": ({"id": "m"}, {"arguments": {"queries": ["cafe"]}, "signature": "s"}),
    "google_maps_result": (
        {"call_id": "m"},
        {"result": [{"places": [], "widget_context_token": "w"}]},
    ),
    "file_search_call": ({"id": "f"}, {"signature": "s"}),
    "file_search_result": ({"call_id": "f"}, {"result": [{"any": 1}], "signature": "s"}),
    "mcp_server_tool_call": (
        {"id": "p"},
        {"name": "roll", "server_name": "dice", "arguments": {"n": 6}},
    ),
    "mcp_server_tool_result": (
        {"call_id": "p"},
        {"result": "4", "name": "roll", "server_name": "dice"},
    ),
    "retrieval_call": (
        {"id": "r"},
        {"arguments": {"queries": ["q"]}, "retrieval_type": "rag_store"},
    ),
    "retrieval_result": ({"call_id": "r"}, {"is_error": True, "signature": "s"}),
    "processing_call": ({"id": "x"}, {"signature": "s"}),
    "processing_result": ({"call_id": "x"}, {"signature": "s", "future_field": [1]}),
}


def test_every_tool_delta_type_has_a_case() -> None:
    assert set(TOOL_CASES) == set(TOOL_DELTA_TYPES)


@pytest.mark.parametrize("kind", sorted(TOOL_CASES))
def test_tool_delta_merges_into_its_step(kind: str) -> None:
    seed, fields = TOOL_CASES[kind]
    state, changes = feed(
        [start(0, {"type": kind, **seed}), delta(0, {"type": kind, **fields}), stop(0)]
    )
    assert type(state.steps[0].step) is STEP_TYPES[kind]
    assert steps_of(state) == [{"type": kind, **seed, **fields}]
    assert changes[1].field == ("result" if kind.endswith("_result") else "arguments")


@pytest.mark.filterwarnings("error")
def test_tool_delta_that_does_not_validate_keeps_raw_fields() -> None:
    state, _ = feed(
        [
            start(0, {"type": "url_context_result", "call_id": "u"}),
            delta(0, {"type": "url_context_result", "result": "not a list"}),
            stop(0),
        ]
    )
    assert isinstance(state.steps[0].step, UnknownStep)
    assert steps_of(state) == [
        {"type": "url_context_result", "call_id": "u", "result": "not a list"}
    ]


def test_thought_signature_overwrites_the_placeholder() -> None:
    state, changes = feed(
        [
            start(0, {"type": "thought", "signature": ""}),
            delta(0, {"type": "thought_signature", "signature": "c2ln"}),
        ]
    )
    assert state.steps[0].step.to_wire() == {"type": "thought", "signature": "c2ln"}
    assert changes[1] == Change("step_delta", 0, "signature")


# --------------------------------------------------------------------------- every step type

STEP_EXAMPLES = [
    {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
    {"type": "model_output", "content": [{"type": "text", "text": "Hi"}], "error": {"code": 13}},
    {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "s"}]},
    {"type": "function_call", "id": "c", "name": "f", "arguments": {"a": 1}},
    *[{"type": kind, **seed, **fields} for kind, (seed, fields) in TOOL_CASES.items()],
    {"type": "some_future_step", "payload": {"deep": [1, {"x": None}]}},
]


@pytest.mark.parametrize("step", STEP_EXAMPLES, ids=[s["type"] for s in STEP_EXAMPLES])
def test_a_whole_step_in_step_start_is_assembled_as_is(step: dict[str, Any]) -> None:
    state, _ = feed([start(0, step), stop(0)])
    assert steps_of(state) == [step]
    assert type(state.steps[0].step) is type(parse_step(step))


def test_every_known_step_type_is_covered() -> None:
    assert set(STEP_TYPES) <= {s["type"] for s in STEP_EXAMPLES}


# --------------------------------------------------------------------------- unknowns and errors


def test_unknown_event_is_recorded_and_reported() -> None:
    state, changes = feed(
        [
            '{"interaction":{"id":"v1_x","status":"in_progress"},"event_type":"interaction.in_progress"}',
            '{"no_type": true}',
            "not json at all",
        ]
    )
    assert changes == [Change("unknown")] * 3
    malformed = "(malformed)"
    assert [r.event_type for r in state.events] == ["interaction.in_progress", malformed, malformed]
    assert state.events[0].event.to_wire()["interaction"] == {"id": "v1_x", "status": "in_progress"}
    assert state.interaction.to_wire() == {} and state.steps == []


def test_malformed_step_event_is_unknown_but_counted_to_its_step() -> None:
    state, changes = feed(
        [start(0, {"type": "model_output"}), '{"event_type":"step.delta","index":0,"delta":7}']
    )
    assert changes[1] == Change("unknown", step_index=0)
    assert state.events[1].event_type == "step.delta" and state.events[1].step_index == 0
    assert list(state.steps[0].event_seqs) == [0, 1]


def test_unknown_delta_is_recorded_and_leaves_the_step_alone() -> None:
    future = {"type": "sparkle_delta", "sparkles": [1, 2]}
    state, changes = feed(
        [start(0, {"type": "model_output"}), text(0, "a"), delta(0, future), text(0, "b"), stop(0)]
    )
    assert changes[2] == Change("step_delta", 0, "sparkle_delta")
    assert steps_of(state) == [
        {"type": "model_output", "content": [{"type": "text", "text": "ab"}]}
    ]
    assert state.events[2].event.to_wire()["delta"] == future


def test_unknown_step_type_is_kept_raw_and_extended() -> None:
    state, _ = feed([start(0, {"type": "hologram", "angle": 3}), text(0, "x"), stop(0)])
    assert steps_of(state) == [
        {"type": "hologram", "angle": 3, "content": [{"type": "text", "text": "x"}]}
    ]


def test_error_event_fails_the_interaction() -> None:
    state, changes = feed(
        [
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_e", "status": "in_progress"},
            },
            start(0, {"type": "model_output"}),
            text(0, "partial"),
            '{"error":{"message":"Deadline expired before operation could complete.",'
            '"code":"gateway_timeout"},"event_type":"error"}',
        ]
    )
    assert changes[-1] == Change("error")
    assert state.error is not None and state.error.code == "gateway_timeout"
    assert state.status == "failed" and not state.completed
    assert steps_of(state)[0]["content"][0]["text"] == "partial"


def test_completed_after_error_sets_the_final_status() -> None:
    done = {
        "event_type": "interaction.completed",
        "interaction": {"id": "v1_e", "status": "completed"},
    }
    error = {"event_type": "error", "error": {"code": "api_error"}}
    state, _ = feed([error, done])
    assert state.status == "completed" and state.error is not None
    state, _ = feed([done, error])
    assert state.status == "completed"


def test_status_updates_and_usage() -> None:
    state, changes = feed(
        [
            {
                "event_type": "interaction.status_update",
                "interaction_id": "v1_q",
                "status": "queued",
            },
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_q", "status": "in_progress", "model": "m"},
            },
            {
                "event_type": "interaction.status_update",
                "interaction_id": "v1_other",
                "status": "requires_continuation",
                "continuation_token": "tok",
                "usage": {"total_tokens": 5},
            },
            start(0, {"type": "model_output"}),
            stop(0, usage={"total_tokens": 9}),
            start(1, {"type": "model_output"}),
            stop(1, usage={"total_tokens": 12}, step_usage={"total_tokens": 3}),
            {
                "event_type": "interaction.completed",
                "interaction": {"id": "v1_q", "status": "completed", "usage": {"total_tokens": 20}},
            },
        ]
    )
    assert changes[0] == Change("status") and changes[2] == Change("status")
    interaction = state.interaction
    assert interaction.id == "v1_q" and interaction.model == "m"
    assert interaction.continuation_token == "tok"
    assert [s.usage.total_tokens for s in state.steps if s.usage] == [9, 3]
    assert interaction.usage is not None and interaction.usage.total_tokens == 20
    assert state.status == "completed"


def test_a_deltas_total_usage_moves_the_count_and_a_malformed_one_loses_nothing() -> None:
    def counted(value: str, usage: Any) -> dict[str, Any]:
        return {**text(0, value), "metadata": {"total_usage": usage, "trace": "t1"}}

    state, _ = feed([start(0, {"type": "model_output"}), counted("a", {"total_tokens": 3})])
    assert state.interaction.usage is not None and state.interaction.usage.total_tokens == 3
    feed([counted("b", {"total_tokens": "many"}), counted("c", ["not", "an", "object"])], state)
    assert steps_of(state)[0]["content"][0]["text"] == "abc"  # the text of every delta kept
    assert state.interaction.usage.total_tokens == 3  # the last good count stands
    shown = state.events[-2].event.to_wire()["metadata"]  # what the raw JSON pane shows
    assert shown == {"total_usage": {"total_tokens": "many"}, "trace": "t1"}
    feed([counted("d", {"total_tokens": 7, "new_count": 1})], state)
    assert state.interaction.usage.total_tokens == 7
    assert state.interaction.usage.to_wire()["new_count"] == 1


def test_status_update_before_created_sets_the_id() -> None:
    state, _ = feed(
        [
            {
                "event_type": "interaction.status_update",
                "interaction_id": "v1_z",
                "status": "in_progress",
            }
        ]
    )
    assert state.interaction.id == "v1_z" and state.status == "in_progress"


# --------------------------------------------------------------------------- records and timing


def test_event_records_timings_and_sizes() -> None:
    payloads = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_t", "status": "in_progress"},
        },
        start(0, {"type": "model_output"}),
        {**text(0, "abc"), "event_id": "e2"},
        text(0, "défg"),
        stop(0),
        start(1, {"type": "thought"}),
        stop(1),
    ]
    state, _ = feed(payloads)
    sizes = [len(json.dumps(p).encode()) for p in payloads]
    assert [(r.seq, r.received_at, r.size, r.step_index) for r in state.events] == [
        (i, i / 10, sizes[i], [None, 0, 0, 0, 0, 1, 1][i]) for i in range(len(payloads))
    ]
    assert [r.event_type for r in state.events] == [p["event_type"] for p in payloads]
    assert state.events[2].event.to_wire() == payloads[2]
    first, second = state.steps
    assert list(first.event_seqs) == [1, 2, 3, 4] and first.size == sum(sizes[1:5])
    assert (first.started_at, first.stopped_at) == (0.1, 0.4)
    assert first.duration == pytest.approx(0.3)
    assert list(second.event_seqs) == [5, 6] and second.duration == pytest.approx(0.1)
    assert state.last_event_id == "e2"


def test_open_step_has_no_duration() -> None:
    state, _ = feed([start(0, {"type": "model_output"}), text(0, "x")])
    assert state.steps[0].duration is None and not state.steps[0].done


def test_step_reads_current_text_mid_stream() -> None:
    state, _ = feed([start(0, {"type": "model_output"}), text(0, "one "), text(0, "two ")])
    step = state.steps[0]
    assert step.step.content[0].text == "one two "  # type: ignore[attr-defined]
    feed([text(0, "three")], state)
    assert step.step.content[0].text == "one two three"  # type: ignore[attr-defined]
    assert assembled_interaction(state).steps[0].content[0].text == "one two three"  # type: ignore[index, union-attr]


def test_new_state_is_empty() -> None:
    state = new_state()
    assert state.status is None and state.steps == [] and not state.events
    assert assembled_interaction(state).to_wire() == {"steps": []}


# --------------------------------------------------------------------------- output_text


def _steps(*payloads: dict[str, Any]) -> list[Any]:
    return [parse_step(p) for p in payloads]


def _thought(signature: str) -> dict[str, Any]:
    return {"type": "thought", "signature": signature, "summary": [{"type": "text", "text": "s"}]}


def _answer(value: str) -> dict[str, Any]:
    return {"type": "model_output", "content": [{"type": "text", "text": value}]}


CALL = {"type": "function_call", "id": "c", "name": "f", "arguments": {}}
RESULT = {"type": "function_result", "call_id": "c", "result": "ok"}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            [
                _thought("a"),
                _answer("One. "),
                _thought("b"),
                _answer("Two. "),
                {"type": "model_output"},
                _answer("Three."),
                _thought("c"),
            ],
            "One. Two. Three.",
        ),
        (
            [
                _answer("Before. "),
                CALL,
                RESULT,
                _thought("a"),
                _answer("After 1. "),
                _thought("b"),
                _answer("After 2."),
                CALL,
            ],
            "After 1. After 2.",
        ),
        (
            [
                _answer("Old. "),
                {"type": "user_input", "content": [{"type": "text", "text": "Q"}]},
                _answer("A"),
                _answer("B"),
            ],
            "AB",
        ),
        (
            [
                {
                    "type": "model_output",
                    "content": [{"type": "text", "text": "X"}, {"type": "image", "data": "aW1n"}],
                },
                _thought("a"),
                _answer("Y"),
            ],
            "Y",
        ),
        (
            [
                {
                    "type": "model_output",
                    "content": [{"type": "image", "data": "aW1n"}, {"type": "text", "text": "Z"}],
                }
            ],
            "Z",
        ),
        ([_answer("")], None),
        ([CALL], None),
        ([], None),
        ([_answer("A"), {"type": "unknown_step"}, _answer("B")], "B"),
    ],
)
def test_output_text_follows_the_sdk_rule(
    steps: list[dict[str, Any]], expected: str | None
) -> None:
    assert output_text(_steps(*steps)) == expected


# --------------------------------------------------------------------------- properties


@given(st.text(), st.text(max_size=10), st.lists(st.integers(0, 500), max_size=30))
def test_any_chunking_assembles_the_text(answer: str, seed: str, cuts: list[int]) -> None:
    seed_step = {"type": "model_output", "content": [{"type": "text", "text": seed}]}
    parts = chunks(answer, cuts)
    state, changes = feed([start(0, seed_step), *[text(0, p) for p in parts], stop(0)])
    assert steps_of(state)[0]["content"] == [{"type": "text", "text": seed + answer}]
    assert (
        changes[0].appended_text + "".join(c.appended_text for c in changes[1:-1]) == seed + answer
    )  # type: ignore[operator]


citations = st.builds(
    lambda url, a, b: {"type": "url_citation", "url": url, "start_index": a, "end_index": b},
    st.text(max_size=10),
    st.integers(0, 99),
    st.integers(0, 99),
)
text_blocks = st.builds(
    lambda t, notes: {"type": "text", "text": t, **({"annotations": notes} if notes else {})},
    st.text(max_size=40),
    st.lists(citations, max_size=2),
)
image_blocks = st.builds(
    lambda d: {"type": "image", "data": d, "mime_type": "image/png"}, st.text(max_size=8)
)


@st.composite
def model_outputs(draw: st.DrawFn) -> dict[str, Any]:
    """Content where no two text blocks touch: the stream would merge them (§5.4)."""
    content: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        previous_is_text = bool(content) and content[-1]["type"] == "text"
        content.append(draw(image_blocks if previous_is_text else text_blocks | image_blocks))
    return {"type": "model_output", "content": content}


thoughts = st.builds(
    lambda summary, signature: {
        "type": "thought",
        **({"summary": [{"type": "text", "text": summary}]} if summary is not None else {}),
        **({"signature": signature} if signature is not None else {}),
    },
    st.none() | st.text(max_size=30),
    st.none() | st.text(min_size=1, max_size=12),
)
calls = st.builds(
    lambda call_id, name, arguments: {
        "type": "function_call",
        "id": call_id,
        "name": name,
        "arguments": arguments,
    },
    st.text(max_size=8),
    st.text(max_size=8),
    st.dictionaries(
        st.text(max_size=5),
        st.none() | st.integers() | st.text(max_size=6) | st.lists(st.booleans(), max_size=3),
        max_size=3,
    ),
)


@given(
    st.lists(model_outputs() | thoughts | calls, max_size=6),
    st.lists(st.integers(0, 60), max_size=10),
)
def test_assembled_stream_equals_the_non_streaming_steps(
    step_dicts: list[dict[str, Any]], cuts: list[int]
) -> None:
    steps = [parse_step(s) for s in step_dicts]
    state, _ = feed(stream_of(step_dicts, cuts))
    assert assembled_interaction(state).to_wire()["steps"] == [s.to_wire() for s in steps]
    assert output_text([s.step for s in state.steps]) == output_text(steps)
    assert all(s.done and s.arguments_error is None for s in state.steps)
