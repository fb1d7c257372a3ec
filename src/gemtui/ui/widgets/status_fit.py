"""Fitting the status bar's parts into its one line: the least needed give way first.

Each part has its forms, longest first (an empty form leaves the part out), and a priority.
While the line is too wide, the part with the lowest priority that still has a shorter form
takes it; what room is left then goes back to the parts that gave way, the highest priority
first. Parts keep their order on the line. So at 80 columns the endpoint, the token counts
and the like shorten or go before "▼ 12 new lines below (End)" loses a character.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
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
