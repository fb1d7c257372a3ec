"""Branches of a stored conversation: which branches there are to switch to.

A conversation in the store is a tree of turns (each row names the turn it follows); the branch in
use ends at the conversation's head. Editing an earlier prompt or regenerating the last answer
starts a new branch from that turn's parent and leaves the old one in the tree, reachable from
:func:`branch_tips`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

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
    #: Which of the turns that went their own ways at that point this branch took (1-based,
    #: oldest first) and how many there are: regenerated answers share their prompt.
    version: int = 1
    versions: int = 1


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
        path = path_to(by_id, leaf.id)
        forks = [t for t in path if len(children.get(t.parent_turn_id, ())) > 1]
        label_turn = forks[-1] if forks else leaf
        siblings = sorted(children.get(label_turn.parent_turn_id, [label_turn.id]))
        tips.append(
            BranchTip(
                leaf_id=leaf.id,
                label=label_turn.prompt,
                created=leaf.created,
                turn_count=len(path),
                is_head=head_turn_id is not None and head_turn_id in {t.id for t in path},
                version=siblings.index(label_turn.id) + 1 if forks else 1,
                versions=len(siblings) if forks else 1,
            )
        )
    return sorted(tips, key=lambda tip: (tip.created, tip.leaf_id), reverse=True)


def leaf_holding(turns: Sequence[TreeNode], head_turn_id: int | None, turn_id: int) -> int | None:
    """The leaf to make the head so that the branch in use holds ``turn_id``: ``None`` when it
    holds it already (or no turn has that id); else the newest leaf below it, where that
    branch went last. A search hit or ``--resume ID`` can name a turn an edit left behind."""
    by_id = {t.id: t for t in turns}
    if turn_id not in by_id:
        return None
    if head_turn_id is not None and turn_id in {t.id for t in path_to(by_id, head_turn_id)}:
        return None
    children: dict[int | None, list[TreeNode]] = {}
    for t in turns:
        children.setdefault(t.parent_turn_id, []).append(t)
    below, leaves = [by_id[turn_id]], []
    while below:
        node = below.pop()
        if node.id in children:
            below.extend(children[node.id])
        else:
            leaves.append(node)
    return max(leaves, key=lambda t: (t.created, t.id)).id


class Node(Protocol):
    """A turn of a conversation's tree: its row and the row it follows."""

    @property
    def id(self) -> int: ...

    @property
    def parent_turn_id(self) -> int | None: ...


N = TypeVar("N", bound=Node)


def path_to(by_id: Mapping[int, N], last_id: int) -> list[N]:
    """The turns from the first one down to ``last_id``, following parent links."""
    path: list[N] = []
    current: int | None = last_id
    # The length check stops at a parent loop, which only a damaged file could hold.
    while current is not None and current in by_id and len(path) < len(by_id):
        path.append(by_id[current])
        current = by_id[current].parent_turn_id
    return path[::-1]
