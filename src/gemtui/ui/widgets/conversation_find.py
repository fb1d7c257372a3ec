"""Find in the conversation: the matches of a query in what the items show, line by line.

Matching is done on each item's rendered lines (what the reader sees, wrapped as shown), not
on its source text: a match is where the eye finds it, and the highlight lands on exactly those
cells. Case is ignored unless the query holds a capital (Vim's ``smartcase``). The lines' text
is kept per item and width until the item changes, so typing a longer query or stepping
through the matches does not render anything again; a streaming answer is searched afresh
each time its text changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


@dataclass(frozen=True, slots=True)
class Match:
    item: int
    line: int
    #: Cells within the item's line (not characters: wide characters take two).
    start: int
    end: int


def find_in_line(text: str, query: str) -> list[tuple[int, int]]:
    """The cell spans of ``query`` in one line (smart case, no overlaps)."""
    if not query:
        return []
    haystack, needle = (text, query) if query != query.lower() else (text.lower(), query)
    spans = []
    at = haystack.find(needle)
    while at >= 0:
        start = cell_len(text[:at])
        spans.append((start, start + cell_len(text[at : at + len(query)])))
        at = haystack.find(needle, at + len(query))
    return spans


class ConversationFinder:
    """The matches of ``query`` among the items that ``lines_of`` renders, and which one is
    current. ``keys`` gives each item's render key (version, width) so stale text is redone."""

    def __init__(
        self,
        lines_of: Callable[[int], list[Strip]],
        key_of: Callable[[int], tuple[int, int]],
        count: Callable[[], int],
    ) -> None:
        self._lines_of = lines_of
        self._key_of = key_of
        self._count = count
        self.query = ""
        self.matches: list[Match] = []
        self.current: int | None = None
        self._texts: dict[int, tuple[tuple[int, int], list[str]]] = {}

    def texts(self, item: int) -> list[str]:
        key = self._key_of(item)
        cached = self._texts.get(item)
        if cached is None or cached[0] != key:
            cached = (key, [strip.text for strip in self._lines_of(item)])
            self._texts[item] = cached
        return cached[1]

    def search(self, query: str) -> None:
        """Find ``query`` everywhere; the current match becomes the first one."""
        self.query = query
        self.refresh()
        self.current = 0 if self.matches else None

    def refresh(self) -> None:
        """Find the query again (items changed); the current match stays where it was."""
        before = self.matches[self.current] if self.current is not None else None
        self.matches = [
            Match(item, line, start, end)
            for item in range(self._count())
            for line, text in enumerate(self.texts(item))
            for start, end in find_in_line(text, self.query)
        ]
        if before is None or not self.matches:
            self.current = 0 if self.matches else None
            return
        # To the column: on a line with two matches, the line alone put Enter back on the
        # first every time, and Up skipped one.
        where = (before.item, before.line, before.start)
        self.current = next(
            (n for n, m in enumerate(self.matches) if (m.item, m.line, m.start) >= where), 0
        )

    def step(self, delta: int) -> Match | None:
        """The next (``delta`` 1) or previous (-1) match, wrapping around."""
        if not self.matches:
            return None
        current = self.current if self.current is not None else (-1 if delta > 0 else 0)
        self.current = (current + delta) % len(self.matches)
        return self.matches[self.current]

    @property
    def position(self) -> str:
        """``3/12``, or ``0/0`` when nothing matches."""
        if self.current is None:
            return "0/0"
        return f"{self.current + 1}/{len(self.matches)}"

    def clear_item_cache(self) -> None:
        self._texts.clear()

    def highlight(
        self, item: int, line: int, strip: Strip, offset: int, styles: tuple[Style, Style]
    ) -> Strip:
        """``strip`` (an item's line drawn ``offset`` cells in) with its matches marked: the
        current one in the second style, the others in the first."""
        if not self.query:
            return strip
        texts = self.texts(item)
        if line >= len(texts):
            return strip
        spans = find_in_line(texts[line], self.query)
        if not spans:
            return strip
        current = self.matches[self.current] if self.current is not None else None
        cuts = sorted({cut + offset for span in spans for cut in span} | {strip.cell_length})
        parts = strip.divide(cuts)
        out: list[Strip] = []
        position = 0
        for part in parts:
            span = next(((s, e) for s, e in spans if s + offset == position), None)
            if span is not None and part.cell_length:
                is_current = current is not None and (current.item, current.line, current.start) \
                    == (item, line, span[0])  # fmt: skip
                style = styles[1] if is_current else styles[0]
                # On top of the line's own colours (apply_style would put it beneath them).
                part = Strip(Segment.apply_style(part, post_style=style), part.cell_length)
            out.append(part)
            position += part.cell_length
        return Strip.join(out)
