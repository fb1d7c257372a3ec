"""Runs one interaction: writes its events to the record, with pacing and stream faults."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from gemtui.emulator.directives import Directives
from gemtui.emulator.events import step_events
from gemtui.emulator.scenarios import Plan
from gemtui.emulator.store import Record

ERROR_EVENT = {
    "code": "gateway_timeout",
    "message": "Deadline expired before operation could complete.",
}
MALFORMED_FRAME = (
    b'event: step.delta\ndata: {"index": 0, "delta": {"type": "text", "text": "unterminated\n\n'
)


@dataclass(frozen=True, slots=True)
class Pacing:
    """Pauses of one run, in milliseconds (0 means never yield to the loop)."""

    delta_ms: float = 0.0
    step_ms: float = 0.0
    stall_ms: float = 0.0
    #: time spent ``queued`` before the run starts
    queued_ms: float = 0.0


#: What a script yields to wait until it is cancelled (the ``never-complete`` fault).
FOREVER = float("inf")


async def _pause(record: Record, milliseconds: float) -> None:
    record.notify()
    await asyncio.sleep(milliseconds / 1000)


def script(
    record: Record, plan: Plan, directives: Directives, pacing: Pacing, chunk: int
) -> Iterator[float]:
    """Emit the whole interaction into ``record``, yielding each pause (ms) it wants.

    A generator rather than a coroutine so that the same run can be driven two ways: paced by
    :func:`run`, or to its end at once by :func:`rush` (a persistent emulator that stops
    finishes its runs that way, from wherever they were). It yields only pauses above zero;
    :data:`FOREVER` means "never goes on" (the ``never-complete`` fault).

    Faults that change the run itself (error event, malformed frame, unknown event, stall,
    never-complete) happen here, at the middle of the last step, so every reader sees them.
    """
    record.emit("interaction.created", record.created_event())
    if pacing.queued_ms:
        record.emit("interaction.status_update", {"interaction_id": record.id, "status": "queued"})
        yield pacing.queued_ms
        record.status = "in_progress"
    record.emit(
        "interaction.status_update",
        {"interaction_id": record.id, "status": "in_progress", "usage": dict(record.usage)},
    )
    if directives.unknown:
        record.emit("interaction.emulator_probe", {"interaction_id": record.id, "note": "unknown"})
    while directives.never_complete:  # whoever drives it next finds it still waiting
        yield FOREVER
    last = len(plan.steps) - 1
    for index, step in enumerate(plan.steps):
        if pacing.step_ms:
            yield pacing.step_ms
        events = list(step_events(index, step, chunk))
        deltas = len(events) - 2
        middle = min(3, max(1, deltas // 2))
        if deltas and index < len(plan.step_usage):
            # The last delta of a step says the usage so far (SDK StepDeltaMetadata).
            events[-2][1]["metadata"] = {"total_usage": plan.step_usage[index]}
        for number, (event_type, payload) in enumerate(events):
            record.emit(event_type, payload)
            if event_type != "step.delta":
                continue
            if index == last and number == middle:
                if directives.malformed:
                    record.emit_raw(MALFORMED_FRAME)
                if directives.error_event:
                    record.emit("error", {"error": dict(ERROR_EVENT)})
                    record.errors.append(dict(ERROR_EVENT))
                    record.finish("failed")
                    record.close()
                    return
                if pacing.stall_ms:
                    yield pacing.stall_ms
            if pacing.delta_ms:
                yield pacing.delta_ms
        record.output_steps.append(step)
    record.errors.extend(plan.errors)
    record.finish(plan.status, plan.usage)
    if plan.status in ("failed", "budget_exceeded"):
        update = {"interaction_id": record.id, "status": plan.status}
        record.emit("interaction.status_update", update)
    record.emit("interaction.completed", record.completed_event())
    record.send_done = not directives.no_done
    record.close()


async def run(record: Record, steps: Iterator[float]) -> None:
    """Drive ``steps`` (a :func:`script`) with its pauses; returns when the run is finished
    (or never, if it waits forever: then only cancelling the task ends it)."""
    record.script = steps
    for pause in steps:
        if pause == FOREVER:
            record.notify()
            await asyncio.Event().wait()  # until cancelled
        await _pause(record, pause)


def rush(record: Record) -> None:
    """Run the rest of ``record``'s script without its pauses, up to a wait forever.

    The task that was driving it, if any, must be cancelled afterwards by the caller.
    """
    steps = record.script
    if steps is None or record.finished:
        return
    for pause in steps:
        if pause == FOREVER:
            return
    record.script = None


def cancel(record: Record) -> None:
    """Stop a running run and record it as cancelled (the caller checked it may be)."""
    if record.task is not None:
        record.task.cancel()
    record.script = None
    record.finish("cancelled")
    record.emit("interaction.status_update", {"interaction_id": record.id, "status": "cancelled"})
    record.emit("interaction.completed", record.completed_event())
    record.close()
