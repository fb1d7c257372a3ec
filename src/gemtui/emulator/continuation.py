"""Answers that arrive in hops: ``requires_continuation`` with a ``continuation_token``.

The real service stops a long decode at a per-request limit and hands back a token; the client
continues with a create that carries it (the official SDK does this automatically, see its
``_interactions_continuation.py``): for a stored interaction, ``previous_interaction_id`` set to
the hop that issued the token and no ``input``; with ``store: false``, the original ``input``
again. Each hop is an interaction of its own and holds only the output made during it; the
steps of a hop are indexed from 0 again.

Here the whole answer is planned once, then split: the steps before the answer and the
answer's first part go in the first hop, each later hop carries the next part of the answer's
text. The parts wait under their token until a continuation create asks for them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from gemtui.emulator.errors import invalid

#: What an unknown or foreign token is told (the real service's wording is not documented).
UNKNOWN_TOKEN = "The continuation_token is not valid for this request, or has expired."


@dataclass(slots=True)
class Pending:
    """The hops an answer still owes, the status it ends with, and where its token came from:
    the interaction that issued it (stored answers), or none (``store: false``)."""

    hops: list[list[dict[str, Any]]]
    final_status: str
    owner_id: str | None
    scenario: Any


def split_answer(steps: list[dict[str, Any]], hops: int) -> list[list[dict[str, Any]]] | None:
    """The steps of each hop, or ``None`` when there is no text answer to split."""
    last = len(steps) - 1
    if hops < 2 or last < 0 or steps[last].get("type") != "model_output":
        return None
    content = steps[last].get("content") or []
    texts = [n for n, item in enumerate(content) if item.get("type") == "text"]
    if len(texts) != 1 or len(content[texts[0]].get("text", "")) < hops:
        return None
    text = content[texts[0]]["text"]
    cuts = _cut_points(text, hops)
    parts = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    result = []
    for number, part in enumerate(parts):
        output = copy.deepcopy(steps[last])
        output["content"] = [{**content[texts[0]], "text": part}]
        if number < len(parts) - 1:
            output["content"][0].pop("annotations", None)  # citations come with the end
        result.append([*steps[:last], output] if number == 0 else [output])
    return result


def _cut_points(text: str, hops: int) -> list[int]:
    """Where to cut ``text`` in ``hops`` parts of about the same length, after a space where
    one is near (a decode limit can fall anywhere; words whole are easier to read)."""
    size = len(text) / hops
    cuts = []
    for number in range(1, hops):
        at = round(size * number)
        space = text.rfind(" ", max(cuts[-1] + 1 if cuts else 1, at - 40), at)
        cuts.append(space + 1 if space > 0 else at)
    return cuts


def check_continuation(
    pending: Pending | None, *, store: bool, previous_id: str | None, has_input: bool
) -> Pending:
    """The pending hops a continuation create may take, or the API's 400 why not."""
    if pending is None:
        raise invalid(UNKNOWN_TOKEN)
    if pending.owner_id is not None:
        if previous_id != pending.owner_id:
            raise invalid(
                "A continuation_token of a stored interaction must be sent with that "
                f"interaction as 'previous_interaction_id' ('{pending.owner_id}')."
            )
        if has_input:
            raise invalid(
                "'input' must not be set when continuing a stored interaction; the context "
                "comes from 'previous_interaction_id'."
            )
    elif store or not has_input:
        raise invalid(
            "This continuation_token was issued with store=false: send the original 'input' "
            "again with store=false."
        )
    return pending
