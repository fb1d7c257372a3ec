"""Huge answers in the real app: one huge open block, and a 1 MB answer.

The real app runs headless (`App.run_test`, 120x40) against an emulator in its own process
(`gemtui emulator`, its CPU is not ours; or `--url` of one started by hand, to measure an older
checkout of the client against the same server).

* open block (issue 20, item 8): `!long code 700` and `!long list 700`, one Markdown block that
  stays open until its last line, 256 characters every 20 ms (about 13 KB/s). Every render of
  the answer while it is open is timed; a *re-render* is one that laid the open block out
  again (the throttle hands back the last lines otherwise). Figures: median, p95 and max of a
  re-render, how many, and the render that draws the closed block. Budget: a re-render within
  a frame (16 ms).
* 1 MB answer (item 10): `!size 1024`, 256 characters every 4 ms (about 64 KB/s). Event-loop
  lag (a heartbeat task every 10 ms measuring its own lateness): p50, p95, max; budget p95 <=
  50 ms. RSS growth of this process over the turn (after a collection), against the answer's
  size, for a first 1 MB answer and for a second; budget <= 2x the answer, for the second (the
  first also fills caches that are bounded whatever the chat holds, as in a terminal below,
  and the allocator's pools it keeps for the next answer). Scroll step in the middle of the
  answer (`view.scroll_up()` and the repaint, `pilot.pause()`; wall and CPU, median of 9)
  against the same on a short answer (`!size 8`); budget: the same cost.

* 1 MB answer in a terminal (item 10): the same answer at the same pace into the `gemtui`
  console script in tmux 120x40, with a history of its own that it writes as a user's is
  (the headless app above keeps none), after a short answer: RSS growth of its process from
  before the prompt to a few seconds after the answer ends, for a first 1 MB answer and for a
  second. Headless, Textual turns no line into terminal codes: these figures hold what that
  costs (its caches) and the history's. The first answer also fills caches that are bounded
  whatever the chat holds (the history's pages, Rich's and Textual's caches); the second
  shows what one more megabyte costs. Budget: <= 2x the answer, for the second.
  ``--gemtui PATH`` measures another install (an older checkout, for a before/after).

Run: ``python bench/huge_answer.py`` (about 2 minutes); ``--parts block``, ``mb`` or
``terminal``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import (
    GEMTUI,
    Heartbeat,
    median,
    percentile,
    print_table,
    proc_status_kb,
    rss_mb,
    subprocess_emulator,
    tmux_session,
    verdict,
)
from long_chat import timed
from terminal import GEMTUI_READY
from textual.pilot import Pilot

from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render.chat_items import AnswerItem

KEY = "bench-key"
SIZE = (120, 40)
STEPS = 9
FRAME = 0.016
#: The emulator's chunk size (one started by hand for --url needs --chunk-chars 256).
CHUNK = 256


def app_on(url: str) -> GemtuiApp:
    return GemtuiApp(Connection(base_url=url, api_key=KEY, demo=True, secrets=[KEY]))


async def ask(pilot: Pilot, app: GemtuiApp, prompt: str) -> None:
    app.composer.focus()
    app.composer.load_text(prompt)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    turn = app.conversation.turns[-1]
    if turn.reply.outcome != "completed":
        raise SystemExit(f"turn ended {turn.reply.outcome}: {turn.reply.error}")


@contextmanager
def timed_renders() -> Iterator[tuple[list[float], list[float]]]:
    """Times every render of an answer that laid its open block out again, and the first
    render once it is final (the closed block drawn)."""
    costs: list[float] = []
    closing: list[float] = []
    original = AnswerItem.render

    def render(self: AnswerItem, width, ctx):  # type: ignore[no-untyped-def]
        before = self._tail_lines
        start = time.perf_counter()
        lines = original(self, width, ctx)
        if not self.final and self._tail_lines is not before:
            costs.append(time.perf_counter() - start)
        elif self.final and not closing:
            closing.append(time.perf_counter() - start)
        return lines

    AnswerItem.render = render  # type: ignore[method-assign]
    try:
        yield costs, closing
    finally:
        AnswerItem.render = original  # type: ignore[method-assign]


async def open_block(url: str, kind: str) -> tuple[list[float], list[float]]:
    app = app_on(url)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "!slow 0 warm up")
        with timed_renders() as (costs, closing):
            await ask(pilot, app, f"!slow 20 !long {kind} 700 one block")
    return costs, closing


async def scroll_steps(pilot: Pilot, app: GemtuiApp) -> tuple[float, float]:
    view = app.view
    view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
    await pilot.pause()
    steps = [await timed(pilot, lambda: view.scroll_up(animate=False)) for _ in range(STEPS)]
    return median([wall for wall, _ in steps]), median([cpu for _, cpu in steps])


async def one_megabyte(url: str) -> dict[str, float]:
    app = app_on(url)
    heartbeat = Heartbeat()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "!slow 0 !size 8 a short answer")
        short_wall, short_cpu = await scroll_steps(pilot, app)
        gc.collect()
        base = rss_mb()
        heartbeat.start()
        start = time.perf_counter()
        await ask(pilot, app, "!slow 4 !size 1024 a very long report")
        wall = time.perf_counter() - start
        lags = await heartbeat.stop()
        gc.collect()
        grown = rss_mb() - base
        answer = [item for item in app.view.items if isinstance(item, AnswerItem)][-1]
        size = len(answer.copy_text().encode()) / 2**20
        long_wall, long_cpu = await scroll_steps(pilot, app)
        base = rss_mb()
        await ask(pilot, app, "!slow 4 !size 1024 a second long report")
        gc.collect()
        second = rss_mb() - base
    return {
        "wall": wall,
        "p50": percentile(lags, 0.5),
        "p95": percentile(lags, 0.95),
        "max": max(lags, default=0.0),
        "size": size,
        "rss": grown,
        "rss_second": second,
        "short_wall": short_wall,
        "short_cpu": short_cpu,
        "long_wall": long_wall,
        "long_cpu": long_cpu,
    }


def terminal_megabyte(url: str, gemtui: str) -> tuple[float, float]:
    """RSS growth, in MB, of ``gemtui`` in tmux over a first 1 MB answer and over a second
    (see the module's text)."""
    with (
        tmux_session(*SIZE) as tmux,
        tempfile.TemporaryDirectory(prefix="gemtui-bench-home-") as home,
    ):
        env = {
            "GEMINI_API_KEY": KEY,
            "GEMTUI_DATA_DIR": str(Path(home) / "data"),
            "XDG_STATE_HOME": str(Path(home) / "state"),
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
        }
        tmux.start(f"exec {gemtui} --base-url {url}", env=env)
        tmux.wait_for(lambda screen: GEMTUI_READY in screen, timeout=30)
        pid = tmux.pane_pid()
        rss = []
        for size_kb, pace in ((8, 0), (1024, 4), (1024, 4)):
            before = status_line(tmux.capture())
            tmux.send_text(f"!slow {pace} !size {size_kb} go")
            time.sleep(0.3)
            tmux.send("Enter")
            tmux.wait_for(
                lambda screen, before=before: (
                    "ready" in (now := status_line(screen)) and now != before
                ),
                timeout=600,
                interval=0.5,
            )
            time.sleep(3)  # the end of the turn: the history written, the collection done
            rss.append(proc_status_kb(pid, "VmRSS") / 1024)
        return rss[1] - rss[0], rss[2] - rss[1]


def status_line(screen: str) -> str:
    """The status bar's line once a turn has ended (it counts the tokens), or ""."""
    return next((line for line in reversed(screen.splitlines()) if "tokens" in line), "")


def report_terminal(url: str, runs: int, gemtui: str) -> None:
    results = [terminal_megabyte(url, gemtui) for _ in range(runs)]
    first, second = (median([result[i] for result in results]) for i in (0, 1))
    print_table(
        f"Two 1 MB answers at 256 chars / 4 ms into gemtui in tmux 120x40, median of {runs}",
        ["what", "figure", "budget", ""],
        [
            # The first also fills what is bounded whatever is shown: the history's page
            # cache, Rich's and Textual's caches, the painted lines.
            ["RSS growth, first 1 MB answer, MB", f"{first:.1f}", "", ""],
            ["RSS growth, second 1 MB answer, MB", f"{second:.1f}", "<= 2.0",
             verdict(second <= 2.0)],
        ],
    )  # fmt: skip


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report_blocks(url: str, runs: int) -> None:
    rows = []
    for kind in ("code", "list"):
        results = [asyncio.run(open_block(url, kind)) for _ in range(runs)]
        costs = [cost for result in results for cost in result[0]]
        closing = [cost for result in results for cost in result[1]]
        rows.append(
            [f"!long {kind} 700", str(len(costs)), ms(median(costs)), ms(percentile(costs, 0.95)),
             ms(max(costs, default=0.0)), ms(median(closing)), verdict(median(costs) <= FRAME)]
        )  # fmt: skip
    print_table(
        f"One huge open block, 256 chars / 20 ms, 120x40 headless, {runs} run(s)",
        ["answer", "re-renders", "median ms", "p95 ms", "max ms", "closed ms", "median <= 16 ms"],
        rows,
    )


def report_megabyte(url: str, runs: int) -> None:
    results = [asyncio.run(one_megabyte(url)) for _ in range(runs)]

    def med(key: str) -> float:
        return median([result[key] for result in results])

    size, rss, second = med("size"), med("rss"), med("rss_second")
    print_table(
        f"A {size:.2f} MB answer at 256 chars / 4 ms, 120x40 headless, median of {runs}",
        ["what", "figure", "budget", ""],
        [
            ["submit to painted, s", f"{med('wall'):.1f}", "", ""],
            ["lag p50 / p95 / max, ms", f"{ms(med('p50'))} / {ms(med('p95'))} / "
             f"{ms(med('max'))}", "p95 <= 50", verdict(med("p95") <= 0.05)],
            ["RSS growth, first 1 MB answer, MB", f"{rss:.1f}", "", ""],
            ["RSS growth, second 1 MB answer, MB", f"{second:.1f}", f"<= {2 * size:.1f}",
             verdict(second <= 2 * size)],
            ["scroll step, short answer, ms (CPU)", f"{ms(med('short_wall'))} "
             f"({ms(med('short_cpu'))})", "", ""],
            ["scroll step, 1 MB answer, ms (CPU)", f"{ms(med('long_wall'))} "
             f"({ms(med('long_cpu'))})", "same as short",
             verdict(med("long_cpu") <= 1.5 * med("short_cpu") + 0.002)],
        ],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--parts", default="block,mb,terminal")
    parser.add_argument("--gemtui", default=GEMTUI, help="the console script for 'terminal'")
    parser.add_argument("--url", help="an emulator already running (default: start one)")
    args = parser.parse_args()
    parts = args.parts.split(",")

    def run(url: str) -> None:
        if "block" in parts:
            report_blocks(url, args.runs)
        if "mb" in parts:
            report_megabyte(url, args.runs)
        if "terminal" in parts:
            report_terminal(url, args.runs, args.gemtui)

    if args.url:
        run(args.url)
    else:
        with subprocess_emulator(delay_ms=4, chunk_chars=CHUNK) as url:
            run(url)


if __name__ == "__main__":
    main()
