"""Token usage of a turn that took several requests (continuation hops).

Each hop is an interaction of its own with its own usage; the turn's usage is their sum, as the
official SDK merges them: every count added up, the per-modality lists added up per modality
(per tool type for grounding counts), and ``initial_input_tokens`` the first hop's input (each
hop re-reads the context, so the summed input says what was billed, the initial one what the
conversation holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gemtui.api.models import Usage

#: The per-item lists of a usage and the key each item is summed under.
_LISTS = {
    "input_tokens_by_modality": ("modality", "tokens"),
    "output_tokens_by_modality": ("modality", "tokens"),
    "cached_tokens_by_modality": ("modality", "tokens"),
    "tool_use_tokens_by_modality": ("modality", "tokens"),
    "grounding_tool_count": ("type", "count"),
}


def merge_usages(usages: Sequence[Usage]) -> Usage | None:
    """The usage of all ``usages`` together (``None`` when there is none)."""
    if not usages:
        return None
    if len(usages) == 1:
        return usages[0]
    wires = [usage.to_wire() for usage in usages]
    merged: dict[str, Any] = {}
    for name in dict.fromkeys(key for wire in wires for key in wire):
        values = [wire[name] for wire in wires if wire.get(name) is not None]
        if name == "initial_input_tokens" or not values:
            continue
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            merged[name] = sum(values)
        elif name in _LISTS and all(isinstance(v, list) for v in values):
            merged[name] = _merge_items(values, *_LISTS[name])
    first = wires[0]
    initial = first.get("initial_input_tokens", first.get("total_input_tokens"))
    if initial is not None:
        merged["initial_input_tokens"] = initial
    return Usage.model_validate(merged)


def _merge_items(lists: list[list[Any]], key: str, count: str) -> list[dict[str, Any]]:
    totals: dict[Any, dict[str, Any]] = {}
    for items in lists:
        for item in items:
            if not isinstance(item, dict):
                continue
            found = totals.get(item.get(key))
            if found is None:
                totals[item.get(key)] = dict(item)  # a copy: the hop's own usage stays as sent
            elif isinstance(item.get(count), int):
                found[count] = (found.get(count) or 0) + item[count]
    return list(totals.values())
