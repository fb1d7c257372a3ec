"""Stepping through the matches of the find bar, as Enter / Down and Up do (each step finds
the query again first, since the chat may have changed)."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip

from gemtui.ui.widgets.conversation_find import ConversationFinder

LINES = [["zeta and zeta", "no match here"], ["one zeta"]]


def finder() -> ConversationFinder:
    found = ConversationFinder(
        lambda item: [Strip([Segment(text)]) for text in LINES[item]],
        lambda item: (0, 80),
        lambda: len(LINES),
    )
    found.search("zeta")
    return found


def test_every_match_is_visited_in_order_also_two_on_one_line() -> None:
    """Enter stayed on the second match of a line: the refresh put it back on the first."""
    found = finder()
    seen = [found.position]
    for _ in range(3):
        found.refresh()
        found.step(1)
        seen.append(found.position)
    assert seen == ["1/3", "2/3", "3/3", "1/3"]


def test_up_goes_back_one_match_at_a_time() -> None:
    found = finder()
    found.step(-1)
    seen = [found.position]
    for _ in range(3):
        found.refresh()
        found.step(-1)
        seen.append(found.position)
    assert seen == ["3/3", "2/3", "1/3", "3/3"]
