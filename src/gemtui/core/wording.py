"""Counts in words: "1 turn", "2 turns" (screens and messages said "1 turns", "1 recordings")."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun``, or ``nouns`` (``noun`` + "s" unless given) when not one."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
