"""From response bytes to typed events: SSE framing and the :class:`EventStream`.

Framing uses httpx-sse's line and field decoders. Its ``EventSource`` is not used because in
0.4.3 it (a) decodes with the response charset and keeps a UTF-8 byte-order mark, so a first
line ``\\ufeffdata: …`` loses its field name and the event is dropped, and (b) discards an event
that the server did not finish with a blank line before closing. Here the bytes are decoded as
UTF-8 (SSE is always UTF-8) with the BOM stripped, and a last unterminated event is still
delivered, as the official SDK does: if it was cut short it fails to parse and is shown raw.

Dispatch is on the JSON ``event_type`` (through :func:`parse_event`), never on the SSE
``event:`` field, which is only reported (``ReceivedEvent.sse_event``).
"""

from __future__ import annotations

import asyncio
import codecs
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

import httpx
from httpx_sse import ServerSentEvent

# Private in httpx-sse 0.4.x (pinned <0.5 in pyproject): the spec-conformant line splitter
# (\r\n, \r and \n) and field decoder.
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from gemtui.api.errors import (
    StreamIdleTimeout,
    StreamInterrupted,
    UnexpectedResponseError,
    one_line,
)
from gemtui.api.models import EventBase, parse_event
from gemtui.api.timing import RequestTimings

DONE = "[DONE]"
_TERMINAL_EVENTS = frozenset({"interaction.completed", "error"})


