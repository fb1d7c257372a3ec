"""Counts in words: "1 turn", "2 turns" (screens and messages said "1 turns", "1 recordings");
sizes in one set of units everywhere (chips said 6.4 KB where the export said 6.2 KB);
sentences joined with their full stops (an error and its hint ran together without one)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun``, or ``nouns`` (``noun`` + "s" unless given) when not one."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


#: Bytes in a kilobyte and a megabyte: decimal, as the API's limits are written.
KB = 1000
MB = 1_000_000


def format_size(size: int) -> str:
    """Bytes in decimal units, as the API's limits are written: ``810 B``, ``6.4 KB``,
    ``31.5 MB``. The one way gemtui writes a size (chips, media rows, captions, exports,
    notifications), so the same file reads the same everywhere."""
    if size < KB:
        return f"{size} B"
    if size < MB:
        return f"{size / KB:.1f} KB"
    return f"{size / MB:.1f} MB"


def sentences(*parts: str) -> str:
    """The non-empty ``parts`` as sentences on one line: each ends with a full stop (unless
    it ends with its own ``.``, ``!``, ``?`` or ``…``)."""
    said = [part.strip() for part in parts if part and part.strip()]
    return " ".join(part if part[-1] in ".!?…:" else part + "." for part in said)
