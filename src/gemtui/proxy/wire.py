"""What the proxy notes about one exchange while it passes, and how it hands that on.

A :class:`Wire` is written only by the proxy's thread; the collector (on another event loop,
the TUI's or the headless one's) reads a part of it only after the note that says that part is
done, so no lock is needed. Notes travel through a :class:`CaptureHub` in the order the proxy
made them.

The key never stays here in the clear: request headers are kept with ``x-goog-api-key`` and
``Authorization`` replaced by ``***`` and the path with ``?key=`` redacted. The key values
themselves ride along in :attr:`Wire.secrets` so the collector can also redact them where a
program echoed them into a body, and are dropped with the wire.

Bodies go into a :class:`Spool`: memory up to a few MB, then a private temporary file, so a
large upload or download through the proxy does not grow its memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.secret_values import MIN_SECRET_CHARS
from gemtui.core.safety import REDACTED, one_line

#: Body bytes kept in memory before a spool moves to disk.
SPOOL_MEMORY = 4 * 1024 * 1024
#: Headers that describe one hop of a connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
#: Request headers that carry the key.
KEY_HEADERS = frozenset({"x-goog-api-key", "authorization"})
_KEY_PARAM = re.compile(r"(^|&)((?:api[_-]?)?key)=([^&]*)", re.IGNORECASE)
CLIENT_LIMIT = 40

NoteKind = Literal["begin", "head", "chunk", "end"]
Note = tuple[NoteKind, "Wire", Any]


class Spool:
    """The bytes of one body: in memory up to ``memory`` bytes, then in a temporary file
    (created private by :mod:`tempfile`, removed on :meth:`close`)."""

    def __init__(self, memory: int = SPOOL_MEMORY) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=memory)  # noqa: SIM115 - closed by close()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def read(self, limit: int | None = None) -> bytes:
        """The first ``limit`` bytes (all with ``None``)."""
        self._file.seek(0)
        return self._file.read(-1 if limit is None else limit)

    @property
    def on_disk(self) -> bool:
        return bool(getattr(self._file, "_rolled", False))

    def close(self) -> None:
        self._file.close()


def key_values(headers: Iterable[tuple[str, str]], query: str) -> tuple[str, ...]:
    """The key values a request carries: ``x-goog-api-key``, the ``Authorization`` token, a
    ``key=`` / ``api_key=`` query parameter."""
    found = []
    for name, value in headers:
        if name == "x-goog-api-key" and value:
            found.append(value)
        elif name == "authorization" and value:
            found.append(value.split(" ", 1)[-1].strip())
            found.append(value)
    for match in _KEY_PARAM.finditer(query):
        if match.group(3):
            found.append(match.group(3))
    # Too short a value is not looked for in bodies (MIN_SECRET_CHARS): a dummy key "k" turned
    # every k of a captured JSON into *** ("total_to***ens"); the headers and the query that
    # carry it are redacted by name all the same.
    return tuple(value for value in found if len(value) >= MIN_SECRET_CHARS)


def redacted_query(query: str) -> str:
    """The query string with every key parameter's value replaced by ``***``."""
    return _KEY_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}={REDACTED}", query)


def redacted_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as shown and stored: names lower-cased, the key headers' values ``***``."""
    shown: dict[str, str] = {}
    for name, value in headers:
        value = REDACTED if name in KEY_HEADERS else value
        shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


def client_name(user_agent: str) -> str:
    """The calling program, from its user agent: the first product token
    (``google-genai-sdk/3.3.0 gl-python/3.11`` → ``google-genai-sdk/3.3.0``)."""
    first = one_line(user_agent).split(" ", 1)[0] if user_agent else ""
    return first[:CLIENT_LIMIT] or "unknown"


