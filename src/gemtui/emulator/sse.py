"""The HTTP side of a stream: follows a record's event log and writes it as SSE."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from gemtui.emulator.events import DONE_FRAME
from gemtui.emulator.store import Record

#: frames written per ASGI send when many are ready at once (keeps fast streams cheap)
BATCH_BYTES = 64 * 1024


class ConnectionDropped(Exception):
    """Raised to make uvicorn close the socket mid-body (the ``drop-after`` fault)."""


class _HideDrops(logging.Filter):
    """Keeps the deliberate drop out of uvicorn's error log (it is not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())


class EventStream:
    """An ASGI response streaming ``record`` from frame ``start``.

    ``drop_after`` closes the connection abruptly after that many frames. The reader stops
    when the client goes away; the run it follows does not.
    """

    def __init__(self, record: Record, start: int = 0, drop_after: int | None = None) -> None:
        self.record = record
        self.start = start
        self.drop_after = drop_after

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await self._follow(send, gone)
        finally:
            gone.cancel()

    async def _follow(self, send: Any, gone: asyncio.Future) -> None:
        record, position = self.record, self.start
        budget = self.drop_after
        while True:
            end = len(record.frames)
            if budget is not None:
                end = min(end, position + budget)
            if position < end:
                batch, size = [], 0
                while position < end and size < BATCH_BYTES:
                    batch.append(record.frames[position])
                    size += len(batch[-1])
                    position += 1
                if budget is not None:
                    budget -= len(batch)
                await send(
                    {"type": "http.response.body", "body": b"".join(batch), "more_body": True}
                )
                continue
            if budget == 0:
                raise ConnectionDropped
            if record.finished:
                break
            wake = asyncio.ensure_future(record.waiter().wait())
            await asyncio.wait({wake, gone}, return_when=asyncio.FIRST_COMPLETED)
            wake.cancel()
            if gone.done():
                return
        tail = DONE_FRAME if record.send_done else b""
        await send({"type": "http.response.body", "body": tail, "more_body": False})


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
