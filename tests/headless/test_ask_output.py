"""``gemtui ask`` with media output, failed / budget / queued runs, and the request options
(tier, safety, labels, image options, voice, transcription, API version), against the
emulator. Requests are read back from the stream-json header (as sent) or from the emulator."""

from __future__ import annotations

import errno
import json
import struct

import pytest

from gemtui.core.recording import parse_recording
from gemtui.core.wording import format_size


def sent(result) -> dict:
    assert result.code == 0, result.err
    return parse_recording(result.out.splitlines()).request


def test_every_output_and_serving_flag_reaches_the_request(ask):
    argv = ["-o", "stream-json", "--modality", "image", "--aspect-ratio", "16:9"]
    argv += ["--image-size", "2K", "--voice", "Kore", "--transcribe-language", "en-US"]
    argv += ["--transcribe-language", "de-DE", "--transcribe-mode", "smart"]
    argv += ["--service-tier", "priority", "--safety", "harassment=block_only_high"]
    argv += ["--label", "team=docs", "--label", "run=nightly-1"]
    request = sent(ask(*argv, "Read this"))
    assert request["response_format"] == {
        "type": "image",
        "aspect_ratio": "16:9",
        "image_size": "2K",
    }
    assert request["generation_config"] == {
        "speech_config": [{"voice": "Kore"}],
        "transcription_config": {"language_codes": ["en-US", "de-DE"], "mode": "smart"},
    }
    assert request["service_tier"] == "priority"
    assert request["safety_settings"] == [{"type": "harassment", "threshold": "block_only_high"}]
    assert request["labels"] == {"team": "docs", "run": "nightly-1"}


def test_image_options_with_another_modality_are_refused(ask):
    """They would ask for an image besides the audio (an ``image`` response format)."""
    result = ask("--modality", "audio", "--aspect-ratio", "16:9", "Read this")
    assert result.code == 2
    assert "--aspect-ratio and --image-size are for images" in result.err


def test_a_document_is_asked_for_as_a_modality_and_a_schema_joins_the_formats(ask, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object"}))
    request = sent(ask("-o", "stream-json", "--modality", "document", "--schema", str(schema), "x"))
    assert request["response_modalities"] == ["document"]
    assert request["response_format"]["schema"] == {"type": "object"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--safety", "harassment"], "--safety 'harassment' is not KEY=VALUE"),
        (["--safety", "rudeness=off"], "unknown harm category 'rudeness'"),
        (["--label", "Team=x"], "label key 'Team'"),
        (["--agent", "deep-research-preview-04-2026", "--voice", "Kore"], "agents do not take"),
    ],
)
def test_bad_options_are_usage_errors(ask, argv, message):
    result = ask(*argv, "hi")
    assert result.code == 2
    assert message in result.err


def test_save_media_writes_the_speech_and_prints_where(ask, tmp_path):
    out = tmp_path / "media"
    result = ask("-m", "gemini-3.8-flash-tts", "--save-media", str(out), "Say hello")
    assert result.code == 0, result.err
    files = sorted(out.iterdir())
    assert len(files) == 1 and files[0].name.startswith("gemtui-audio-")
    assert files[0].suffix == ".wav"
    wav = files[0].read_bytes()
    assert wav[:4] == b"RIFF" and struct.unpack("<I", wav[24:28])[0] == 24000
    assert f"saved audio · audio/wav · 0.8 s · {format_size(len(wav))}: {files[0]}" in result.err
    # saved again: a new file beside it, never over it
    again = ask("-m", "gemini-3.8-flash-tts", "--save-media", str(out), "Say hello")
    assert again.code == 0 and len(list(out.iterdir())) == 2


@pytest.mark.parametrize(
    ("argv", "kind", "suffix", "facts"),
    [
        (["--modality", "video"], "video", ".mp4", "video · video/mp4 · 2.0 s"),
        (["--modality", "document"], "document", ".pdf", "document · application/pdf · 2 pages"),
        (["-m", "gemini-3-pro-image"], "image", ".png", "image · image/png"),
    ],
)
def test_save_media_of_every_kind(ask, tmp_path, argv, kind, suffix, facts):
    result = ask(*argv, "--save-media", str(tmp_path), "make it")
    assert result.code == 0, result.err
    [saved] = [path for path in tmp_path.iterdir() if path.name.startswith(f"gemtui-{kind}-")]
    assert saved.suffix == suffix
    assert f"saved {facts}" in result.err and str(saved) in result.err


def test_a_media_file_that_cannot_be_written_makes_the_run_fail(ask, tmp_path, monkeypatch):
    """The folder passed the check before the request, then the disk filled up: the run
    said "not saved" and exited 0, so a script went on without its file."""

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("gemtui.core.media.write_new", disk_full)
    result = ask("-m", "gemini-3.8-flash-tts", "--save-media", str(tmp_path), "Say hello")
    assert result.code == 1
    assert "not saved: audio 1: [Errno 28] No space left on device" in result.err


def test_without_save_media_the_text_output_says_how_to_get_it(ask):
    result = ask("-m", "gemini-3.8-flash-tts", "Say hello")
    assert result.code == 0
    assert "the answer includes audio · audio/wav · 0.8 s" in result.err
    assert "--save-media DIR" in result.err


def test_a_failed_run_prints_the_servers_reasons_and_what_to_do(ask):
    result = ask("!fault failed write a poem")
    assert result.code == 1
    assert "the interaction failed: The model failed while generating the answer. (api_error)" in (
        result.err
    )
    assert "the model's output stopped: INTERNAL (13): Internal error encountered." in result.err
    assert "Run the command again." in result.err
    assert result.out.startswith("## Answer")  # the partial answer is printed


def test_a_failed_background_run_waited_for(ask):
    started = ask("--background", "!fault failed slowly")
    assert started.code == 0, started.err
    result = ask("--wait", started.out.strip())
    assert result.code == 1
    assert "(api_error)" in result.err


def test_budget_exceeded_is_unfinished(ask):
    result = ask("!fault budget long essay")
    assert result.code == 3
    assert "status budget_exceeded" in result.err


def test_queued_shows_in_verbose_status(ask):
    result = ask("-v", "--service-tier", "flex", "cheap question")
    assert result.code == 0, result.err
    statuses = [line for line in result.err.splitlines() if line.startswith("[status]")]
    assert statuses[:2] == ["[status] queued", "[status] in_progress"]


def test_api_version_is_v1_unless_asked(ask, emulator):
    assert ask("which version").code == 0
    assert ask("--api-version", "v1beta", "which beta version").code == 0
    paths = [
        r["path"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and "version" in json.dumps(r["body"])
    ]
    assert paths[-2:] == ["/v1/interactions", "/v1beta/interactions"]
