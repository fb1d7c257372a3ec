"""Time limits, retry backoff and per-request timings of the client.

Kept apart from the client so the policies can be read (and tuned from settings) without the
HTTP machinery, and so tests can inject a recording ``sleep`` instead of waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; ``None`` means no limit.

    ``first_byte`` bounds the wait for the response head: a non-streaming create only answers
    when generation is done, so it is generous. ``idle`` bounds every gap between received body
    bytes (keepalive comments count as data), so a stalled stream fails instead of hanging.
    """

    connect: float | None = 10.0
    first_byte: float | None = 300.0
    idle: float | None = 120.0
    write: float | None = 30.0
    pool: float | None = 30.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, as the official SDK does (0.5 s doubling, capped at 8 s,
    up to 25 % shorter at random). ``max_attempts`` counts the first try.

    A server's ``Retry-After`` replaces the computed delay; when it asks for more than
    ``max_retry_after`` the error is raised at once (with ``retry_after`` set) so the UI can tell
    the user rather than sit silent. ``sleep`` and ``rand`` are injectable for tests.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, failures: int) -> float:
        """The computed delay after ``failures`` failed attempts (1 for the first retry)."""
        delay = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return delay * (1 - self.jitter * self.rand())

    def delay(self, failures: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up now."""
        if failures >= self.max_attempts:
            return None
        if retry_after is None:
            return self.backoff(failures)
        return retry_after if retry_after <= self.max_retry_after else None


@dataclass(slots=True)
class RequestTimings:
    """Where the time of one request went, for the step timeline.

    ``started_at`` is ``time.monotonic()`` when the (last) attempt started; the other times are
    seconds from then. ``connect_s`` is ``None`` when a pooled connection was reused. The record
    fills in as the request proceeds (``total_s`` once the body is read or the stream closed).
    """

    started_at: float
    connect_s: float | None = None
    first_byte_s: float | None = None
    total_s: float | None = None
    status_code: int | None = None
    bytes_received: int = 0
    attempts: int = 1
    #: Seconds from the first attempt's start to this one's: failed tries and the waits
    #: between them, which the turn's total counts.
    retried_s: float = 0.0

    def finish(self) -> None:
        """Record the total time, once."""
        if self.total_s is None:
            self.total_s = time.monotonic() - self.started_at


class TimingTrace:
    """An httpx ``trace`` extension callback that fills a :class:`RequestTimings`."""

    __slots__ = ("_connect_started", "_on_sent", "timings")

    def __init__(self, attempt: int, on_sent: Callable[[], None] | None = None) -> None:
        self.timings = RequestTimings(started_at=time.monotonic(), attempts=attempt)
        self._connect_started: float | None = None
        #: Told once the request's last byte is written (the server has it all).
        self._on_sent = on_sent

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        # httpcore names them "<module>.<step>.<started|complete|failed>", e.g.
        # "connection.connect_tcp.started", "http11.receive_response_headers.complete".
        if name == "connection.connect_tcp.started":
            self._connect_started = time.monotonic()
        elif name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            if self._connect_started is not None:
                self.timings.connect_s = time.monotonic() - self._connect_started
        elif name.endswith(".send_request_body.complete"):
            if self._on_sent is not None:
                self._on_sent()
        elif name.endswith(".receive_response_headers.complete"):
            self.timings.first_byte_s = time.monotonic() - self.timings.started_at
