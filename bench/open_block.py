"""One huge block that is still streaming (issue 20, item 8): the cost of one re-render of an
answer whose open last block is a long code fence or list, as it grows to 700 lines.

The answer item (``AnswerItem``) of the real app is fed the block a few lines at a time, as a
flush of a stream would feed it, and rendered after each feed at 100 columns with the
conversation pane's own render context (the app runs headless). Printed: one render's cost at
100, 300 and 700 lines (median of the renders around that length) and the largest, next to the
budget of a frame (16 ms). The throttle that spaces out costly re-renders is what bounded the
CPU share before; here each render is timed on its own, so the throttle is set aside.

Run: ``python bench/open_block.py`` (about 20 s); run it with another checkout's interpreter
to compare.
"""

from __future__ import annotations

import asyncio
import time

from _common import median, print_table, verdict

from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render import chat_items
from gemtui.ui.render.chat_items import AnswerItem

LINES = 700
STEP = 5
WIDTH = 100
FRAME = 0.016


def code_line(number: int) -> str:
    return f"    total_{number} = compute(values[{number}], weight={number % 7}) + offset"


def list_line(number: int) -> str:
    return f"{number + 1}. Item {number + 1}: a point made in a sentence or two, **bold** here."


def renders(lines: list[str], opener: str, ctx) -> list[tuple[int, float]]:
    item = AnswerItem()
    item.feed("Intro paragraph.\n\n" + opener)
    timed = []
    for start in range(0, len(lines), STEP):
        item.feed("".join(f"{line}\n" for line in lines[start : start + STEP]))
        begin = time.perf_counter()
        item.render(WIDTH, ctx)
        timed.append((start + STEP, time.perf_counter() - begin))
    return timed


def around(timed: list[tuple[int, float]], size: int) -> float:
    return median([cost for count, cost in timed if abs(count - size) <= 20])


async def main() -> None:
    chat_items.TAIL_COST_FACTOR = 0.0  # time every render (the throttle would skip some)
    app = GemtuiApp(Connection(base_url="http://127.0.0.1:9", api_key="k", demo=True))
    async with app.run_test(size=(WIDTH + 4, 40)):
        ctx = app.view.render_context()
        cases = {
            "code fence": renders([code_line(n) for n in range(LINES)], "```python\n", ctx),
            "ordered list": renders([list_line(n) for n in range(LINES)], "", ctx),
        }
    rows = []
    worst = 0.0
    for name, timed in cases.items():
        largest = max(cost for _, cost in timed)
        worst = max(worst, around(timed, LINES))
        rows.append(
            [name, *(f"{around(timed, size) * 1000:.1f}" for size in (100, 300, LINES)),
             f"{largest * 1000:.1f}"]
        )  # fmt: skip
    print_table(
        f"One re-render of an answer whose open block grows to {LINES} lines ({WIDTH} columns), ms",
        ["open block", "at 100 lines", "at 300", f"at {LINES}", "largest"],
        rows,
    )
    print(f"budget: one re-render at {LINES} lines <= a frame (16 ms): {verdict(worst <= FRAME)}")


if __name__ == "__main__":
    asyncio.run(main())
