"""Media output, failed / queued / budget runs, service tiers and the request extras, over
loopback: the emulator answers each deterministically, and streamed steps equal the JSON ones."""

from __future__ import annotations

import base64
import struct

import pytest
from emulator_wire import assemble, create, events, stream_text


def _media(interaction: dict, kind: str) -> tuple[dict, bytes]:
    for step in interaction["steps"]:
        for item in step.get("content", []):
            if item["type"] == kind:
                return item, base64.b64decode(item["data"])
    raise AssertionError(f"no {kind} in {interaction['steps']}")


def _stream(http, **body) -> list[dict]:
    text = stream_text(
        http, "POST", "/v1/interactions", json={"model": "gemini-3.6-flash", "stream": True, **body}
    )
    return events(text)


def test_tts_model_answers_a_real_wav_tone(http):
    answer = create(http, model="gemini-3.8-flash-tts", input="Say hello")
    assert [step["type"] for step in answer["steps"]] == ["model_output"]
    item, wav = _media(answer, "audio")
    assert item["mime_type"] == "audio/wav" and item["sample_rate"] == 24000
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    channels, rate, _byte_rate, _align, bits = struct.unpack("<HIIHH", wav[22:36])
    assert (channels, rate, bits) == (1, 24000, 16)
    samples = struct.unpack("<I", wav[40:44])[0] // 2
    assert 0.5 < samples / rate <= 2.0
    # not silence: a tone
    assert max(struct.unpack("<200h", wav[44 + 4000 : 44 + 4400])) > 1000
    modalities = {m["modality"] for m in answer["usage"]["output_tokens_by_modality"]}
    assert "audio" in modalities


def test_the_voice_changes_the_tone_and_the_same_request_gives_the_same_file(http):
    def wav(voice: str) -> bytes:
        config = {"speech_config": [{"voice": voice}]}
        answer = create(
            http, model="gemini-3.8-flash-tts", input="Same words", generation_config=config
        )
        return _media(answer, "audio")[1]

    assert wav("Kore") == wav("Kore") != wav("Puck")


def test_audio_asked_by_response_format_or_modalities(http):
    by_format = create(http, input="read it", response_format={"type": "audio"})
    by_modality = create(http, input="read it", response_modalities=["audio"])
    for answer in (by_format, by_modality):
        assert [s["type"] for s in answer["steps"]] == ["thought", "model_output"]
        assert _media(answer, "audio")[0]["mime_type"] == "audio/wav"


def test_video_output_is_an_mp4_container(http):
    answer = create(http, input="a clip", response_format=[{"type": "video"}])
    item, mp4 = _media(answer, "video")
    assert item["mime_type"] == "video/mp4"
    assert mp4[4:8] == b"ftyp" and mp4[8:12] == b"isom"
    assert b"moov" in mp4 and b"mvhd" in mp4
    by_model = create(http, model="gemini-omni-1.2-flash", input="a clip")
    assert _media(by_model, "video")[1] == mp4


def test_document_output_is_a_pdf_with_pages(http):
    answer = create(http, input="a report", response_modalities=["document"])
    item, pdf = _media(answer, "document")
    assert item["mime_type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page ") == 2
    # the xref offsets point at the objects
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref")
    offset = int(pdf[start:].split(b"\n")[3][:10])
    assert pdf[offset:].startswith(b"1 0 obj")


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gemini-3.8-flash-tts", "input": "stream the speech"},
        {"input": "a streamed clip", "response_format": {"type": "video"}},
        {"input": "a streamed report", "response_modalities": ["document"]},
    ],
)
def test_streamed_media_assembles_to_the_json_steps(http, body):
    stream = _stream(http, **body)
    interaction_id = stream[0]["interaction"]["id"]
    stored = http.get(f"/v1/interactions/{interaction_id}").json()
    assert assemble(stream) == stored["steps"][1:]


def test_image_options_shape_the_picture(http):
    answer = create(
        http,
        model="gemini-3-pro-image",
        input="wide picture",
        response_format={"type": "image", "aspect_ratio": "16:9", "image_size": "2K"},
    )
    _item, png = _media(answer, "image")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (96, 54)
    assert "Aspect ratio 16:9, size 2K" in answer["steps"][-1]["content"][-1]["text"]


def test_image_models_think_in_draft_pictures(http):
    answer = create(
        http,
        model="gemini-3-pro-image",
        input="a cat",
        generation_config={"thinking_summaries": "auto"},
    )
    thought = answer["steps"][0]
    assert [item["type"] for item in thought["summary"]] == ["text", "image"]
    assert base64.b64decode(thought["summary"][1]["data"]).startswith(b"\x89PNG")


