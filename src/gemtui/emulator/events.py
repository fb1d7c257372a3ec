"""How a finished step is streamed: ``step.start`` seed, deltas, ``step.stop`` (§5.3-5.4).

Splitting goes from the final step to events, so the non-streaming ``steps`` and the streamed
ones agree by construction: assembling these events gives back the step exactly (for unknown
step types, the ``step.start`` seed, since their deltas cannot be applied by anyone).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from gemtui.api.models import TOOL_DELTA_TYPES

Event = tuple[str, dict[str, Any]]

DONE_FRAME = b"event: done\ndata: [DONE]\n\n"
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: Built-in tool steps: their fields stream as one delta named like the step.
_TOOL_STEPS = frozenset(TOOL_DELTA_TYPES) - {"function_result"}


def frame(event_type: str, payload: dict[str, Any]) -> bytes:
    """One SSE frame: ``event:`` line, ``data:`` JSON line, blank line."""
    return b"event: %s\ndata: %s\n\n" % (event_type.encode(), _dumps(payload).encode())


def step_events(index: int, step: dict[str, Any], chunk_chars: int) -> Iterator[Event]:
    """``(event_type, payload)`` pairs for one step, without ``event_id`` (the caller adds it)."""
    kind = step.get("type")
    if kind == "model_output":
        # No delta carries an error: a failed step names it in its step.start.
        seed = {"type": kind, "error": step["error"]} if "error" in step else {"type": kind}
        yield _start(index, seed)
        deltas = _content_deltas(step.get("content", []), chunk_chars)
    elif kind == "thought":
        yield _start(index, {"type": kind})
        deltas = _thought_deltas(step)
    elif kind == "function_call":
        yield _start(index, {**step, "arguments": {}})
        deltas = _argument_deltas(step["arguments"], chunk_chars)
    elif kind in _TOOL_STEPS:
        ident = "id" if kind.endswith("_call") else "call_id"
        seed: dict[str, Any] = {"type": kind, ident: step[ident]}
        if "signature" in step:
            seed["signature"] = ""
        yield _start(index, seed)
        rest = {k: v for k, v in step.items() if k not in ("type", ident)}
        deltas = iter([{"type": kind, **rest}])
    else:
        yield _start(index, step)
        deltas = iter(
            [{"type": f"{kind}_delta", "detail": "a delta type this client does not know"}]
        )
    for delta in deltas:
        yield "step.delta", {"index": index, "delta": delta}
    yield "step.stop", {"index": index}


def _start(index: int, step: dict[str, Any]) -> Event:
    return "step.start", {"index": index, "step": step}


def chunks(text: str, size: int) -> Iterator[str]:
    size = max(1, size)
    for offset in range(0, len(text), size):
        yield text[offset : offset + size]


def _content_deltas(content: list[dict[str, Any]], chunk_chars: int) -> Iterator[dict[str, Any]]:
    for item in content:
        if item.get("type") == "text":
            for piece in chunks(item.get("text", ""), chunk_chars):
                yield {"type": "text", "text": piece}
            if item.get("annotations"):
                yield {"type": "text_annotation_delta", "annotations": item["annotations"]}
        else:
            yield dict(item)


def _thought_deltas(step: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in step.get("summary", []):
        yield {"type": "thought_summary", "content": item}
    if "signature" in step:
        yield {"type": "thought_signature", "signature": step["signature"]}


def _argument_deltas(arguments: Any, chunk_chars: int) -> Iterator[dict[str, Any]]:
    """The JSON of the arguments in at least two string fragments (as the live API sends)."""
    text = json.dumps(arguments, ensure_ascii=False)
    size = max(1, min(chunk_chars * 2, -(-len(text) // 2)))
    for piece in chunks(text, size):
        yield {"type": "arguments_delta", "arguments": piece}
