"""Twenty background runs at once: is the app still responsive while it polls them?

The real app runs headless (`App.run_test`, 120x40) against an emulator in its own process (so
its CPU is not ours). Twenty prompts go out with Ctrl+B, each with `!slow 100` so that every run
takes several seconds at the server; the board polls each of them (``--interval``, default
0.5 s, far more often than the app's default of 2 s stretching to 15 s, to make the load
visible). While they run:

* event-loop lag: a heartbeat task every 10 ms records how late it wakes (p50, p95, max);
* keypress-to-paint: a key is posted to the composer every 100 ms and timed until the frame
  that shows the new character is handed to the driver (headless: the write to the terminal
  itself is not included; the compositor's work is).

The same two figures with no job at all are the baseline, measured in the same run. Also shown:
how many GETs were made and how long until all twenty had finished.

Run: ``python bench/background_jobs.py`` (about 30 seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import Heartbeat, median, percentile, print_table, subprocess_emulator
from textual import events

from gemtui.ui.app import Connection, GemtuiApp

KEY = "bench-key"
SIZE = (120, 40)
JOBS = 20
KEYS = 40
KEY_GAP = 0.1


class PaintClock:
    """Wraps the app's hand-over of frames to the driver, to time a key press to its frame."""

    def __init__(self, app: GemtuiApp) -> None:
        self.app = app
        self._expected: str | None = None
        self._seen: asyncio.Event = asyncio.Event()
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if self._expected is not None and app.composer.text == self._expected:
                self._expected = None
                self._seen.set()

        app._display = display

    async def key_to_paint(self, character: str) -> float:
        app = self.app
        self._expected = app.composer.text + character
        self._seen = asyncio.Event()
        start = time.perf_counter()
        app.post_message(events.Key(character, character))
        await self._seen.wait()
        return time.perf_counter() - start


async def measure(app: GemtuiApp, paints: PaintClock) -> tuple[list[float], list[float]]:
    """Heartbeat lags and key-to-paint times over ``KEYS`` key presses."""
    app.composer.focus()
    app.composer.load_text("")
    heartbeat = Heartbeat()
    heartbeat.start()
    latencies = []
    for _ in range(KEYS):
        latencies.append(await paints.key_to_paint("x"))
        await asyncio.sleep(KEY_GAP)
    return await heartbeat.stop(), latencies


async def run(base_url: str, interval: float) -> dict[str, object]:
    connection = Connection(base_url=base_url, api_key=KEY, demo=True, secrets=[KEY])
    app = GemtuiApp(connection)
    app.jobs.interval = interval
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        paints = PaintClock(app)
        idle_lags, idle_keys = await measure(app, paints)
        started = time.perf_counter()
        for number in range(JOBS):
            app.composer.load_text(f"!slow 100 background job number {number}")
            await pilot.press("ctrl+b")
        await app.workers.wait_for_complete()
        if len(app.jobs.jobs) != JOBS:
            raise SystemExit(f"only {len(app.jobs.jobs)} of {JOBS} runs started")
        busy_lags, busy_keys = await measure(app, paints)
        running_during = app.jobs.running
        await asyncio.gather(*(app.jobs.wait(job) for job in app.jobs.jobs))
        all_done = time.perf_counter() - started
        polls = sum(job.polls for job in app.jobs.jobs)
        errors = sum(job.poll_errors for job in app.jobs.jobs)
        statuses = sorted({job.status for job in app.jobs.jobs})
    return {
        "idle": (idle_lags, idle_keys),
        "busy": (busy_lags, busy_keys),
        "running_after": running_during,
        "all_done": all_done,
        "polls": polls,
        "errors": errors,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.5, help="first poll pause, seconds")
    args = parser.parse_args()
    with subprocess_emulator(delay_ms=10) as url:
        result = asyncio.run(run(url, args.interval))

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    rows = []
    for label, key in (("0 jobs (baseline)", "idle"), (f"{JOBS} jobs polling", "busy")):
        lags, keys = result[key]
        rows.append(
            [label, ms(percentile(lags, 0.5)), ms(percentile(lags, 0.95)), ms(max(lags)),
             ms(median(keys)), ms(percentile(keys, 0.95)), ms(max(keys))]
        )  # fmt: skip
    print_table(
        f"Background runs, 120x40 headless, polls from every {args.interval} s (ms; "
        f"{KEYS} key presses {KEY_GAP * 1000:.0f} ms apart)",
        ["", "loop lag p50", "lag p95", "lag max", "key-to-paint p50", "p95", "max"],
        rows,
    )
    print(
        f"\nstill running when the measurement ended: {result['running_after']} of {JOBS}; "
        f"all finished {result['all_done']:.1f} s after the first Ctrl+B; "
        f"{result['polls']} GETs, {result['errors']} failed; outcomes: {result['statuses']}"
    )


if __name__ == "__main__":
    main()
