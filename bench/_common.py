"""Helpers shared by the bench scripts: medians, /proc readings, a subprocess emulator, tmux.

Bench scripts print figures for DESIGN.md section 9; they are run by hand
(``python bench/X.py``), never by pytest. Every figure is compared with a baseline measured in
the same run, because the absolute numbers depend on the machine and its load.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: The installed console script next to this interpreter, i.e. what a user runs.
GEMTUI = str(Path(PYTHON).with_name("gemtui"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# What a user runs has its .pyc files written on the first start; a shell that sets
# PYTHONDONTWRITEBYTECODE (some sandboxes do) would make every measured start compile gemtui's
# own modules from source again (about 0.1 s here). The processes and tmux servers a bench
# starts inherit this environment.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


# ---------------------------------------------------------------------- figures


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def median_time(action: Callable[[], object], runs: int = 7) -> float:
    """Median wall seconds of ``action()`` over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return median(samples)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a p95 of 20 samples is the 19th)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain left-aligned table (first column) with right-aligned figures."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")

    def line(row: Sequence[str]) -> str:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    print(line(header))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line(row))


class Heartbeat:
    """A task that wakes every ``interval`` seconds and records how late each wake-up was:
    the event-loop lag a key press would have seen."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(time.perf_counter() - before - self.interval)

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        return self.lags


# ---------------------------------------------------------------------- /proc


def proc_status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status, e.g. ``VmRSS`` or ``VmHWM`` (peak RSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_mb(pid: int | None = None) -> float:
    return proc_status_kb(pid or os.getpid(), "VmRSS") / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/<pid>/stat, fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wall(command: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Seconds from spawn to exit of ``command`` (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


# ---------------------------------------------------------------------- emulator


@contextmanager
def subprocess_emulator(*, delay_ms: float, chunk_chars: int | None = None) -> Iterator[str]:
    """Run ``gemtui emulator --port 0`` in its own process (its CPU is not ours); yields its URL."""
    command = [GEMTUI, "emulator", "--port", "0", "--delay-ms", str(delay_ms)]
    if chunk_chars is not None:
        command += ["--chunk-chars", str(chunk_chars)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = next((word for word in first.split() if word.startswith("http://")), None)
        if url is None:
            raise RuntimeError(f"the emulator did not print its URL: {first!r}")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ArrivalClock:
    """A TCP forwarder in front of a server that notes when the first bytes of each create
    request arrive (``time.perf_counter()``, the bench's own clock): when a request reaches
    "the server", for clients in other processes (each bench client opens a fresh connection
    for its request). It runs in a thread of the bench process."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.removeprefix("http://").rstrip("/").partition(":")
        self._upstream = (host, int(port))
        self.arrivals: list[float] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.url = ""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self._ready.set()
        self._loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.read(65536)
        if first.startswith(b"POST ") and b"/interactions" in first.split(b"\r\n", 1)[0]:
            self.arrivals.append(time.perf_counter())  # a create; not a GET of models, say
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        up_writer.write(first)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            with suppress(OSError):
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def arrival_after(self, moment: float) -> float | None:
        """The first arrival after ``moment``, if any."""
        return next((at for at in self.arrivals if at >= moment), None)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


# ---------------------------------------------------------------------- tmux


def require_tmux() -> None:
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed; this bench needs it")


class Tmux:
    """One detached session on a private tmux server (own socket, no user config)."""

    def __init__(self, width: int, height: int, socket: Path) -> None:
        self.socket = str(socket)
        self.width = width
        self.height = height
        self.session = "bench"

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def start(self, command: str, env: dict[str, str] | None = None) -> None:
        """Start ``command`` in a fresh session (killing any previous one)."""
        self.kill()
        extra = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        self.run(
            "new-session", "-d", "-s", self.session,
            "-x", str(self.width), "-y", str(self.height), *extra, command,
        )  # fmt: skip
        # Keep the pane after the command exits, so a crash shows its traceback.
        self.run("set-option", "-t", self.session, "remain-on-exit", "on")

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def send_text(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def wait_for(
        self, ready: Callable[[str], bool], timeout: float, interval: float = 0.01
    ) -> tuple[float, str]:
        """Poll the screen until ``ready(screen)``; returns (monotonic time seen, screen)."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.capture()
            now = time.perf_counter()
            if ready(screen):
                return now, screen
            if now > deadline:
                raise TimeoutError(f"screen not ready after {timeout} s:\n{screen}")
            time.sleep(interval)

    def kill(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@contextmanager
def tmux_session(width: int, height: int) -> Iterator[Tmux]:
    require_tmux()
    with tempfile.TemporaryDirectory(prefix="gemtui-bench-") as folder:
        tmux = Tmux(width, height, Path(folder) / "tmux.sock")
        try:
            yield tmux
        finally:
            tmux.kill()
