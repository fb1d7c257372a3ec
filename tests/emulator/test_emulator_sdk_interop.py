"""The official google-genai SDK (3.3.0) against the emulator: a client nobody here wrote.

If the SDK refuses something the emulator sends, the emulator is wrong (the SDK is the
arbiter of the wire format).
"""

from __future__ import annotations

import base64

import pytest
from google import genai

# The interactions client raises these (not google.genai.errors); each has .status_code.
from google.genai._gaos.lib.compat_errors import APIStatusError
from pydantic import BaseModel
from support.tools import WEATHER

MODEL = "gemini-3.6-flash"


@pytest.fixture
def sdk(emulator, api_key):
    return genai.Client(
        api_key=api_key,
        http_options={
            "base_url": emulator.base_url,
            "retry_options": {"attempts": 3, "initial_delay": 0.01, "max_delay": 0.02},
        },
    )


def _events(stream) -> list:
    return list(stream)


def test_create_and_get(sdk):
    interaction = sdk.interactions.create(model=MODEL, input="Hello from the SDK")
    assert interaction.status == "completed"
    assert "Hello from the SDK" in interaction.output_text
    fetched = sdk.interactions.get(interaction.id)
    assert [s.type for s in fetched.steps] == ["user_input", "thought", "model_output"]
    assert fetched.usage.total_tokens == interaction.usage.total_tokens > 0


def test_stream_yields_typed_events(sdk):
    stream = _events(sdk.interactions.create(model=MODEL, input="stream it", stream=True))
    kinds = [e.event_type for e in stream]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    text = "".join(
        e.delta.text for e in stream if e.event_type == "step.delta" and e.delta.type == "text"
    )
    assert "stream it" in text
    assert stream[-1].interaction.status == "completed"
    assert not any(getattr(e, "is_unknown", False) for e in stream)


def test_resume_with_last_event_id(sdk):
    stream = _events(sdk.interactions.create(model=MODEL, input="resume", stream=True))
    interaction_id = stream[0].interaction.id
    rest = _events(
        sdk.interactions.get(interaction_id, stream=True, last_event_id=stream[9].event_id)
    )
    assert [e.event_id for e in rest] == [e.event_id for e in stream[10:]]


def test_background_run_then_cancel(sdk):
    started = sdk.interactions.create(model=MODEL, input="slow job", background=True)
    assert started.status == "in_progress"
    replay = _events(sdk.interactions.get(started.id, stream=True))
    assert replay[-1].interaction.status == "completed"
    assert sdk.interactions.get(started.id).status == "completed"
    held = sdk.interactions.create(model=MODEL, input="!fault never-complete", background=True)
    assert sdk.interactions.get(held.id).status == "in_progress"
    assert sdk.interactions.cancel(held.id).status == "cancelled"
    assert sdk.interactions.get(held.id).status == "cancelled"


def test_delete(sdk):
    interaction = sdk.interactions.create(model=MODEL, input="bye")
    sdk.interactions.delete(interaction.id)
    with pytest.raises(APIStatusError) as caught:
        sdk.interactions.get(interaction.id)
    assert caught.value.status_code == 404


def test_multi_turn_with_previous_interaction_id(sdk):
    first = sdk.interactions.create(model=MODEL, input="My name is Ada")
    second = sdk.interactions.create(
        model=MODEL, input="What is my name?", previous_interaction_id=first.id
    )
    assert "«My name is Ada»" in second.output_text and "turn 2" in second.output_text


def test_stateless_history(sdk):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello!"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "Again"}]},
    ]
    interaction = sdk.interactions.create(model=MODEL, input=history, store=False)
    assert "turn 2" in interaction.output_text


def test_function_call_round_trip(sdk):
    first = sdk.interactions.create(model=MODEL, input="Weather in Boston?", tools=[WEATHER])
    assert first.status == "requires_action"
    call = first.steps[-1]
    assert call.type == "function_call" and call.arguments == {"location": "Boston"}
    second = sdk.interactions.create(
        model=MODEL,
        previous_interaction_id=first.id,
        tools=[WEATHER],
        input=[
            {
                "type": "function_result",
                "call_id": call.id,
                "name": call.name,
                "result": "18C sunny",
            }
        ],
    )
    assert second.status == "completed" and "18C sunny" in second.output_text


def test_function_call_stream_arguments(sdk):
    stream = _events(
        sdk.interactions.create(model=MODEL, input="Weather in Oslo?", tools=[WEATHER], stream=True)
    )
    fragments = [
        e.delta.arguments
        for e in stream
        if e.event_type == "step.delta" and e.delta.type == "arguments_delta"
    ]
    assert "".join(fragments) == '{"location": "Oslo"}'
    assert stream[-1].interaction.status == "requires_action"


class Town(BaseModel):
    name: str
    population: int


class Answer(BaseModel):
    towns: list[Town]
    country: str | None = None
    summary: str


