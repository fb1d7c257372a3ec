"""Files and URLs the user sends with a prompt, as Interactions API content items.

A file goes inline (base64 ``data``) with the MIME type the API expects for it; a URL goes as a
``uri`` for the server to fetch. What the API accepts is decided here, once, from the supported
lists of ``shared/interactions-api.md`` 4.2: an image, audio, video or document of a listed type,
or text (any file that is valid UTF-8), which goes as a ``text/plain`` document. Anything else is
refused before it is read into memory or sent, with a message that names what would work.

Standard library only: the headless ``ask`` command checks its ``--attach`` files with this module
before it loads the HTTP stack.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

# Limits of inline data, from the Gemini API documentation ("File input methods",
# https://ai.google.dev/gemini-api/docs/file-input-methods, and the announcement of 2026-01-12,
# https://blog.google/innovation-and-ai/technology/developers-tools/gemini-api-new-file-limits):
# a request carries at most 100 MB of inline data, counted base64-encoded, and a PDF at most 50 MB.
# Decimal megabytes: the smaller reading of "MB", so a file under these never fails at the server.
MB = 1_000_000
#: The base64 data of all inline attachments of one request.
MAX_INLINE_TOTAL = 100 * MB
#: One PDF file, as stored on disk.
MAX_PDF_FILE = 50 * MB
LIMITS_SOURCE = "https://ai.google.dev/gemini-api/docs/file-input-methods"

#: What to do instead of sending a large file inline (every size message ends with it).
LARGE_FILE_HINT = "Attach fewer or smaller files, or give a large one as an http(s) URL."

KINDS = ("image", "audio", "video", "document")

#: The file types the API takes (interactions-api.md 4.2), by extension, with the MIME names its
#: documentation uses (``audio/mp3``, ``video/mov``), which differ from Python's (``audio/mpeg``,
#: ``video/quicktime``).
SUPPORTED_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".wav": "audio/wav",
    ".mp3": "audio/mp3",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    ".m4a": "audio/m4a",
    ".mpga": "audio/mpeg",
    ".weba": "audio/webm",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mpeg": "video/mpeg",
    ".mpg": "video/mpg",
    ".mov": "video/mov",
    ".avi": "video/avi",
    ".flv": "video/x-flv",
    ".webm": "video/webm",
    ".wmv": "video/wmv",
    ".3gp": "video/3gpp",
    ".3gpp": "video/3gpp",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}

#: Extensions of source code and other text that go as ``text/plain`` when they are UTF-8, before
#: any guess: Python's table calls ``.ts`` an MPEG stream or a Qt file and ``.rs`` an XML type.
TEXT_EXTENSIONS = frozenset(
    {
        *(".py", ".pyi", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".rs", ".go", ".c", ".h"),
        *(".cc", ".cpp", ".hpp", ".cs", ".java", ".kt", ".kts", ".swift", ".rb", ".php", ".pl"),
        *(".lua", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".sql", ".r", ".scala", ".hs", ".ml"),
        *(".ex", ".exs", ".erl", ".clj", ".dart", ".vue", ".svelte", ".html", ".htm", ".css"),
        *(".scss", ".less", ".xml", ".svg", ".json", ".jsonl", ".yaml", ".yml", ".toml", ".ini"),
        *(".cfg", ".conf", ".env", ".md", ".rst", ".tex", ".log", ".diff", ".patch", ".proto"),
        *(".graphql", ".tf", ".gradle", ".cmake", ".mk"),
    }
)
#: Names without an extension that are text (a Makefile is not an unknown binary).
TEXT_NAMES = frozenset({"makefile", "dockerfile", "license", "readme", "gemfile", "justfile"})

TEXT_TYPE = "text/plain"
SUPPORTED_SUMMARY = (
    "images (PNG, JPEG, WebP, HEIC, HEIF, GIF, BMP, TIFF), audio (WAV, MP3, AIFF, AAC, OGG, "
    "Opus, FLAC, M4A), video (MP4, MPEG, MOV, AVI, FLV, WebM, WMV, 3GPP), documents (PDF, CSV, "
    "Word, Excel, PowerPoint, OpenDocument) and UTF-8 text"
)

YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)

#: Python's built-in table only: the system's mime.types files differ between machines.
_BUILTIN_TYPES = mimetypes.MimeTypes()


class AttachmentError(ValueError):
    """A file or URL that cannot be attached; the message says why and what to do."""


@dataclass(frozen=True, eq=False)
class Attachment:
    """One attachment: what the user sees on its chip and the content item that is sent."""

    #: A file's base name or the URL, as given (untrusted: clean it before showing it).
    name: str
    #: Empty for a YouTube link, whose type the server works out.
    mime_type: str
    kind: str
    #: The file's size in bytes; 0 for a URL.
    size: int
    item: dict[str, Any]
    #: Where it came from (an absolute path or the URL), to attach it again to a saved draft.
    source: str = ""

    @property
    def is_url(self) -> bool:
        return "uri" in self.item

    @property
    def inline_size(self) -> int:
        """Bytes this attachment adds to the request's inline data (its base64 text)."""
        return 0 if self.is_url else encoded_size(self.size)

    @property
    def size_text(self) -> str:
        """The size as shown (``link`` for a URL, which the server fetches)."""
        return "link" if self.is_url else format_size(self.size)

    @property
    def label(self) -> str:
        """``name · kind · size``."""
        return f"{self.name} · {self.kind} · {self.size_text}"


