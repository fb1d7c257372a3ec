"""What reopening an interaction needs besides its stream: the prompt, and the steps as events.

The panes are built from assembler events, so an interaction that is only known from
``GET /interactions/{id}`` (its stream cannot be fetched again: the API re-streams background
runs, and may answer ``not_found`` for others, wire reference §5.7) is turned into the events
that carry whole steps, for the turn runner to fold: ``interaction.created``, then
``step.start`` with the full step and ``step.stop`` for each output step, then
``interaction.completed`` (``status_update`` while the run is still going). There are no
receive times, so every event is at offset 0.

Pure: no I/O, no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gemtui.api.models import RUNNING_STATUSES, Interaction, StepBase

__all__ = ["interaction_events", "output_steps", "prompt_from_input"]

#: Step types a client sends in ``input``; everything after the last of them is the output.
INPUT_STEP_TYPES = frozenset({"user_input", "function_result"})


def prompt_from_input(value: Any) -> str:
    """The text of the last ``user_input`` step of a create body's ``input`` (or of GET steps).

    ``input`` may also be a plain string or a list of content blocks; those count as the prompt
    themselves. Anything else gives ``""``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return ""
    items = [item for item in value if isinstance(item, dict)]
    for item in reversed(items):
        if item.get("type") == "user_input":
            return _text_of(item.get("content"))
    return _text_of(items)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        block["text"]
        for block in content
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    )


def output_steps(steps: Iterable[StepBase]) -> list[StepBase]:
    """The steps the interaction produced: those after its last input step."""
    steps = list(steps)
    last_input = max(
        (position for position, step in enumerate(steps) if step.type in INPUT_STEP_TYPES),
        default=-1,
    )
    return steps[last_input + 1 :]


def interaction_events(interaction: Interaction) -> list[dict[str, Any]]:
    """The wire events a stream of ``interaction`` would have carried, one whole step each."""
    head = interaction.head_wire()
    events: list[dict[str, Any]] = [{"interaction": head, "event_type": "interaction.created"}]
    for index, step in enumerate(output_steps(interaction.steps or ())):
        events.append({"index": index, "step": step.to_wire(), "event_type": "step.start"})
        events.append({"index": index, "event_type": "step.stop"})
    if interaction.status in RUNNING_STATUSES:
        status: dict[str, Any] = {"interaction_id": interaction.id, "status": interaction.status}
        if interaction.usage is not None:
            status["usage"] = interaction.usage.to_wire()
        events.append({**status, "event_type": "interaction.status_update"})
    else:
        events.append({"interaction": head, "event_type": "interaction.completed"})
    return events
