"""Starting the proxy: bind its socket, then serve it from uvicorn in a thread of its own.

The socket is bound before anything else, so a port in use is an error at once (not after the
TUI has taken the terminal) and clients may connect as soon as this returns (they wait in the
backlog). The proxy runs on its own event loop in a daemon thread, as the emulator does: the
chunks it forwards never wait for the collector's work (folding events, writing the history,
repainting the TUI), which runs on the caller's loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from types import TracebackType
from typing import Any

from gemtui.api.base_url import is_loopback
from gemtui.local_server import bind, cancel_other_tasks, url_of
from gemtui.proxy.wire import CaptureHub

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8788
#: How long a stopping proxy waits for open streams before closing them, in seconds.
GRACEFUL_SECONDS = 0.5
EXPOSED_WARNING = (
    "gemtui proxy: listening on {host}, which is not this machine only: anyone who can reach "
    "it can send requests through it, and the keys clients send travel in the clear to it."
)


def exposed(host: str) -> bool:
    """Whether ``host`` lets other machines in (anything but a loopback address)."""
    return not is_loopback(host.strip("[]"))


class RunningProxy:
    """A proxy serving from a daemon thread; ``stop()`` (or ``with``) shuts it down."""

    def __init__(
        self,
        sock: socket.socket,
        upstream: str,
        hub: CaptureHub,
        connect_timeout: float | None = None,
    ) -> None:
        self.url = url_of(sock)
        self.connect_timeout = connect_timeout
        self.upstream = upstream
        self.hub = hub
        self._sock = sock
        self._server: Any = None
        self._built = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"RunningProxy({self.url} -> {self.upstream})"

    def start(self) -> RunningProxy:
        self._thread = threading.Thread(target=self._serve, name="gemtui-proxy", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        import uvicorn  # in the thread: the caller's first frame does not wait for it

        from gemtui.proxy.server import create_app, upstream_client

        server = None
        loop = asyncio.new_event_loop()
        try:
            http = (
                upstream_client()
                if self.connect_timeout is None
                else upstream_client(self.connect_timeout)
            )
            config = uvicorn.Config(
                create_app(self.upstream, self.hub, http),
                lifespan="off",
                log_level="warning",
                access_log=False,
                loop="asyncio",
                http="h11",
                ws="none",
                log_config=None,
                proxy_headers=False,
                server_header=False,
                date_header=False,
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
            )
            server = uvicorn.Server(config)
        finally:
            self._server = server
            self._built.set()  # also when building failed: stop() must not wait for it
        try:
            loop.run_until_complete(_serve(server, self._sock, http))
        finally:
            loop.close()
            self._sock.close()

    def stop(self) -> None:
        self._built.wait(timeout=30)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> RunningProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _serve(server: Any, sock: socket.socket, http: Any) -> None:
    try:
        await server.serve(sockets=[sock])
    finally:
        await cancel_other_tasks()
        await http.aclose()


def start_proxy(
    upstream: str,
    hub: CaptureHub,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    connect_timeout: float | None = None,
) -> RunningProxy:
    """Bind ``host:port`` and serve the proxy to ``upstream`` in a thread; returns once it
    listens. Raises ``OSError`` when the address cannot be bound. uvicorn's loggers get a
    ``NullHandler`` so nothing reaches the terminal. ``connect_timeout``: seconds to reach the
    upstream before answering 504 (default :data:`~gemtui.proxy.server.CONNECT_TIMEOUT`)."""
    logging.getLogger("uvicorn").addHandler(logging.NullHandler())
    return RunningProxy(bind(host, port), upstream, hub, connect_timeout).start()
