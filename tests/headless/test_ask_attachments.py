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


def test_oversized_file_is_a_usage_error(ask, tmp_path):
    big = tmp_path / "huge.wav"
    big.touch()
    os.truncate(big, 80_000_000)  # sparse: 107 MB as base64, over the 100 MB inline limit
    result = ask("-a", str(big), "transcribe")
    assert result.code == 2
    assert "huge.wav" in result.err and "100.0 MB" in result.err and "URL" in result.err
    assert result.out == ""


def test_unknown_binary_is_a_usage_error_naming_what_works(ask, tmp_path):
    blob = tmp_path / "core.dump"
    blob.write_bytes(b"\x7fELF\x00\x01\x02\xff")
    result = ask("-a", str(blob), "what is this?")
    assert result.code == 2
    assert "not one the Gemini API accepts" in result.err and "PDF" in result.err
