"""The reverse proxy itself: a Starlette app that forwards everything to the upstream.

Every path, method, query and header goes on as it came (the key included: it is the client's
to send, and it goes to the configured upstream only), except the headers that describe one hop
of a connection. Every response comes back byte for byte: status, headers (encoding kept: the
body is passed on still compressed if it was), and body, read with httpx's raw streaming and
written to the client chunk by chunk as it arrives, so an event stream is never held back.

What a gateway does when the upstream fails, this does: no answer at all gives the client a
502 (unreachable) or 504 (no connection in time) with a JSON body in the API's error shape; a
body that breaks mid-way is cut at the same point (the client's connection is closed without
the end of the body, as the upstream's was). The capture (:mod:`gemtui.proxy.wire`) is noted
on the side and never delays a chunk: each is written to the client before it is noted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from gemtui.proxy.wire import (
    CaptureHub,
    Wire,
    client_name,
    forwarded,
    key_values,
    redacted_headers,
    redacted_query,
)

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: Seconds to open a connection to the upstream before answering 504. Reading has no limit:
#: a create that is not streamed answers only when it is done, and clients set their own.
CONNECT_TIMEOUT = 10.0

log = logging.getLogger(__name__)


class UpstreamBroke(Exception):
    """Raised to make uvicorn close the client's connection mid-body, as the upstream's was."""


class _HideCuts(logging.Filter):
    """Keeps the deliberate cut out of uvicorn's error log (it is the upstream's failure,
    noted in the capture, not a bug of the proxy)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, UpstreamBroke)


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideCuts) for f in logger.filters):
        logger.addFilter(_HideCuts())


def gateway_body(code: str, message: str) -> bytes:
    """An error body in the Interactions API's shape (wire reference §6.1)."""
    return json.dumps({"error": {"code": code, "message": message}}).encode()


CLIENT_LEFT = "the client closed the connection"
STOPPED = "the proxy stopped"


class Relay(Response):
    """Streams the upstream's response to the client and notes it in the capture."""

    def __init__(
        self, upstream: httpx.Response, wire: Wire, hub: CaptureHub, back: tuple[str, str]
    ) -> None:
        self.upstream = upstream
        self.wire = wire
        self.hub = hub
        self.status_code = upstream.status_code
        self.background = None
        self.raw_headers = _pointing_back(forwarded(upstream.headers.raw, drop=frozenset()), back)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        wire, hub, upstream = self.wire, self.hub, self.upstream
        task = asyncio.current_task()
        gone = asyncio.ensure_future(_disconnected(receive))
        # The client left: stop reading the upstream at once (its stream may be idle a long time).
        gone.add_done_callback(lambda f: _stop(task) if not f.cancelled() else None)
        reason = ""
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            streaming = wire.streaming
            async for chunk in upstream.aiter_raw():
                at = time.monotonic()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                wire.response_bytes += len(chunk)
                if streaming:
                    hub.emit("chunk", wire, (at, chunk))
                else:
                    wire.response.write(chunk)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError as error:
            reason = f"the upstream broke off the response ({_why(error)})"
            raise UpstreamBroke(reason) from None
        except asyncio.CancelledError:
            if hub.stopping or not gone.done():
                reason = STOPPED
                raise
            reason = CLIENT_LEFT
            if task is not None:
                task.uncancel()
        except OSError:  # the client's connection failed while writing to it
            # A stopping proxy closes the connections it serves itself.
            reason = STOPPED if hub.stopping else CLIENT_LEFT
        finally:
            gone.cancel()
            await upstream.aclose()
            wire.error = wire.error or reason
            wire.ended_at = time.monotonic()
            hub.emit("end", wire)


#: Response headers holding a URL the client goes to next: the Files API's resumable upload
#: session, a redirect.
URL_HEADERS = frozenset({b"x-goog-upload-url", b"location"})


def _pointing_back(headers: list[tuple[bytes, bytes]], back: tuple[str, str]) -> list[Any]:
    """``headers`` with a URL of the upstream's made the proxy's (``back``: the upstream's
    origin, the proxy's): the upload of a file went straight to the upstream, unseen."""
    upstream, proxy = (origin.encode("latin-1") for origin in back)
    return [
        (name, proxy + value[len(upstream) :])
        if name.lower() in URL_HEADERS and value.startswith(upstream + b"/")
        else (name, value)
        for name, value in headers
    ]


