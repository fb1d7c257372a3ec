"""A 12 KB Markdown answer at Flash speed into the real app, against a plain-text baseline.

The emulator runs in a separate process (`gemtui emulator`, 8-character chunks every 4 ms), so
only the client's CPU is counted. Both sides run headless (`App.run_test`, 120x40) in this
process and stream the same answer:

* gemtui: the real GemtuiApp; a prompt is typed into the composer and Enter pressed.
* baseline: a minimal Textual app that reads the same stream through gemtui's
  InteractionsClient and assembler and shows the answer as plain `Text` in a `Static` (inside a
  `VerticalScroll` that follows the end), updated at most every 50 ms.

Measured from submit to "turn complete and its last flush painted": wall time, CPU seconds of
this process, and the p95 of event-loop lag (a heartbeat task every 10 ms). Budget (DESIGN.md
section 9): wall <= 1.1x baseline, lag p95 <= 50 ms.

Run: ``python bench/stream.py`` (about 1 minute).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from _common import Heartbeat, median, percentile, print_table, subprocess_emulator, verdict
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gemtui.api.client import InteractionsClient
from gemtui.api.models import ModelOutputStep
from gemtui.core.assembler import apply
from gemtui.core.conversation import Conversation
from gemtui.core.turn import Asked
from gemtui.ui.app import Connection, GemtuiApp

PROMPT = "!size 12 Explain how streaming renderers stay fast"
WARM_UP_PROMPT = "!slow 0 warm up"
SIZE = (120, 40)
FLUSH_INTERVAL = 0.05
KEY = "bench-key"


@dataclass
class Result:
    wall: float
    cpu: float
    lag_p95: float
    chars: int


class PlainTextApp(App[None]):
    """The baseline: the stream's model_output text as plain Text, flushed at most every 50 ms."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.client = InteractionsClient(api_key=KEY, base_url=base_url)
        self.text: list[str] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="answer")

    async def on_unmount(self) -> None:
        await self.client.aclose()

    async def stream(self, prompt: str) -> None:
        conversation = Conversation()
        turn = conversation.start_turn(Asked(prompt=prompt))
        self.text = []
        async with self.client.stream(conversation.build_request(turn)) as events:
            async for received in events:
                change = apply(
                    turn.reply.state,
                    received.event,
                    received_at=received.received_at,
                    size=received.size,
                )
                if change.appended_text and change.step_index is not None:
                    step = turn.reply.state.steps[-1].step
                    if isinstance(step, ModelOutputStep):
                        self.text.append(change.appended_text)
                        self._schedule()
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        self._flush()

    def _schedule(self) -> None:
        if self._flush_handle is None:
            delay = max(0.0, FLUSH_INTERVAL - (time.monotonic() - self._last_flush))
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        self._last_flush = time.monotonic()
        self.query_one("#answer", Static).update(Text("".join(self.text)))
        self.query_one(VerticalScroll).scroll_end(animate=False, immediate=True)


async def run_baseline(base_url: str, prompts: list[str]) -> Result:
    app = PlainTextApp(base_url)
    heartbeat = Heartbeat()
    async with app.run_test(size=SIZE) as pilot:
        for prompt in prompts:
            heartbeat.start()
            start, cpu = time.perf_counter(), time.process_time()
            app.run_worker(app.stream(prompt), exclusive=True)
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed, used = time.perf_counter() - start, time.process_time() - cpu
            lags = await heartbeat.stop()
        return Result(elapsed, used, percentile(lags, 0.95), len("".join(app.text)))


async def run_gemtui(base_url: str, prompts: list[str]) -> Result:
    connection = Connection(base_url=base_url, api_key=KEY, demo=True, secrets=[KEY])
    app = GemtuiApp(connection)
    heartbeat = Heartbeat()
    async with app.run_test(size=SIZE) as pilot:
        for prompt in prompts:
            app.composer.focus()
            app.composer.load_text(prompt)
            heartbeat.start()
            start, cpu = time.perf_counter(), time.process_time()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed, used = time.perf_counter() - start, time.process_time() - cpu
            lags = await heartbeat.stop()
            turn = app.conversation.turns[-1]
            if turn.reply.outcome != "completed":
                raise SystemExit(f"gemtui turn ended {turn.reply.outcome}: {turn.reply.error}")
        answer = [item for item in app.view.items if type(item).__name__ == "AnswerItem"][-1]
        return Result(elapsed, used, percentile(lags, 0.95), len(answer.copy_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    results: dict[str, list[Result]] = {"baseline": [], "gemtui": []}
    with subprocess_emulator(delay_ms=4, chunk_chars=8) as url:
        # A warm-up turn in each app first (imports, Markdown parser, code theme), then the
        # measured one; the two apps alternate so machine load hits both alike.
        for _ in range(args.runs):
            results["baseline"].append(asyncio.run(run_baseline(url, [WARM_UP_PROMPT, PROMPT])))
            results["gemtui"].append(asyncio.run(run_gemtui(url, [WARM_UP_PROMPT, PROMPT])))

    def med(name: str, attr: str) -> float:
        return median([getattr(r, attr) for r in results[name]])

    base_wall, base_cpu = med("baseline", "wall"), med("baseline", "cpu")
    wall, cpu, lag = med("gemtui", "wall"), med("gemtui", "cpu"), med("gemtui", "lag_p95")
    chars = results["gemtui"][0].chars
    rows = [
        ["plain Text baseline", f"{base_wall:.2f}", f"{base_cpu:.2f}",
         f"{med('baseline', 'lag_p95') * 1000:.0f}", "1.00x", ""],
        ["gemtui (Markdown, virtual view)", f"{wall:.2f}", f"{cpu:.2f}", f"{lag * 1000:.0f}",
         f"{wall / base_wall:.2f}x", f"CPU {cpu / base_cpu:.2f}x"],
    ]  # fmt: skip
    print_table(
        f"Streaming a {chars / 1024:.1f} KB answer at Flash speed (8 chars / 4 ms), "
        f"120x40 headless, median of {args.runs}",
        ["what", "wall s", "CPU s", "lag p95 ms", "wall ratio", ""],
        rows,
    )
    print(
        f"budget: wall <= 1.10x baseline: {verdict(wall <= 1.1 * base_wall)}; "
        f"lag p95 <= 50 ms: {verdict(lag <= 0.05)}"
    )


if __name__ == "__main__":
    main()
