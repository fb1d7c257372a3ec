"""Media of an answer (images, audio, video, documents) as bytes, facts and files.

Media data comes from the model (or whatever server answered), so it is untrusted: decoding
never raises anything but :class:`MediaDataError`, the facts read from a file's header are
bounded and never trusted beyond display, the file name is ours and never taken from the data,
and a save never overwrites a file that is already there (the file is created with
``O_EXCL``).
"""

from __future__ import annotations

import base64
import os
import re
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gemtui.api.models import MediaContent
from gemtui.core.wording import format_size

#: Content types that are media (everything of an answer but its text).
MEDIA_KINDS = ("image", "audio", "video", "document")

#: File extensions of the media types the API names (``interactions-api.md`` 4.2).
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
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mp3": "mp3",
    "audio/mpeg": "mp3",
    "audio/aiff": "aiff",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/ogg_opus": "ogg",
    "audio/opus": "opus",
    "audio/flac": "flac",
    "audio/m4a": "m4a",
    "audio/webm": "webm",
    "audio/l16": "pcm",
    "audio/alaw": "alaw",
    "audio/mulaw": "mulaw",
    "video/mp4": "mp4",
    "video/mpeg": "mpeg",
    "video/mpg": "mpg",
    "video/mov": "mov",
    "video/quicktime": "mov",
    "video/avi": "avi",
    "video/x-flv": "flv",
    "video/webm": "webm",
    "video/wmv": "wmv",
    "video/3gpp": "3gp",
    "application/pdf": "pdf",
    "text/csv": "csv",
    "text/plain": "txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
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
    (b"%PDF-", "pdf"),
    (b"OggS", "ogg"),
    (b"fLaC", "flac"),
    (b"ID3", "mp3"),
    (b"\x1aE\xdf\xa3", "webm"),
)
_WHITESPACE = re.compile(rb"\s+")
#: How many names ``unique_path`` tries before giving up (a directory full of our files).
MAX_NAME_TRIES = 10_000
#: Boxes of an MP4 read while looking for its duration (a hostile file cannot make it loop).
_MAX_BOXES = 64
#: A PDF page object (``/Type /Pages`` is the page tree, not a page).
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class MediaDataError(ValueError):
    """The item has no usable inline data; the message says why, for the reader."""


def kind_of(item: Any) -> str:
    """``image``, ``audio``, ``video`` or ``document`` (what the content's ``type`` says)."""
    kind = getattr(item, "type", None)
    return kind if isinstance(kind, str) and kind in MEDIA_KINDS else "media"


def decode_media(item: MediaContent) -> bytes:
    """The item's bytes from its base64 ``data`` (standard or URL-safe alphabet).

    Raises :class:`MediaDataError` when there is nothing to decode (a ``uri`` item) or the data
    is not base64.
    """
    kind = kind_of(item)
    if not item.data:
        if item.uri:
            raise MediaDataError(f"the {kind} is a link (uri), not inline data")
        raise MediaDataError(f"the {kind} has no data")
    try:
        raw = _WHITESPACE.sub(b"", item.data.encode("ascii"))
        core = raw.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
        data = base64.b64decode(core + b"=" * (-len(core) % 4), validate=True)
    except ValueError:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise MediaDataError(f"the {kind} data is not valid base64") from None
    if not data:
        raise MediaDataError(f"the {kind} data is empty")
    return data


def extension_for(mime_type: str | None, data: bytes) -> str:
    """The file extension for media: from its mime type, else its magic number, else bin."""
    known = EXTENSIONS.get((mime_type or "").split(";")[0].strip().lower())
    if known:
        return known
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[4:8] == b"ftyp":
        return "mp4"
    for magic, extension in _MAGIC:
        if data.startswith(magic):
            return extension
    return "bin"


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class MediaFacts:
    """What a row in the answer says about one item; ``None`` where it is not known."""

    kind: str
    mime_type: str
    size: int | None = None
    seconds: float | None = None
    pages: int | None = None
    uri: str | None = None
    problem: str | None = None

    def describe(self) -> str:
        """``audio · audio/wav · 1.2 s · 56.3 KB`` (a link instead of the size for uri items)."""
        parts = [self.kind, self.mime_type]
        if self.seconds is not None:
            parts.append(f"{self.seconds:.1f} s")
        if self.pages is not None:
            parts.append(f"{self.pages} page{'s' if self.pages != 1 else ''}")
        if self.size is not None:
            parts.append(format_size(self.size))
        if self.uri:
            parts.append(f"link {self.uri}")
        if self.problem:
            parts.append(self.problem)
        return " · ".join(parts)


