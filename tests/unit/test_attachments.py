"""What a file or URL becomes on the wire, what is refused and why, and the picker's ranking."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from gemtui.core.attachments import (
    MAX_INLINE_TOTAL,
    MAX_PDF_FILE,
    Attachment,
    AttachmentError,
    apply_options,
    check_items,
    check_total,
    encoded_size,
    format_size,
    from_file,
    from_url,
    item_label,
    load,
)
from gemtui.ui.screens.file_picker import rank, walk_files
from gemtui.ui.widgets.attachment_bar import chip_text


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("name", "kind", "mime_type"),
    [
        ("photo.JPG", "image", "image/jpeg"),
        ("shot.webp", "image", "image/webp"),
        ("voice.mp3", "audio", "audio/mp3"),
        ("take.wav", "audio", "audio/wav"),
        ("memo.m4a", "audio", "audio/m4a"),
        ("clip.mov", "video", "video/mov"),
        ("clip.avi", "video", "video/avi"),
        ("paper.pdf", "document", "application/pdf"),
        ("table.csv", "document", "text/csv"),
        (
            "report.docx",
            "document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_supported_files_go_inline_with_the_api_names_of_their_types(
    tmp_path, name, kind, mime_type
):
    data = b"\x00\x01binary\xff" + name.encode()
    attachment = from_file(write(tmp_path, name, data))
    assert (attachment.name, attachment.kind, attachment.mime_type) == (name, kind, mime_type)
    assert attachment.size == len(data)
    assert attachment.item == {
        "type": kind,
        "data": base64.b64encode(data).decode(),
        "mime_type": mime_type,
    }


@pytest.mark.parametrize("name", ["main.ts", "lib.rs", "app.go", "Makefile", "notes", "x.md"])
def test_text_and_source_code_go_as_text_items_that_name_the_file(tmp_path, name):
    # .ts is an MPEG stream and .rs an XML type to Python's table: for UTF-8 text, they are code.
    # The API has no document type for plain text (DocumentContent takes PDF, CSV and office
    # formats): the file's text goes as a text item.
    attachment = from_file(write(tmp_path, name, "const café = 1;\n".encode()))
    assert (attachment.kind, attachment.mime_type) == ("text", "text/plain")
    assert attachment.item == {"type": "text", "text": f"File {name}:\n\nconst café = 1;\n"}


def test_binary_with_a_code_extension_is_judged_by_its_type(tmp_path):
    with pytest.raises(AttachmentError, match="not one the Gemini API accepts"):
        from_file(write(tmp_path, "capture.ts", b"G\x00\x11\xff" * 10))


def test_text_that_is_not_utf8_is_refused_saying_how_to_convert_it(tmp_path):
    """A Latin-1 ``.txt`` crashed the app (an unhandled UnicodeDecodeError)."""
    with pytest.raises(AttachmentError) as refused:
        from_file(write(tmp_path, "latin1.txt", b"hello latin1 caf\xe9\n"))
    message = str(refused.value)
    assert "latin1.txt" in message and "not UTF-8 text (byte 0xe9 at offset 16)" in message
    assert "iconv" in message


def test_unknown_binary_is_refused_naming_what_is_supported(tmp_path):
    with pytest.raises(AttachmentError) as refused:
        from_file(write(tmp_path, "bundle.zip", b"PK\x03\x04\x00\xff"))
    message = str(refused.value)
    assert "bundle.zip" in message and "(application/zip)" in message
    assert "images (PNG" in message and "UTF-8 text" in message


PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "data", "mime_type"),
    [
        # The contents say what a file is, whatever its name says.
        ("noextension", PNG_HEAD, "image/png"),
        ("photo.txt", PNG_HEAD, "image/png"),
        ("scan.jpg", PNG_HEAD, "image/png"),
        ("song.mp3", WAV_HEAD, "audio/wav"),
        ("take", b"\xff\xfb\x90\x64\x00\x00", "audio/mp3"),
        ("talk.bin", b"ID3\x04\x00\x00\x00\x00", "audio/mp3"),
        ("clip", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"),
        ("clip.dat", b"\x00\x00\x00\x14ftypqt  \x00\x00", "video/mov"),
        ("sound", b"OggS\x00\x02\x00\x00", "audio/ogg"),
        ("sound.x", b"fLaC\x00\x00\x00\x22", "audio/flac"),
        ("anim", b"GIF89a\x01\x00\x01\x00", "image/gif"),
        ("web", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("paper", b"%PDF-1.7\n%ascii only\n", "application/pdf"),
        # One container holds several types: there the name says which.
        ("memo.m4a", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "audio/m4a"),
        ("voice.opus", b"OggS\x00\x02\x00\x00", "audio/opus"),
        # Text that merely begins like a signature is still text.
        ("notes.txt", b"ID3 tags hold an MP3's title\n", "text/plain"),
    ],
)
def test_a_files_contents_tell_its_type_before_its_name(tmp_path, name, data, mime_type):
    """A PNG named ``noextension`` was refused, one named ``.txt`` got iconv advice."""
    assert from_file(write(tmp_path, name, data)).mime_type == mime_type


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("chart.png", b"just some notes\n", "ends in .png, for an image, but it holds text"),
        ("song.mp3", b"lyrics\n", "ends in .mp3, for audio, but it holds text"),
        ("clip.mp4", b"<html>404</html>", "ends in .mp4, for a video, but it holds text"),
        ("paper.pdf", b"draft\n", "ends in .pdf, for a PDF, but it holds text"),
        ("chart.png", b"PK\x03\x04\x14\x00\x00", "for an image, but it is a ZIP archive"),
        ("notes.txt", b"\x1f\x8b\x08\x00\x00", "for text, but it is a gzip archive"),
    ],
)
def test_a_name_promising_what_the_contents_are_not_is_refused(tmp_path, name, data, says):
    """A text file named ``.png`` went as image/png: the API refuses it with a 400."""
    with pytest.raises(AttachmentError) as refused:
        from_file(write(tmp_path, name, data))
    message = str(refused.value)
    assert name in message and says in message and "iconv" not in message


def test_unreadable_missing_empty_and_directories_are_refused(tmp_path):
    with pytest.raises(AttachmentError, match=r"cannot read attachment .*No such file"):
        from_file(str(tmp_path / "missing.png"))
    with pytest.raises(AttachmentError, match="is empty"):
        from_file(write(tmp_path, "empty.txt", b""))
    with pytest.raises(AttachmentError, match="is a directory"):
        from_file(str(tmp_path))


def test_files_past_the_inline_limits_go_through_the_files_api_unread(tmp_path):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    os.truncate(pdf, MAX_PDF_FILE + 1)  # sparse: nothing more is written
    attachment = from_file(str(pdf))
    assert attachment.upload and attachment.pending_upload and attachment.inline_size == 0
    assert attachment.item == {"type": "document", "mime_type": "application/pdf"}
    assert (attachment.path, attachment.size) == (str(pdf), MAX_PDF_FILE + 1)
    video = tmp_path / "film.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    os.truncate(video, 75_000_001)  # 100 000 004 bytes as base64
    assert from_file(str(video)).item == {"type": "video", "mime_type": "video/mp4"}
    log = tmp_path / "big.log"
    log.write_text("line\n" * 21_000_000)
    assert from_file(str(log)).item == {"type": "document", "mime_type": "text/plain"}
    with pytest.raises(AttachmentError, match="has not been uploaded yet"):
        check_items([from_file(str(video)).item])


def fake(size: int, name: str = "f.png") -> Attachment:
    """An attachment that says it is ``size`` bytes (its item holds no data: none is needed)."""
    return Attachment(name, "image/png", "image", size, {"type": "image", "mime_type": "image/png"})


def test_the_total_counts_base64_and_ignores_urls():
    check_total([fake(37_000_000), fake(37_000_000), from_url("https://example.com/a.png")])
    with pytest.raises(AttachmentError) as refused:
        check_total([fake(40_000_000), fake(40_000_000)])
    assert "106.7 MB" in str(refused.value) and "100.0 MB" in str(refused.value)
    assert encoded_size(75_000_000) == MAX_INLINE_TOTAL
    check_total([fake(75_000_000)])


def test_a_file_that_would_push_the_request_past_the_limit_is_uploaded(tmp_path):
    path = write(tmp_path, "small.png", b"\x89PNG" * 2)
    assert not load(path, [fake(74_999_990)]).upload
    uploaded = load(path, [fake(75_000_000)])
    assert uploaded.upload and uploaded.item == {"type": "image", "mime_type": "image/png"}
    with pytest.raises(AttachmentError, match="The attachments come to"):
        load("https://example.com/a.png", [fake(76_000_000)])


def test_options_after_the_source(tmp_path):
    clip = write(tmp_path, "clip.mp4", b"\x00\x00\x00\x18ftypmp42")
    attachment = load(f"{clip};fps=0.5;start=10s;end=20.5s;resolution=low")
    assert attachment.item["processing"] == {
        "type": "static", "fps": 0.5, "start_offset": "10s", "end_offset": "20.5s",
    }  # fmt: skip
    assert attachment.item["resolution"] == "low"
    assert load(f"{clip};upload").pending_upload
    gs = load("gs://bucket/raw/clip;mime=video/mp4;processing=agentic")
    assert gs.item == {"type": "video", "uri": "gs://bucket/raw/clip", "mime_type": "video/mp4",
                       "processing": "agentic"}  # fmt: skip
    semicolon = write(tmp_path, "a;b.png", b"\x89PNG")
    assert load(semicolon).name == "a;b.png"
    for bad, says in [
        (f"{clip};resolution=huge", "resolution is one of"),
        (f"{clip};start=ten", "number of seconds followed by s"),
        (f"{clip};start=20s;end=10s", "end must come after start"),
        (f"{semicolon};fps=1", "for videos"),
        ("gs://bucket/x;mime=video", "not a MIME type"),
    ]:
        with pytest.raises(AttachmentError, match=says):
            load(bad)


def test_files_api_and_gs_uris():
    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123"
    files = from_url(uri)
    assert files.item == {"type": "document", "uri": uri} and files.mime_type == ""
    assert from_url(uri, "video/mp4").item == {
        "type": "video",
        "uri": uri,
        "mime_type": "video/mp4",
    }
    assert from_url("gs://b/report.pdf").item["mime_type"] == "application/pdf"
    with pytest.raises(AttachmentError, match="gs://bucket/clip;mime=video/mp4"):
        from_url("gs://b/blob")


def test_items_as_sent_are_checked_by_their_base64_length():
    check_items([{"type": "image", "data": "A" * MAX_INLINE_TOTAL}, {"type": "video", "uri": "u"}])
    with pytest.raises(AttachmentError):
        check_items([{"type": "image", "data": "A" * (MAX_INLINE_TOTAL + 4)}])


@pytest.mark.parametrize(
    ("url", "item"),
    [
        (
            "https://example.com/docs/paper.PDF?dl=1",
            {
                "type": "document",
                "uri": "https://example.com/docs/paper.PDF?dl=1",
                "mime_type": "application/pdf",
            },
        ),
        (
            "http://example.com/a.mp3",
            {"type": "audio", "uri": "http://example.com/a.mp3", "mime_type": "audio/mp3"},
        ),
        (
            "https://www.youtube.com/watch?v=9hE5-98ZeCg",
            {"type": "video", "uri": "https://www.youtube.com/watch?v=9hE5-98ZeCg"},
        ),
        ("https://youtu.be/9hE5-98ZeCg", {"type": "video", "uri": "https://youtu.be/9hE5-98ZeCg"}),
    ],
)
def test_urls_become_uri_items(url, item):
    attachment = from_url(url)
    assert attachment.item == item
    assert attachment.is_url and attachment.inline_size == 0
    assert attachment.label.endswith(f"· {item['type']} · link")


def test_urls_of_unknown_type_or_scheme_are_refused():
    with pytest.raises(AttachmentError, match="url_context"):
        from_url("https://example.com/article")
    with pytest.raises(AttachmentError, match="http://, https:// or gs://"):
        from_url("https://")


def test_sizes_and_labels_read_in_decimal_units(tmp_path):
    assert [format_size(n) for n in (0, 999, 1000, 264_000, 1_500_000)] == [
        "0 B", "999 B", "1.0 KB", "264.0 KB", "1.5 MB",
    ]  # fmt: skip
    attachment = from_file(write(tmp_path, "a.png", b"\x89PNG" * 100))
    assert attachment.label == "a.png · image · 400 B"
    assert item_label(attachment.item) == "image · 400 B"
    assert item_label({"type": "video", "uri": "https://youtu.be/x"}) == (
        "https://youtu.be/x · video · link"
    )


def test_chips_are_clean_one_line_text_cut_in_the_middle():
    hostile = fake(10, name="\x1b]0;pwn\x07evil\nname[bold]" + "x" * 40 + ".png")
    text = chip_text(hostile)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert text.startswith("evil name[bold]") and ".png · image · 10 B" in text
    assert len(text.split(" · ")[0]) == 32


def test_walk_is_breadth_first_and_skips_hidden_tool_and_linked_folders(tmp_path):
    for name in ("z.txt", "a/b/deep.txt", "a/mid.txt", ".git/x", ".hidden/y", "node_modules/m",
                 "pkg/__pycache__/c.pyc", ".venv/v", "venv/w", ".env"):  # fmt: skip
        write(tmp_path, name, b"x")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert list(walk_files(tmp_path)) == [".env", "z.txt", "a/mid.txt", "a/b/deep.txt"]
    assert list(walk_files(tmp_path, limit=2)) == [".env", "z.txt"]


def test_rank_puts_name_matches_first_then_tight_and_short_ones():
    paths = ["docs/charter.md", "src/c/h/a/r/t.py", "chart.png", "old/chart.png", "cart.txt"]
    assert rank("chart", paths) == [
        "chart.png",
        "old/chart.png",
        "docs/charter.md",
        "src/c/h/a/r/t.py",
    ]
    # Tighter first: the letters span 4 characters of "cart", 5 of "chart".
    assert rank("CRT", paths) == [
        "cart.txt", "chart.png", "old/chart.png", "docs/charter.md", "src/c/h/a/r/t.py",
    ]  # fmt: skip
    assert rank("", paths, limit=2) == paths[:2]
    assert rank("zz", paths) == []


def test_an_attachment_sent_before_shows_the_chip_it_had(tmp_path):
    picture = tmp_path / "chart.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    notes = tmp_path / "notes.txt"
    notes.write_text("line one\n")
    for path in (picture, notes):
        sent = from_file(str(path))
        again = Attachment.sent_before(sent.item, sent.label)
        assert (again.label, again.item) == (sent.label, sent.item)
    link = Attachment.sent_before(
        {"type": "document", "uri": "https://example.com/a.pdf"}, "https://example.com/a.pdf"
    )
    assert link.label == "https://example.com/a.pdf · document · link"
    # Read back from the history, whose labels name no file (item_label).
    picture_item = from_file(str(picture)).item
    unnamed = Attachment.sent_before(picture_item, item_label(picture_item))
    assert unnamed.label == "attachment · image · 264 B"
    notes_item = from_file(str(notes)).item
    named = Attachment.sent_before(notes_item, item_label(notes_item))
    assert named.label == "notes.txt · text · 9 B"


def test_options_set_on_a_chip_stay_with_its_source_for_the_draft(tmp_path):
    """A draft kept the file's path only: the resolution set in the chip's dialog was gone
    when the draft came back."""
    picture = tmp_path / "red.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    chip = apply_options(load(str(picture)), {"resolution": "medium"})
    assert chip.source == f"{picture};resolution=medium"
    again = load(chip.source)
    assert again.item == chip.item and again.item["resolution"] == "medium"
