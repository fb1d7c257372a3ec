"""A 1 MB answer (a long Deep Research report, say) streaming into the app (issue 20, item 10):
event-loop lag while it streams, memory it leaves, and scrolling it next to a short answer.

The real app runs headless (``App.run_test``, 120x40) against an emulator in its own process
(``--delay-ms 0``: the answer comes as fast as the server can send it, the worst case for lag;
deltas of ``--chunk`` characters). While a turn runs, a ticker task asks to wake every 10 ms
and notes how late it woke: that lateness is the lag a key press would wait.

* lag p50 / p95 / max during the 1 MB turn, and during a short (12 KB) turn as the baseline;
* RSS growth: after the 1 MB turn (and a full collection) minus before it, against its size;
* scroll step: ``scroll_up`` plus repaint in the middle of the 1 MB answer and of the short one.

Budgets: lag p95 <= 50 ms; RSS growth <= 2x the answer's size; a scroll step in the 1 MB answer
no slower than in the short one (within noise).

Run: ``python bench/huge_answer.py [--kb 1024] [--chunk 200]`` (a minute or two).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from _common import median, percentile, print_table, rss_mb, subprocess_emulator, verdict
from textual.pilot import Pilot

from gemtui.ui.app import Connection, GemtuiApp

SIZE = (120, 40)
TICK = 0.01
STEPS = 9


async def turn(pilot: Pilot, app: GemtuiApp, kb: float) -> tuple[list[float], float]:
    """Send an answer of ``kb`` KB; the ticker's lateness samples and the turn's wall time."""
    late: list[float] = []
    running = True

    async def ticker() -> None:
        while running:
            due = time.perf_counter() + TICK
            await asyncio.sleep(TICK)
            late.append(max(0.0, time.perf_counter() - due))

    app.composer.load_text(f"!size {kb:g} a long report")
    task = asyncio.create_task(ticker())
    start = time.perf_counter()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    wall = time.perf_counter() - start
    running = False
    await task
    if app.conversation.turns[-1].reply.outcome != "completed":
        raise SystemExit(f"the {kb} KB turn ended {app.conversation.turns[-1].reply.outcome}")
    return late, wall


async def scroll_step(pilot: Pilot, app: GemtuiApp, top: int, bottom: int) -> float:
    """Median wall time of a scroll step plus repaint in the middle of lines top..bottom."""
    view = app.view
    view.scroll_to(y=(top + bottom) // 2, animate=False, immediate=True)
    await pilot.pause()
    steps = []
    for _ in range(STEPS):
        start = time.perf_counter()
        view.scroll_up(animate=False)
        await pilot.pause()
        steps.append(time.perf_counter() - start)
    return median(steps)


async def run(url: str, kb: float) -> None:
    app = GemtuiApp(Connection(base_url=url, api_key="bench-key", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        short_late, short_wall = await turn(pilot, app, 12)
        short_end = app.view.virtual_size.height
        await asyncio.sleep(0.5)
        gc.collect()
        before = rss_mb()
        late, wall = await turn(pilot, app, kb)
        await asyncio.sleep(1.0)  # what is drawn in idle slices after the turn
        await pilot.pause()
        gc.collect()
        growth = rss_mb() - before
        end = app.view.virtual_size.height
        short_step = await scroll_step(pilot, app, 0, short_end)
        huge_step = await scroll_step(pilot, app, short_end, end)
    size_mb = kb / 1024
    p95 = percentile(late, 0.95)
    rows = [
        ["12 KB answer", f"{short_wall:.2f}", *(f"{percentile(short_late, q) * 1000:.0f}"
         for q in (0.5, 0.95, 1.0)), "", f"{short_step * 1000:.1f}"],
        [f"{kb:g} KB answer", f"{wall:.2f}", *(f"{percentile(late, q) * 1000:.0f}"
         for q in (0.5, 0.95, 1.0)), f"+{growth:.1f}", f"{huge_step * 1000:.1f}"],
    ]  # fmt: skip
    print_table(
        f"Answers sent at once into the app ({SIZE[0]}x{SIZE[1]} headless); lines in the "
        f"view: {end}",
        ["turn", "wall s", "lag p50 ms", "p95", "max", "RSS MB", "scroll step ms"],
        rows,
    )
    print(
        f"budgets: lag p95 <= 50 ms ({p95 * 1000:.0f}): {verdict(p95 <= 0.05)}; "
        f"RSS growth <= 2x the answer ({growth:.1f} MB for {size_mb:.1f} MB): "
        f"{verdict(growth <= 2 * size_mb)}; scroll step as in a short answer "
        f"({huge_step * 1000:.1f} vs {short_step * 1000:.1f} ms): "
        f"{verdict(huge_step <= short_step * 1.5 + 0.005)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=float, default=1024)
    parser.add_argument("--chunk", type=int, default=200, help="characters per delta")
    args = parser.parse_args()
    with subprocess_emulator(delay_ms=0, chunk_chars=args.chunk) as url:
        asyncio.run(run(url, args.kb))


if __name__ == "__main__":
    main()
