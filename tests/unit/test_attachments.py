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
def test_text_and_source_code_go_as_plain_text_documents(tmp_path, name):
    # .ts is an MPEG stream and .rs an XML type to Python's table: for UTF-8 text, they are code.
    attachment = from_file(write(tmp_path, name, "const café = 1;\n".encode()))
    assert (attachment.kind, attachment.mime_type) == ("document", "text/plain")


def test_binary_with_a_code_extension_is_judged_by_its_type(tmp_path):
    with pytest.raises(AttachmentError, match="not one the Gemini API accepts"):
        from_file(write(tmp_path, "capture.ts", b"G\x00\x11\xff" * 10))


def test_unknown_binary_is_refused_naming_what_is_supported(tmp_path):
    with pytest.raises(AttachmentError) as refused:
        from_file(write(tmp_path, "bundle.zip", b"PK\x03\x04\x00\xff"))
    message = str(refused.value)
    assert "bundle.zip" in message and "(application/zip)" in message
    assert "images (PNG" in message and "UTF-8 text" in message


def test_unreadable_missing_empty_and_directories_are_refused(tmp_path):
    with pytest.raises(AttachmentError, match=r"cannot read attachment .*No such file"):
        from_file(str(tmp_path / "missing.png"))
    with pytest.raises(AttachmentError, match="is empty"):
        from_file(write(tmp_path, "empty.txt", b""))
    with pytest.raises(AttachmentError, match="is a directory"):
        from_file(str(tmp_path))


def test_size_limits_are_checked_before_the_file_is_read(tmp_path):
    pdf = tmp_path / "scan.pdf"
    pdf.touch()
    os.truncate(pdf, MAX_PDF_FILE + 1)  # sparse: nothing is written
    with pytest.raises(AttachmentError) as refused:
        from_file(str(pdf))
    assert "50.0 MB" in str(refused.value) and "URL" in str(refused.value)
    video = tmp_path / "film.mp4"
    video.touch()
    os.truncate(video, 75_000_001)  # 100 000 004 bytes as base64
    with pytest.raises(AttachmentError, match=r"over the Gemini API's 100\.0 MB limit"):
        from_file(str(video))


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


def test_load_checks_the_new_file_against_those_already_attached(tmp_path):
    path = write(tmp_path, "small.txt", b"hello")
    load(path, [fake(74_999_990)])
    with pytest.raises(AttachmentError, match="The attachments come to"):
        load(path, [fake(75_000_000)])


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
    with pytest.raises(AttachmentError, match="http:// or https://"):
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
