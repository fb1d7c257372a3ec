"""Starting the emulator: in a background thread (``--demo``, tests) or in the foreground.

Both bind the listening socket *before* uvicorn runs, so the port is known (port 0 picks a
free one) and clients may connect as soon as the start function returns: connections wait
in the socket's backlog until the server accepts them. No sleeps, no polling.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from gemtui.emulator.options import EmulatorOptions
from gemtui.local_server import ServerThread, bind, cancel_other_tasks, url_of, uvicorn_server


def _server(options: EmulatorOptions, persist: Path | None, *, configure_logging: bool) -> Any:
    import uvicorn

    from gemtui.emulator.app import create_app

    logging_config = uvicorn.config.LOGGING_CONFIG if configure_logging else None
    return uvicorn_server(create_app(options, persist), log_config=logging_config)


async def _serve(server: Any, sock: socket.socket) -> None:
    """Serve until told to exit, then cancel runs still going (e.g. ``never-complete``).

    A persistent emulator first finishes those runs at once and, once they are gone, waits
    for its file's writes (``Emulator.settle`` and ``close``)."""
    emulator = server.config.app.state.emulator
    try:
        await server.serve(sockets=[sock])
    finally:
        emulator.settle()
        await cancel_other_tasks()
        emulator.close()


class RunningEmulator(ServerThread):
    """An emulator serving from a daemon thread; ``stop()`` (or ``with``) shuts it down.

    The thread builds the server itself (importing Starlette, uvicorn and the scenarios takes
    about 0.3 s); requests wait in the socket's backlog meanwhile. A *held* emulator starts that
    thread only on :meth:`start`: ``--demo`` calls it once its first frame is drawn, because the
    thread's imports would otherwise take turns with the app's own for the GIL and hold the
    first frame back.
    """

    def __init__(self, sock: socket.socket, options: EmulatorOptions, persist: Path | None) -> None:
        super().__init__(sock, "gemtui-emulator")
        self._options = options
        self._persist = persist

    @property
    def base_url(self) -> str:
        """Where clients point (``url``, by the name clients give it)."""
        return self.url

    def build(self) -> Any:
        return _server(self._options, self._persist, configure_logging=False)

    async def serve(self, server: Any) -> None:
        await _serve(server, self.sock)

    def __repr__(self) -> str:
        return f"RunningEmulator({self.base_url})"

    def received_requests(self) -> list[dict[str, Any]]:
        """The last requests this emulator received, oldest first: ``method``, ``path``,
        ``query``, ``key_sha256`` (digest of ``x-goog-api-key``) and the JSON ``body``."""
        return self.server.config.app.state.received.snapshot()

    def received_count(self) -> int:
        """How many requests this emulator received so far: a mark for :meth:`requests_since`."""
        return self.server.config.app.state.received.count()

    def requests_since(self, mark: int) -> list[dict[str, Any]]:
        """The requests received after ``mark`` (a :meth:`received_count`), oldest first."""
        return self.server.config.app.state.received.since(mark)


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    options: EmulatorOptions | None = None,
    persist: Path | None = None,
    *,
    held: bool = False,
) -> RunningEmulator:
    """Start an emulator on its own event loop in a daemon thread; returns once it listens.

    With ``persist`` it keeps its interactions in that file between runs (see
    :mod:`gemtui.emulator.persist`); ``stop()`` returns once they are written. ``held``: the
    socket listens at once but the thread waits for :meth:`RunningEmulator.start`.
    Nothing is written to the terminal: uvicorn's loggers get a ``NullHandler`` and still
    propagate to whatever logging the host application configured.
    """
    logging.getLogger("uvicorn").addHandler(logging.NullHandler())
    running = RunningEmulator(bind(host, port, backlog=128), options or EmulatorOptions(), persist)
    if not held:
        running.start()
    return running


def start_demo(data_dir: Path, *, held: bool = False) -> RunningEmulator:
    """The emulator of ``--demo``: default pacing, interactions kept in
    :data:`~gemtui.emulator.persist.DEMO_FILE` under ``data_dir`` (the caller knows where the
    user's data dir is; the emulator does not import gemtui's core to find out)."""
    from gemtui.emulator.persist import DEMO_FILE

    return start_in_thread(persist=data_dir / DEMO_FILE, held=held)


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8080,
    delay_ms: float | None = None,
    chunk_chars: int | None = None,
    persist: Path | None = None,
    hop_kb: float | None = None,
) -> int:
    """``gemtui emulator``: serve in the foreground until Ctrl+C (or SIGTERM); exit code 0."""
    overrides: dict[str, Any] = {}
    if delay_ms is not None:
        overrides["delay_ms"] = delay_ms
    if chunk_chars is not None:
        overrides["chunk_chars"] = chunk_chars
    if hop_kb is not None:
        overrides["hop_kb"] = hop_kb
    try:
        sock = bind(host, port, backlog=128)
    except OSError as error:
        print(f"gemtui emulator: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    url = url_of(sock)
    server = _server(EmulatorOptions(**overrides), persist, configure_logging=True)
    print(f"gemtui emulator listening on {url} (API key: any non-empty value)")
    print(f"Point clients at it with: export GOOGLE_GEMINI_BASE_URL={url}", flush=True)
    if persist is not None:
        print(f"Interactions are kept in {persist}", flush=True)
    previous_term = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        asyncio.run(_serve(server, sock))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        sock.close()
    print("gemtui emulator stopped.", flush=True)
    return 0
