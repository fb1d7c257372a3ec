"""Fitting a line's parts into its width: the least needed give way first.

The status bar (:func:`fit`): each part has its forms, longest first (an empty form leaves the
part out), and a priority. While the line is too wide, the part with the lowest priority that
still has a shorter form takes it; what room is left then goes back to the parts that gave way,
the highest priority first. Parts keep their order on the line. So at 80 columns the endpoint,
the token counts and the like shorten or go before "▼ 12 new lines below (End)" loses a
character.

Lines of parts parted by " · " (:func:`fit_parts`, the timeline's turn headings): the same
giving way, but a part that goes leaves "…" in its place, so the reader knows something is
left out, and no figure is ever cut in two ("total 5" for a total of 526).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text


@dataclass(frozen=True, slots=True)
class StatusPart:
    """One part of the line: ``forms`` longest first (``""``: left out), ``priority`` (the
    higher, the longer it keeps its longest form)."""

    forms: tuple[str, ...]
    priority: int
    style: Style | str = ""


def fit(parts: list[StatusPart], width: int) -> Text:
    """The parts on one line of at most ``width`` cells where they can be made to fit (what
    still does not fit is cut with an ellipsis)."""
    chosen = [0] * len(parts)
    widths = [cell_len(part.forms[0]) for part in parts]
    total = sum(widths)
    # Lowest priority first; among equals, the rightmost part gives way first.
    order = sorted(range(len(parts)), key=lambda i: (parts[i].priority, -i))
    while total > width:
        for index in order:
            if chosen[index] + 1 < len(parts[index].forms):
                chosen[index] += 1
                new = cell_len(parts[index].forms[chosen[index]])
                total += new - widths[index]
                widths[index] = new
                break
        else:
            break
    # Room a shrink left over goes back to parts that gave way, the most needed first (a
    # part shrunk late may have made room for one dropped early).
    for index in reversed(order):
        while chosen[index] > 0:
            longer = cell_len(parts[index].forms[chosen[index] - 1])
            if total - widths[index] + longer > width:
                break
            chosen[index] -= 1
            total += longer - widths[index]
            widths[index] = longer
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    for part, form in zip(parts, chosen, strict=True):
        if part.forms[form]:
            text.append(part.forms[form], style=part.style)
    return text


#: What stands where parts were left out (one for a run of them) and ends a part cut short.
OMITTED = "…"
#: A part that may be cut is cut to no fewer cells than this (with its "…"), or left out.
MIN_CUT = 8


@dataclass(frozen=True, slots=True)
class LinePart:
    """One part of a line parted by " · ": ``priority`` (the higher, the longer it stays);
    ``cut``: words that may be cut short (a title, an error message) rather than left out.
    Other parts (figures) are shown whole or not at all."""

    text: str
    priority: int = 0
    cut: bool = False


def fit_parts(parts: Sequence[LinePart], width: int, separator: str = " · ") -> str:
    """The parts in order, parted by ``separator``, padded or cut to exactly ``width`` cells.
    While too wide, the part of lowest priority (the rightmost among equals) goes, "…" in its
    place; then the room left brings parts back, the most needed first, whole where they fit,
    cut short where they may be, up to the first that cannot come back."""
    shown: list[str | None] = [part.text for part in parts]
    order = sorted(range(len(parts)), key=lambda i: (parts[i].priority, -i))
    for index in order:
        if cell_len(_joined(shown, separator)) <= width:
            break
        shown[index] = None
    for index in reversed(order):
        if shown[index] is None:
            back = _brought_back(parts[index], index, shown, width, separator)
            if back is None:
                break  # a less needed part must not come back where this one could not
            shown = back
    # Only when even the most needed part alone is too wide is it cut anyhow.
    return set_cell_size(_joined(shown, separator), width)


def _brought_back(
    part: LinePart, index: int, shown: list[str | None], width: int, separator: str
) -> list[str | None] | None:
    """``shown`` with the part left out at ``index`` back in, whole or cut short, or
    ``None`` if the line has no room for it."""
    trial = [*shown[:index], "", *shown[index + 1 :]]
    room = width - cell_len(_joined(trial, separator))
    if cell_len(part.text) <= room:
        trial[index] = part.text
    elif part.cut and room >= MIN_CUT:
        trial[index] = set_cell_size(part.text, room - 1).rstrip() + OMITTED
    else:
        return None
    return trial


def _joined(shown: list[str | None], separator: str) -> str:
    """The parts shown, one "…" for each run of parts left out."""
    pieces: list[str] = []
    omitting = False
    for text in shown:
        if text is None and not omitting:
            pieces.append(OMITTED)
        elif text is not None:
            pieces.append(text)
        omitting = text is None
    return separator.join(pieces)