def _stop(task: asyncio.Task[Any] | None) -> None:
    if task is not None:
        task.cancel()


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _why(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def upstream_client(connect_timeout: float = CONNECT_TIMEOUT) -> httpx.AsyncClient:
    """The client the proxy reaches the upstream with: no read limit, a connect limit, no
    default headers of its own (requests are built whole, see ``forward``)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=connect_timeout, read=None, write=None, pool=None),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
        follow_redirects=False,
    )


def create_app(upstream: str, hub: CaptureHub, http: httpx.AsyncClient | None = None) -> Starlette:
    """The proxy app forwarding to ``upstream`` (a base URL, no trailing slash), noting each
    exchange in ``hub``. ``http``: the client for the upstream (``app.state.http``; one is made
    otherwise, which the caller closes)."""
    install_log_filter()
    base = upstream.rstrip("/")
    upstream_host = httpx.URL(base).host
    parsed = httpx.URL(base)
    upstream_origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
    client = http or upstream_client()

    async def forward(request: Request) -> Response:
        scope = request.scope
        query = scope.get("query_string", b"").decode("latin-1")
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        headers = [
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.headers.raw
        ]
        shown_query = redacted_query(query)
        wire = Wire(
            number=hub.next_number(),
            method=request.method,
            path=raw_path + (f"?{shown_query}" if query else ""),
            client=client_name(request.headers.get("user-agent", "")),
            request_headers=redacted_headers(headers),
            secrets=key_values(headers, query),
            started_at=time.monotonic(),
        )
        hub.emit("begin", wire)
        length = request.headers.get("content-length", "")
        content: Any = None
        if length.isdigit() and int(length) <= READ_FIRST_BYTES:
            # Read whole before it goes on: a body that never reached an upstream (down, or
            # slow to answer) is then in the capture all the same; it was lost before.
            try:
                content = await request.body()
            except ClientDisconnect:
                return _gone(wire, hub)
            wire.request.write(content)
        elif length or "transfer-encoding" in request.headers:
            content = _tee(request, wire)
        outgoing = httpx.Request(
            request.method,
            base + raw_path + (f"?{query}" if query else ""),
            headers=forwarded(request.headers.raw, drop=frozenset({"host"})),
            content=content,
        )
        try:
            upstream_response = await _unless_client_leaves(
                client.send(outgoing, stream=True),
                # A body still streaming reads the client's messages itself.
                request.receive if not isinstance(content, AsyncIterator) else None,
            )
        except ClientDisconnect:
            return _gone(wire, hub)
        except ClientLeft:
            return _gone(wire, hub, "the client closed the connection before the answer came")
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            return _gateway(
                wire, hub, 504, "deadline_exceeded",
                f"gemtui proxy: no connection to the upstream {upstream_host} in time "
                f"({_why(error)}).",
            )  # fmt: skip
        except httpx.HTTPError as error:
            return _gateway(
                wire, hub, 502, "bad_gateway",
                f"gemtui proxy: the upstream {upstream_host} could not be reached ({_why(error)}).",
            )  # fmt: skip
        wire.status = upstream_response.status_code
        wire.response_headers = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in upstream_response.headers.raw
        }
        wire.streaming = "text/event-stream" in wire.content_type.lower()
        wire.first_byte_at = time.monotonic()
        hub.emit("head", wire)
        proxy_origin = str(request.base_url).rstrip("/")
        return Relay(upstream_response, wire, hub, (upstream_origin, proxy_origin))

    app = Starlette(routes=[Route("/{path:path}", forward, methods=METHODS)])
    app.state.upstream = base
    app.state.http = client
    return app


#: Request bodies up to this size are read whole before they are forwarded (an Interactions
#: request is a few kilobytes; an inline attachment, a few megabytes); larger ones stream.
READ_FIRST_BYTES = 8 * 1024 * 1024


async def _tee(request: Request, wire: Wire) -> Any:
    """The request body as it streams to the upstream, copied into the wire's spool."""
    async for chunk in request.stream():
        if chunk:
            wire.request.write(chunk)
            yield chunk


class ClientLeft(Exception):
    """The client hung up while the upstream had not answered yet."""


async def _unless_client_leaves(answer: Awaitable[httpx.Response], receive: Any) -> httpx.Response:
    """The upstream's answer; :class:`ClientLeft` (and the upstream request dropped) if the
    client hangs up first. A create that is not streamed answers only when it is done, minutes
    later for an agent: a client that gave up before then left its capture running until
    then, or forever for an upstream that never answers."""
    if receive is None:
        return await answer
    sending = asyncio.ensure_future(answer)
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait((sending, gone), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the proxy stops
        sending.cancel()
        raise
    finally:
        gone.cancel()
    if not sending.done():
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await sending
        raise ClientLeft
    return sending.result()


def _gone(
    wire: Wire,
    hub: CaptureHub,
    why: str = "the client closed the connection before its request was sent",
) -> Response:
    """The client left before the answer: note it; nobody reads the answer."""
    wire.error = why
    wire.ended_at = time.monotonic()
    hub.emit("end", wire)
    return Response(b"", status_code=499)


def _gateway(wire: Wire, hub: CaptureHub, status: int, code: str, message: str) -> Response:
    """Answer as a gateway does when the upstream gave nothing, and note it."""
    body = gateway_body(code, message)
    now = time.monotonic()
    wire.status, wire.gateway, wire.error = status, True, message
    wire.response_headers = {"content-type": "application/json"}
    wire.response.write(body)
    wire.response_bytes = len(body)
    wire.first_byte_at = wire.ended_at = now
    hub.emit("head", wire)
    hub.emit("end", wire)
    log.warning("%s", message)
    return Response(body, status_code=status, media_type="application/json")