def test_transcription_config_is_used(http):
    config = {"transcription_config": {"language_codes": ["de-DE"], "mode": "smart"}}
    answer = create(http, input="Guten Tag", generation_config=config)
    text = answer["steps"][-1]["content"][0]["text"]
    assert text.startswith("Transcript (smart; languages de-DE; no recording)")


# --- failed, budget, queued ---------------------------------------------------------------


def test_fault_failed_without_stream(http):
    answer = create(http, input="!fault failed write a poem")
    assert answer["status"] == "failed"
    assert answer["errors"] == [
        {"code": "api_error", "message": "The model failed while generating the answer."}
    ]
    last = answer["steps"][-1]
    assert last["type"] == "model_output" and last["error"]["code"] == 13
    assert last["error"]["message"] == "Internal error encountered."
    assert last["error"]["details"][0]["reason"] == "MODEL_ERROR"
    assert answer["steps"][-2]["content"][0]["text"]  # the text before it failed


def test_fault_failed_streamed_ends_with_a_failed_completed_event(http):
    stream = _stream(http, input="!fault failed write a poem")
    kinds = [event["event_type"] for event in stream]
    assert "error" not in kinds
    assert stream[-2] == {
        "interaction_id": stream[0]["interaction"]["id"],
        "status": "failed",
        "event_type": "interaction.status_update",
        "event_id": stream[-2]["event_id"],
    }
    completed = stream[-1]["interaction"]
    assert completed["status"] == "failed" and completed["errors"][0]["code"] == "api_error"
    stored = http.get(f"/v1/interactions/{completed['id']}").json()
    assert assemble(stream) == stored["steps"][1:]
    assert stored["status"] == "failed"


def test_fault_failed_in_the_background(http):
    started = create(http, input="!fault failed slowly", background=True)
    replay = events(stream_text(http, "GET", f"/v1/interactions/{started['id']}?stream=true"))
    assert replay[-1]["interaction"]["status"] == "failed"
    fetched = http.get(f"/v1/interactions/{started['id']}").json()
    assert fetched["status"] == "failed" and fetched["errors"]


def test_fault_budget_ends_budget_exceeded(http):
    answer = create(http, input="!fault budget a long essay")
    assert answer["status"] == "budget_exceeded" and "errors" not in answer
    stream = _stream(http, input="!fault budget a long essay")
    assert stream[-1]["interaction"]["status"] == "budget_exceeded"


def test_queued_directive_streams_a_queued_status_first(http):
    stream = _stream(http, input="!queued 50 hello")
    updates = [e["status"] for e in stream if e["event_type"] == "interaction.status_update"]
    assert updates[:2] == ["queued", "in_progress"]
    assert stream[-1]["interaction"]["status"] == "completed"


def test_flex_tier_queues_a_background_run_and_echoes_the_tier(emulator_factory, api_key):
    from emulator_wire import client

    emulator = emulator_factory(flex_queue_ms=60_000)
    with client(emulator.base_url, api_key) as http:
        started = create(http, input="cheap job", background=True, service_tier="flex")
        assert started["status"] == "queued"
        assert http.get(f"/v1/interactions/{started['id']}").json()["status"] == "queued"
        cancelled = http.post(f"/v1/interactions/{started['id']}/cancel").json()
        assert cancelled["status"] == "cancelled"
        done = create(http, input="fast", service_tier="priority")
        assert done["service_tier"] == "priority"


def test_usage_arrives_while_streaming(http):
    stream = _stream(http, input="count my tokens")
    first = next(e for e in stream if e["event_type"] == "interaction.status_update")
    assert first["usage"]["total_input_tokens"] > 0
    totals = [
        e["metadata"]["total_usage"]["total_tokens"]
        for e in stream
        if e["event_type"] == "step.delta" and "metadata" in e
    ]
    final = stream[-1]["interaction"]["usage"]["total_tokens"]
    assert len(totals) == 2 and totals == sorted(totals) and totals[-1] == final


# --- request extras ------------------------------------------------------------------------


def test_safety_settings_labels_and_tier_are_accepted(http):
    answer = create(
        http,
        input="hi",
        safety_settings=[{"type": "harassment", "threshold": "block_only_high"}],
        labels={"team": "docs", "run": "nightly-1"},
        service_tier="standard",
    )
    assert answer["status"] == "completed"


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"service_tier": "cheap"}, "service_tier"),
        ({"safety_settings": [{"type": "rudeness", "threshold": "off"}]}, "safety_settings[0]"),
        ({"safety_settings": [{"type": "harassment", "threshold": "x"}]}, "safety_settings[0]"),
        ({"labels": {"Team": "x"}}, "label"),
        ({"response_modalities": ["smell"]}, "response_modalities"),
    ],
)
def test_bad_extras_are_400(http, extra, where):
    response = http.post(
        "/v1/interactions", json={"model": "gemini-3.6-flash", "input": "hi", **extra}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert where in response.json()["error"]["message"]
