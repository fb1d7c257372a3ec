"""The step timeline with 10 000 events: append cost per event and select-to-detail latency.

A synthetic stream in the documented shapes (created, status, a thought with summary deltas,
a model_output of ~10 000 text deltas, completed) is applied with the real assembler, outside
the timing. The widgets run headless (`App.run_test`, 120x40) with the CSS of the real pane.

* append: after each batch of events, ``refresh_turn`` (timed per event) and a paint of the
  visible lines of the list (``render_lines`` of the visible region, the widget's own share of
  a repaint; timed per paint). Total per event = refresh + paint / batch. One paint per event
  is the worst case; the app paints at most every 50 ms (DESIGN.md section 4), so a stream of
  200+ events/s gives 10 or more events per paint, a fast one hundreds. Measured with steps
  collapsed and with every event shown as a row ("expanded", following the tail), and with
  three finished turns above the streaming one ("3 turns above": a chat's usual timeline).
* select-to-detail: the cursor moves to a row (``select``, which posts ``Selected``), the
  handler calls ``StepDetail.show`` and every visible line of the detail is rendered. For the
  10 000-delta model_output step, one of its events and the turn heading.

Budgets (DESIGN.md section 9): append <= 0.1 ms/event, select-to-detail <= 30 ms. Medians of
several runs are printed.

Run: ``python bench/timeline.py`` (about 20 seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

from _common import ROOT, median, print_table, verdict
from textual.app import App, ComposeResult
from textual.geometry import Region

from gemtui.api.models import EventBase, parse_event
from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState, apply, new_state
from gemtui.core.replay import event_size
from gemtui.core.timeline_rows import EventRow, StepRow
from gemtui.core.turn import Asked, Reply, Turn
from gemtui.ui.widgets.step_detail import StepDetail
from gemtui.ui.widgets.timeline import StepTimeline

SIZE = (120, 40)
EVENTS = 10_000
APPEND_BUDGET_MS = 0.1
SELECT_BUDGET_MS = 30.0


def synthetic_stream(total: int) -> list[dict[str, Any]]:
    """``total`` events: a thought with 40 summary deltas, then text deltas of ~40 chars."""
    events: list[dict[str, Any]] = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_bench", "status": "in_progress"},
        },
        {
            "event_type": "interaction.status_update",
            "interaction_id": "v1_bench",
            "status": "in_progress",
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
    ]
    for n in range(40):
        content = {"type": "text", "text": f"Thinking about part {n} of the question. "}
        events.append(
            {
                "event_type": "step.delta",
                "index": 0,
                "delta": {"type": "thought_summary", "content": content},
            }
        )
    events += [
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_signature", "signature": "c2ln" * 50},
        },
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output"}},
    ]
    deltas = total - len(events) - 2
    for n in range(deltas):
        text = f"Line {n} of a long answer, streamed fast. " + ("\n" if n % 8 == 7 else "")
        events.append(
            {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": text}}
        )
    events += [
        {"event_type": "step.stop", "index": 1},
        {
            "event_type": "interaction.completed",
            "interaction": {
                "id": "v1_bench",
                "status": "completed",
                "usage": {
                    "total_input_tokens": 12,
                    "total_output_tokens": 90000,
                    "total_tokens": 90012,
                },
            },
        },
    ]
    return events


Parsed = list[tuple[EventBase, int]]


def parsed_stream(total: int) -> Parsed:
    return [(parse_event(event), event_size(event)) for event in synthetic_stream(total)]


class BenchApp(App[None]):
    CSS_PATH = ROOT / "src" / "gemtui" / "ui" / "timeline.tcss"

    def compose(self) -> ComposeResult:
        yield StepTimeline(id="timeline")
        yield StepDetail(id="step-detail")

    def on_step_timeline_selected(self, message: StepTimeline.Selected) -> None:
        turn = self.query_one(StepTimeline).turn_at(message.turn_index)
        self.query_one(StepDetail).show(
            turn.reply,
            message.step_index,
            message.event_seq,
            label=turn.title,
        )


def render_visible(widget) -> None:
    """Paint the widget's visible region the way the compositor asks for it."""
    widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))


