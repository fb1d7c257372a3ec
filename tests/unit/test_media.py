"""Media of an answer: facts read from real files' headers (and hostile ones), names and saves
of every kind, the system opener's choice, what a failed run says, and request options."""

from __future__ import annotations

import base64
import struct

import pytest

from gemtui.api.models import (
    AudioContent,
    DocumentContent,
    ErrorDetail,
    ImageContent,
    Interaction,
    ModelOutputStep,
    VideoContent,
)
from gemtui.core import request_options as options
from gemtui.core.media import (
    extension_for,
    facts_of,
    mp4_seconds,
    pdf_pages,
    save_media,
    wav_seconds,
)
from gemtui.core.open_media import find_opener, open_media
from gemtui.core.run_errors import failure_report, step_error
from gemtui.core.wording import format_size
from gemtui.emulator.media_files import tiny_mp4, tiny_pdf, wav_tone
from gemtui.emulator.png import gradient_png


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ------------------------------------------------------------------ facts


def test_facts_of_real_files():
    wav = AudioContent(data=b64(wav_tone("x", 1.5, rate=8000)), mime_type="audio/wav")
    assert (
        facts_of(wav).describe()
        == f"audio · audio/wav · 1.5 s · {format_size(len(wav_tone('x', 1.5, 8000)))}"
    )
    video = VideoContent(data=b64(tiny_mp4(2.5)), mime_type="video/mp4")
    assert facts_of(video).seconds == 2.5
    pdf = DocumentContent(data=b64(tiny_pdf(["a", "b", "c"])), mime_type="application/pdf")
    assert facts_of(pdf).pages == 3
    link = VideoContent(uri="https://www.youtube.com/watch?v=x", mime_type="video/mp4")
    assert facts_of(link).describe() == "video · video/mp4 · link https://www.youtube.com/watch?v=x"


def test_raw_pcm_duration_comes_from_the_sample_rate():
    pcm = AudioContent(data=b64(bytes(48_000)), mime_type="audio/l16", sample_rate=24_000)
    assert facts_of(pcm).seconds == 1.0


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x00\x00\x00\x00WAVE",  # no chunks
        b"RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff",  # a chunk larger than the file
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(16) + b"data\x04\x00\x00\x00",
    ],
)
def test_hostile_wav_headers_give_no_duration(data):
    assert wav_seconds(data) is None


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x00\x08moov",  # an empty moov
        b"\x00\x00\x00\x00moov",  # size 0: to the end
        b"\x00\x00\x00\x01moov" + struct.pack(">Q", 2**62),  # a 64-bit size past the end
        b"\x00\x00\x00\x04ftyp" * 100,  # boxes too small to step over
        (b"\x00\x00\x00\x08free" * 1000) + b"\x00\x00\x00\x10moov",  # more boxes than are read
    ],
)
def test_hostile_mp4_boxes_give_no_duration(data):
    assert mp4_seconds(data) is None


def test_pdf_pages_count_page_objects_not_the_tree():
    assert pdf_pages(b"%PDF-1.7 /Type /Pages /Type /Page /Type/Page") == 2
    assert pdf_pages(b"not a pdf /Type /Page") is None


def test_undecodable_data_is_a_fact_not_an_error():
    assert (
        "not valid base64" in facts_of(AudioContent(data="%%%", mime_type="audio/wav")).describe()
    )


@pytest.mark.parametrize(
    ("mime", "data", "extension"),
    [
        ("audio/wav", b"", "wav"),
        ("audio/mpeg", b"", "mp3"),
        ("video/quicktime", b"", "mov"),
        ("application/pdf", b"", "pdf"),
        (None, wav_tone("x", 0.01), "wav"),
        (None, tiny_mp4(), "mp4"),
        (None, tiny_pdf(["x"]), "pdf"),
        ("application/x-unknown", b"OggS....", "ogg"),
        (None, b"????", "bin"),
    ],
)
def test_extension_from_mime_else_magic(mime, data, extension):
    assert extension_for(mime, data) == extension


def test_save_media_names_by_kind_and_never_overwrites(tmp_path):
    items = [
        ImageContent(data=b64(gradient_png("a")), mime_type="image/png"),
        AudioContent(data=b64(wav_tone("a", 0.01)), mime_type="audio/wav"),
        AudioContent(data="%%%"),
        DocumentContent(data=b64(tiny_pdf(["a"])), mime_type="application/pdf"),
        AudioContent(data=b64(wav_tone("b", 0.01)), mime_type="audio/wav"),
    ]
    report = save_media(items, tmp_path, "abc")
    assert [path.name for path in report.saved] == [
        "gemtui-image-abc-1.png",
        "gemtui-audio-abc-1.wav",
        "gemtui-document-abc-1.pdf",
        "gemtui-audio-abc-3.wav",
    ]
    assert report.positions == (0, 1, 3, 4)
    assert report.failed == ["audio 2: the audio data is not valid base64"]
    again = save_media(items[:1], tmp_path, "abc")
    assert again.saved[0].name == "gemtui-image-abc-1-2.png"


