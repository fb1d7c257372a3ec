"""Starting the proxy: bind its socket, then serve it from uvicorn in a thread of its own.

The socket is bound before anything else, so a port in use is an error at once (not after the
TUI has taken the terminal) and clients may connect as soon as this returns (they wait in the
backlog). The proxy runs on its own event loop in a daemon thread, as the emulator does: the
chunks it forwards never wait for the collector's work (folding events, writing the history,
repainting the TUI), which runs on the caller's loop.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from gemtui.api.base_url import is_loopback
from gemtui.local_server import ServerThread, bind, cancel_other_tasks, uvicorn_server
from gemtui.proxy.wire import CaptureHub

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8788
EXPOSED_WARNING = (
    "gemtui proxy: listening on {host}, which is not this machine only: anyone who can reach "
    "it can send requests through it, and the keys clients send travel in the clear to it."
)


def exposed(host: str) -> bool:
    """Whether ``host`` lets other machines in (anything but a loopback address)."""
    return not is_loopback(host.strip("[]"))


class RunningProxy(ServerThread):
    """A proxy serving from a daemon thread once started; ``stop()`` (or ``with``) shuts it
    down."""

    def __init__(
        self,
        sock: socket.socket,
        upstream: str,
        hub: CaptureHub,
        connect_timeout: float | None = None,
    ) -> None:
        super().__init__(sock, "gemtui-proxy")
        self.connect_timeout = connect_timeout
        self.upstream = upstream
        self.hub = hub
        self._http: Any = None

    def __repr__(self) -> str:
        return f"RunningProxy({self.url} -> {self.upstream})"

    def stop(self) -> None:
        self.hub.stopping = True
        super().stop()

    def build(self) -> Any:
        from gemtui.proxy.server import create_app, upstream_client

        self._http = (
            upstream_client()
            if self.connect_timeout is None
            else upstream_client(self.connect_timeout)
        )
        app = create_app(self.upstream, self.hub, self._http)
        return uvicorn_server(app, proxy_headers=False, server_header=False, date_header=False)

    async def serve(self, server: Any) -> None:
        await _serve(server, self.sock, self._http)


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
    proxy = RunningProxy(bind(host, port), upstream, hub, connect_timeout)
    proxy.start()
    return proxy