async def iter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events from raw body chunks (any split, any of the three line endings)."""
    text = codecs.getincrementaldecoder("utf-8-sig")("replace")
    lines = SSELineDecoder()
    fields = SSEDecoder()
    async for chunk in chunks:
        decoded = text.decode(chunk)
        if decoded:
            for line in lines.decode(decoded):
                sse = fields.decode(line)
                if sse is not None:
                    yield sse
    tail = text.decode(b"", final=True)
    rest = lines.decode(tail) if tail else []
    # The final "" ends an event the server left unterminated.
    for line in [*rest, *lines.flush(), ""]:
        sse = fields.decode(line)
        if sse is not None:
            yield sse


async def guarded_chunks(
    response: httpx.Response, timings: RequestTimings, idle_timeout: float | None
) -> AsyncIterator[bytes]:
    """Body chunks, counted into ``timings``; ``TimeoutError`` when none comes for
    ``idle_timeout`` seconds (httpx's read timeout is off: this is the one idle limit)."""
    body = response.aiter_bytes()
    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                chunk = await anext(body)
        except StopAsyncIteration:
            return
        timings.bytes_received += len(chunk)
        yield chunk


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One event as parsed, with what the timeline needs: the raw payload and when it came."""

    event: EventBase
    #: The SSE ``data`` payload exactly as received (multi-line data joined with ``\n``).
    raw: str
    #: ``time.monotonic()`` when the event was parsed.
    received_at: float
    #: The SSE ``event:`` field; ``""`` when absent (SSE's default ``message`` reads as absent).
    sse_event: str = ""

    @property
    def size(self) -> int:
        """Bytes of the data payload (UTF-8)."""
        return len(self.raw.encode("utf-8"))


#: Performs the request (with retries) and returns a 2xx streaming response and its timings.
Opener = Callable[[], Awaitable[tuple[httpx.Response, RequestTimings]]]


class EventStream:
    """An async context manager and async iterator of :class:`ReceivedEvent`.

    Entering performs the request (and its retries) and raises typed errors before any event.
    Iteration ends cleanly at ``[DONE]``, or at the end of the body once ``interaction.completed``
    or an ``error`` event has arrived; any other end raises :class:`StreamInterrupted` (or
    :class:`StreamIdleTimeout` when the stream stalled), carrying what is needed to resume.
    Leaving the context, or cancelling the task, closes the connection at once.
    """

    def __init__(self, opener: Opener, *, idle_timeout: float | None, host: str) -> None:
        self._opener = opener
        self._idle_timeout = idle_timeout
        self._host = host
        self._response: httpx.Response | None = None
        self._chunks: AsyncIterator[bytes] | None = None
        self._events: AsyncIterator[ServerSentEvent] | None = None
        self._closed = False
        self._terminal = False
        self.timings: RequestTimings | None = None
        self.last_event_id: str | None = None
        self.interaction_id: str | None = None
        self.events_received = 0

    @property
    def status_code(self) -> int | None:
        return self._response.status_code if self._response is not None else None

    @property
    def response_headers(self) -> httpx.Headers:
        return self._response.headers if self._response is not None else httpx.Headers()

    async def __aenter__(self) -> EventStream:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Send the request; called by ``async with`` (or the first ``__anext__``)."""
        if self._response is not None or self._closed:
            raise RuntimeError("an EventStream is opened once")
        response, timings = await self._opener()
        self._response, self.timings = response, timings
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type.lower():
            await self.aclose()
            raise UnexpectedResponseError(
                f"Expected an event stream from {self._host}, got HTTP {response.status_code} "
                f"with content type {content_type or 'none'!r}"
            )
        self._chunks = guarded_chunks(response, timings, self._idle_timeout)
        self._events = iter_sse(self._chunks)

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        self._closed = True
        events, chunks, self._events, self._chunks = self._events, self._chunks, None, None
        if events is not None:
            await events.aclose()  # type: ignore[attr-defined]
        if chunks is not None:
            await chunks.aclose()  # type: ignore[attr-defined]
        if self._response is not None:
            await self._response.aclose()
        if self.timings is not None:
            self.timings.finish()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> ReceivedEvent:
        if self._events is None:
            if self._closed:
                raise StopAsyncIteration
            await self.open()
        try:
            sse = await self._next_payload()
        except BaseException:
            await self.aclose()
            raise
        if sse is None:
            await self.aclose()
            raise StopAsyncIteration
        return self._receive(sse)

    async def _next_payload(self) -> ServerSentEvent | None:
        """The next event that carries data; ``None`` at a clean end of the stream."""
        assert self._events is not None
        try:
            async for sse in self._events:
                data = sse.data
                if data.startswith(DONE):
                    return None
                if data:
                    return sse
        except TimeoutError as exc:
            raise StreamIdleTimeout(
                seconds=self._idle_timeout,
                host=self._host,
                last_event_id=self.last_event_id,
                interaction_id=self.interaction_id,
                events_received=self.events_received,
            ) from exc
        except httpx.TransportError as exc:
            detail = one_line(str(exc)) or type(exc).__name__
            raise self._interrupted(f"connection lost ({detail})") from exc
        if self._terminal:
            return None
        raise self._interrupted("the server closed the stream before interaction.completed")

    def _interrupted(self, reason: str) -> StreamInterrupted:
        return StreamInterrupted(
            reason,
            last_event_id=self.last_event_id,
            interaction_id=self.interaction_id,
            events_received=self.events_received,
        )

    def _receive(self, sse: ServerSentEvent) -> ReceivedEvent:
        received_at = time.monotonic()
        raw = sse.data
        event = parse_event(raw)
        self.events_received += 1
        event_id = event.event_id
        if isinstance(event_id, str) and event_id:
            self.last_event_id = event_id
        elif sse.id:
            self.last_event_id = sse.id
        kind = getattr(event, "event_type", None)
        if kind in _TERMINAL_EVENTS:
            self._terminal = True
        if self.interaction_id is None:
            self.interaction_id = _interaction_id(event)
        name = sse.event
        return ReceivedEvent(event, raw, received_at, "" if name == "message" else name)


def _interaction_id(event: EventBase) -> str | None:
    """The interaction id an event names, if any (created, completed or status_update)."""
    interaction = getattr(event, "interaction", None)
    value = getattr(interaction, "id", None) or getattr(event, "interaction_id", None)
    return value if isinstance(value, str) and value else None