def encoded_size(size: int) -> int:
    """Length of the base64 text of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


def format_size(size: int) -> str:
    """Bytes in decimal units, as the API's limits are written."""
    if size < 1000:
        return f"{size} B"
    if size < MB:
        return f"{size / 1000:.1f} KB"
    return f"{size / MB:.1f} MB"


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def load(source: str, attached: Iterable[Attachment] = ()) -> Attachment:
    """An attachment for a path or an http(s) URL, checked to fit beside ``attached``."""
    attachment = from_url(source) if is_url(source) else from_file(source)
    check_total([*attached, attachment])
    where = attachment.name if attachment.is_url else os.path.abspath(source)
    return replace(attachment, source=where)


def from_url(url: str) -> Attachment:
    """A ``uri`` item for the server to fetch; its kind and type come from the URL's path."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise AttachmentError(f"cannot attach {url}: give an http:// or https:// URL.")
    url = parts.geturl()
    host = (parts.hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        return Attachment(url, "", "video", 0, {"type": "video", "uri": url})
    suffix = PurePosixPath(parts.path).suffix.lower()
    mime_type = SUPPORTED_TYPES.get(suffix)
    if mime_type is None:
        raise AttachmentError(
            f"cannot attach {url}: its type cannot be told from its name. Give a URL that ends "
            f"in the file's extension (such as .pdf or .png) or a YouTube link; for a web page, "
            f"turn on the url_context tool and put the URL in the prompt."
        )
    kind = kind_of(mime_type)
    return Attachment(url, mime_type, kind, 0, {"type": kind, "uri": url, "mime_type": mime_type})


def from_file(path: str) -> Attachment:
    """An inline item for the file at ``path``; refused when too large or of an unknown type.

    The size is checked before the file is read, so a huge file costs a ``stat`` and not memory.
    """
    name = os.path.basename(path.rstrip("/" + os.sep)) or path
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise AttachmentError(f"cannot attach {path}: it is a directory, not a file.")
        check_file_size(path, size)
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise AttachmentError(f"cannot read attachment {path}: {reason}") from None
    if not data:
        raise AttachmentError(f"cannot attach {path}: the file is empty.")
    mime_type = file_type(name, data)
    if mime_type is None:
        guessed = _BUILTIN_TYPES.guess_type(name)[0]
        what = f"its type ({guessed})" if guessed else "its type"
        raise AttachmentError(
            f"cannot attach {path}: {what} is not one the Gemini API accepts, and it is not "
            f"text. Supported: {SUPPORTED_SUMMARY}."
        )
    kind = kind_of(mime_type)
    item = {"type": kind, "data": base64.b64encode(data).decode("ascii"), "mime_type": mime_type}
    return Attachment(name, mime_type, kind, len(data), item)


def file_type(name: str, data: bytes) -> str | None:
    """The MIME type to send ``data`` (named ``name``) as, or ``None`` if the API takes none."""
    suffix = os.path.splitext(name)[1].lower()
    texty = suffix in TEXT_EXTENSIONS or (not suffix and name.lower() in TEXT_NAMES)
    if texty and is_text(data):
        return TEXT_TYPE
    if suffix in SUPPORTED_TYPES:
        return SUPPORTED_TYPES[suffix]
    return TEXT_TYPE if is_text(data) else None


def is_text(data: bytes) -> bool:
    """UTF-8 without NUL bytes: what a text editor would open."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def kind_of(mime_type: str) -> str:
    """The content item type for a supported MIME type: its major type, or ``document``."""
    major = mime_type.split("/", 1)[0]
    return major if major in KINDS else "document"


def check_file_size(path: str, size: int) -> None:
    """Refuse one file that could never be sent inline."""
    if path.lower().endswith(".pdf") and size > MAX_PDF_FILE:
        raise AttachmentError(
            f"cannot attach {path}: it is {format_size(size)}, and the Gemini API takes PDFs "
            f"of up to {format_size(MAX_PDF_FILE)} inline. {LARGE_FILE_HINT}"
        )
    if encoded_size(size) > MAX_INLINE_TOTAL:
        raise AttachmentError(
            f"cannot attach {path}: it is {format_size(size)} ({format_size(encoded_size(size))} "
            f"as base64), over the Gemini API's {format_size(MAX_INLINE_TOTAL)} limit for inline "
            f"data in one request. {LARGE_FILE_HINT}"
        )


def check_total(attachments: Iterable[Attachment]) -> None:
    """Refuse attachments whose inline data together exceed what one request may carry."""
    _check_inline_total(sum(attachment.inline_size for attachment in attachments))


def check_items(items: Iterable[dict[str, Any]]) -> None:
    """The same check on content items as sent (a retry or a resent turn has only those)."""
    _check_inline_total(sum(len(item.get("data") or "") for item in items))


def _check_inline_total(total: int) -> None:
    if total > MAX_INLINE_TOTAL:
        raise AttachmentError(
            f"The attachments come to {format_size(total)} of inline data (base64), over the "
            f"Gemini API's {format_size(MAX_INLINE_TOTAL)} limit for one request. "
            f"{LARGE_FILE_HINT}"
        )


def item_label(item: dict[str, Any]) -> str:
    """``kind · size`` (or the URL) of a content item whose file name is not known any more."""
    kind = str(item.get("type", "?"))
    if item.get("uri"):
        return f"{item['uri']} · {kind} · link"
    data = item.get("data") or ""
    return f"{kind} · {format_size(len(data) * 3 // 4 - data[-2:].count('='))}"
