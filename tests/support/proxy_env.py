"""The inspector proxy for tests: in this process with its captures in hand, or as a process.

In process, the proxy runs on its own thread as always and the collector on the test's event
loop, as it runs on the TUI's in ``gemtui inspect``; tests wait for captures to finish, never
for time.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from support.cli_env import FAKE_KEY

from gemtui.core.assembler import Change
from gemtui.core.store import Store
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import QuietSink
from gemtui.proxy.collector import Capture, Collector
from gemtui.proxy.run import start_proxy
from gemtui.proxy.wire import CaptureHub


class _Watch(QuietSink):
    """A sink that only says "something changed" (folded events wake the waiting test)."""

    def __init__(self, changed: asyncio.Event) -> None:
        self.changed = changed

    def turn_changed(self, turn: Turn, change: Change) -> None:
        self.changed.set()


class InProcessProxy:
    """``gemtui proxy`` to ``upstream`` on 127.0.0.1:0, its captures collected on the test's
    event loop (as the TUI's collects on its own) into ``store``."""

    def __init__(
        self, upstream: str, store: Store | None = None, connect_timeout: float | None = None
    ) -> None:
        self.done: list[Capture] = []
        self._changed = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.hub = CaptureHub()
        self.collector = Collector(
            store=store,
            on_done=self._done,
            on_change=lambda _capture, _kind: self._changed.set(),
            sink_for=lambda _capture: _Watch(self._changed),
        )
        self.hub.attach_loop(loop, self.collector.take)
        self.proxy = start_proxy(upstream, self.hub, port=0, connect_timeout=connect_timeout)
        self.url = self.proxy.url

    def _done(self, capture: Capture) -> None:
        self.done.append(capture)
        self._changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds, looking again after each change of a capture."""
        while not condition():
            self._changed.clear()
            await self._changed.wait()

    async def wait_for(self, count: int) -> list[Capture]:
        """The first ``count`` captures to finish, once they have."""
        await self.until(lambda: len(self.done) >= count)
        return self.done[:count]

    async def folded(self, count: int) -> Capture:
        """The first capture, once its turn holds ``count`` events."""

        def enough() -> bool:
            captures = self.collector.captures
            turn = captures[0].turn if captures else None
            return turn is not None and len(turn.reply.state.events) >= count

        await self.until(enough)
        return self.collector.captures[0]

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.proxy.stop)
        await self.collector.drain()


@asynccontextmanager
async def proxy_in_process(
    upstream: str, store: Store | None = None, connect_timeout: float | None = None
) -> AsyncIterator[InProcessProxy]:
    proxy = InProcessProxy(upstream, store, connect_timeout)
    try:
        yield proxy
    finally:
        await proxy.close()


def api_client(base_url: str, key: str = FAKE_KEY, **options: Any) -> httpx.AsyncClient:
    """A plain client with the key in its header, as SDKs send it (``headers``: more)."""
    headers = {"x-goog-api-key": key, **options.pop("headers", {})}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30, **options)


class ProxyProcess:
    """``python -m gemtui proxy --headless ARGS`` on port 0; ``url`` is where it listens."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gemtui", "proxy", "--headless", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # unbuffered: what follows the banner stays for communicate()
            env=env,
        )
        assert self.process.stderr is not None
        banner = b""
        while not banner.endswith(b"\n") and (byte := self.process.stderr.read(1)):
            banner += byte
        self.banner = banner.decode()
        assert "listening on " in self.banner, self.banner + self.process.stderr.read().decode()
        self.url = self.banner.split("listening on ", 1)[1].split(",", 1)[0]
        self.out = ""
        self.err = ""

    def stop(self) -> int:
        """SIGINT, as Ctrl+C sends; the exit code. ``out`` and ``err`` hold what it printed."""
        import signal

        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        self.out, self.err = out.decode(), self.banner + err.decode()
        return self.process.returncode


def files_under(path: Path) -> Iterator[Path]:
    """Every file below ``path`` (the history's WAL and shared-memory files included)."""
    yield from (found for found in path.rglob("*") if found.is_file())
