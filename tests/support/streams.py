"""Event payloads in the shapes of ``shared/interactions-api.md`` §5.5 (DOC-stream)."""

from __future__ import annotations

from typing import Any

from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState
from gemtui.core.turn import Asked, Reply, Turn

INTERACTION_ID = "v1_ChdPU0F4YWFtNkFwS2kxZThQZ05lbXdROBIXT1NBeGFhbTZBcEtpMWU4UGdOZW13UTg"

CREATED = {
    "interaction": {
        "id": INTERACTION_ID,
        "status": "in_progress",
        "object": "interaction",
        "model": "gemini-3.7-flash",
    },
    "event_type": "interaction.created",
}
STATUS = {
    "interaction_id": INTERACTION_ID,
    "status": "in_progress",
    "event_type": "interaction.status_update",
}
THOUGHT_START = {"index": 0, "step": {"type": "thought"}, "event_type": "step.start"}
THOUGHT_SIGNATURE = {
    "index": 0,
    "delta": {"signature": "c2lnbmF0dXJl", "type": "thought_signature"},
    "event_type": "step.delta",
}
THOUGHT_STOP = {"index": 0, "event_type": "step.stop"}
OUTPUT_START = {"index": 1, "step": {"type": "model_output"}, "event_type": "step.start"}


def text_delta(text: str, index: int = 1, **extra: Any) -> dict[str, Any]:
    return {"index": index, "delta": {"text": text, "type": "text"}, "event_type": "step.delta"} | (
        extra
    )


OUTPUT_STOP = {"index": 1, "event_type": "step.stop"}
COMPLETED = {
    "interaction": {
        "id": INTERACTION_ID,
        "status": "completed",
        "usage": {"total_tokens": 346, "total_input_tokens": 11, "total_output_tokens": 90},
        "created": "2026-05-12T18:44:51Z",
        "updated": "2026-05-12T18:44:51Z",
        "service_tier": "standard",
        "object": "interaction",
        "model": "gemini-3.7-flash",
    },
    "event_type": "interaction.completed",
}
ERROR = {
    "error": {
        "message": "Deadline expired before operation could complete.",
        "code": "gateway_timeout",
    },
    "event_type": "error",
}

#: The documented text-with-thinking stream, without the final ``[DONE]``.
TEXT_STREAM = [
    CREATED,
    STATUS,
    THOUGHT_START,
    THOUGHT_SIGNATURE,
    THOUGHT_STOP,
    OUTPUT_START,
    text_delta("1, 2, 3, "),
    text_delta("4, 5, 6, "),
    OUTPUT_STOP,
    COMPLETED,
]


def shown_turn(label: str, state: InteractionState, timings: RequestTimings | None = None) -> Turn:
    """A turn that has ``state`` as its reply, for widgets that show turns (the timeline)."""
    return Turn(asked=Asked(prompt=label), reply=Reply(state=state, timings=timings))
