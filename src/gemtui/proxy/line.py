"""One line per exchange, for the headless proxy's output and the captures list.

``14:03:05 google-genai-sdk/3.3.0 POST /v1/interactions 200 gemini-3.6-flash 1.04s 290tok stream``:
time, client, method, path, status, model or agent, duration, tokens, and ``stream`` for an
event stream; then what went wrong, if anything. Everything in it came from another program or
the server, so it is cleaned for the terminal.
"""

from __future__ import annotations

import time

from gemtui.core.safety import one_line
from gemtui.proxy.collector import Capture


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"


def tokens_text(tokens: int | None) -> str:
    return "-" if tokens is None else f"{tokens}tok"


def exchange_line(capture: Capture) -> str:
    """The headless line of a finished capture."""
    wire = capture.wire
    parts = [
        time.strftime("%H:%M:%S", time.localtime(wire.wall)),
        capture.exchange.client or "unknown",
        wire.method,
        wire.path,
        capture.status_text,
        capture.owner or "-",
        duration_text(wire.duration),
        tokens_text(capture.tokens),
    ]
    if wire.streaming:
        parts.append("stream")
    line = " ".join(one_line(part) for part in parts)
    problem = capture.problem
    return f"{line} ({one_line(problem)})" if problem else line
