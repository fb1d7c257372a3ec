"""A scroll view drawn line by line whose text the mouse can select and Ctrl+C copies.

Textual learns which character the mouse points at from an ``offset`` in the style of every
segment, and asks the widget for the selected text through ``get_selection``. Painted on every
line, that offset is a new style per segment per line, and Textual's ANSI renderer keeps the
codes of every style it meets in a cache of 16 384 (about 0.5 KB each): after a long answer it
held 8 MB of styles no line would show again. So lines are painted without offsets. Textual
reads them by calling ``render_line`` itself, outside a paint, for the line under the mouse
only, and those lines get them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip


class LineView(ScrollView):
    """Subclasses paint with ``paint_line`` and give each line's text with ``line_text``."""

    #: Columns at the start of a painted line before its text (a cursor gutter, say): the
    #: mouse can start a selection there, and what it copies starts after them.
    TEXT_START: ClassVar[int] = 0

    #: The pane's style and text selection while a paint goes on: worked out once per paint
    #: (each walks up to the screen, about 5 µs), not once per line.
    _painting: tuple[Style, Selection | None] | None = None

    @property
    def paint_style(self) -> Style:
        return self.rich_style if self._painting is None else self._painting[0]

    @property
    def paint_selection(self) -> Selection | None:
        return self.text_selection if self._painting is None else self._painting[1]

    def render_lines(self, crop: Region) -> list[Strip]:
        self._painting = (self.rich_style, self.text_selection)
        try:
            return super().render_lines(crop)
        finally:
            self._painting = None

    def render_line(self, y: int) -> Strip:
        strip = self.paint_line(y)
        if self._painting is None:  # not a paint: Textual looks for the mouse's offset
            scroll_x, scroll_y = self.scroll_offset
            strip = strip.apply_offsets(scroll_x, scroll_y + y)
        return strip

    def paint_line(self, y: int) -> Strip:
        """Row ``y`` of the pane as it is shown."""
        raise NotImplementedError

    def line_text(self, line: int) -> str:
        """The text of ``line`` (counted from the top of the content), without ``TEXT_START``."""
        raise NotImplementedError

    def all_text(self) -> str:
        """What a selection of everything (a double click) copies: every line's text."""
        return "\n".join(self.line_text(line).rstrip() for line in range(self.virtual_size.height))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, each line without its trailing blanks (lines are padded to the
        pane's width)."""
        if selection.start is None and selection.end is None:
            return self.all_text(), "\n"
        last = self.virtual_size.height - 1
        first = 0 if selection.start is None else selection.start.y
        if selection.end is not None:
            last = min(last, selection.end.y)
        texts = []
        for line in range(first, last + 1):
            span = selection.get_span(line)
            if span is not None:
                start, end = self._text_span(span)
                texts.append(self.line_text(line)[start:end].rstrip())
        return "\n".join(texts), "\n"

    def highlight_selection(self, strip: Strip, line: int) -> Strip:
        """``strip``, the text of ``line`` from its first column, with its selected part in the
        screen's selection style."""
        selection = self.paint_selection
        span = None if selection is None else selection.get_span(line)
        if span is None:
            return strip
        start, end = self._text_span(span)
        text = strip.text
        end = len(text) if end is None else min(end, len(text))
        if start >= end:
            return strip
        # Offsets count characters; a strip is cut in cells (a wide character takes two).
        before, part, after = strip.divide(
            [cell_len(text[:start]), cell_len(text[:end]), strip.cell_length]
        )
        style = self.screen.get_component_rich_style("screen--selection")
        part = Strip(Segment.apply_style(part, post_style=style), part.cell_length)
        return Strip.join([before, part, after])

    def _text_span(self, span: tuple[int, int]) -> tuple[int, int | None]:
        """A span of painted columns (end -1: to the line's end) as a slice of its text."""
        start, end = span
        return max(start - self.TEXT_START, 0), None if end == -1 else max(end - self.TEXT_START, 0)
