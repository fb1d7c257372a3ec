"""Environment for running the gemtui command line in a subprocess during tests."""

from __future__ import annotations

import os
import subprocess
import sys

FAKE_KEY = "test-key-NOT-A-REAL-KEY-1234"

#: Variables that would point a test run at a real key or endpoint.
REAL_ENDPOINT_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")


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
