"""Environment for running the gemtui command line in a subprocess during tests."""

from __future__ import annotations

import io
import os
import subprocess
import sys

FAKE_KEY = "test-key-NOT-A-REAL-KEY-1234"

#: Variables that would point a test run at a real key or endpoint.
REAL_ENDPOINT_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal (for stdin: nothing piped)."""

    def isatty(self) -> bool:
        return True


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without a real key or endpoint, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in REAL_ENDPOINT_VARIABLES}
    env.update(extra)
    return env


def default_sigint() -> None:
    """For ``Popen(preexec_fn=…)``: a child started from a background job inherits SIGINT as
    ignored, and then Ctrl+C tests would test nothing; give the child the default handler."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_gemtui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m gemtui ARGS`` in its own process with ``env``: stdin closed, output captured
    (a pipe, so commands print instead of opening the TUI). It must never print the fake key
    or a traceback, whatever it is asked."""
    result = subprocess.run(
        [sys.executable, "-m", "gemtui", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert FAKE_KEY not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def run_gemtui_in_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """``python -m gemtui ARGS`` with stdout on a pseudo-terminal (so it takes its terminal
    path); returns the exit code, what reached the terminal (with the terminal's CRLF line
    ends) and stderr. Only where ``pty.openpty`` exists."""
    import pty

    controller, terminal = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "gemtui", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
        assert process.stderr is not None
        err = process.stderr.read().decode("utf-8")
    os.close(controller)
    shown = b"".join(chunks).decode("utf-8")
    assert FAKE_KEY not in shown + err
    assert "Traceback" not in err, err
    return process.returncode, shown, err
