"""Environment for running the gemtui command line in a subprocess during tests."""

from __future__ import annotations

import os

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
