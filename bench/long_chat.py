"""A long chat: RSS growth and the cost of one scroll step after 10, 50 and 200 turns.

The real app runs headless (`App.run_test`, 120x40) against an emulator in its own process
(no pacing, so its memory and CPU are not ours); every prompt asks for a 2.5 KB Markdown answer
(`!size 2.5`). At each checkpoint:

* RSS growth: VmRSS of this process now minus VmRSS once the app was mounted.
* scroll step: in the middle of the history, `view.scroll_up()` and wait for the repaint
  (`pilot.pause()`, which runs the screen's pending update); the median over several steps.
  Also shown: a jump to the middle (lines never rendered before), a page-up step, and, as the
  baseline, a `pilot.pause()` with nothing to repaint.

Budget (issue 20, tighter than DESIGN.md section 9's 150 MB): RSS growth <= 60 MB at 200
turns, scroll step <= 50 ms and flat in the number of turns.

Then the same app on a history store holding long conversations (written straight into the store
as ``bench/long_chat_store.py`` writes them: thought, search call and result, 2.5 KB answer):

* open 500 turns: ``open_stored`` (Ctrl+O's choice) until the last screen is painted, median of
  several runs, each in a fresh app; the turns read at once are one batch (issue 8: "shows the
  last screen at once").
* older batch: scroll to the top, which reads the next batch and inserts it above (the view
  keeps its place), until painted; median over several batches.
* 1 000 turns (issue 10, "Load"): every turn read (scrolled to the top until nothing is left),
  then a key typed in the prompt until painted (keypress to paint), and the scroll steps above.

Run: ``python bench/long_chat.py`` (a few minutes); ``--parts stored,load`` skips the live chat.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from functools import partial
from pathlib import Path

from _common import median, print_table, rss_mb, subprocess_emulator, verdict
from long_chat_store import build
from textual.pilot import Pilot

from gemtui.core.store import Store
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
            if app.conversation.turns[-1].reply.outcome != "completed":
                raise SystemExit(f"turn {number} ended {app.conversation.turns[-1].reply.outcome}")
            if number in checkpoints:
                scroll = await measure_scroll(pilot, app)
                recent = median(turn_times[-10:])
                rows.append((number, rss_mb() - start_rss, recent, scroll))
        lines = app.view.virtual_size.height
    print(f"RSS once mounted: {start_rss:.0f} MB; lines in the view at the end: {lines}")
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def stored_app(base_url: str, store: Store) -> GemtuiApp:
    return GemtuiApp(
        Connection(base_url=base_url, api_key=KEY, demo=True, secrets=[KEY]), store=store
    )


async def open_stored(base_url: str, path: Path, cid: int, runs: int) -> dict[str, float]:
    """Open the conversation in a fresh app ``runs`` times; in the last, load older batches."""
    opens: list[tuple[float, float]] = []
    batches: list[tuple[float, float]] = []
    per_batch: list[int] = []
    for run_number in range(runs):
        with Store(path) as store:
            app = stored_app(base_url, store)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                opens.append(await timed(pilot, partial(app.open_stored, cid)))
                if run_number < runs - 1:
                    continue
                view = app.view
                to_top = partial(view.scroll_to, y=0, animate=False, immediate=True)
                for _ in range(STEPS):
                    read = len(app.conversation.turns)
                    batches.append(await timed(pilot, to_top))
                    per_batch.append(len(app.conversation.turns) - read)
                    view.scroll_to(y=view.scrollable_content_region.height * 2, animate=False)
                    await pilot.pause()
                shown_at_open = len(app.conversation.turns) - sum(per_batch)
    return {
        "open": median([wall for wall, _ in opens]),
        "open_cpu": median([cpu for _, cpu in opens]),
        "open_max": max(wall for wall, _ in opens),
        "turns_at_open": shown_at_open,
        "batch": median([wall for wall, _ in batches]),
        "batch_cpu": median([cpu for _, cpu in batches]),
        "turns_per_batch": median(per_batch),
    }


async def keypresses(pilot: Pilot) -> list[tuple[float, float]]:
    """Wall and CPU seconds from a key typed in the prompt to its repaint, ``STEPS`` times.

    ``Pilot.press`` waits for the screen to update, so the wall time has the same 20 ms slices
    as an idle pause; the same keys in an empty chat are the baseline.
    """
    samples = []
    for _ in range(STEPS):
        start, cpu = time.perf_counter(), time.process_time()
        await pilot.press("x")
        await pilot.pause()
        samples.append((time.perf_counter() - start, time.process_time() - cpu))
    return samples


async def thousand_turns(base_url: str, path: Path, cid: int) -> dict[str, float]:
    """Read every turn of a long conversation, then type and scroll in it."""
    with Store(path) as store:
        app = stored_app(base_url, store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.composer.focus()
            empty = await keypresses(pilot)
            start_rss = rss_mb()
            app.open_stored(cid)
            await pilot.pause()
            started = time.perf_counter()
            while app.older_turns is not None and app.older_turns.before:
                app.view.scroll_to(y=0, animate=False, immediate=True)
                await pilot.pause()
            read_all = time.perf_counter() - started
            app.composer.focus()
            keys = await keypresses(pilot)
            scroll = await measure_scroll(pilot, app)
            return {
                "turns": len(app.conversation.turns),
                "lines": app.view.virtual_size.height,
                "read_all": read_all,
                "rss": rss_mb() - start_rss,
                "key": median([wall for wall, _ in keys]),
                "key_cpu": median([cpu for _, cpu in keys]),
                "empty_key": median([wall for wall, _ in empty]),
                "empty_key_cpu": median([cpu for _, cpu in empty]),
                **scroll,
            }


def stored_figures(base_url: str, parts: set[str], opened: int, loaded: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        with Store(path) as store:
            open_id = build(store, opened, stateful=True)[0] if "stored" in parts else 0
            load_id = build(store, loaded, stateful=True)[0] if "load" in parts else 0
        if "stored" in parts:
            f = asyncio.run(open_stored(base_url, path, open_id, runs=5))
            print_table(
                f"Stored conversation of {opened} turns, 120x40 headless (ms; a / b = wall / CPU; "
                "open: median of 5 fresh apps; older batch: median of "
                f"{STEPS} scrolls to the top)",
                ["what", "wall / CPU", "max", "turns"],
                [
                    ["open to last screen painted", f"{ms(f['open'])} / {ms(f['open_cpu'])}",
                     ms(f["open_max"]), str(f["turns_at_open"])],
                    ["one older batch read and painted", f"{ms(f['batch'])} / {ms(f['batch_cpu'])}",
                     "", str(f["turns_per_batch"])],
                ],
            )  # fmt: skip
        if "load" in parts:
            f = asyncio.run(thousand_turns(base_url, path, load_id))
            print_table(
                f"{f['turns']} turns read into one view ({f['lines']} lines), 120x40 headless "
                f"(ms; wall / CPU; medians of {STEPS}); reading them all took "
                f"{f['read_all']:.1f} s, RSS growth {f['rss']:+.0f} MB",
                ["what", "wall / CPU"],
                [
                    ["idle pause (baseline)", f"{ms(f['idle'])} / {ms(f['idle_cpu'])}"],
                    [
                        "keypress to paint, empty chat",
                        f"{ms(f['empty_key'])} / {ms(f['empty_key_cpu'])}",
                    ],
                    ["keypress to paint (prompt)", f"{ms(f['key'])} / {ms(f['key_cpu'])}"],
                    ["scroll step", f"{ms(f['step'])} / {ms(f['step_cpu'])}"],
                    ["page up", f"{ms(f['page'])} / {ms(f['page_cpu'])}"],
                    ["jump to middle", ms(f["jump"])],
                ],
            )
            print(
                f"budget: scroll step <= 50 ms at {f['turns']} turns: "
                f"{verdict(f['step'] <= 0.05)}; keypress to paint within 1.5x of an empty chat: "
                f"{verdict(f['key'] <= 1.5 * f['empty_key'])}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", default="10,50,200", help="checkpoints, comma-separated")
    parser.add_argument("--parts", default="live,stored,load", help="which figures to make")
    parser.add_argument("--stored", type=int, default=500, help="turns of the opened chat")
    parser.add_argument("--load", type=int, default=1000, help="turns of the load test")
    args = parser.parse_args()
    checkpoints = sorted(int(n) for n in args.turns.split(","))
    parts = set(args.parts.split(","))

    with subprocess_emulator(delay_ms=0) as url:
        if parts & {"stored", "load"}:
            stored_figures(url, parts, args.stored, args.load)
        if "live" not in parts:
            return
        rows = asyncio.run(run(url, checkpoints))

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
        f"budget: RSS growth <= 60 MB at {rows[-1][0]} turns: {verdict(last_growth <= 60)}; "
        f"scroll step <= 50 ms: {verdict(max(steps) <= 0.05)}; flat in turns: {verdict(flat)}"
    )


if __name__ == "__main__":
    main()
