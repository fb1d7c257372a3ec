"""A scripted raw HTTP server on 127.0.0.1 for client tests that need exact bytes on the wire.

A real server (the emulator) only sends well-formed responses; this one lets a test send a BOM,
bare ``\\r`` line endings, a truncated event, a stall, or a 1 MB event in 1 KiB writes, and see
what the client sent and whether it hung up. Each accepted connection serves one request with
the next script of the list (the last one repeats), then closes.

Scripts are about interactions: a request for a model (``GET /{version}/models/{model}``, which
the TUI sends after a turn to learn the model's input window) is answered 404, as a server
without that endpoint answers, and kept in ``model_requests`` rather than taking a script.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    416: "Range Not Satisfiable",
    429: "Too Many Requests",
    499: "Client Closed Request",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class RecordedRequest:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Exchange:
    """One connection, handed to a script after its request was read."""

    request: RecordedRequest
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    #: Set when the client closed its side (seen by :meth:`wait_for_client_close`).
    client_closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def wait_for_client_close(self) -> None:
        """Block until the client hangs up (read returns EOF or the connection resets)."""
        try:
            while await self.reader.read(65536):
                pass
        except ConnectionError:
            pass
        self.client_closed.set()


Script = Callable[[Exchange], Awaitable[None]]


class ScriptedServer:
    """``async with ScriptedServer(script, ...) as server:`` then use ``server.base_url``."""

    def __init__(self, *scripts: Script) -> None:
        if not scripts:
            raise ValueError("at least one script")
        self._scripts = scripts
        self.requests: list[RecordedRequest] = []
        self.model_requests: list[RecordedRequest] = []
        self.exchanges: list[Exchange] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.base_url = ""

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            if request.method == "GET" and "/models/" in request.path:
                self.model_requests.append(request)
                writer.write(response_bytes(404, b'{"error": {"code": "not_found"}}'))
                await writer.drain()
                return
            self.requests.append(request)
            script = self._scripts[min(len(self.requests), len(self._scripts)) - 1]
            exchange = Exchange(request, reader, writer)
            self.exchanges.append(exchange)
            await script(exchange)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Stopped by __aexit__. Ending normally matters: asyncio 3.11's start_server callback
            # calls task.exception(), which raises (and logs an error) for a cancelled task.
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # a client that connected and gave up (or a TLS hello: see tls tests)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return RecordedRequest(method, target, headers, body)


# --------------------------------------------------------------------------- building responses


def response_bytes(
    status: int,
    body: bytes | str | dict[str, Any] = b"",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> bytes:
    """A complete HTTP/1.1 response with Content-Length and ``Connection: close``."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def sse_head(*, chunked: bool = False, content_type: str = "text/event-stream") -> bytes:
    """The head of a streamed answer; without ``chunked`` the body ends when the server closes."""
    lines = ["HTTP/1.1 200 OK", f"Content-Type: {content_type}", "Connection: close"]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def sse_event(data: str | dict[str, Any], event: str | None = None, eol: str = "\n") -> bytes:
    """One SSE event block: optional ``event:`` line, ``data:`` line(s), blank line."""
    if isinstance(data, dict):
        data = json.dumps(data)
    lines = [f"event: {event}"] if event else []
    lines += [f"data: {line}" for line in data.split("\n")]
    return (eol.join(lines) + eol + eol).encode()


# --------------------------------------------------------------------------- scripts


def reply(
    status: int,
    body: bytes | str | dict[str, Any] = b"",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Script:
    """Answer with one complete response."""
    data = response_bytes(status, body, headers=headers, content_type=content_type)

    async def script(exchange: Exchange) -> None:
        await exchange.write(data)

    return script


def stream(
    parts: Iterable[bytes],
    *,
    head: bytes | None = None,
    then: str = "close",
) -> Script:
    """Send ``head`` (an SSE head by default) and each part as its own write; then ``"close"``
    the connection, or ``"hold"`` it open (a stall) until the client hangs up."""
    parts = list(parts)

    async def script(exchange: Exchange) -> None:
        await exchange.write(sse_head() if head is None else head)
        for part in parts:
            await exchange.write(part)
        if then == "hold":
            await exchange.wait_for_client_close()

    return script


async def never_answer(exchange: Exchange) -> None:
    """Read the request, answer nothing, wait until the client gives up."""
    await exchange.wait_for_client_close()
