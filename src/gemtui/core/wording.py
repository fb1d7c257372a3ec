"""Counts in words: "1 turn", "2 turns" (screens and messages said "1 turns", "1 recordings");
sentences joined with their full stops (an error and its hint ran together without one)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun``, or ``nouns`` (``noun`` + "s" unless given) when not one."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def sentences(*parts: str) -> str:
    """The non-empty ``parts`` as sentences on one line: each ends with a full stop (unless
    it ends with its own ``.``, ``!``, ``?`` or ``…``)."""
    said = [part.strip() for part in parts if part and part.strip()]
    return " ".join(part if part[-1] in ".!?…:" else part + "." for part in said)
