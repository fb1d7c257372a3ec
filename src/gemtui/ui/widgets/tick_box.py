"""Checkboxes whose state shows in the glyph, not only in the colour: ``[x]`` on, ``[ ]`` off.

Textual draws the same ``▐X▌`` for a ticked and an empty box and tells them apart by colour
alone, which a 16-colour theme, NO_COLOR or a monochrome SSH client loses. Brackets, ``x`` and
a space are ASCII, so they read the same on any console font.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

ON, OFF = "x", " "


class TickBox(Checkbox):
    """A :class:`~textual.widgets.Checkbox` drawn as ``[x]`` / ``[ ]``."""

    @property
    def _button(self) -> Content:
        inner = self.get_visual_style("toggle--button")
        return Content.assemble("[", (ON if self.value else OFF, inner), "]")


class TickList(SelectionList[str]):
    """A :class:`~textual.widgets.SelectionList` whose boxes are drawn as ``[x]`` / ``[ ]``."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            selection = self.get_option_at_index(int(self.scroll_offset.y) + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        if len(segments) < 4:
            return line
        # SelectionList draws its box as the first three segments, then a space.
        side = segments[0].style or Style()
        # The underlying style, with the meta that lets a click on the box toggle it.
        plain = (segments[3].style or Style()) + Style(meta=side.meta)
        inner = segments[1].style or Style()
        mark = ON if selection.value in self.selected else OFF
        box = [Segment("[", plain), Segment(mark, inner), Segment("]", plain)]
        return Strip([*box, *segments[3:]], line.cell_length)