def test_structured_output_parses_into_pydantic(sdk):
    interaction = sdk.interactions.create(
        model=MODEL,
        input="Towns of Norway",
        response_format={
            "type": "text",
            "mime_type": "application/json",
            "schema": Answer.model_json_schema(),
        },
    )
    answer = Answer.model_validate_json(interaction.output_text)
    assert len(answer.towns) == 2 and answer.towns[0].population == 1


def test_google_search_citations(sdk):
    interaction = sdk.interactions.create(
        model=MODEL, input="Who built the Eiffel Tower?", tools=[{"type": "google_search"}]
    )
    types = [s.type for s in interaction.steps]
    assert types[1:3] == ["google_search_call", "google_search_result"]
    text = interaction.steps[-1].content[0]
    citations = text.annotations
    assert [c.type for c in citations] == ["url_citation", "url_citation"]
    raw = text.text.encode()
    assert all(raw[c.start_index : c.end_index] for c in citations)


def test_image_output(sdk):
    interaction = sdk.interactions.create(model="gemini-3.1-flash-image", input="a lighthouse")
    image = interaction.output_image
    assert image.mime_type == "image/png"
    assert base64.b64decode(image.data).startswith(b"\x89PNG")


def test_agent_with_environment(sdk):
    interaction = sdk.interactions.create(
        agent="antigravity-preview-05-2026", input="Tidy the repo", environment="remote"
    )
    assert interaction.environment_id.startswith("env_")
    assert interaction.status == "completed"


def test_unknown_types_are_tolerated(sdk):
    stream = _events(sdk.interactions.create(model=MODEL, input="!fault unknown", stream=True))
    assert stream[-1].interaction.status == "completed"


def test_errors_map_to_sdk_exceptions(sdk):
    with pytest.raises(APIStatusError) as caught:
        sdk.interactions.create(model=MODEL, input="x", tools=[{"type": "nope"}])
    assert caught.value.status_code == 400
    assert caught.value.body["error"]["code"] == "invalid_request"


def test_sdk_retries_through_transient_503(sdk):
    interaction = sdk.interactions.create(model=MODEL, input="flaky !fault 503x2")
    assert interaction.status == "completed"


def test_missing_key_is_an_authentication_error(emulator):
    client = genai.Client(
        api_key="x", http_options={"base_url": emulator.base_url, "headers": {"x-goog-api-key": ""}}
    )
    with pytest.raises(APIStatusError) as caught:
        client.interactions.create(model=MODEL, input="x")
    assert caught.value.status_code == 401


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_both_api_versions(emulator, api_key, version):
    client = genai.Client(
        api_key=api_key, http_options={"base_url": emulator.base_url, "api_version": version}
    )
    assert client.interactions.create(model=MODEL, input="hi").status == "completed"


@pytest.mark.parametrize("store", [True, False], ids=["stored", "store-false"])
def test_automatic_continuation_gives_back_the_whole_answer(sdk, store):
    """An answer in three hops (``!hops 3``) comes back whole from one SDK call, in both
    modes: the SDK sends each hop as the emulator expects and merges them."""
    whole = sdk.interactions.create(model=MODEL, input="tell me about owls")
    hopped = sdk.interactions.create(model=MODEL, input="tell me about owls !hops 3", store=store)
    assert hopped.status == "completed"
    assert hopped.output_text == whole.output_text
    assert len(hopped.continuation_ids) == 3
    assert hopped.usage.total_output_tokens > 0


def test_automatic_continuation_of_a_stream(sdk):
    events = _events(
        sdk.interactions.create(model=MODEL, input="tell me about owls !hops 3", stream=True)
    )
    text = "".join(
        e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text"
    )
    whole = sdk.interactions.create(model=MODEL, input="tell me about owls")
    assert text == whole.output_text
    completed = [e for e in events if e.event_type == "interaction.completed"]
    assert [e.interaction.status for e in completed] == [
        "requires_continuation",
        "requires_continuation",
        "completed",
    ]


def test_without_automatic_continuation_the_token_comes_back(sdk):
    hop = sdk.interactions.create(
        model=MODEL, input="tell me about owls !hops 2", automatic_continuation=False
    )
    assert hop.status == "requires_continuation" and hop.continuation_token
    rest = sdk.interactions.create(
        model=MODEL, previous_interaction_id=hop.id, continuation_token=hop.continuation_token
    )
    assert rest.status == "completed" and rest.previous_interaction_id == hop.id
    with pytest.raises(APIStatusError) as refused:
        sdk.interactions.create(
            model=MODEL, previous_interaction_id=rest.id, continuation_token=hop.continuation_token
        )
    assert refused.value.status_code == 400


def test_deep_research_is_refused_in_the_foreground_and_streams_in_the_background(sdk):
    agent = "deep-research-pro-preview-12-2025"
    with pytest.raises(APIStatusError) as refused:
        sdk.interactions.create(agent=agent, input="TPUs")
    assert refused.value.status_code == 400
    events = _events(
        sdk.interactions.create(agent=agent, input="TPUs", background=True, stream=True)
    )
    assert events[-1].interaction.status == "completed"
    starts = [e.step.type for e in events if e.event_type == "step.start"]
    assert starts.count("google_search_call") == 3 and starts[-1] == "model_output"