def forwarded(
    headers: Iterable[tuple[bytes, bytes]], *, drop: frozenset[str]
) -> list[tuple[bytes, bytes]]:
    """Headers to pass on: all but the hop-by-hop ones, those a ``Connection`` header names,
    and ``drop``."""
    pairs = list(headers)
    named = {
        token.strip().lower()
        for name, value in pairs
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    skip = HOP_BY_HOP | named | drop
    return [(name, value) for name, value in pairs if name.decode("latin-1").lower() not in skip]


class BodyDecoder:
    """Undoes a ``Content-Encoding`` (gzip or deflate) piece by piece, for the capture only:
    the client gets the bytes as they came. Other encodings are not decoded (``failed``)."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self.failed = ""
        self._inflate: Any = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            self._inflate = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
        elif encoding not in ("", "identity"):
            self.failed = f"the body is {encoding}-encoded, which the inspector does not decode"

    def decode(self, data: bytes) -> bytes:
        if self.failed:
            return b""
        if self._inflate is None:
            return data
        try:
            return self._inflate.decompress(data)
        except zlib.error as error:
            self.failed = f"the body could not be decompressed ({error})"
            return b""

    def flush(self) -> bytes:
        if self._inflate is None or self.failed:
            return b""
        try:
            return self._inflate.flush()
        except zlib.error:
            return b""


@dataclass(eq=False)
class Wire:
    """One exchange as it passes through the proxy (see the module docstring for who writes
    what, and when)."""

    number: int
    method: str
    #: Path and query as the client sent them, key parameters redacted.
    path: str
    client: str
    request_headers: dict[str, str]
    #: The key values of the request, to redact them from bodies too. Never stored or shown.
    secrets: tuple[str, ...] = field(repr=False)
    started_at: float = field(default_factory=time.monotonic)
    #: Wall-clock time of the request, for the list and the headless lines.
    wall: float = field(default_factory=time.time)
    request: Spool = field(default_factory=Spool)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    #: An event stream (``text/event-stream``): its chunks are handed on as they pass.
    streaming: bool = False
    #: The body of a response that is not a stream (a stream's chunks are not kept here).
    response: Spool = field(default_factory=Spool)
    response_bytes: int = 0
    first_byte_at: float | None = None
    ended_at: float | None = None
    #: What went wrong on the way (upstream unreachable, cut mid-stream, client gone).
    error: str = ""
    #: The proxy answered itself (502 or 504): the upstream gave no response.
    gateway: bool = False

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def content_encoding(self) -> str:
        return self.response_headers.get("content-encoding", "")

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @property
    def bare_path(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.path.partition("?")[2]


class CaptureHub:
    """Hands the proxy's notes to the collector, in order, from any thread.

    ``attach(deliver)`` sets where they go (for a collector on another event loop, a function
    that schedules them there with ``call_soon_threadsafe``); notes made before that wait and
    go first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliver: Callable[[Note], object] | None = None
        self._waiting: list[Note] = []
        self._numbers = 0
        #: Set when the proxy starts to stop: the streams it cuts are its own doing, not
        #: their clients' (shutting down closes their connections too).
        self.stopping = False

    def next_number(self) -> int:
        with self._lock:
            self._numbers += 1
            return self._numbers

    def attach(self, deliver: Callable[[Note], object]) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, []
            for note in waiting:
                deliver(note)
            self._deliver = deliver

    def attach_loop(self, loop: asyncio.AbstractEventLoop, take: Callable[[Note], object]) -> None:
        """Deliver the notes to ``take`` on ``loop`` (another thread's), in order. Notes that
        arrive while the loop has not yet taken the earlier ones go with them in one wake-up:
        under load the collector takes batches, and the proxy's thread writes to the loop's
        wake-up pipe once per batch rather than once per chunk."""
        lock = threading.Lock()
        pending: deque[Note] = deque()
        scheduled = False

        def drain() -> None:
            nonlocal scheduled
            with lock:
                batch = list(pending)
                pending.clear()
                scheduled = False
            for note in batch:
                take(note)

        def deliver(note: Note) -> None:
            nonlocal scheduled
            with lock:
                pending.append(note)
                if scheduled:
                    return
                scheduled = True
            # A loop that has closed raises: nobody is collecting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(drain)

        self.attach(deliver)

    def emit(self, kind: NoteKind, wire: Wire, payload: Any = None) -> None:
        deliver = self._deliver
        if deliver is None:
            with self._lock:
                if self._deliver is None:
                    self._waiting.append((kind, wire, payload))
                    return
                deliver = self._deliver
        deliver((kind, wire, payload))