def facts_of(item: MediaContent) -> MediaFacts:
    """Type, MIME, size and, read from the file's own header, duration or pages."""
    kind = kind_of(item)
    mime = item.mime_type or "unknown type"
    if not item.data and item.uri:
        return MediaFacts(kind, mime, uri=item.uri)
    try:
        data = decode_media(item)
    except MediaDataError as error:
        return MediaFacts(kind, mime, problem=str(error))
    seconds = pages = None
    extension = extension_for(item.mime_type, data)
    if extension == "wav":
        seconds = wav_seconds(data)
    elif extension in ("mp4", "mov", "m4a", "3gp"):
        seconds = mp4_seconds(data)
    elif extension == "pdf":
        pages = pdf_pages(data)
    if seconds is None and kind == "audio" and mime.startswith("audio/l16"):
        rate = getattr(item, "sample_rate", None) or 24_000
        channels = getattr(item, "channels", None) or 1
        seconds = len(data) / (2 * rate * channels)
    return MediaFacts(kind, mime, size=len(data), seconds=seconds, pages=pages)


def wav_seconds(data: bytes) -> float | None:
    """Duration of a RIFF/WAVE file from its ``fmt`` and ``data`` chunks."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset, byte_rate, length = 12, None, None
    while offset + 8 <= len(data) and (byte_rate is None or length is None):
        chunk = data[offset : offset + 4]
        size = struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        if chunk == b"fmt " and size >= 16 and offset + 20 <= len(data):
            byte_rate = struct.unpack("<I", data[offset + 16 : offset + 20])[0]
        elif chunk == b"data":
            length = min(size, len(data) - offset - 8)
        offset += 8 + size + (size & 1)
    if not byte_rate or length is None:
        return None
    return length / byte_rate


def mp4_seconds(data: bytes) -> float | None:
    """Duration of an ISO base media file (MP4, MOV) from ``moov``/``mvhd``."""
    box = _find_box(data, 0, len(data), b"moov")
    if box is None:
        return None
    found = _find_box(data, box[0], box[1], b"mvhd")
    if found is None:
        return None
    start, end = found
    version = data[start] if start < end else None
    if version == 0 and end - start >= 20:
        timescale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    elif version == 1 and end - start >= 32:
        timescale, duration = struct.unpack(">IQ", data[start + 20 : start + 32])
    else:
        return None
    return duration / timescale if timescale else None


def _find_box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """The payload (start, end) of the first box of ``kind`` between ``start`` and ``end``."""
    offset = start
    for _ in range(_MAX_BOXES):
        if offset + 8 > end:
            return None
        size = struct.unpack(">I", data[offset : offset + 4])[0]
        header = 8
        if size == 1 and offset + 16 <= end:
            size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header:
            return None
        if data[offset + 4 : offset + 8] == kind:
            return offset + header, min(end, offset + size)
        offset += size
    return None


def pdf_pages(data: bytes) -> int | None:
    """Pages of a PDF, counted as its page objects (good enough for a row's facts)."""
    if not data.startswith(b"%PDF-"):
        return None
    return len(_PDF_PAGE.findall(data)) or None


# --------------------------------------------------------------------------- files


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
    """What a save did: the files written and the items that could not be saved (and why)."""

    saved: list[Path]
    failed: list[str]
    #: For each saved file, the position of its item in what was given to save.
    positions: tuple[int, ...] = ()


def save_media(items: Iterable[MediaContent], directory: Path, label: str) -> SaveReport:
    """Save each item as ``gemtui-<kind>-<label>-<n>.<ext>`` in ``directory`` (``n`` counts
    per kind), never overwriting; an item that cannot be decoded or written is reported,
    not raised."""
    saved: list[Path] = []
    failed: list[str] = []
    positions: list[int] = []
    counts: dict[str, int] = {}
    for position, item in enumerate(items):
        kind = kind_of(item)
        number = counts[kind] = counts.get(kind, 0) + 1
        try:
            data = decode_media(item)
            stem = f"gemtui-{kind}-{label}-{number}"
            extension = extension_for(item.mime_type, data)
            saved.append(write_new(unique_path(directory, stem, extension), data))
            positions.append(position)
        except (MediaDataError, OSError) as error:
            failed.append(f"{kind} {number}: {error}")
    return SaveReport(saved=saved, failed=failed, positions=tuple(positions))


def media_of(content: Iterable[Any] | None) -> list[MediaContent]:
    """The media items of a step's ``content`` (or a thought's ``summary``), in order."""
    return [item for item in content or () if isinstance(item, MediaContent)]
