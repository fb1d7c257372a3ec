"""Branches of a stored conversation: which branches there are to switch to.

A conversation in the store is a tree of turns (each row names the turn it follows); the branch in
use ends at the conversation's head. Editing an earlier prompt or regenerating the last answer
starts a new branch from that turn's parent and leaves the old one in the tree, reachable from
:func:`branch_tips`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gemtui.core.store_records import TreeNode


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


def branch_tips(turns: Sequence[TreeNode], head_turn_id: int | None) -> list[BranchTip]:
    """Every branch of a conversation (``turns``: its turn tree, any order), newest leaf first."""
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
                label=label_turn.prompt,
                created=leaf.created,
                turn_count=len(path),
                is_head=head_turn_id is not None and head_turn_id in {t.id for t in path},
            )
        )
    return sorted(tips, key=lambda tip: (tip.created, tip.leaf_id), reverse=True)


def _path(by_id: dict[int, TreeNode], leaf_id: int) -> list[TreeNode]:
    """The turns from the first one down to ``leaf_id``."""
    path: list[TreeNode] = []
    current: int | None = leaf_id
    while current is not None and current in by_id:
        path.append(by_id[current])
        current = by_id[current].parent_turn_id
    return path[::-1]
