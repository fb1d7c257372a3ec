"""A long chat: RSS growth and the cost of one scroll step after 10, 50 and 200 turns.

The real app runs headless (`App.run_test`, 120x40) against an emulator in its own process
(no pacing, so its memory and CPU are not ours); every prompt asks for a 2.5 KB Markdown answer
(`!size 2.5`). At each checkpoint:

* RSS growth: VmRSS of this process now minus VmRSS once the app was mounted.
* scroll step: in the middle of the history, `view.scroll_up()` and wait for the repaint
  (`pilot.pause()`, which runs the screen's pending update); the median over several steps.
  Also shown: a jump to the middle (lines never rendered before), a page-up step, and, as the
  baseline, a `pilot.pause()` with nothing to repaint.

Budget (DESIGN.md section 9): RSS growth <= 150 MB at 200 turns, scroll step <= 50 ms and flat
in the number of turns.

Run: ``python bench/long_chat.py`` (about 1 minute).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import median, print_table, rss_mb, subprocess_emulator, verdict
from textual.pilot import Pilot

from gemtui.ui.app import Connection, GemtuiApp

KEY = "bench-key"
SIZE = (120, 40)
STEPS = 9


async def timed(pilot: Pilot, action) -> tuple[float, float]:
    """Wall and CPU seconds of ``action`` plus the repaint it causes (``pilot.pause()``).

    The wall time includes ``pilot.pause()``'s own sleeps (it waits in 20 ms slices until the
    process is idle), hence the "idle" row: a pause with nothing to repaint. CPU time has no
    such floor and is the sharper figure of the work a step costs.
    """
    start, cpu = time.perf_counter(), time.process_time()
    action()
    await pilot.pause()
    return time.perf_counter() - start, time.process_time() - cpu


async def measure_scroll(pilot: Pilot, app: GemtuiApp) -> dict[str, float]:
    view = app.view
    idle = [await timed(pilot, lambda: None) for _ in range(STEPS)]
    middle = view.virtual_size.height // 2
    jump = await timed(pilot, lambda: view.scroll_to(y=middle, animate=False, immediate=True))
    steps = [await timed(pilot, lambda: view.scroll_up(animate=False)) for _ in range(STEPS)]
    pages = [await timed(pilot, lambda: view.scroll_page_up(animate=False)) for _ in range(STEPS)]
    view.scroll_end(animate=False, immediate=True)
    await pilot.pause()
    return {
        "idle": median([wall for wall, _ in idle]),
        "idle_cpu": median([cpu for _, cpu in idle]),
        "jump": jump[0],
        "step": median([wall for wall, _ in steps]),
        "step_cpu": median([cpu for _, cpu in steps]),
        "step_max": max(wall for wall, _ in steps),
        "page": median([wall for wall, _ in pages]),
        "page_cpu": median([cpu for _, cpu in pages]),
    }


async def run(base_url: str, checkpoints: list[int]) -> list[tuple[int, float, float, dict]]:
    connection = Connection(base_url=base_url, api_key=KEY, demo=True, secrets=[KEY])
    app = GemtuiApp(connection)
    rows = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start_rss = rss_mb()
        turn_times: list[float] = []
        for number in range(1, max(checkpoints) + 1):
            app.composer.focus()
            app.composer.load_text(f"!size 2.5 question number {number}")
            start = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            turn_times.append(time.perf_counter() - start)
            if app.conversation.turns[-1].outcome != "completed":
                raise SystemExit(f"turn {number} ended {app.conversation.turns[-1].outcome}")
            if number in checkpoints:
                scroll = await measure_scroll(pilot, app)
                recent = median(turn_times[-10:])
                rows.append((number, rss_mb() - start_rss, recent, scroll))
        lines = app.view.virtual_size.height
    print(f"RSS once mounted: {start_rss:.0f} MB; lines in the view at the end: {lines}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", default="10,50,200", help="checkpoints, comma-separated")
    args = parser.parse_args()
    checkpoints = sorted(int(n) for n in args.turns.split(","))

    with subprocess_emulator(delay_ms=0) as url:
        rows = asyncio.run(run(url, checkpoints))

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    table = [
        [str(turns), f"{growth:+.1f}", ms(turn),
         f"{ms(s['idle'])} / {ms(s['idle_cpu'])}",
         f"{ms(s['step'])} / {ms(s['step_cpu'])}", f"{s['step'] / s['idle']:.2f}x",
         ms(s["step_max"]), f"{ms(s['page'])} / {ms(s['page_cpu'])}", ms(s["jump"])]
        for turns, growth, turn, s in rows
    ]  # fmt: skip
    print_table(
        "Long chat, 2.5 KB answers, 120x40 headless (ms; a / b = wall / CPU; scroll and page "
        f"steps: median of {STEPS} in the middle of the history)",
        ["turns", "RSS growth MB", "turn wall", "idle pause (baseline)", "scroll step",
         "wall vs idle", "step max", "page up", "jump to middle"],
        table,
    )  # fmt: skip
    last_growth = rows[-1][1]
    steps = [s["step"] for _, _, _, s in rows]
    flat = max(steps) <= 2 * min(steps) + 0.005
    print(
        f"budget: RSS growth <= 150 MB at {rows[-1][0]} turns: {verdict(last_growth <= 150)}; "
        f"scroll step <= 50 ms: {verdict(max(steps) <= 0.05)}; flat in turns: {verdict(flat)}"
    )


if __name__ == "__main__":
    main()
