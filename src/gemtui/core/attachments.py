"""Files and URLs the user sends with a prompt, as Interactions API content items.

A file goes inline (base64 ``data``) with the MIME type the API expects for it; a URL goes as a
``uri`` for the server to fetch. What the API accepts is decided here, once, from the supported
lists of ``shared/interactions-api.md`` 4.2 and the SDK's content types: an image, audio,
video or document of a listed type, or text (any file that is valid UTF-8). A file's type is
the one its first bytes clearly show (PNG, JPEG, GIF, WebP, PDF, WAV, MP3, AAC, AIFF, OGG,
FLAC, AVI, MP4 and its kin), whatever its name says; else its name's, refused when the
contents are text or a format the API does not take (a text file named ``.png``). Text has no
document type of its own (``DocumentContent`` takes PDF, CSV and office formats; ``TextContent``
has no MIME type), so a CSV goes as a ``text/csv`` document and any other text file as a
``text`` item that names the file. Anything else is refused before it is read into memory or
sent, with a message that names what would work.

A file past the inline limits (100 MB of base64 per request, 50 MB per PDF), or one that would
push the request past them, is not refused: it is marked ``upload`` and goes through the Files
API (:mod:`gemtui.core.uploads`) before it is sent, as its ``uri``. So does any file the user
asks to upload. ``gs://`` URIs and the ``https://…/files/…`` URIs of uploaded files are
accepted as attachments too; their MIME type comes from the name, the Files API, or the user.

Standard library only: the headless ``ask`` command checks its ``--attach`` files with this module
before it loads the HTTP stack.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from gemtui.core.attachment_options import (
    OptionError,
    check_mime,
    item_fields,
    options_label,
    options_of,
    split_options,
    wants_upload,
)
from gemtui.core.blobs import MISSING_KEY, missing_files
from gemtui.core.safety import clean_terminal_text, os_text
from gemtui.core.wording import MB, format_size

# Limits of inline data, from the Gemini API documentation ("File input methods",
# https://ai.google.dev/gemini-api/docs/file-input-methods, and the announcement of 2026-01-12,
# https://blog.google/innovation-and-ai/technology/developers-tools/gemini-api-new-file-limits):
# a request carries at most 100 MB of inline data, counted base64-encoded, and a PDF at most 50 MB.
# Decimal megabytes: the smaller reading of "MB", so a file under these never fails at the server.
#: The base64 data of all inline attachments of one request.
MAX_INLINE_TOTAL = 100 * MB
#: One PDF file, as stored on disk.
MAX_PDF_FILE = 50 * MB
LIMITS_SOURCE = "https://ai.google.dev/gemini-api/docs/file-input-methods"

#: What to do instead of sending a large file inline (every size message ends with it).
LARGE_FILE_HINT = "Attach fewer or smaller files, or give a large one as an http(s) URL."
#: How much of a file past the inline limits is read to tell its type (it is not kept).
SNIFF_BYTES = 64 * 1024

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


@cache
def _builtin_types() -> mimetypes.MimeTypes:
    """Python's built-in table only: the system's mime.types files differ between machines.

    Made on first use: building the table takes a few milliseconds that every start of the
    TUI and of ``gemtui ask`` would otherwise pay (issue 20), though only a file of a type the
    API does not accept ever needs it."""
    return mimetypes.MimeTypes()


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
    #: The local file it was read from (an upload reads it again), if any.
    path: str | None = None
    #: Goes through the Files API before it is sent (its ``uri`` is set then).
    upload: bool = False
    #: Where it came from (an absolute path or the URL, with its options), to attach it again
    #: to a saved draft.
    source: str = ""

    @classmethod
    def sent_before(cls, item: dict[str, Any], label: str = "") -> Attachment:
        """An attachment of a prompt already sent, made again from what its turn keeps: the
        content item and the words of its chip (``name · kind · size``). It shows as a chip
        when that prompt is edited, and is sent as it was."""
        text = item.get("text")
        if label and label != item_label(item):
            name = label.split(" · ", 1)[0]
        elif isinstance(text, str) and (named := _named_in(text)):
            name = named  # read back from the history: the text says the file's name
        else:
            name = "attachment"  # the history keeps no file name with the item
        kind = str(item.get("type") or "document")
        size = item_size(item)
        if isinstance(text, str) and text.startswith(header := text_file_header(name)):
            size -= len(header.encode())  # the chip gave the file's own size
        return cls(name, str(item.get("mime_type") or ""), kind, size, item)

    @property
    def is_url(self) -> bool:
        return "uri" in self.item

    @property
    def uploaded(self) -> bool:
        """A local file now in the Files API: sent as its ``uri``."""
        return self.path is not None and self.is_url

    @property
    def pending_upload(self) -> bool:
        return self.upload and not self.is_url

    @property
    def inline_size(self) -> int:
        """Bytes this attachment adds to the request's inline data (its base64 text)."""
        if self.is_url or self.upload:
            return 0
        text = self.item.get("text")
        return len(text.encode()) if isinstance(text, str) else encoded_size(self.size)

    @property
    def size_text(self) -> str:
        """The size as shown (``link`` for a URL, which the server fetches)."""
        return "link" if self.is_url and self.path is None else format_size(self.size)

    @property
    def label(self) -> str:
        """``name · kind · size``."""
        return f"{self.name} · {self.kind} · {self.size_text}"


