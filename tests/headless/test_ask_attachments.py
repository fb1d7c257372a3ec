"""``gemtui ask -a``: URLs go as ``uri``, and files the API cannot take are refused before any
request (exit 2, a message that names the limit or the supported types)."""

from __future__ import annotations

import os

from gemtui.core.recording import parse_recording


def test_url_attachment_is_sent_as_uri(ask):
    result = ask("-o", "stream-json", "-a", "https://example.com/scan.png", "-a",
                 "https://www.youtube.com/watch?v=abc123", "what is here?")  # fmt: skip
    assert result.code == 0, result.err
    request = parse_recording(result.out.splitlines()).request
    assert request["input"][0]["content"] == [
        {"type": "image", "uri": "https://example.com/scan.png", "mime_type": "image/png"},
        {"type": "video", "uri": "https://www.youtube.com/watch?v=abc123"},
        {"type": "text", "text": "what is here?"},
    ]


def test_a_file_past_the_inline_limit_goes_through_the_files_api(ask, tmp_path):
    big = tmp_path / "huge.wav"
    big.write_bytes(b"RIFF")
    os.truncate(big, 80_000_000)  # sparse: 107 MB as base64, over the 100 MB inline limit
    result = ask("-o", "stream-json", "-a", str(big), "transcribe")
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines[0] == "gemtui ask: uploading huge.wav (80.0 MB) through the Files API…"
    assert lines[1:4] == [
        "gemtui ask: uploading huge.wav: 25% (25.2 MB)",
        "gemtui ask: uploading huge.wav: 50% (41.9 MB)",
        "gemtui ask: uploading huge.wav: 75% (67.1 MB)",
    ]
    assert lines[4].startswith("gemtui ask: uploaded huge.wav: https://")
    [item, _prompt] = parse_recording(result.out.splitlines()).request["input"][0]["content"]
    assert item["type"] == "audio" and item["mime_type"] == "audio/wav"
    assert item["uri"] == lines[4].rpartition(" ")[2] and "data" not in item


def test_options_gs_uris_and_files_api_uris(ask, emulator, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n")
    argv = ["-a", f"{clip};fps=1;start=10s;end=20s;resolution=low"]
    argv += ["-a", "gs://bucket/raw/take;mime=video/mp4", "-a", f"{notes};upload"]
    first = ask("-o", "stream-json", *argv, "what?")
    assert first.code == 0, first.err
    clip_item, gs_item, notes_item, _prompt = parse_recording(first.out.splitlines()).request[
        "input"
    ][0]["content"]
    assert clip_item["processing"] == {"type": "static", "fps": 1.0, "start_offset": "10s",
                                       "end_offset": "20s"}  # fmt: skip
    assert clip_item["resolution"] == "low" and "data" in clip_item
    assert gs_item == {"type": "video", "uri": "gs://bucket/raw/take", "mime_type": "video/mp4"}
    assert notes_item["type"] == "document" and notes_item["mime_type"] == "text/plain"
    # The uploaded file's URI, attached again without a type: the Files API says it.
    second = ask("-o", "stream-json", "-a", notes_item["uri"], "again?")
    assert second.code == 0, second.err
    item = parse_recording(second.out.splitlines()).request["input"][0]["content"][0]
    assert item == {"type": "document", "uri": notes_item["uri"], "mime_type": "text/plain"}


def test_an_unknown_files_api_uri_is_an_api_error(ask):
    uri = "https://generativelanguage.googleapis.com/v1beta/files/nosuchfile"
    result = ask("-a", uri, "hm?")
    assert result.code == 1
    assert "HTTP 403 permission_denied" in result.err and "files/nosuchfile" in result.err


def test_bad_options_are_usage_errors(ask, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    result = ask("-a", f"{clip};resolution=huge", "x")
    assert result.code == 2 and "clip.mp4: resolution is one of: low, medium" in result.err


def test_unknown_binary_is_a_usage_error_naming_what_works(ask, tmp_path):
    blob = tmp_path / "core.dump"
    blob.write_bytes(b"\x7fELF\x00\x01\x02\xff")
    result = ask("-a", str(blob), "what is this?")
    assert result.code == 2
    assert "not one the Gemini API accepts" in result.err and "PDF" in result.err


def test_a_refused_file_is_named_without_the_escape_sequences_in_its_name(ask, tmp_path):
    """The name reached stderr as it was: a file called ``a\\x1b]0;PWNED\\x07.png`` set the
    terminal's title, ``b\\x1b[2J.dat`` cleared the screen."""
    empty = tmp_path / "empty\x1b]0;PWNED\x07\x1b[5mX.png"
    empty.touch()
    binary = tmp_path / "bin\x1b[2Jclear.dat"
    binary.write_bytes(b"\x00\x01")
    for path, said in ((empty, "the file is empty"), (binary, "type is not one")):
        result = ask("-a", str(path), "hi")
        assert result.code == 2
        assert said in result.err
        assert "\x1b" not in result.err and "\x07" not in result.err
    missing = ask("-a", str(tmp_path / "gone\x1b[31m.png"), "hi")
    assert missing.code == 2 and "gone[31m.png" not in missing.err
    assert "\x1b" not in missing.err
