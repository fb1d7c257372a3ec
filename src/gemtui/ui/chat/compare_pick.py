"""Picking two turns to compare: the first press marks a turn, the second compares with it.

The turns can come from anywhere the app shows one (the chat, a conversation opened from the
history, a capture of the inspector, a replayed recording), so the mark is the turn itself,
kept while the reader moves elsewhere. Its settings are kept beside it: a turn read back from
the history has its request rebuilt from them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from gemtui.core.conversation import ChatSettings
from gemtui.core.safety import one_line
from gemtui.core.turn import Turn
from gemtui.core.turn_diff import Side, TurnDiff, diff_turns

TITLE_LIMIT = 40


def short_title(turn: Turn) -> str:
    title = one_line(turn.title) or "turn"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


@dataclass
class ComparePick:
    """The turn marked as A, if any."""

    marked: Side | None = None

    def pick(self, turn: Turn, settings: ChatSettings) -> TurnDiff | str:
        """Mark ``turn``, or compare it with the marked one: the comparison, or what to tell
        the reader (marked, or the mark taken off when the same turn is picked again)."""
        marked = self.marked
        if marked is not None and marked.turn is turn:
            self.marked = None
            return f"No turn is marked to compare any more («{short_title(turn)}» was)."
        if marked is None:
            self.marked = Side(turn, "A", copy.deepcopy(settings))
            return (
                f"Marked «{short_title(turn)}» to compare. Go to another turn (a message, a "
                "capture, a chat from the history) and press Alt+D again."
            )
        self.marked = None
        return diff_turns(marked, Side(turn, "B", copy.deepcopy(settings)))
