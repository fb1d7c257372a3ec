"""What the emulator and the proxy share to serve HTTP from a thread of their own.

Both bind their socket first (so the port is known, and in use, before the server is built in
the thread) and both must leave nothing running on their loop once uvicorn stops.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Any, Self

#: How long a stopping server waits for open streams before closing them, in seconds.
GRACEFUL_SECONDS = 0.5


def uvicorn_server(app: Any, **options: Any) -> Any:
    """A uvicorn server for ``app`` as both want one: HTTP/1.1 on asyncio, no lifespan, no
    websockets, no access log; ``options`` add to uvicorn's ``Config`` or replace these."""
    import uvicorn  # on first use: a first frame does not wait for it

    settings: dict[str, Any] = {
        "lifespan": "off",
        "log_level": "warning",
        "access_log": False,
        "loop": "asyncio",
        "http": "h11",
        "ws": "none",
        "log_config": None,
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
    }
    return uvicorn.Server(uvicorn.Config(app, **(settings | options)))


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


class ServerThread:
    """A server on a bound socket, built and served on an event loop of its own in a daemon
    thread; :meth:`stop` (or ``with``) shuts it down.

    Subclasses give :meth:`build` (the uvicorn server, made in the thread: importing uvicorn
    and the app takes a while, and the caller's first frame does not wait for it) and
    :meth:`serve`. Until :meth:`start`, the socket listens and requests wait in its backlog.
    """

    def __init__(self, sock: socket.socket, name: str) -> None:
        self.sock = sock
        self.url = url_of(sock)
        self._server: Any = None
        self._built = threading.Event()
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name=name, daemon=True
        )
        self._start_lock = threading.Lock()

    def build(self) -> Any:
        """The server (in the thread)."""
        raise NotImplementedError

    async def serve(self, server: Any) -> None:
        """Serve on :attr:`sock` until told to exit, then leave nothing running on the loop."""
        raise NotImplementedError

    def start(self) -> None:
        """Start serving, if not started yet (safe to call from any thread, more than once)."""
        with self._start_lock:
            thread = self._thread
            if thread is not None and thread.ident is None:
                thread.start()

    @property
    def server(self) -> Any:
        """The server, once the thread has built it (``None`` if building it failed)."""
        self._built.wait(timeout=30)
        return self._server

    def stop(self) -> None:
        with self._start_lock:
            never_started = self._thread is not None and self._thread.ident is None
            if never_started:
                self._thread = None  # a later start() has nothing to start
        if never_started:
            self.sock.close()
            return
        server = self.server
        if server is not None:
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        server = None
        try:
            server = self.build()
        finally:
            self._server = server
            self._built.set()  # also when building failed: stop() must not wait for it
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self.serve(server))
        finally:
            loop.close()
            self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