def encoded_size(size: int) -> int:
    """Length of the base64 text of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


def is_url(source: str) -> bool:
    """An http(s) or ``gs://`` URI (anything else is a path)."""
    return source.lower().startswith(("http://", "https://", "gs://"))


def is_files_api_uri(url: str) -> bool:
    """``https://…/v1beta/files/abc``: a file uploaded through the Files API."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    return (
        parts.scheme in ("http", "https")
        and len(segments) == 3
        and segments[0] in ("v1beta", "v1")
        and segments[1] == "files"
        and bool(segments[2])
    )


def load(source: str, attached: Iterable[Attachment] = ()) -> Attachment:
    """An attachment for a path or a URI, with any ``;key=value`` options after it (see
    :mod:`gemtui.core.attachment_options`). A file that does not fit inline beside
    ``attached`` goes through the Files API instead."""
    given = source
    source, options = split_options(source)
    mime_type = options.get("mime")
    read = from_url if is_url(source) else from_file
    attachment = read(source, mime_type)
    attachment = apply_options(attachment, options)
    if not attachment.upload:
        try:
            check_total([*attached, attachment])
        except AttachmentError:
            if attachment.path is None:
                raise
            attachment = to_upload(attachment)
    where = source if is_url(source) else os.path.abspath(source)
    return replace(attachment, source=where + given[len(source) :])


def apply_options(attachment: Attachment, options: dict[str, str]) -> Attachment:
    """``attachment`` with ``options`` (:mod:`gemtui.core.attachment_options`) in its item:
    a MIME type (and so a kind), ``resolution``, ``processing``, ``upload``."""
    item = dict(attachment.item)
    try:
        mime = options.get("mime")
        if mime and attachment.is_url:  # a file's was used when it was read (from_file)
            kind = kind_of(check_mime(mime))
            item["type"], item["mime_type"] = kind, mime
            attachment = replace(attachment, mime_type=mime, kind=kind)
        elif mime:
            check_mime(mime)
        kept = {k: v for k, v in item.items() if k not in ("resolution", "processing")}
        item = {**kept, **item_fields(item.get("type"), options)}
    except OptionError as error:
        raise AttachmentError(f"{attachment.name}: {error}") from None
    attachment = replace(attachment, item=item, source=_with_options(attachment.source, item))
    return to_upload(attachment) if wants_upload(options) else attachment


def _with_options(source: str, item: dict[str, Any]) -> str:
    """``source`` (a path or URI and its ``;key=value`` options, as a draft keeps it) with
    the options ``item`` carries now: set in the chip's dialog, they were lost on restore."""
    if not source:
        return source
    where, given = split_options(source)
    kept = {key: given[key] for key in ("mime", "upload") if key in given}
    options = {**kept, **options_of(item)}
    return where + "".join(f";{key}={value}" for key, value in options.items())


