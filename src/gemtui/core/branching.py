"""Branches of a stored conversation: where loaded turns sit in the chain, and which branches
there are to switch to.

A conversation in the store is a tree of turns (each row names the turn it follows); the branch in
use ends at the conversation's head. Editing an earlier prompt or regenerating the last answer
starts a new branch from that turn's parent and leaves the old one in the tree, reachable from
:func:`branch_tips`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gemtui.core.conversation import CHAINABLE_OUTCOMES, Conversation, Turn, turn_history
from gemtui.core.store_records import StoredTurn


def history_steps(turn: Turn) -> int:
    """How many steps a chained stateless turn adds to the history (its input, then its output),
    as :meth:`Conversation.finish_turn` and :meth:`Store.load_conversation` add them."""
    return len(turn_history(turn))


def place_stored_turns(stored: Sequence[StoredTurn], history_after: int) -> None:
    """Give turns read back from the store what a live turn gets when it starts: the chain point
    it continued from and its rows in the store, so it can be rewound and branched from.

    ``stored`` are consecutive turns of the branch in use, oldest first; ``history_after`` is
    the length of the stateless history right after the last of them.
    """
    position = history_after
    for item in reversed(stored):
        turn = item.turn
        if turn.outcome in CHAINABLE_OUTCOMES and not item.settings.stateful:
            position -= history_steps(turn)
        turn.chained_from = item.previous_interaction_id
        turn.history_before = max(position, 0)
        turn.stored_id = item.id
        turn.stored_parent = item.parent_turn_id


def previous_stored_id(conversation: Conversation) -> int | None:
    """The stored row the last turn follows when it was written to the head of its branch:
    the turn before it, as the store's head was then."""
    turns = conversation.turns
    return turns[-2].stored_id if len(turns) > 1 else None


@dataclass(frozen=True, slots=True)
class BranchTip:
    """One branch: the leaf turn it ends at and how to tell it from the others."""

    leaf_id: int
    #: The prompt of the last turn of this branch that has a sibling (where it last went its
    #: own way); the leaf's prompt when the conversation never branched.
    label: str
    #: When the leaf was written.
    created: float
    turn_count: int
    is_head: bool


def branch_tips(turns: Sequence[StoredTurn], head_turn_id: int | None) -> list[BranchTip]:
    """Every branch of a conversation (``turns``: all its turns, any order), newest leaf first."""
    by_id = {t.id: t for t in turns}
    children: dict[int | None, list[int]] = {}
    for t in turns:
        children.setdefault(t.parent_turn_id, []).append(t.id)
    tips = []
    for leaf in turns:
        if leaf.id in children:
            continue
        path = _path(by_id, leaf.id)
        forks = [t for t in path if len(children.get(t.parent_turn_id, ())) > 1]
        label_turn = forks[-1] if forks else leaf
        tips.append(
            BranchTip(
                leaf_id=leaf.id,
                label=label_turn.turn.prompt,
                created=leaf.created,
                turn_count=len(path),
                is_head=head_turn_id is not None and head_turn_id in {t.id for t in path},
            )
        )
    return sorted(tips, key=lambda tip: (tip.created, tip.leaf_id), reverse=True)


def _path(by_id: dict[int, StoredTurn], leaf_id: int) -> list[StoredTurn]:
    """The turns from the first one down to ``leaf_id``."""
    path: list[StoredTurn] = []
    current: int | None = leaf_id
    while current is not None and current in by_id:
        path.append(by_id[current])
        current = by_id[current].parent_turn_id
    return path[::-1]
