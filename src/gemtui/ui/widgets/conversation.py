"""The conversation pane: every item of a chat in one line-based, virtual scroll view.

One widget for the whole conversation, not one (or a hundred) per message: the view asks each
item for its lines only when they are on screen, keeps the lines of recently seen items in a
small cache and only their heights otherwise. Scrolling cost and memory therefore stay flat as
the conversation grows (``shared/peers.md`` 4.2c measured +1 GB and 4 s per scroll step for
one Markdown widget per message at 200 turns).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer

if TYPE_CHECKING:
    from gemtui.ui.widgets.conversation_find import ConversationFinder, Match

from gemtui.ui.render.answer_lines import AnswerLines
from gemtui.ui.render.chat_items import ChatItem
from gemtui.ui.render.lines import RenderContext
from gemtui.ui.widgets.line_view import LineView
from gemtui.ui.widgets.media_actions import open_selected, save_selected

#: Items whose rendered lines stay cached; the rest keep only their height.
LINE_CACHE_ITEMS = 48
GUTTER = 2
#: Shortest time between two scrolls that follow a streaming answer (see _follow_tail).
FOLLOW_INTERVAL = 0.2
#: Pause between two slices of drawing what an item left drawn roughly (``ChatItem.pending``):
#: long enough for the screen to be painted and keys handled in between.
PENDING_PAUSE = 0.02
GAP = 1
#: A streaming item rendered this recently gets no slice of drawing of its own (see
#: _draw_pending): its next flush is due within the live turn's interval (50 ms).
STREAMING_QUIET = 0.06
#: Painted lines kept (see paint_line), in screens: the lines on screen, and as many again for
#: a scroll back and forth.
PAINTED_SCREENS = 2


class ConversationView(LineView, can_focus=True):
    """Items top to bottom; a keyboard cursor selects one item to expand or copy."""

    TEXT_START = GUTTER

    BINDINGS = [
        Binding("up,k", "select_previous", "Previous", show=False, id="conversation.previous"),
        Binding("down,j", "select_next", "Next", show=False, id="conversation.next"),
        Binding("home,g", "select_first", "First", show=False, id="conversation.first"),
        Binding("end,G", "select_last", "Last", show=False, id="conversation.last"),
        Binding("ctrl+end", "app.newest", "Newest output", show=False,
                id="conversation.newest"),  # as from the prompt (README)
        Binding("pageup", "page_up", "Page up", show=False, id="conversation.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="conversation.page_down"),
        Binding("enter,space", "toggle", "Expand", id="conversation.toggle"),
        Binding("y", "copy_selected", "Copy", id="conversation.copy"),
        Binding("c", "copy_code", "Copy code", show=False, id="conversation.copy_code"),
        Binding("e", "edit", "Edit", id="conversation.edit"),
        Binding("i", "copy_id", "Copy id", show=False, id="conversation.copy_id"),
        Binding("o", "open_image", "Open media", show=False, id="conversation.open_image"),
        Binding("s", "save_image", "Save media", show=False, id="conversation.save_image"),
        Binding("slash", "app.find", "Find", show=False, id="conversation.find"),
        Binding("n", "app.find_step(1)", "Next match", show=False, id="conversation.find_next"),
        Binding("N", "app.find_step(-1)", "Previous match", show=False,
                id="conversation.find_previous"),
    ]  # fmt: skip

    COMPONENT_CLASSES = {
        "conversation--user-label",
        "conversation--user",
        "conversation--thought",
        "conversation--tool",
        "conversation--dim",
        "conversation--info",
        "conversation--warning",
        "conversation--error",
        "conversation--cursor",
        "conversation--success",
        "conversation--match",
        "conversation--match-current",
    }

    class Selected(Message):
        """The reader moved the cursor to item ``index`` (the timeline follows)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class NewOutputBelow(Message):
        """Lines arrived below the view while the reader was scrolled up (0 = caught up)."""

        def __init__(self, lines: int) -> None:
            super().__init__()
            self.lines = lines

    class EditRequested(Message):
        """The reader asked to edit the prompt of item ``index`` (a user message) and resend it."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class IdRequested(Message):
        """The reader asked for the interaction id of the turn item ``index`` belongs to."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class NearTop(Message):
        """The reader scrolled to within a screen of the top: older items may be inserted."""

    class CopyRequested(Message):
        """The reader asked to copy an item's original text (or one of its code blocks)."""

        def __init__(self, text: str, what: str = "") -> None:
            super().__init__()
            self.text = text
            #: What was copied, for the notification ("" when it is the whole item).
            self.what = what

    def __init__(self, *, id: str | None = None, code_theme: str = "monokai") -> None:
        super().__init__(id=id)
        self.items: list[ChatItem] = []
        self.selected: int | None = None
        self.code_theme = code_theme
        #: Never drawn (the API key; the app's live list): see ``safety.hide_secrets``.
        self.secrets: Sequence[str] = ()
        self._heights: list[int] = []
        self._height_keys: list[tuple[int, int]] = []
        self._offsets: list[int] = []
        self._lines: OrderedDict[int, tuple[tuple[int, int], Sequence[Strip]]] = OrderedDict()
        self._content_width = 0
        self._unseen_lines = 0
        #: The code block copied last, as (item index, block index): the next copy moves on.
        self._code_cursor: tuple[int, int] | None = None
        #: Follow the tail while the reader is at the bottom; scrolling up stops it.
        self._follow = True
        #: When the view last scrolled to follow the tail, and the pending catch-up scroll.
        self._last_follow = 0.0
        self._follow_timer: Timer | None = None
        #: Items whose last render left parts drawn roughly, and the timer that draws more.
        self._pending: list[ChatItem] = []
        self._pending_timer: Timer | None = None
        #: The find bar's search (Ctrl+F), while it is open.
        self.finder: ConversationFinder | None = None
        #: Painted lines by their line in the conversation, with what they were painted from
        #: (see paint_line).
        self._painted: LRUCache[int, tuple[Strip, Style, bool, int, int, Strip]] = LRUCache(
            PAINTED_SCREENS * 24
        )

    # ------------------------------------------------------------------ content

    def add_item(self, item: ChatItem) -> None:
        self.items.append(item)
        self._heights.append(0)
        self._height_keys.append((-1, -1))
        self._relayout(from_index=len(self.items) - 1)

    def item_changed(self, item: ChatItem) -> None:
        """Re-measure an item whose content changed (usually the streaming one, at the end)."""
        index = self._index_of(item)
        if index is not None:
            self._relayout(from_index=index)

    def prepend_items(self, items: list[ChatItem]) -> None:
        """Insert older items above the rest without moving what the reader sees: the scroll
        offset moves down by exactly the height the new items take."""
        count = len(items)
        if not count:
            return
        self._drop_text_selection()
        self.items[:0] = items
        self._heights[:0] = [0] * count
        self._height_keys[:0] = [(-1, -1)] * count
        self._lines = OrderedDict((index + count, lines) for index, lines in self._lines.items())
        if self.selected is not None:
            self.selected += count
        if self._code_cursor is not None:
            self._code_cursor = (self._code_cursor[0] + count, self._code_cursor[1])
        self._relayout(from_index=0, above=True)

    def remove_from(self, index: int) -> None:
        """Drop item ``index`` and every item after it (a turn rewound to branch from there)."""
        self._drop_text_selection()
        del self.items[index:], self._heights[index:], self._height_keys[index:]
        for cached in [i for i in self._lines if i >= index]:
            del self._lines[cached]
        if self.selected is not None and self.selected >= index:
            self.selected = None
        if self._code_cursor is not None and self._code_cursor[0] >= index:
            self._code_cursor = None
        self._relayout(from_index=index)

    def clear(self) -> None:
        self._drop_text_selection()
        self._pending.clear()
        self.items.clear()
        self._heights.clear()
        self._height_keys.clear()
        self._lines.clear()
        self._painted.clear()  # its entries hold the old chat's lines
        self.selected = None
        self._code_cursor = None
        if self._unseen_lines:
            # Else "▼ N new lines below" stayed in the status bar of the next chat for good:
            # only scrolling takes it away, and there is nothing to scroll to.
            self._unseen_lines = 0
            self.post_message(self.NewOutputBelow(0))
        self._follow = True
        self._relayout(from_index=0)
        self.scroll_home(animate=False)

    def _index_of(self, item: ChatItem) -> int | None:
        # The changed item is nearly always one of the last few.
        for index in range(len(self.items) - 1, -1, -1):
            if self.items[index] is item:
                return index
        return None

    # ------------------------------------------------------------------ layout

    def render_context(self) -> RenderContext:
        """What an item needs to render itself as this pane shows it."""
        return RenderContext(
            console=self.app.console,
            code_theme=self.code_theme,
            style=self._component_style,
            rows=self.scrollable_content_region.height,
            secrets=self.secrets,
        )

    def _component_style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _item_lines(self, index: int) -> Sequence[Strip]:
        item = self.items[index]
        key = (item.version, self._content_width)
        cached = self._lines.get(index)
        if cached is not None and cached[0] == key:
            self._lines.move_to_end(index)
            return cached[1]
        lines = item.render(self._content_width, self.render_context())
        item.rendered_at = time.monotonic()
        self._lines[index] = (key, lines)
        self._lines.move_to_end(index)
        while len(self._lines) > LINE_CACHE_ITEMS:
            self._lines.popitem(last=False)
        return lines

    def _drop_text_selection(self) -> None:
        """Lines are about to move or go: a text selection would cover other text."""
        if self.is_mounted and self.text_selection is not None:
            self.screen.clear_selection()

    def _measure(self, index: int) -> None:
        item = self.items[index]
        key = (item.version, self._content_width)
        if self._height_keys[index] != key:
            self._heights[index] = len(self._item_lines(index))
            self._height_keys[index] = key
            if item.pending:
                self._draw_later(item)

    def _draw_later(self, item: ChatItem) -> None:
        """Draw properly soon what ``item`` drew roughly (see _draw_pending)."""
        if item not in self._pending:
            self._pending.append(item)
            if self._pending_timer is None:
                self._pending_timer = self.set_timer(PENDING_PAUSE, self._draw_pending)

    def _draw_pending(self) -> None:
        """Draw another slice of what items left drawn roughly (their render is given a new
        time slice); more slices follow until nothing is left.

        An item still streaming that was rendered within STREAMING_QUIET is left to its next
        flush, which renders what it drew roughly first: during a burst, a slice of its own
        would only add a render and a repaint of the pane between two flushes.
        """
        self._pending_timer = None
        items, self._pending = self._pending, []
        first = None
        now = time.monotonic()
        for item in items:
            index = self._index_of(item)
            if index is None or not item.pending:
                continue
            if item.streaming and now - item.rendered_at < STREAMING_QUIET:
                self._draw_later(item)
                continue
            item.touch()
            first = index if first is None else min(first, index)
        if first is not None:
            self._relayout(from_index=first)

    def _relayout(self, from_index: int, *, above: bool = False) -> None:
        """Measure the items from ``from_index`` on; ``above``: they grew above the view."""
        if not self.is_mounted or self._content_width <= 0:
            return
        old_total = self.virtual_size.height
        old_scroll = self.scroll_y
        before = self._lines.get(from_index) if from_index < len(self.items) else None
        reading = None if self._follow or above else self._reading_at(from_index, before)
        del self._offsets[from_index:]
        position = self._offsets[-1] + self._heights[from_index - 1] + GAP if from_index else 0
        for index in range(from_index, len(self.items)):
            self._measure(index)
            self._offsets.append(position)
            position += self._heights[index] + GAP
        total = max(position - GAP, 0)
        self._set_virtual_size(Size(self._content_width + GUTTER, total))
        grown = total - old_total
        if reading is not None:
            grown -= self._read_on(*reading)
        if above:
            self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True, force=True)
        elif self._follow:
            self._follow_tail()
        elif grown > 0:
            self._unseen_lines += grown
            self.post_message(self.NewOutputBelow(self._unseen_lines))
        if self.scroll_y != old_scroll or above:
            self.refresh()  # everything on screen moved
        else:
            self._refresh_below(from_index, before)

    def _reading_at(
        self, index: int, before: tuple[tuple[int, int], Sequence[Strip]] | None
    ) -> tuple[int, tuple[int, int] | None, int] | None:
        """Where the reader is, when item ``index`` (about to be laid out again) starts above
        the top of the view: (item, the answer block and line at the top, or ``None``, lines
        from the item's start or, when it ends above, from its end)."""
        if index >= min(len(self._offsets), len(self.items)):
            return None
        top, offset = round(self.scroll_y), self._offsets[index]
        if offset >= top:
            return None
        height = self._heights[index]
        if offset + height <= top:
            return index, None, top - offset - height
        lines = before[1] if before is not None else None
        anchor = lines.anchor(top - offset) if isinstance(lines, AnswerLines) else None
        return (index, anchor, 0) if anchor is not None else None

    def _read_on(self, index: int, anchor: tuple[int, int] | None, distance: int) -> int:
        """Keep the line the reader was at (see _reading_at) at the top of the view after the
        items above it changed height (an answer's blocks drawn properly while the reader is
        further down); returns how far the view moved."""
        offset = self._offsets[index]
        if anchor is None:
            target = offset + self._heights[index] + distance
        else:
            lines = self._lines.get(index)
            line = lines[1].locate(anchor) if lines and isinstance(lines[1], AnswerLines) else None
            if line is None:
                return 0
            target = offset + line
        shift = target - round(self.scroll_y)
        if shift:
            self.scroll_to(y=self.scroll_y + shift, animate=False, immediate=True, force=True)
        return shift

    def _refresh_below(
        self, index: int, before: tuple[tuple[int, int], Sequence[Strip]] | None
    ) -> None:
        """Repaint only from the first line of item ``index`` that changed down to the bottom.

        Over a slow link every repainted line is bytes on the wire; a streaming answer usually
        changes only its last line or two (finished blocks keep the very same ``Strip``
        objects), so comparing by identity finds the first changed line for free.
        """
        offset = self._offsets[index] if index < len(self._offsets) else self.virtual_size.height
        height = self.scrollable_content_region.height
        # Only lines on screen need a look (a 1 MB answer has 40 000 lines, this runs on every
        # flush, and reading a line of an answer may render its block).
        first = max(0, round(self.scroll_y) - offset)
        last = round(self.scroll_y) + height - offset
        if before is not None and index < len(self.items):
            now = self._lines.get(index)
            if now is not None and before[0][1] == now[0][1]:
                old_lines, new_lines = before[1], now[1]
                last = min(last, len(old_lines), len(new_lines))
                while first < last and old_lines[first] is new_lines[first]:
                    first += 1
        top = max(0, offset + first - round(self.scroll_y))
        if top < height:
            self.refresh(Region(0, top, self.size.width, height - top))

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without repainting the whole pane when nothing else moves.

        Setting ``virtual_size`` lays the widget out and repaints every line, and a streaming
        answer grows it many times a second. While the vertical scrollbar stays as it was (the
        usual case once the chat is taller than the pane), updating the scrollbars is enough;
        the lines that changed are repainted by the caller.
        """
        old = self.virtual_size
        if size == old:
            return
        view = self.scrollable_content_region.height
        if size.width != old.width or (size.height > view) != (old.height > view):
            self.virtual_size = size
            return
        self.set_reactive(ConversationView.virtual_size, size)
        self._scroll_update(size)

    def _follow_tail(self) -> None:
        """Keep the newest line in view, scrolling at most once per FOLLOW_INTERVAL.

        Each scroll moves every line on screen, so the whole pane is repainted and sent to the
        terminal; a streaming answer adds a line many times a second. Between scrolls only the
        changed lines are repainted, which keeps a slow SSH link from filling up.
        """
        now = time.monotonic()
        waited = now - self._last_follow
        if waited >= FOLLOW_INTERVAL:
            self.follow_now()
        elif self._follow_timer is None:
            self._follow_timer = self.set_timer(FOLLOW_INTERVAL - waited, self.follow_now)

    def follow_now(self, *, force: bool = False) -> None:
        """Scroll to the newest line now if following (a turn's end calls it: no delay left).
        ``force``: follow from now on, wherever the reader was (a prompt was just sent)."""
        if force:
            self._follow = True
        if self._follow_timer is not None:
            self._follow_timer.stop()
            self._follow_timer = None
        if self._follow:
            self._last_follow = time.monotonic()
            self.scroll_end(animate=False, immediate=True, force=True)

    def jump_to_newest(self) -> None:
        """Go to the newest output and follow it from now on (a prompt was sent, or End was
        pressed in the prompt). The selection goes too: left on an older message, the next
        Up or Down would start from there and pull the view back up to it."""
        if self.selected is not None:
            self.selected = None
            self.refresh()
        self.follow_now(force=True)

    def _at_bottom(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

    def on_resize(self) -> None:
        self._painted.grow(PAINTED_SCREENS * self.size.height)
        if not self._fit_width() and self._follow:
            # Shorter (the prompt grew a line): the newest lines went out of view below.
            self.follow_now()

    def on_mount(self) -> None:
        self.on_resize()

    def _fit_width(self) -> bool:
        """Measure every item again if the pane's width changed; returns whether it did."""
        width = max(self.scrollable_content_region.width - GUTTER, 10)
        if width == self._content_width:
            return False
        self._content_width = width
        self._lines.clear()
        self._relayout(from_index=0)
        return True

    def render_lines(self, crop: Region) -> list[Strip]:
        # The first paint comes before the Resize event that brings the pane's width: what
        # was added at mount (the demo notice) was measured at the least width, and showed
        # as a column of single words for a frame. Measure at the width being painted.
        if self.size.width:
            self._fit_width()
        return super().render_lines(crop)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Textual moves the thumb only while the scrollbar is shown, and a chat that has just
        # outgrown the pane scrolls before the layout pass shows it: the thumb would stay at
        # the top. The scrollbar always exists here (its gutter is reserved), so keep it true.
        self.vertical_scrollbar.position = new
        self._follow = self._at_bottom()
        if new < old and new < self.scrollable_content_region.height:
            self.post_message(self.NearTop())
        if self._unseen_lines and self._follow:
            self._unseen_lines = 0
            self.post_message(self.NewOutputBelow(0))

    # ------------------------------------------------------------------ rendering

    def paint_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.paint_style
        line_y = scroll_y + y
        found = self._line_at(line_y)
        if found is None:
            return Strip.blank(width, base)
        index, inner, line = found
        item = self.items[index]
        if item.pending:  # the line may be a block's plain stand-in
            self._draw_later(item)
        selected = index == self.selected
        # A streaming answer scrolls the pane a few times a second, and a scroll repaints every
        # line; a line whose content is the very same Strip as when it was painted at this
        # place (unchanged lines are) is not styled, joined and cropped again.
        plain = self.finder is None and self.paint_selection is None
        painted = self._painted.get(line_y) if plain else None
        if (
            painted is not None
            and painted[0] is line
            and painted[1] == base
            and painted[2:5] == (selected, scroll_x, width)
        ):
            return painted[5]
        gutter_style = self.get_component_rich_style("conversation--cursor") if selected else base
        gutter = Strip([Segment("▌ " if selected else "  ", gutter_style)], GUTTER)
        # Not ``line.apply_style``: that keeps the styled copy on the line, for every line an
        # answer keeps rendered (twice their memory), and a line painted once at its place is
        # found in ``_painted`` from then on.
        content = Strip(Segment.apply_style(line, base), line.cell_length)
        if self.finder is not None:
            styles = (
                self.get_component_rich_style("conversation--match"),
                self.get_component_rich_style("conversation--match-current"),
            )
            content = self.finder.highlight(index, inner, content, 0, styles)
        if not plain:
            content = self.highlight_selection(content, line_y)
        strip = Strip.join([gutter, content]).crop_extend(scroll_x, scroll_x + width, base)
        if plain:
            self._painted.set(line_y, (line, base, selected, scroll_x, width, strip))
        return strip

    def line_text(self, line: int) -> str:
        found = self._line_at(line)
        return "" if found is None else found[2].text

    def all_text(self) -> str:
        """Every message's own text (Markdown, as ``y`` copies one), not the screen's lines: a
        long chat would have every block of every answer rendered to be read back."""
        return "\n\n".join(text for item in self.items if (text := item.copy_text().strip("\n")))

    def _line_at(self, line_y: int) -> tuple[int, int, Strip] | None:
        """The item at ``line_y`` (a line of the whole conversation), the line's place in the
        item and its rendered line; None below the last item or in the gap after one."""
        index = bisect_right(self._offsets, line_y) - 1
        if index < 0 or index >= len(self.items):
            return None
        inner = line_y - self._offsets[index]
        lines = self._item_lines(index)
        if inner >= len(lines):
            return None
        return index, inner, lines[inner]

    # ------------------------------------------------------------------ cursor

    def select(self, index: int) -> None:
        """Select item ``index`` and scroll it into view."""
        self._select(index)

    def _select(self, index: int | None, *, show_end: bool = False) -> None:
        """Select item ``index`` and scroll it into view: all of it if it fits, else its
        start (its end with ``show_end``: reached by going up, it is read from there)."""
        if not self.items or index is None:
            return
        index = max(0, min(index, len(self.items) - 1))
        if index != self.selected:
            self.post_message(self.Selected(index))
        self.selected = index
        top = self._offsets[index]
        bottom = top + self._heights[index]
        view_top = self.scroll_y
        view_height = self.scrollable_content_region.height
        if top >= view_top and bottom <= view_top + view_height:
            pass  # in view already
        elif bottom - top > view_height:
            self.scroll_to(y=bottom - view_height if show_end else top, animate=False)
        elif top < view_top:
            self.scroll_to(y=top, animate=False)
        else:
            self.scroll_to(y=bottom - view_height, animate=False)
        self.refresh()

    def _read_through(self, down: bool) -> bool:
        """Scroll through the selected message if it goes on past the view that way (by a
        page, two lines kept); whether it did. A message taller than the view is read before
        the selection moves on: Down on the last one used to flip between its start and its
        end."""
        if self.selected is None:
            return False
        top = self._offsets[self.selected]
        bottom = top + self._heights[self.selected]
        view_top = self.scroll_y
        view_height = self.scrollable_content_region.height
        step = max(1, view_height - 2)
        if down and bottom > view_top + view_height:
            self.scroll_to(y=min(view_top + step, bottom - view_height), animate=False)
        elif not down and top < view_top:
            self.scroll_to(y=max(view_top - step, top), animate=False)
        else:
            return False
        return True

    def action_select_previous(self) -> None:
        if self._read_through(down=False):
            return
        if self.selected == 0:
            return
        last = len(self.items) - 1
        self._select(last if self.selected is None else self.selected - 1, show_end=True)

    def action_select_next(self) -> None:
        if self._read_through(down=True):
            return
        if self.selected == len(self.items) - 1:
            return
        self._select(len(self.items) - 1 if self.selected is None else self.selected + 1)

    def action_select_first(self) -> None:
        self._select(0)

    def action_select_last(self) -> None:
        self._select(len(self.items) - 1, show_end=True)

    def action_toggle(self) -> None:
        if self.selected is None:
            return
        item = self.items[self.selected]
        if item.toggle():
            self._relayout(from_index=self.selected)
            self._select(self.selected)
        else:
            self.notify(item.nothing_to_expand(), severity="information")

    def action_edit(self) -> None:
        if self.selected is None:
            self.notify("Select one of your messages first (up/down).", severity="warning")
        else:
            self.post_message(self.EditRequested(self.selected))

    def action_copy_id(self) -> None:
        if self.selected is None:
            self.notify("Select a message first (up/down).", severity="warning")
        else:
            self.post_message(self.IdRequested(self.selected))

    def action_copy_selected(self) -> None:
        if self.selected is not None:
            item = self.items[self.selected]
            self.post_message(self.CopyRequested(item.copy_text()))

    def action_open_image(self) -> None:
        """Pictures in the viewer; audio, video and documents with the system's player."""
        open_selected(self)

    def action_save_image(self) -> None:
        """Every picture, audio, video and document of the message, as files."""
        save_selected(self)

    def action_copy_code(self) -> None:
        if self.selected is None:
            self.notify("Select a message first (up/down).", severity="warning")
        else:
            self.copy_code_block(self.selected)

    def copy_code_block(self, index: int) -> None:
        """Ask to copy the next code block of item ``index``: the first one, then each call the
        one after the block copied last from the same item, wrapping around at the end."""
        blocks = self.items[index].code_blocks()
        if not blocks:
            self.notify("This message has no code block.", severity="warning")
            return
        item_index, block_index = self._code_cursor or (None, -1)
        number = (block_index + 1) % len(blocks) if item_index == index else 0
        self._code_cursor = (index, number)
        block = blocks[number]
        lines = block.line_count
        what = (
            f"Code block {number + 1} of {len(blocks)} "
            f"({block.language or 'no language'}, {lines} line{'s' if lines != 1 else ''})"
        )
        self.post_message(self.CopyRequested(block.code, what))

    # ------------------------------------------------------------------ scrolling and finding

    def scroll_lines(self, lines: int) -> None:
        """Scroll by ``lines`` (negative: up) without touching the selection."""
        self.scroll_to(y=self.scroll_y + lines, animate=False)

    def start_find(self) -> ConversationFinder:
        """Highlight the matches of a finder from now on (one per view)."""
        if self.finder is None:
            from gemtui.ui.widgets.conversation_find import ConversationFinder  # on first use

            self.finder = ConversationFinder(
                self._item_lines, self._render_key, lambda: len(self.items)
            )
        return self.finder

    def stop_find(self) -> None:
        self.finder = None
        self.refresh()

    def _render_key(self, index: int) -> tuple[int, int]:
        return (self.items[index].version, self._content_width)

    def show_match(self, match: Match | None) -> None:
        """Scroll the match into view (a third of the way down) and repaint the highlights."""
        if match is not None and match.item < len(self._offsets):
            y = self._offsets[match.item] + match.line
            height = self.scrollable_content_region.height
            if not self.scroll_y <= y < self.scroll_y + height:
                self.scroll_to(y=max(0, y - height // 3), animate=False)
        self.refresh()