def to_upload(attachment: Attachment) -> Attachment:
    """``attachment`` (a local file) marked to go through the Files API: its inline data is
    dropped, the options (resolution, processing) kept."""
    if attachment.path is None:
        raise AttachmentError(f"{attachment.name} is not a local file: there is nothing to upload.")
    item = {k: v for k, v in attachment.item.items() if k not in ("data", "text", "uri")}
    if item.get("type") == "text":  # text goes up as a text/plain document
        item = {"type": "document", "mime_type": TEXT_TYPE}
    item.setdefault("mime_type", attachment.mime_type)
    return replace(attachment, item=item, upload=True)


def from_url(url: str, mime_type: str | None = None) -> Attachment:
    """A ``uri`` item for the server to fetch; its kind and type come from ``mime_type``, or
    the URL's path. A Files API URI whose type is not known yet is a document until the app
    asks the Files API (:func:`gemtui.core.uploads.resolve_file_uri`)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", "gs") or not parts.netloc:
        raise AttachmentError(f"cannot attach {url}: give an http://, https:// or gs:// URI.")
    url = parts.geturl()
    host = (parts.hostname or "").lower()
    if host in YOUTUBE_HOSTS and not mime_type:
        return Attachment(url, "", "video", 0, {"type": "video", "uri": url})
    suffix = PurePosixPath(parts.path).suffix.lower()
    mime_type = mime_type or SUPPORTED_TYPES.get(suffix)
    if mime_type is None and is_files_api_uri(url):
        return Attachment(url, "", "document", 0, {"type": "document", "uri": url})
    if mime_type is None:
        where = (
            "give its type after it, e.g. gs://bucket/clip;mime=video/mp4"
            if scheme == "gs"
            else "give a URL that ends in the file's extension (such as .pdf or .png), a "
            "YouTube link, or its type after it (URL;mime=TYPE); for a web page, turn on the "
            "url_context tool and put the URL in the prompt"
        )
        raise AttachmentError(
            f"cannot attach {url}: its type cannot be told from its name; {where}."
        )
    kind = kind_of(mime_type)
    return Attachment(url, mime_type, kind, 0, {"type": kind, "uri": url, "mime_type": mime_type})


def from_file(path: str, mime_type: str | None = None) -> Attachment:
    """An inline item for the file at ``path``, or one marked to upload when the file is past
    the inline limits (then only its first :data:`SNIFF_BYTES` are read, to tell its type).
    Refused when it is empty or of a type the API does not take; ``mime_type`` overrides the
    type told from the name and contents."""
    name = os_text(os.path.basename(path.rstrip("/" + os.sep)) or path)
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise AttachmentError(f"cannot attach {path}: it is a directory, not a file.")
        try:
            check_file_size(path, size)
            inline = True
        except AttachmentError:
            inline = False
        with open(path, "rb") as file:
            data = file.read() if inline else file.read(SNIFF_BYTES)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise AttachmentError(f"cannot read attachment {path}: {reason}") from None
    if not data:
        raise AttachmentError(f"cannot attach {path}: the file is empty.")
    try:
        mime_type = mime_type or file_type(name, data if inline else data[: _text_prefix(data)])
    except AttachmentError as error:
        raise AttachmentError(f"cannot attach {path}: {error}") from None
    if mime_type is None:
        guessed = _builtin_types().guess_type(name)[0]
        what = f"its type ({guessed})" if guessed else "its type"
        raise AttachmentError(
            f"cannot attach {path}: {what} is not one the Gemini API accepts, and it is not "
            f"text. Supported: {SUPPORTED_SUMMARY}."
        )
    kind = kind_of(mime_type)
    if not inline:
        attachment = Attachment(name, mime_type, kind, size, {"type": kind}, path=path)
        return to_upload(attachment)
    if mime_type == TEXT_TYPE:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AttachmentError(
                f"cannot attach {path}: it is not UTF-8 text (byte 0x{data[error.start]:02x} at "
                f"offset {error.start}), and text goes to the API as UTF-8. Convert it first, "
                "for example: iconv -f latin1 -t utf-8 FILE > FILE.utf8"
            ) from None
        item: dict[str, Any] = {"type": "text", "text": text_file_header(name) + text}
        return Attachment(name, mime_type, "text", len(data), item, path=path)
    item = {"type": kind, "data": base64.b64encode(data).decode("ascii"), "mime_type": mime_type}
    return Attachment(name, mime_type, kind, len(data), item, path=path)


def _text_prefix(data: bytes) -> int:
    """How much of a file's head to judge as text: up to a whole UTF-8 character (a head cut
    in the middle of one would read as binary)."""
    end = len(data)
    for back in range(1, 4):
        if end - back >= 0 and data[end - back] & 0xC0 == 0xC0:  # a lead byte near the end
            return end - back
    return end


def file_type(name: str, data: bytes) -> str | None:
    """The MIME type to send ``data`` (named ``name``) as, or ``None`` if the API takes none.

    Contents that clearly are a type the API takes (:func:`sniffed_type`) are sent as that,
    whatever the name says: a PNG named ``.txt`` or with no extension is a PNG. Raises
    :class:`AttachmentError` (without the path) when the name promises an image, audio, video
    or PDF the contents are not: the API would refuse it with a 400."""
    suffix = os.path.splitext(name)[1].lower()
    named = SUPPORTED_TYPES.get(suffix)
    text = is_text(data)
    sniffed = sniffed_type(data)
    # Only a PDF's signature is all text: "ID3" or "OggS" opening a text file say nothing.
    if sniffed is not None and (not text or sniffed == "application/pdf"):
        return named if named in SAME_CONTAINER.get(sniffed, ()) else sniffed
    texty = suffix in TEXT_EXTENSIONS or (not suffix and name.lower() in TEXT_NAMES)
    if texty and text:
        return TEXT_TYPE
    if named is not None:
        if reason := _broken_promise(named, suffix, data, text):
            raise AttachmentError(reason)
        return named
    return TEXT_TYPE if text else None


#: Types the API takes that a file's first bytes tell for certain: (offset, bytes, MIME).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"ID3", "audio/mp3"),
    (0, b"fLaC", "audio/flac"),
    (0, b"OggS", "audio/ogg"),
    (8, b"WEBP", "image/webp"),  # RIFF containers: checked below that they start "RIFF"
    (8, b"WAVE", "audio/wav"),
    (8, b"AVI ", "video/avi"),
    (8, b"AIFF", "audio/aiff"),  # FORM containers
    (8, b"AIFC", "audio/aiff"),
)
#: ISO media files (``ftyp`` at byte 4) by their brand; any other brand is an MP4.
_FTYP_BRANDS = {
    b"qt  ": "video/mov",
    b"M4A ": "audio/m4a",
    b"M4B ": "audio/m4a",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
    b"3g2a": "video/3gpp",
}
#: The types a name may pick for contents sniffed as the key's: one container holds several
#: (an ``.m4a`` is an MP4 file, an ``.opus`` an Ogg one), and there the name knows better.
SAME_CONTAINER: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("video/mp4", "video/mov", "audio/m4a", "video/3gpp", "image/heic", "image/heif"),
        frozenset(
            {"video/mp4", "video/mov", "audio/m4a", "video/3gpp", "image/heic", "image/heif"}
        ),
    ),
    "audio/ogg": frozenset({"audio/ogg", "audio/opus"}),
    "audio/mp3": frozenset({"audio/mp3", "audio/mpeg", "audio/aac"}),
}
#: Common formats the API does not take, to say what a misnamed file is.
_FOREIGN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def sniffed_type(data: bytes) -> str | None:
    """The type the API takes that ``data``'s first bytes show it is, or ``None`` when they
    show none (or a type whose signature is not clear: HEIC and MP4 share theirs, told apart
    by brand; MPEG-TS, WMV, WebM and office files are left to their names)."""
    for offset, magic, mime in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if offset == 8 and data[:4] not in (b"RIFF", b"FORM"):
                continue
            return mime
    if data[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(data[8:12], "video/mp4")
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        layer = (data[1] >> 1) & 3
        if layer == 1:  # MPEG audio layer III: an MP3 frame without an ID3 tag before it
            return "audio/mp3"
        if layer == 0 and data[1] & 0xF6 == 0xF0:  # an AAC ADTS frame
            return "audio/aac"
    return None


#: How a refusal names what a file's name promised.
_KIND_WORDS = {"image": "an image", "audio": "audio", "video": "a video"}


def _broken_promise(named: str, suffix: str, data: bytes, text: bool) -> str:
    """Why contents cannot be the image, audio, video, PDF or text their name promises (""
    when they may be): they are text, or another format the API does not take. Office files
    are left alone: a ``.docx`` is a ZIP archive."""
    kind = kind_of(named)
    if kind == "document" and named not in ("application/pdf", TEXT_TYPE):
        return ""
    what = "a PDF" if named == "application/pdf" else _KIND_WORDS.get(kind, "text")
    if text and named != TEXT_TYPE:
        return (
            f"its name ends in {suffix}, for {what}, but it holds text. Give it the name of "
            "what it holds (text goes as text), or attach the file it was meant to be."
        )
    foreign = next((words for magic, words in _FOREIGN_SIGNATURES if data.startswith(magic)), "")
    if foreign and not text:
        return (
            f"its name ends in {suffix}, for {what}, but it is {foreign}, which the Gemini "
            f"API does not take. Supported: {SUPPORTED_SUMMARY}."
        )
    return ""


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
    """The same check on content items as sent (a retry or a resent turn has only those), and
    that none waits for its upload (it has neither data, nor text, nor a ``uri`` yet)."""
    items = list(items)
    missing = missing_files(items)
    if missing:
        raise AttachmentError(f"{missing_message(missing)}. {MISSING_HINT}")
    for item in items:
        if not any(key in item for key in ("data", "uri", "text")):
            raise AttachmentError(
                f"A {item.get('type', 'file')} attachment has not been uploaded yet; wait for "
                "its upload to finish (its chip shows the progress)."
            )
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
    if isinstance(item.get(MISSING_KEY), str):
        return f"{kind} · attachment file missing: {item[MISSING_KEY]}"
    if item.get("uri"):
        return f"{item['uri']} · {kind} · link"
    return f"{kind} · {format_size(item_size(item))}"


#: Longest file name shown on a chip; longer ones lose their middle, keeping the extension.
MAX_NAME = 32


def chip_text(attachment: Attachment, state: str = "") -> str:
    """The chip's words: the name on one clean line, cut to fit, then kind and size, its
    options and where its upload is (``state``)."""
    name = " ".join(clean_terminal_text(attachment.name).split())
    if len(name) > MAX_NAME:
        keep = MAX_NAME - 1
        name = name[: keep - keep // 2] + "…" + name[-(keep // 2) :]
    parts = [name, attachment.kind, attachment.size_text]
    if options := options_label(attachment.item):
        parts.append(options)
    if state:
        parts.append(state)
    elif attachment.uploaded:
        parts.append("uploaded")
    return " · ".join(parts)


def stored_label(item: dict[str, Any], label: str) -> str:
    """How an attachment read back from the history shows: its chip's words as sent
    (``label``), or kind and size for a turn stored before they were kept. A file the history
    lost says so after its name."""
    known = " ".join(clean_terminal_text(label).split())
    if not known:
        return item_label(item)
    if isinstance(item.get(MISSING_KEY), str):
        return f"{known.split(' · ', 1)[0]} · {item_label(item)}"
    return known


#: What a text file's item says before its text, so that the model knows its name.
TEXT_FILE_HEADER = "File {}:\n\n"


def text_file_header(name: str) -> str:
    return TEXT_FILE_HEADER.format(name)


def _named_in(text: str) -> str:
    """The file name a text item's header gives ("" without one)."""
    before, after = TEXT_FILE_HEADER.split("{}")
    if not text.startswith(before) or after not in text:
        return ""
    return text[len(before) : text.index(after)]


def item_size(item: dict[str, Any]) -> int:
    """Bytes of a content item's own content: its text, or what its base64 data decodes to
    (0 for a link, which the server fetches)."""
    if isinstance(item.get("text"), str):
        return len(item["text"].encode())
    data = item.get("data")
    return len(data) * 3 // 4 - data[-2:].count("=") if isinstance(data, str) else 0


#: What to do when a stored attachment's file was deleted (see :func:`missing_message`).
MISSING_HINT = (
    "The history keeps attachments as files beside it; put the file back where it was, or "
    "branch from a turn before the one that sent it, or start a new conversation."
)


def missing_message(paths: list[str]) -> str:
    """Stored attachments are needed again (a resent turn or stateless history) but their files
    were deleted; :data:`MISSING_HINT` says what to do."""
    return f"attachment file missing: {', '.join(paths)}"
