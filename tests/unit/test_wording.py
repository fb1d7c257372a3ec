"""Counts in words."""

from __future__ import annotations

from gemtui.core.wording import plural


def test_one_is_singular_and_the_rest_plural() -> None:
    assert [plural(n, "turn") for n in (0, 1, 2)] == ["0 turns", "1 turn", "2 turns"]
    assert plural(3, "entry", "entries") == "3 entries"
