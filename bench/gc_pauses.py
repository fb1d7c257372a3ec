"""Full garbage collections during a long live chat: how often, how long, with and without the
app's policy for each finished turn (its cyclic garbage collected, then its objects frozen with
``gc.freeze()``; ``ui/chat/panes.py``).

A full (generation 2) collection walks every tracked object, and a long chat holds hundreds of
thousands of them (events, steps, rendered lines): each pause freezes the UI. The baseline run
is the same chat with that policy left out (Python's own collections only), measured in the same
process and run. Also printed: how many pauses passed 20 ms (the budget: none). Memory is
``bench/long_chat.py``'s to measure: here the second run reuses what the first one allocated.

Run: ``python bench/gc_pauses.py [--turns 120]`` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from types import SimpleNamespace

from _common import print_table, subprocess_emulator

from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.chat import panes

KEY = "bench-key"
PROMPT = "Explain topic {n} !size 2.5"


async def chat(base_url: str, turns: int) -> list[float]:
    """Seconds of each full collection while ``turns`` turns are chatted."""
    pauses: list[float] = []
    started = [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])

    app = GemtuiApp(Connection(base_url=base_url, api_key=KEY, demo=True, secrets=[KEY]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        gc.callbacks.append(watch)
        try:
            for number in range(turns):
                app.composer.load_text(PROMPT.format(n=number))
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
        finally:
            gc.callbacks.remove(watch)
        app.action_new_conversation()  # releases what was frozen, as a user's Ctrl+N does
    return pauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=120)
    args = parser.parse_args()
    rows = []
    without = SimpleNamespace(collect=lambda *_: 0, freeze=lambda: None, unfreeze=gc.unfreeze)
    with subprocess_emulator(delay_ms=0) as url:
        for label, policy in (("none (baseline)", False), ("collect, freeze", True)):
            gc.collect()
            panes.gc = gc if policy else without  # type: ignore[assignment]
            try:
                pauses = asyncio.run(chat(url, args.turns))
            finally:
                panes.gc = gc
            gc.unfreeze()
            rows.append(
                [
                    label,
                    str(len(pauses)),
                    str(sum(pause > 0.020 for pause in pauses)),
                    f"{1000 * max(pauses, default=0):.0f}",
                    f"{1000 * sum(pauses):.0f}",
                ]
            )
    print_table(
        f"Full collections during a {args.turns}-turn chat of 2.5 KB answers (120x40 headless)",
        ["turn end policy", "full collections", "over 20 ms", "longest ms", "total ms"],
        rows,
    )


if __name__ == "__main__":
    main()
