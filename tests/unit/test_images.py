"""Answer images: decoding untrusted data, saving without overwriting, half-block drawing."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image
from rich.style import Style

from gemtui.api.models import ImageContent
from gemtui.core.images import (
    ImageDataError,
    decode_image,
    extension_for,
    save_images,
    short_label,
    unique_path,
    write_new,
)
from gemtui.core.wording import format_size
from gemtui.emulator.png import gradient_png
from gemtui.ui.render.image_lines import (
    HALF_BLOCK,
    MAX_IMAGE_ROWS,
    InlineImage,
    fit,
    half_block_lines,
)

CAPTION = Style(italic=True)
ERROR = Style(bold=True)


def png(width: int, height: int, colours: list[tuple[int, ...]], mode: str = "RGB") -> bytes:
    picture = Image.new(mode, (width, height))
    picture.putdata(colours)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def image_of(data: bytes, mime: str | None = "image/png") -> ImageContent:
    return ImageContent(data=base64.b64encode(data).decode(), mime_type=mime)


# ------------------------------------------------------------------ decoding


def test_decode_accepts_standard_urlsafe_unpadded_and_wrapped_base64():
    data = bytes(range(256)) * 3
    standard = base64.b64encode(data).decode()
    wrapped = "\n".join(standard[i : i + 76] for i in range(0, len(standard), 76))
    urlsafe = base64.urlsafe_b64encode(data).decode().rstrip("=")
    for text in (standard, wrapped, urlsafe):
        assert decode_image(ImageContent(data=text)) == data


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (ImageContent(data="not base64!"), "not valid base64"),
        (ImageContent(data="é"), "not valid base64"),
        (ImageContent(data="A"), "not valid base64"),
        (ImageContent(data="===="), "empty"),
        (ImageContent(uri="https://example.com/x.png"), "link"),
        (ImageContent(), "no data"),
    ],
)
def test_decode_refuses_unusable_data_with_a_reason(image, message):
    with pytest.raises(ImageDataError, match=message):
        decode_image(image)


@pytest.mark.parametrize(
    ("mime", "data", "extension"),
    [
        ("image/png", b"", "png"),
        ("IMAGE/JPEG; q=1", b"", "jpg"),
        ("image/webp", b"", "webp"),
        (None, b"\x89PNG\r\n\x1a\n....", "png"),
        ("application/octet-stream", b"\xff\xd8\xff\xe0", "jpg"),
        (None, b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (None, b"GIF89a", "gif"),
        ("image/x-evil/../../x", b"???", "bin"),
    ],
)
def test_extension_from_mime_type_then_magic_number(mime, data, extension):
    assert extension_for(mime, data) == extension


# ------------------------------------------------------------------ saving


def test_unique_path_never_names_an_existing_file(tmp_path):
    first = unique_path(tmp_path, "gemtui-image-x-1", "png")
    assert first.name == "gemtui-image-x-1.png"
    first.write_bytes(b"a")
    second = unique_path(tmp_path, "gemtui-image-x-1", "png")
    assert second.name == "gemtui-image-x-1-2.png"


def test_write_new_moves_on_when_the_name_was_taken_meanwhile(tmp_path):
    taken = tmp_path / "gemtui-image-x-1.png"
    taken.write_bytes(b"old")
    written = write_new(taken, b"new")
    assert taken.read_bytes() == b"old"
    assert written.name == "gemtui-image-x-1-2.png"
    assert written.read_bytes() == b"new"


def test_save_images_writes_every_image_and_reports_the_bad_ones(tmp_path):
    picture = gradient_png("a prompt")
    images = [image_of(picture), ImageContent(data="%%%"), image_of(b"\xff\xd8\xffjpeg", None)]
    (tmp_path / "gemtui-image-abc-1.png").write_bytes(b"keep me")
    report = save_images(images, tmp_path, "abc")
    assert [p.name for p in report.saved] == ["gemtui-image-abc-1-2.png", "gemtui-image-abc-3.jpg"]
    assert report.saved[0].read_bytes() == picture
    assert report.saved[1].read_bytes() == b"\xff\xd8\xffjpeg"
    assert (tmp_path / "gemtui-image-abc-1.png").read_bytes() == b"keep me"
    assert report.failed == ["image 2: the image data is not valid base64"]


def test_save_into_a_missing_directory_is_reported_not_raised(tmp_path):
    report = save_images([image_of(b"x")], tmp_path / "gone", "abc")
    assert report.saved == []
    assert report.failed and report.failed[0].startswith("image 1: ")


def test_short_label_is_the_id_tail_or_the_time():
    assert short_label("v1_ChdhbW-Vy_XYZ12345") == "XYZ12345"
    assert short_label("___", 0.0) == short_label(None, 0.0)
    assert short_label(None, 0.0)[:2] in ("19", "20")  # the local date and time


# ------------------------------------------------------------------ drawing


@pytest.mark.parametrize(
    ("size", "bounds", "cells"),
    [
        ((64, 64), (78, 12), (24, 24)),
        ((1024, 256), (78, 12), (78, 20)),
        ((100, 50), (200, 12), (48, 24)),
        ((8, 8), (78, 12), (24, 24)),
        ((0, 10), (78, 12), (0, 0)),
    ],
)
def test_fit_keeps_the_aspect_within_the_width_and_rows(size, bounds, cells):
    assert fit(*size, *bounds) == cells


def test_half_blocks_put_the_upper_pixel_in_front_and_the_lower_behind():
    red, green, blue, white = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
    picture = Image.open(io.BytesIO(png(2, 2, [red, green, blue, white])))
    (line,) = half_block_lines(picture, 2, 2)
    cells = [(s.text, s.style.color.triplet, s.style.bgcolor.triplet) for s in line]
    assert cells == [(HALF_BLOCK, red, blue), (HALF_BLOCK, green, white)]


def test_runs_of_one_colour_share_a_segment_and_odd_heights_round_up():
    picture = Image.new("RGB", (5, 3), (10, 20, 30))
    lines = half_block_lines(picture, 5, 3)
    assert len(lines) == 2
    assert [s.text for s in lines[0]] == [HALF_BLOCK * 5]


def test_transparent_pixels_are_drawn_black():
    picture = Image.open(io.BytesIO(png(1, 2, [(255, 0, 0, 0), (0, 255, 0, 255)], "RGBA")))
    (line,) = half_block_lines(picture, 1, 2)
    (segment,) = line
    assert segment.style.color.triplet == (0, 0, 0)
    assert segment.style.bgcolor.triplet == (0, 255, 0)


def test_inline_image_fits_the_width_and_the_row_bound_with_a_caption():
    data = png(600, 100, [(200, 100, 50)] * 60_000)
    lines = InlineImage(image_of(data)).lines(60, CAPTION, ERROR)
    *body, caption = lines
    assert len(body) == 5  # 60 columns of a 6:1 image: 10 pixel rows
    assert {line.cell_length for line in body} == {60}
    assert caption.text == f"image/png · 600×100 px · {format_size(len(data))} · o view · s save"
    tall = InlineImage(image_of(png(10, 1000, [(0, 0, 0)] * 10_000))).lines(78, CAPTION, ERROR)
    assert len(tall) == MAX_IMAGE_ROWS + 1


def test_inline_image_lines_are_cached_per_width():
    image = InlineImage(image_of(gradient_png("cache")))
    first = image.lines(60, CAPTION, ERROR)
    image.image = image_of(b"no longer an image")  # a re-decode would now fail
    assert [s.text for s in image.lines(60, CAPTION, ERROR)] == [s.text for s in first]
    (note,) = image.lines(50, CAPTION, ERROR)
    assert "cannot be shown" in note.text


def truncated_png() -> bytes:
    whole = gradient_png("cut")
    return whole[: len(whole) // 2]


def huge_png_header(width: int, height: int) -> bytes:
    """A valid PNG header that claims ``width`` × ``height`` pixels (and has no pixel data)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (ImageContent(data="!!!", mime_type="image/png"), "not valid base64"),
        (image_of(b"just text"), "not an image format Pillow knows"),
        (image_of(truncated_png()), ""),
        (image_of(huge_png_header(100_000, 100_000)), "too large to show"),
        (image_of(huge_png_header(8000, 8000)), "8000×8000 pixels is too large to show"),
        (ImageContent(uri="https://example.com/a.png", mime_type="image/png"), "link"),
        (image_of(b"\x1b]52;c;aGk=\x07", "image/\x1b[31mpng"), "not an image format"),
    ],
)
def test_bad_image_data_becomes_one_line_note(image, reason):
    """Whatever is wrong with the data, the answer shows a note, never raises."""
    (note,) = InlineImage(image).lines(78, CAPTION, ERROR)
    assert note.text.startswith("× image/png, ")
    assert "cannot be shown" in note.text
    assert reason in note.text
    assert "\x1b" not in note.text
    assert note.cell_length <= 78
