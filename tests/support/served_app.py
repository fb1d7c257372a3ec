"""``gemtui --serve`` in a process group of its own, for tests that open it from a browser.

The server starts one gemtui process per browser session (through a shell), and each of those
starts the demo emulator. Putting the server in a new session makes all of them one process
group whose id is the server's pid, so the test can tell afterwards whether stopping the
server stopped everything it started, and kill (by that id) whatever it did not.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

#: Generous bound for a slow shared machine; the server normally listens within two seconds.
DEADLINE = 60.0


@dataclass
class ServedApp:
    """A running ``gemtui --serve``: its page's URL, what it printed, and, once stopped, the
    command lines of the processes of its group that outlived it (then killed)."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    left_running: list[str] = field(default_factory=list)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_members(pgid: int) -> dict[int, str]:
    """The live processes of process group ``pgid`` (Linux ``/proc``), pid → command line."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # it ended while we looked
            continue
        # Fields after the command name (which may hold spaces and parentheses): state ppid pgrp.
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members[int(entry.name)] = command
    return members


def _wait_until_listening(port: int, deadline: float) -> None:
    """textual-serve prints its URL just before it binds the socket; wait for the bind."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def serve_gemtui(*flags: str, env: dict[str, str], cwd: Path) -> Iterator[ServedApp]:
    """``gemtui --serve FLAGS`` on a free loopback port, listening when this yields; on exit it
    gets SIGTERM (as Ctrl+C would stop it), and anything of its group still alive after it
    exited is recorded in ``left_running`` and killed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "gemtui", "--serve", *flags, "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        start_new_session=True,
    )
    served = ServedApp(url, process)
    listening = threading.Event()

    def drain() -> None:
        # Read everything it prints, so a full pipe never blocks it, and keep it for failures.
        assert process.stdout is not None
        for line in process.stdout:
            served.output.append(line)
            if url in line:
                listening.set()
        listening.set()  # it exited: stop waiting

    reader = threading.Thread(target=drain, name="serve-output", daemon=True)
    reader.start()
    try:
        listening.wait(DEADLINE)
        if process.poll() is not None or not any(url in line for line in served.output):
            raise AssertionError(f"gemtui --serve did not start: {''.join(served.output)!r}")
        _wait_until_listening(port, time.monotonic() + DEADLINE)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            served.left_running.append(" ".join(map(str, process.args)))
        leftovers = group_members(process.pid)
        served.left_running += leftovers.values()
        if leftovers or process.poll() is None:
            with suppress(ProcessLookupError):  # they may all have ended since we looked
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=DEADLINE)
        reader.join(timeout=DEADLINE)
