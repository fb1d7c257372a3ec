"""The status bar's countdown while a request waits to be sent again.

The client calls ``on_retry(attempt, delay, reason)`` before each wait between attempts; the
app passes that here while a turn runs, and the status bar then reads ``retrying in 3 s (HTTP
503 unavailable, attempt 2 of 5)`` (shorter forms where the line is full), one second less
each second, until the stream opens or the turn ends. Without it a backoff of several seconds
looks like a hang.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from textual.timer import Timer

from gemtui.core.safety import one_line
from gemtui.ui.widgets.status_bar import StatusBar

#: How often the remaining time is looked at (the bar changes once a second).
TICK = 0.25
#: Longest reason shown (it may hold a server's text).
REASON_CHARS = 60


def retry_forms(seconds: int, reason: str, attempt: int, attempts: int) -> tuple[str, ...]:
    """What the status bar may show, longest first: ``retrying in 3 s (HTTP 503 unavailable,
    attempt 2 of 5)``, then with the reason cut to its first words, without it, and bare.
    ``attempt`` is the one about to start (the client reports the one that failed)."""
    reason = one_line(reason)
    if len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 1] + "…"
    head, count = f"retrying in {seconds} s", f"attempt {attempt} of {attempts}"
    forms = [f"{head} ({reason}, {count})"] if reason else []
    words = reason.split()
    if len(words) > 2:
        forms.append(f"{head} ({' '.join(words[:2])} …, {count})")
    forms += [f"{head} ({count})", head]
    return tuple(forms)


def retry_text(seconds: int, reason: str, attempt: int, attempts: int) -> str:
    """The longest of :func:`retry_forms`."""
    return retry_forms(seconds, reason, attempt, attempts)[0]


class RetryCountdown:
    """Counts down in ``status`` (its ``retry`` part); ``clock`` is injectable for tests."""

    def __init__(self, status: StatusBar, clock: Callable[[], float] = time.monotonic) -> None:
        self.status = status
        self.clock = clock
        self._deadline = 0.0
        self._what: tuple[str, int, int] = ("", 0, 0)
        self._timer: Timer | None = None

    def start(self, failed_attempt: int, delay: float, reason: str, attempts: int) -> None:
        """Attempt ``failed_attempt`` failed for ``reason``; the next starts in ``delay`` s."""
        self._deadline = self.clock() + delay
        self._what = (reason, failed_attempt + 1, attempts)
        self.tick()
        if self._timer is None:
            self._timer = self.status.set_interval(TICK, self.tick)

    def tick(self) -> None:
        """Show the whole seconds left (rounded up: "in 1 s" until the wait is over)."""
        seconds = max(0, math.ceil(self._deadline - self.clock()))
        forms = retry_forms(seconds, *self._what)
        if forms != self.status.info.retry:
            self.status.set(retry=forms)

    def stop(self) -> None:
        """The stream opened or the turn ended: the countdown goes."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.status.info.retry:
            self.status.set(retry=())

    @property
    def running(self) -> bool:
        return self._timer is not None
