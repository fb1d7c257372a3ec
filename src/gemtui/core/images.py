"""Images of an answer as bytes and files: decoding their base64 and saving them safely.

Image data comes from the model (or whatever server answered), so it is untrusted: decoding
never raises, the file name is ours and never taken from the data, and a save never
overwrites a file that is already there (the file is created with ``O_EXCL``).
"""

from __future__ import annotations

import base64
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gemtui.api.models import ImageContent

#: File extensions of the image types the API names (``interactions-api.md`` 4.2).
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
}
#: Magic numbers, for data whose mime type is missing or unknown.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_WHITESPACE = re.compile(rb"\s+")
#: How many names ``unique_path`` tries before giving up (a directory full of our files).
MAX_NAME_TRIES = 10_000


class ImageDataError(ValueError):
    """The image has no usable inline data; the message says why, for the reader."""


def decode_image(image: ImageContent) -> bytes:
    """The image's bytes from its base64 ``data`` (standard or URL-safe alphabet).

    Raises :class:`ImageDataError` when there is nothing to decode (a ``uri`` image) or the
    data is not base64.
    """
    if not image.data:
        if image.uri:
            raise ImageDataError("the image is a link (uri), not inline data")
        raise ImageDataError("the image has no data")
    try:
        raw = _WHITESPACE.sub(b"", image.data.encode("ascii"))
        core = raw.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
        data = base64.b64decode(core + b"=" * (-len(core) % 4), validate=True)
    except ValueError:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise ImageDataError("the image data is not valid base64") from None
    if not data:
        raise ImageDataError("the image data is empty")
    return data


def extension_for(mime_type: str | None, data: bytes) -> str:
    """The file extension for an image: from its mime type, else its magic number, else bin."""
    known = EXTENSIONS.get((mime_type or "").split(";")[0].strip().lower())
    if known:
        return known
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for magic, extension in _MAGIC:
        if data.startswith(magic):
            return extension
    return "bin"


def unique_path(directory: Path, stem: str, extension: str) -> Path:
    """``directory/stem.extension``, or ``stem-2``, ``stem-3``… if that name is taken."""
    for number in range(1, MAX_NAME_TRIES + 1):
        suffix = "" if number == 1 else f"-{number}"
        path = directory / f"{stem}{suffix}.{extension}"
        if not path.exists():
            return path
    raise FileExistsError(f"no free file name for {stem}.{extension} in {directory}")


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` to a file that must not exist yet; on a race, the next free name."""
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            stem, _, extension = path.name.rpartition(".")
            path = unique_path(path.parent, stem, extension)
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        return path


def short_label(interaction_id: str | None, now: float | None = None) -> str:
    """What names the saved files: the tail of the interaction id, else the local time."""
    if interaction_id:
        tail = re.sub(r"[^A-Za-z0-9]", "", interaction_id)[-8:]
        if tail:
            return tail
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(now))


@dataclass(frozen=True)
class SaveReport:
    """What a save did: the files written and the images that could not be saved (and why)."""

    saved: list[Path]
    failed: list[str]


def save_images(images: list[ImageContent], directory: Path, label: str) -> SaveReport:
    """Save each image as ``gemtui-image-<label>-<n>.<ext>`` in ``directory``, never
    overwriting; an image that cannot be decoded or written is reported, not raised."""
    saved: list[Path] = []
    failed: list[str] = []
    for number, image in enumerate(images, start=1):
        try:
            data = decode_image(image)
            stem = f"gemtui-image-{label}-{number}"
            extension = extension_for(image.mime_type, data)
            saved.append(write_new(unique_path(directory, stem, extension), data))
        except (ImageDataError, OSError) as error:
            failed.append(f"image {number}: {error}")
    return SaveReport(saved=saved, failed=failed)
