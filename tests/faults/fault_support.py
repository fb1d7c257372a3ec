"""Helpers of the fault suites: clients with small limits, endpoints that fail on purpose."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.endpoints import UNRESOLVABLE_HOST, closed_port_url
from support.rawserver import ScriptedServer, never_answer, reply

from gemtui.api.client import InteractionsClient, RetryPolicy, Timeouts

#: Generous limits as a safety net; cases that test a limit pass their own small one.
SAFE_TIMEOUTS = Timeouts(connect=10, first_byte=30, idle=30, write=10, pool=10)
#: Small limits for the stall and no-first-byte cases (the server holds on far longer).
SHORT_TIMEOUTS = Timeouts(connect=10, first_byte=0.3, idle=0.3, write=10, pool=10)


class NoWait:
    """Stands in for ``asyncio.sleep`` in the retry policy: records the delays, waits not."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def fast_client(
    base_url: str,
    api_key: str | None,
    *,
    timeouts: Timeouts = SAFE_TIMEOUTS,
    max_attempts: int = 2,
) -> InteractionsClient:
    """The real client with the app's retry rules, but retry pauses that do not wait.

    Users set time limits and retries (``[network]``, ``ask --retries``) but not the pauses
    between retries, so the fault cases install this client to keep them from waiting.
    """
    retry = RetryPolicy(max_attempts=max_attempts, sleep=NoWait(), rand=lambda: 0.0)
    return InteractionsClient(api_key=api_key, base_url=base_url, timeouts=timeouts, retry=retry)


@asynccontextmanager
async def tls_server(cert: tuple[Path, Path]) -> AsyncIterator[str]:
    """``https://127.0.0.1:PORT`` of a server (in the running loop) that completes handshakes
    with an untrusted certificate, which the client must refuse, and answers nothing."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, cert))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


RATE_LIMIT_BODY = {
    "error": {
        "code": "rate_limit_exceeded",
        "message": "Resource has been exhausted (e.g. check quota).",
    }
}


@asynccontextmanager
async def refusing_endpoint(kind: str, emulator, cert) -> AsyncIterator[str]:
    """The base URL of an endpoint that fails in the way ``kind`` names; every test sends to
    it twice (a first try and a retry)."""
    if kind == "emulator":
        yield emulator.base_url
    elif kind == "refused":
        yield closed_port_url()
    elif kind == "dns":
        yield f"http://{UNRESOLVABLE_HOST}:80"
    elif kind == "tls":
        async with tls_server(cert) as base_url:
            yield base_url
    elif kind == "silent":
        async with ScriptedServer(never_answer) as server:
            yield server.base_url
    else:
        headers = {"Retry-After": "120"}
        async with ScriptedServer(reply(429, RATE_LIMIT_BODY, headers=headers)) as server:
            yield server.base_url
            # A wait longer than the client's limit is not attempted: one request per try.
            assert len(server.requests) == 2
