"""Text derived from an interaction's steps, computed exactly as the official SDK does.

``output_text`` is not on the wire: google-genai computes it client-side
(``shared/interactions-api.md`` §3.4). Headless output, copy and export use the same rule so that
"the answer" means the same thing here as in every program written against the SDK.
"""

from __future__ import annotations

from collections.abc import Sequence

from gemtui.api.models import StepBase


def output_text(steps: Sequence[StepBase]) -> str | None:
    """The last contiguous run of text blocks of the latest model turn, or ``None`` if empty.

    Walks backwards: a ``user_input`` ends the turn, ``thought`` steps are transparent, and once
    text has been found any other step or any non-text block inside a ``model_output`` ends the
    run. So an answer split over several ``model_output`` steps by thoughts is one text, while
    text before a tool call or an image belongs to an earlier part of the turn.
    """
    found: list[str] = []
    for step in reversed(steps):
        kind = step.type
        if kind == "user_input":
            break
        if kind == "thought":
            continue
        if kind != "model_output":
            if found:
                break
            continue
        content = getattr(step, "content", None)
        if not isinstance(content, list):
            continue
        if not _collect_text(content, found):
            break
    return "".join(reversed(found)) or None


def _collect_text(content: list, found: list[str]) -> bool:
    """Add the trailing text blocks of ``content`` to ``found`` (newest first).

    Returns ``False`` when a non-text block ends a run already started, i.e. the walk is over.
    """
    for item in reversed(content):
        if getattr(item, "type", None) != "text":
            if found:
                return False
            continue
        text = getattr(item, "text", None)
        found.append(text if isinstance(text, str) else "")
    return True
