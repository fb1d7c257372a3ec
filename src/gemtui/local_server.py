"""What the emulator and the proxy share to serve HTTP from a thread of their own.

Both bind their socket first (so the port is known, and in use, before the server is built in
the thread) and both must leave nothing running on their loop once uvicorn stops.
"""

from __future__ import annotations

import asyncio
import socket


def bind(host: str, port: int, backlog: int = 256) -> socket.socket:
    """The listening socket (port 0 picks a free one); raises ``OSError`` (port in use, bad
    address)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.create_server((host, port), family=family, backlog=backlog)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (an IPv6 host in brackets)."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def cancel_other_tasks() -> None:
    """Cancel every task of the running loop but the caller's, and wait for them: a stream
    still being served when the server stops (a run that never completes) must not outlive
    the loop."""
    current = asyncio.current_task()
    leftover = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftover:
        task.cancel()
    await asyncio.gather(*leftover, return_exceptions=True)