# --- media output, failed / queued / budget runs, request options ---------------------------


def test_speech_is_the_sdks_output_audio(sdk):
    interaction = sdk.interactions.create(
        model="gemini-3.8-flash-tts",
        input="Say hello",
        generation_config={"speech_config": [{"voice": "Kore"}]},
    )
    audio = interaction.output_audio
    assert audio.mime_type == "audio/wav" and audio.sample_rate == 24000
    assert base64.b64decode(audio.data)[:4] == b"RIFF"


def test_video_and_document_output(sdk):
    video = sdk.interactions.create(model=MODEL, input="a clip", response_format={"type": "video"})
    assert video.output_video.mime_type == "video/mp4"
    document = sdk.interactions.create(
        model=MODEL, input="a report", response_modalities=["document"]
    )
    kinds = [type(item).__name__ for item in document.steps[-1].content]
    assert kinds == ["TextContent", "DocumentContent"]


def test_image_options_and_pictures_in_thought_summaries(sdk):
    interaction = sdk.interactions.create(
        model="gemini-3-pro-image",
        input="a cat",
        response_format={"type": "image", "aspect_ratio": "16:9", "image_size": "2K"},
        generation_config={"thinking_summaries": "auto"},
    )
    assert [type(item).__name__ for item in interaction.steps[0].summary] == [
        "TextContent",
        "ImageContent",
    ]
    assert interaction.output_image.mime_type == "image/png"


def test_a_failed_run_parses_with_its_errors_and_status(sdk):
    failed = sdk.interactions.create(model=MODEL, input="!fault failed a poem")
    assert failed.status == "failed"
    assert [(e.code, e.message) for e in failed.errors] == [
        ("api_error", "The model failed while generating the answer.")
    ]
    error = failed.steps[-1].error  # a google.rpc.Status in the SDK's types
    assert type(error).__name__ == "Status" and error.code == 13
    stream = _events(
        sdk.interactions.create(model=MODEL, input="!fault failed a poem", stream=True)
    )
    assert [e.event_type for e in stream][-2:] == [
        "interaction.status_update",
        "interaction.completed",
    ]
    assert stream[-2].status == "failed" and stream[-1].interaction.status == "failed"
    assert not any(getattr(e, "is_unknown", False) for e in stream)


def test_budget_exceeded_and_queued_statuses(sdk):
    assert sdk.interactions.create(model=MODEL, input="!fault budget x").status == "budget_exceeded"
    stream = _events(sdk.interactions.create(model=MODEL, input="!queued 20 x", stream=True))
    statuses = [e.status for e in stream if e.event_type == "interaction.status_update"]
    assert statuses[:2] == ["queued", "in_progress"]


def test_a_flex_background_run_is_queued(emulator_factory, api_key):
    emulator = emulator_factory(flex_queue_ms=60_000)
    sdk = genai.Client(api_key=api_key, http_options={"base_url": emulator.base_url})
    started = sdk.interactions.create(
        model=MODEL, input="cheap job", background=True, service_tier="flex"
    )
    assert started.status == "queued" and started.service_tier == "flex"
    assert sdk.interactions.get(started.id).status == "queued"
    assert sdk.interactions.cancel(started.id).status == "cancelled"


def test_usage_while_streaming_is_typed_by_the_sdk(sdk):
    stream = _events(sdk.interactions.create(model=MODEL, input="count", stream=True))
    update = next(e for e in stream if e.event_type == "interaction.status_update")
    assert update.usage.total_input_tokens > 0
    totals = [
        e.metadata.total_usage.total_tokens
        for e in stream
        if e.event_type == "step.delta" and e.metadata is not None
    ]
    assert totals and totals[-1] == stream[-1].interaction.usage.total_tokens


def test_service_tier_safety_settings_and_labels_are_the_sdks_fields(sdk):
    interaction = sdk.interactions.create(
        model=MODEL,
        input="hi",
        service_tier="priority",
        safety_settings=[{"type": "harassment", "threshold": "block_only_high"}],
        labels={"team": "docs"},
    )
    assert interaction.status == "completed" and interaction.service_tier == "priority"


def test_transcription_config_is_the_sdks_field(sdk):
    config = {"transcription_config": {"language_codes": ["de-DE"], "mode": "smart"}}
    interaction = sdk.interactions.create(model=MODEL, input="Guten Tag", generation_config=config)
    assert interaction.output_text.startswith("Transcript (smart; languages de-DE")


def test_the_sdk_itself_refuses_string_content_that_the_rest_quickstart_sends():
    """Where the SDK has a say: its types want a list, so it refuses the quickstart's plain
    string before sending (the emulator and gemtui accept it; see docs/wire-notes.md)."""
    sdk = genai.Client(api_key="k", http_options={"base_url": "http://127.0.0.1:9"})
    with pytest.raises(ValueError):
        sdk.interactions.create(
            model=MODEL, input=[{"type": "user_input", "content": "I have 2 dogs"}], store=False
        )