def append_run(
    app: BenchApp, events: Parsed, batch: int, expanded: bool, earlier: Sequence[Turn] = ()
) -> tuple[float, float]:
    """(ms per event of refresh_turn, ms per paint of the visible lines) over the stream,
    streamed as the turn after ``earlier`` (finished turns, on screen above it)."""
    timeline = app.query_one(StepTimeline)
    state = new_state()
    turn = Turn(Asked("bench"), Reply(state=state))
    timeline.set_turns([*earlier, turn])
    section = len(earlier)
    timeline.rows.expand_all(expanded)  # steps that arrive later follow it
    refreshing = painting = 0.0
    paints = 0
    for start in range(0, len(events), batch):
        for offset, (event, size) in enumerate(events[start : start + batch], start):
            apply(state, event, received_at=offset * 1e-4, size=size)
        began = time.perf_counter()
        timeline.refresh_turn(section)
        refreshed = time.perf_counter()
        render_visible(timeline.list)
        painting += time.perf_counter() - refreshed
        refreshing += refreshed - began
        paints += 1
    turn.reply.timings = RequestTimings(started_at=0.0, total_s=len(events) * 1e-4)
    timeline.refresh_turn(section)
    return refreshing * 1000 / len(events), painting * 1000 / paints


def full_state(events: Parsed) -> InteractionState:
    state = new_state()
    for offset, (event, size) in enumerate(events):
        apply(state, event, received_at=offset * 1e-4, size=size)
    return state


async def select_latency(app: BenchApp, pilot, target: str, repeats: int) -> float:
    """Median milliseconds from moving the cursor to the detail's visible lines rendered."""
    timeline = app.query_one(StepTimeline)
    detail = app.query_one(StepDetail)
    rows = timeline.rows
    output: StepRow = rows.step_rows(0)[1]
    if not output.expanded:
        rows.toggle(output)
        timeline.list.lines_changed()
    wanted = {
        "model_output step (10 000 deltas)": output,
        "one text delta event": output.events[len(output.events) // 2],
        "turn heading": rows.turn_row(0),
    }[target]
    away = rows.step_rows(0)[0]
    samples = []
    for _ in range(repeats):
        timeline.list.select(away, announce=False)
        await pilot.pause()
        began = time.perf_counter()
        timeline.list.select(wanted)
        # Deliver the Selected message to the app's handler, as the event loop would.
        await asyncio.sleep(0)
        for _ in range(1000):
            if _showing(detail, wanted):
                break
            await asyncio.sleep(0)
        else:
            raise RuntimeError("the detail never showed the selected row")
        render_visible(detail)
        samples.append((time.perf_counter() - began) * 1000)
        detail.clear()
    return median(samples)


def _showing(detail: StepDetail, row) -> bool:
    shown = detail._shown
    if shown is None:
        return False
    if isinstance(row, EventRow):
        return shown.event_seq == row.seq
    if isinstance(row, StepRow):
        return shown.step == row.position and shown.event_seq is None
    return shown.step is None


async def main(runs: int, events_count: int) -> None:
    events = parsed_stream(events_count)
    app = BenchApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Finished turns above the streaming one: only the streaming turn's lines need
        # painting again while it grows in place.
        short = parsed_stream(200)
        earlier = [Turn(Asked(f"earlier {n}"), Reply(state=full_state(short))) for n in range(3)]
        cases = [
            (f"{'expanded' if expanded else 'collapsed'}, {batch} per paint", expanded, batch, [])
            for expanded in (False, True)
            for batch in (1, 10, 100)
        ]
        cases += [(f"collapsed, {batch} per paint, 3 turns above", False, batch, earlier)
                  for batch in (1, 10)]  # fmt: skip
        table = []
        for label, expanded, batch, above in cases:
            figures = [append_run(app, events, batch, expanded, above) for _ in range(runs)]
            refresh = median([f[0] for f in figures])
            paint = median([f[1] for f in figures])
            per_event = refresh + paint / batch
            table.append(
                (
                    label,
                    f"{refresh:.4f}",
                    f"{paint:.3f}",
                    f"{per_event:.4f}",
                    verdict(per_event <= APPEND_BUDGET_MS),
                )
            )
        print_table(
            f"append, {len(events)} events (median of {runs} runs; budget "
            f"{APPEND_BUDGET_MS} ms/event)",
            ("case", "refresh_turn ms/event", "paint ms", "total ms/event", "budget"),
            table,
        )
        timeline = app.query_one(StepTimeline)
        timeline.set_turns([Turn(Asked("bench"), Reply(state=full_state(events)))])
        await pilot.pause()
        table = []
        for target in ("model_output step (10 000 deltas)", "one text delta event", "turn heading"):
            value = await select_latency(app, pilot, target, repeats=max(runs, 5))
            table.append((target, f"{value:.2f}", verdict(value <= SELECT_BUDGET_MS)))
        print_table(
            f"select-to-detail with {len(events)} events (ms, median; budget {SELECT_BUDGET_MS})",
            ("selected row", "ms", "budget"),
            table,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=EVENTS)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.events))