# ------------------------------------------------------------------ the system opener


@pytest.mark.parametrize(
    ("environ", "platform", "reason"),
    [
        ({"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0"}, "linux", "over SSH"),
        ({"SSH_TTY": "/dev/pts/1"}, "darwin", "over SSH"),
        ({}, "linux", "no desktop session"),
        ({"DISPLAY": ":0", "PATH": "/nonexistent"}, "linux", "xdg-open is not installed"),
        ({"PATH": "/nonexistent"}, "darwin", "the open command is missing"),
    ],
)
def test_no_opener_and_why(environ, platform, reason):
    opener = find_opener(environ, platform)
    assert opener.command is None and reason in opener.reason


def test_the_opener_gets_a_file_of_ours_and_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "test-key-NOT-A-REAL-KEY-1234")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text(
        '#!/bin/sh\ncp "$1" "$(dirname "$0")/../got"\nenv > "$(dirname "$0")/../env"\n'
    )
    script.chmod(0o755)
    opener = find_opener({"WAYLAND_DISPLAY": "wayland-0", "PATH": str(bin_dir)}, "linux")
    assert opener.command == str(script)
    item = AudioContent(data=b64(b"RIFF....WAVE"), mime_type="audio/wav")
    opened = open_media(item, "v1_ABCDEFGH", opener, directory=tmp_path)
    assert opened.problem == "" and opened.path.name == "gemtui-audio-ABCDEFGH.wav"
    assert (tmp_path / "got").read_bytes() == b"RIFF....WAVE"
    assert "NOT-A-REAL-KEY" not in (tmp_path / "env").read_text()
    failing = bin_dir / "fails"
    failing.write_text("#!/bin/sh\nexit 4\n")
    failing.chmod(0o755)
    result = open_media(item, None, type(opener)(str(failing)), directory=tmp_path)
    assert result.problem == "fails exited with status 4"


# ------------------------------------------------------------------ failed runs


def test_failure_report_reads_both_error_shapes_and_says_what_to_do():
    step = ModelOutputStep(
        error={"code": 8, "message": "Quota", "details": [{"@type": "x.y.QuotaFailure"}]}
    )
    interaction = Interaction(
        status="failed",
        errors=[ErrorDetail(code="too_many_requests", message="Slow down")],
        steps=[step],
    )
    report = failure_report(interaction, again="run the command again")
    assert report.message == "The run failed at the server: Slow down (too_many_requests)"
    assert (
        report.reasons[1]
        == "the model's output stopped: RESOURCE_EXHAUSTED (8): Quota [QuotaFailure]"
    )
    assert report.run_reasons == 1
    assert report.hint.startswith("A quota or rate limit was reached")


@pytest.mark.parametrize(
    ("errors", "hint"),
    [
        ([], "This was the server's own failure"),
        ([ErrorDetail(code="prohibited_content", message="no")], "blocked by a policy"),
        ([ErrorDetail(code="invalid_request", message="bad")], "Check the request"),
    ],
)
def test_failure_hints(errors, hint):
    report = failure_report(Interaction(status="failed", errors=errors))
    assert hint in report.hint


def test_step_error_is_lenient():
    assert step_error(ModelOutputStep()) is None
    odd = step_error(ModelOutputStep(error={"code": "13", "details": "x"}))
    assert odd is not None and odd.code is None and odd.line() == "no message"


# ------------------------------------------------------------------ request options


def test_response_format_combinations():
    assert options.response_format() is None
    assert options.response_format(modality="image") == {"type": "image"}
    assert options.response_format({"type": "object"}, aspect_ratio="4:3") == [
        {"type": "text", "mime_type": "application/json", "schema": {"type": "object"}},
        {"type": "image", "aspect_ratio": "4:3"},
    ]
    assert options.response_format(modality="document") is None
    assert options.response_modalities("document") == ["document"]


def test_labels_and_pairs():
    assert options.parse_pairs(["a = b", "c=d=e"], "x") == {"a": "b", "c": "d=e"}
    with pytest.raises(ValueError, match="'a' is not KEY=VALUE"):
        options.parse_pairs(["a"], "x")
    assert options.check_label("team", "docs-1") is None
    assert options.check_label("1team", "x") and options.check_label("t", "UPPER")


def test_media_rows_and_captions_write_sizes_as_the_chips_do():
    """Media rows said "144 bytes" and image captions "0.4 KB" for 460 bytes, where chips
    say "810 B": one formatter, decimal units, everywhere."""
    from gemtui.core.media import MediaFacts
    from gemtui.ui.render.image_lines import ImageInfo

    assert MediaFacts("audio", "audio/wav", size=144).describe() == "audio · audio/wav · 144 B"
    assert MediaFacts("video", "video/mp4", size=6400).describe().endswith(" · 6.4 KB")
    assert " · 460 B · " in ImageInfo("image/png", 2, 2, 460).caption()
