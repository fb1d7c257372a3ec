"""The example streams of the wire reference (section 5.5), shipped as recordings, replayed
through the same assembler and panes as a live stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.chat_driver import make_app, replay

from gemtui.core.recording import load_recording
from gemtui.core.replay import replay_instant
from gemtui.ui.render.chat_items import AnswerItem, ThoughtItem, ToolItem

FIXTURES = Path(__file__).parent.parent / "fixtures"


def steps_of(name: str) -> list[dict]:
    return [s.step.to_wire() for s in replay_instant(load_recording(FIXTURES / name)).steps]


def test_text_with_thinking_assembles_signature_then_text():
    steps = steps_of("doc_text_with_thinking.jsonl")
    assert [s["type"] for s in steps] == ["thought", "model_output"]
    assert steps[0]["signature"]
    assert steps[1]["content"] == [
        {"type": "text", "text": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"}
    ]


def test_search_then_function_call_parses_the_split_arguments():
    recording = load_recording(FIXTURES / "doc_search_and_function_call.jsonl")
    state = replay_instant(recording)
    assert state.status == "requires_action"
    types = [s.step.type for s in state.steps]
    assert types == ["google_search_call", "google_search_result", "thought", "function_call"]
    call = state.steps[-1].step.to_wire()
    assert call["arguments"] == {"location": "Mount Elbrus, Russia"}
    # The empty signature placeholders of step.start were filled by the deltas.
    assert all(s.step.to_wire().get("signature") != "" for s in state.steps)


def test_seeded_steps_keep_their_initial_text():
    steps = steps_of("doc_thought_summaries.jsonl")
    summary = steps[0]["summary"][0]["text"]
    assert summary.startswith("**Implementing Euclidean Algorithm**") and "remainder" in summary
    assert steps[1]["content"][0]["text"].startswith("Based on the clues provided, here is")


def test_interleaved_image_and_text_are_separate_blocks():
    (step,) = steps_of("doc_interleaved_image.jsonl")
    assert [c["type"] for c in step["content"]] == ["image", "text"]


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("doc_text_with_thinking.jsonl", [ThoughtItem, AnswerItem]),
        ("doc_search_and_function_call.jsonl", [ToolItem, ToolItem, ThoughtItem, ToolItem]),
        ("doc_thought_summaries.jsonl", [ThoughtItem, AnswerItem]),
        ("doc_interleaved_image.jsonl", [AnswerItem]),
    ],
)
async def test_each_doc_stream_fills_the_panes(emulator, name, kinds):
    recording = load_recording(FIXTURES / name)
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        turn = await replay(pilot, recording)
        step_items = [type(item) for item in app.view.items[1:] if type(item) in kinds]
        assert step_items == kinds
        assert app.timeline.turn_at(0) is turn
        assert len(turn.reply.state.events) == len(recording.events)
        detail = json.dumps([e.event for e in recording.events])
        assert turn.reply.state.interaction.id in detail
