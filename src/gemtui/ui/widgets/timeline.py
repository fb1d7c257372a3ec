"""The step timeline pane: every step and event of each turn, with timings and a waterfall.

One line-based scroll view draws the rows that :class:`~gemtui.core.timeline_rows.TimelineRows`
lays out; a line is rendered only when it is on screen, and the rows are built incrementally
(``refresh_turn``), so a stream of 10 000 events stays cheap. A filter input sits under the list
and shows only while it is in use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from gemtui.api.models import STEP_TYPES
from gemtui.core.cost import format_cost, format_total, total_cost, turn_cost
from gemtui.core.safety import clean_terminal_text, escape_markup
from gemtui.core.timeline_rows import (
    EventRow,
    Row,
    StepRow,
    SummaryRow,
    TimelineRows,
    TurnRow,
    events_count,
    format_bytes,
    format_seconds,
    step_end,
    step_status,
    step_tokens,
    turn_span,
    usage_parts,
)
from gemtui.core.turn import Turn
from gemtui.ui.key_routing import focus_now
from gemtui.ui.widgets.status_fit import LinePart, fit_parts

GUTTER = 2
#: Status mark, expander and index ("✓ ▸ #12  "), then the type: the label column.
LEAD_WIDTH = 9
LABEL_WIDTH = 31
#: Columns: start offset, duration, bytes, tokens (each right-aligned, with a leading space).
NUMBER_WIDTHS = (9, 8, 8, 9)
FIXED_WIDTH = LABEL_WIDTH + sum(NUMBER_WIDTHS)
MIN_BAR = 6
STATUS_MARKS = {"done": "✓", "streaming": "…", "error": "✗", "cut off": "-"}
STATUS_CLASSES = {
    "done": "timeline--done",
    "streaming": "timeline--streaming",
    "error": "timeline--error",
    "cut off": "timeline--dim",
}


def _plain(text: str) -> str:
    """Untrusted text on one line: control sequences removed, line breaks shown as spaces."""
    return clean_terminal_text(text).replace("\n", " ").replace("\t", " ")


#: How long a token count stays in a narrow line: the total longest, then what went in and
#: out; the rest go first (a plain cut had shown "total 5" for a total of 526).
TOKEN_PRIORITIES = {"total": 7, "in": 6, "out": 6, "thought": 3, "cached": 2, "tool": 1}


def _usage_parts(parts: list[tuple[str, int]]) -> list[LinePart]:
    """The token counts as parts of a line, the first one labelled "tokens"."""
    if not parts:
        return [LinePart("tokens: none reported yet", 6)]
    return [
        LinePart(f"{'tokens ' if n == 0 else ''}{label} {value}", TOKEN_PRIORITIES.get(label, 1))
        for n, (label, value) in enumerate(parts)
    ]


class TimelineList(ScrollView, can_focus=True):
    """The rows, one line each, with a keyboard cursor. Lives inside :class:`StepTimeline`."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Previous", show=False, id="timeline.previous"),
        Binding("down,j", "cursor_down", "Next", show=False, id="timeline.next"),
        Binding("home,g", "cursor_first", "First", show=False, id="timeline.first"),
        Binding("end,G", "cursor_last", "Last", show=False, id="timeline.last"),
        Binding("pageup", "page_up_rows", "Page up", show=False, id="timeline.page_up"),
        Binding("pagedown", "page_down_rows", "Page down", show=False, id="timeline.page_down"),
        Binding("enter,space", "toggle", "Expand", id="timeline.toggle"),
        Binding("e", "expand_all", "Events", id="timeline.expand_all"),
        Binding("slash", "open_filter", "Filter", id="timeline.filter"),
        Binding("y", "copy_detail", "Copy JSON", show=False, id="timeline.copy"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="timeline.clear_filter"),
    ]

    COMPONENT_CLASSES = {
        "timeline--summary",
        "timeline--turn",
        "timeline--usage",
        "timeline--type",
        "timeline--unknown",
        "timeline--event",
        "timeline--dim",
        "timeline--done",
        "timeline--streaming",
        "timeline--error",
        "timeline--bar",
        "timeline--bar-live",
        "timeline--cursor",
    }

    def __init__(self, rows: TimelineRows, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.selected: Row | None = None
        self._follow = True
        #: Rich styles of the list and its components, by component name ("" the list's own).
        self._styles: dict[str, Style] = {}
        #: During a paint (render_lines), the width and each turn's span, read once for all
        #: the lines instead of once per line: each was about a tenth of a line's cost.
        self._paint_width: int | None = None
        self._spans: dict[int, float] = {}
        #: An event row's text and arrival time, for the rows of this paint and the last
        #: one: a row never changes once received, and a list following a stream draws
        #: most of its rows again a few lines higher. Two paints' worth, so a long answer's
        #: thousands of rows keep no text of their own (see ``EventRow``).
        self._event_texts: dict[EventRow, tuple[str, bool, float]] = {}
        self._event_texts_before: dict[EventRow, tuple[str, bool, float]] = {}

    # ------------------------------------------------------------------ layout

    class CopyRequested(Message):
        """``y`` on a row: copy the JSON its detail shows (as ``y`` in the detail does)."""

    def action_copy_detail(self) -> None:
        self.post_message(self.CopyRequested())

    def lines_changed(self, turn: int | None = None) -> None:
        """Re-measure after the rows changed, follow the tail if at the bottom, repaint.

        ``turn``: only that turn's rows changed, in place (its events grew steps that are
        collapsed), so only its lines and the conversation's line are painted again; the
        other turns' lines are kept as they were painted. Anything else repaints it all."""
        if not self.is_mounted:
            return
        size = Size(self.scrollable_content_region.width, self.rows.line_count)
        if size != self.virtual_size:
            self.virtual_size = size  # a layout reactive: this repaints the whole list
            if self._follow:
                self.follow_tail()
        elif turn is not None:
            lines = self.rows.turn_lines(turn)
            self.refresh_line(0)
            self.refresh_lines(lines.start, len(lines))
        else:
            self.refresh()

    def follow_tail(self) -> None:
        """Show the last lines and keep showing them as rows arrive (until the reader scrolls
        away again)."""
        self._follow = True
        # Not scroll_end: it also sets x (two more reactives, with watchers) and posts a
        # message for its callback, at every flush of a stream.
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self.lines_changed()

    def on_mount(self) -> None:
        self.lines_changed()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._follow = self.scroll_y >= self.max_scroll_y - 1

    # ------------------------------------------------------------------ rendering

    def _style(self, name: str = "") -> Style:
        """A component's style over the list's own (``name`` "": the list's own; "cursor":
        the cursor's whole style), kept until the CSS that makes it changes.

        Working one out walks the ancestors, and Textual drops its own copies at every
        refresh: a streaming turn paid for them at every paint, a third of a paint of the
        list (``bench/timeline.py``: 2.4 ms a paint before, 1.3 ms after)."""
        style = self._styles.get(name)
        if style is None:
            if name == "cursor":
                # Not partial: the theme's translucent background, blended over the list's.
                style = self.get_component_rich_style("timeline--cursor")
            elif name:
                style = self._style() + self.get_component_rich_style(name, partial=True)
            else:
                style = self.rich_style
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        """Textual calls this when the CSS applied to the list changes (its rules, the
        theme, its focus): the styles kept by :meth:`_style` are worked out again."""
        self._styles = {}
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint_width = self.size.width
        self._event_texts_before, self._event_texts = self._event_texts, {}
        try:
            return super().render_lines(crop)
        finally:
            self._paint_width = None
            self._spans = {}

    def _span(self, turn: int) -> float:
        """The turn's span (see ``turn_span``), kept for the rest of the paint."""
        span = self._spans.get(turn)
        if span is None:
            span = turn_span(self.rows.turn_at(turn))
            if self._paint_width is not None:
                self._spans[turn] = span
        return span

    def render_line(self, y: int) -> Strip:
        width = self.size.width if self._paint_width is None else self._paint_width
        base = self._style()
        found = self.rows.row_at(int(self.scroll_y) + y)
        if found is None:
            return Strip.blank(width, base)
        row, inner = found
        content_width = max(width - GUTTER, 1)
        segments = self._row_segments(row, inner, content_width)
        selected = row is self.selected
        if selected:
            cursor = self._style("cursor")
            gutter = Segment("▌ ", base + Style(color=cursor.color))
        else:
            gutter = Segment("  ", base)
        # Every row is built to a known width (labels are sized with set_cell_size), so the
        # strip need not measure its text (measuring non-ASCII text is the costly part).
        cells = content_width
        if isinstance(row, StepRow | EventRow):
            cells = max(content_width, FIXED_WIDTH)
        strip = Strip([gutter, *segments], GUTTER + cells)
        if strip.cell_length != width:
            strip = strip.crop_extend(0, width, base)
        if selected and cursor.bgcolor is not None:
            # A post style, so the cursor's background wins over every segment's own (and,
            # reversed in a 16-colour theme, becomes every segment's text colour).
            highlight = Style(bgcolor=cursor.bgcolor, reverse=cursor.reverse or None)
            strip = Strip(Segment.apply_style(strip, post_style=highlight), width)
        return strip

    def _row_segments(self, row: Row, inner: int, width: int) -> list[Segment]:
        if isinstance(row, StepRow):
            return self._step_segments(row, width)
        if isinstance(row, EventRow):
            return self._event_segments(row, width)
        if isinstance(row, TurnRow):
            if inner == 0:
                return self._turn_segments(row, width)
            return self._usage_segments(row, width)
        return self._summary_segments(width)

    # The heading lines are parts that give way whole in a narrow list, the least needed
    # first, "…" where they were (fit_parts): a plain cut had ended a line on "total 5"
    # for a total of 526, or on "· t".

    def _summary_segments(self, width: int) -> list[Segment]:
        count = self.rows.turns_before + self.rows.turn_count
        parts = [
            LinePart("Conversation", 9),
            LinePart(f"{count} turn{'s' if count != 1 else ''}", 8),
        ]
        total = total_cost(self.rows.turns(), self.rows.prices)
        if total is not None:
            parts.append(LinePart(format_total(total), 5))
        parts += _usage_parts(self.rows.conversation_usage())
        if self.rows.filter:
            parts.append(LinePart(f"filter «{_plain(self.rows.filter)}»", 9, cut=True))
        text = fit_parts(parts, width)
        return [Segment(text, self._style("timeline--summary"))]

    def _turn_segments(self, row: TurnRow, width: int) -> list[Segment]:
        state, timings = row.state, row.source.reply.timings
        steps = self.rows.step_rows(row.turn)
        mark = "▾" if steps and all(step.expanded for step in steps) else "▸"
        parts = [
            LinePart(f"{mark} Turn {self.rows.turns_before + row.turn + 1}", 9),
            LinePart(_plain(row.source.status), 8, cut=True),
        ]
        hops = len(row.source.reply.hops)
        if hops > 1:  # an answer continued over several interactions (requires_continuation)
            parts.append(LinePart(f"{hops} interactions", 5))
        resumed = len(row.source.reply.resumed_at)
        if resumed:  # the outage would read as a slow step
            parts.append(LinePart("resumed" + (f" {resumed}×" if resumed > 1 else ""), 6))
        if timings is not None:
            if timings.status_code is not None:
                parts.append(LinePart(f"HTTP {timings.status_code}", 3))
            parts.append(LinePart(f"connect {format_seconds(timings.connect_s)}", 2))
            parts.append(LinePart(f"first byte {format_seconds(timings.first_byte_s)}", 4))
            parts.append(LinePart(f"total {format_seconds(timings.total_s)}", 7))
        parts.append(LinePart(events_count(state), 1))
        if row.source.title:
            parts.append(LinePart(f"«{_plain(row.source.title)}»", 0, cut=True))
        failed = state.error is not None or state.status in ("failed", "budget_exceeded")
        style = self._style("timeline--error" if failed else "timeline--turn")
        return [Segment(fit_parts(parts, width), style)]

    def _usage_segments(self, row: TurnRow, width: int) -> list[Segment]:
        # A failed run's reasons come first, and stay longest.
        parts = [
            LinePart(f"error {_plain(str(failure.code))}: {_plain(failure.message or '')}", 9, True)
            for failure in row.state.interaction.errors or ()
        ]
        cost = turn_cost(row.source, self.rows.prices)
        if cost is not None:
            parts.append(LinePart(format_cost(cost), 5))
        parts += _usage_parts(usage_parts(row.state.interaction.usage))
        if row.state.error is not None:
            error = row.state.error
            message = f"error {_plain(str(error.code))}: {_plain(error.message or '')}"
            parts.append(LinePart(message, 9, cut=True))
        indent = "    "
        text = set_cell_size(indent + fit_parts(parts, max(width - len(indent), 0)), width)
        return [Segment(text, self._style("timeline--usage"))]

    def _fill(self, width: int, bar: list[Segment]) -> list[Segment]:
        """The waterfall, or blanks when it has no room, up to ``width`` cells."""
        room = width - FIXED_WIDTH
        if room - 1 >= MIN_BAR:
            return bar
        return [Segment(" " * room, self._style())] if room > 0 else []

    def _step_segments(self, row: StepRow, width: int) -> list[Segment]:
        turn = self.rows.turn_at(row.turn)
        state, step = turn.reply.state, row.state
        status = step_status(state, step, live=turn.reply.live)
        end = step_end(state, step)
        tokens = step_tokens(step)
        expander = "▾" if row.expanded else "▸"
        lead = f"{expander} #{step.index:<3}"[: LEAD_WIDTH - 2].ljust(LEAD_WIDTH - 2)
        numbers = (
            f"+{format_seconds(step.started_at)}",
            format_seconds(step.duration if step.done else end - step.started_at),
            format_bytes(step.size),
            f"{tokens}tok" if tokens is not None else "",
        )
        type_style = "timeline--unknown" if row.type_name not in STEP_TYPES else "timeline--type"
        segments = [
            Segment(STATUS_MARKS[status] + " ", self._style(STATUS_CLASSES[status])),
            Segment(lead, self._style("timeline--dim")),
            Segment(
                set_cell_size(_plain(row.type_name), LABEL_WIDTH - LEAD_WIDTH),
                self._style(type_style),
            ),
            Segment(_numbers(numbers), self._style()),
        ]
        bar_width = width - FIXED_WIDTH - 1
        if bar_width >= MIN_BAR:
            bar_style = "timeline--bar" if status == "done" else "timeline--bar-live"
            styles = (self._style("timeline--dim"), self._style(bar_style))
            bar = _bar(step.started_at, end, self._span(row.turn), bar_width, *styles)
        else:
            bar = []
        return segments + self._fill(width, bar)

    def _event_segments(self, row: EventRow, width: int) -> list[Segment]:
        made = self._event_texts.get(row)
        if made is None:
            made = self._event_texts_before.get(row) or _event_text(row)
            self._event_texts[row] = made
        text, failed, received_at = made
        segments = [Segment(text, self._style("timeline--error" if failed else "timeline--event"))]
        bar_width = width - FIXED_WIDTH - 1
        if bar_width >= MIN_BAR:
            styles = (self._style(), self._style("timeline--dim"))
            bar = _tick(received_at, self._span(row.turn), bar_width, *styles)
        else:
            bar = []
        return segments + self._fill(width, bar)

    # ------------------------------------------------------------------ cursor

    def select(self, row: Row | None, *, announce: bool = True) -> None:
        """Move the cursor to ``row`` (scrolling it into view) and post ``Selected``."""
        if row is None or isinstance(row, SummaryRow):
            return
        self.selected = row
        line = self.rows.line_of(row)
        if line is not None:
            height = self.rows.height_of(row)
            view_height = self.scrollable_content_region.height
            if line < self.scroll_y:
                self.scroll_to(y=self._top_for(line), animate=False, immediate=True)
            elif line + height > self.scroll_y + view_height:
                self.scroll_to(y=line + height - view_height, animate=False, immediate=True)
        self.refresh()
        if announce:
            self.post_message(StepTimeline.Selected.of(row))

    def _top_for(self, line: int) -> int:
        """The top line that brings a row at ``line`` into view from below: its own, or 0
        when no row above it takes the cursor. The summary line never does, so without this
        Home, ``g`` and PageUp stopped on Turn 1 and the summary stayed scrolled away."""
        return line if self._row_from(line - 1, -1) is not None else 0

    def _row_from(self, line: int, step: int) -> Row | None:
        """The first selectable row from ``line`` going in direction ``step``."""
        while 0 <= line < self.rows.line_count:
            found = self.rows.row_at(line)
            if found is not None and found[1] == 0 and not isinstance(found[0], SummaryRow):
                return found[0]
            line += step
        return None

    def _current_line(self) -> int | None:
        return None if self.selected is None else self.rows.line_of(self.selected)

    def action_cursor_down(self) -> None:
        line = self._current_line()
        if line is None:
            self.select(self._row_from(int(self.scroll_y), 1))
            return
        self.select(self._row_from(line + self.rows.height_of(self.selected), 1))

    def action_cursor_up(self) -> None:
        line = self._current_line()
        if line is None:
            self.action_cursor_last()
            return
        self.select(self._row_from(line - 1, -1))

    def action_cursor_first(self) -> None:
        if self.rows.turns_before:
            # The chat's first turn, not the first read so far: the app reads the rest.
            self.post_message(StepTimeline.OlderWanted())
            return
        self.select(self._row_from(0, 1))

    def action_cursor_last(self) -> None:
        self.select(self._row_from(self.rows.line_count - 1, -1))

    def _page(self, direction: int) -> None:
        line = self._current_line()
        start = int(self.scroll_y) if line is None else line
        target = start + direction * max(self.scrollable_content_region.height - 1, 1)
        target = max(0, min(target, self.rows.line_count - 1))
        self.select(self._row_from(target, -direction) or self._row_from(target, direction))

    def action_page_up_rows(self) -> None:
        self._page(-1)

    def action_page_down_rows(self) -> None:
        self._page(1)

    def action_toggle(self) -> None:
        if self.selected is None:
            return
        keep = self.rows.toggle(self.selected)
        self.lines_changed()
        self.select(keep, announce=keep is not self.selected)

    def action_expand_all(self) -> None:
        self.rows.expand_all()
        self.lines_changed()
        if self.selected is not None:
            self.select(self.selected, announce=False)

    def action_open_filter(self) -> None:
        self.parent_timeline.open_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape clears a filter; with none, it goes on to the app (cancel, back to composer).
        if action == "clear_filter":
            return bool(self.rows.filter)
        return True

    def action_clear_filter(self) -> None:
        self.parent_timeline.apply_filter("")

    @property
    def parent_timeline(self) -> StepTimeline:
        parent = self.parent
        assert isinstance(parent, StepTimeline)
        return parent


def _numbers(numbers: Sequence[str]) -> str:
    """The right-aligned figures, each cut to its column so the row's width is exact."""
    return "".join(
        number.rjust(column)[-column:]
        for number, column in zip(numbers, NUMBER_WIDTHS, strict=True)
    )


def _bar(
    start: float, end: float, span: float, width: int, track: Style, style: Style
) -> list[Segment]:
    """A waterfall bar: where the step started and how long it ran, scaled to the turn."""
    left = min(int(start / span * width), width - 1)
    right = min(max(left + 1, math.ceil(end / span * width)), width)
    return [
        Segment(" " + "·" * left, track),
        Segment("█" * (right - left), style),
        Segment(" " * (width - right), track),
    ]


def _event_text(row: EventRow) -> tuple[str, bool, float]:
    """An event row's text up to its tick, whether it is an error, and when it arrived."""
    record = row.record
    nested = row.step is not None
    label = row.label
    if nested:
        # Under its step the "step." prefix says nothing: "delta text", "stop".
        label = label.removeprefix("step.")
    preview = row.preview
    if preview:
        label = f"{label} «{preview}»"
    lead = " " * LEAD_WIDTH if nested else "  •".ljust(LEAD_WIDTH)
    numbers = (f"+{format_seconds(record.received_at)}", "", format_bytes(record.size), "")
    text = lead + set_cell_size(_plain(label), LABEL_WIDTH - LEAD_WIDTH) + _numbers(numbers)
    return text, record.event_type == "error", record.received_at


def _tick(at: float, span: float, width: int, base: Style, style: Style) -> list[Segment]:
    column = min(int(at / span * width), width - 1)
    return [Segment(" " * (column + 1) + "│", style), Segment(" " * (width - column - 1), base)]


class StepTimeline(Vertical):
    """The timeline pane: sections per turn, rows per step and (on demand) per event.

    Give it turns with :meth:`set_turns` / :meth:`add_turn`; call :meth:`refresh_turn` when a
    turn's state has new events (work is proportional to the new events). Keyboard: arrows or
    j/k move, Home/End, Enter expands a step (or a turn's steps), ``e`` expands all, ``/``
    filters by type or text, Escape clears the filter.
    """

    class OlderWanted(Message):
        """Home, in a chat whose older turns are not read yet: read them all, then go to the
        first."""

    class Selected(Message):
        """The cursor moved to a row.

        ``step_index`` is the step's position in ``InteractionState.steps`` (not its wire
        index, which repeats after an automatic continuation); ``event_seq`` the event's
        ``EventRecord.seq``. A turn heading gives ``(turn, None, None)``; an event of a step
        gives both.
        """

        def __init__(self, turn_index: int, step_index: int | None, event_seq: int | None) -> None:
            super().__init__()
            self.turn_index = turn_index
            self.step_index = step_index
            self.event_seq = event_seq

        @classmethod
        def of(cls, row: Row) -> StepTimeline.Selected:
            if isinstance(row, StepRow):
                return cls(row.turn, row.position, None)
            if isinstance(row, EventRow):
                step = row.step.position if row.step is not None else None
                return cls(row.turn, step, row.seq)
            assert isinstance(row, TurnRow)
            return cls(row.turn, None, None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = TimelineRows()
        #: Kept rather than queried: a streaming turn reaches it at every flush.
        self.list = TimelineList(self.rows, id="timeline-list")

    def compose(self) -> ComposeResult:
        yield self.list
        yield Input(
            placeholder="filter by type or text (Enter keeps, Escape clears)", id="timeline-filter"
        )

    @property
    def filter_input(self) -> Input:
        return self.query_one("#timeline-filter", Input)

    def on_mount(self) -> None:
        self.filter_input.display = False

    def focus(self, scroll_visible: bool = True) -> Widget:
        """Focus the list (the pane itself takes no keys)."""
        return self.list.focus(scroll_visible)

    # ------------------------------------------------------------------ content

    def set_turns(self, turns: Sequence[Turn], *, before: int = 0) -> None:
        """Show these turns instead of what was shown (a new, reopened or rewound chat);
        ``before``: the chat's turns not read yet, in front of these."""
        self.rows.set_turns(turns, before=before)
        self.list.selected = None
        self.list.lines_changed()

    def prepend(self, turns: Sequence[Turn], added: int, *, before: int) -> None:
        """``turns`` are the chat's turns again, ``added`` older ones read in front: the
        cursor stays on its row (it was dropped, and Home took a press per batch read)."""
        selected = self.list.selected
        was = None if selected is None or isinstance(selected, SummaryRow) else selected
        where = self.Selected.of(was) if was is not None else None
        self.set_turns(turns, before=before)
        if where is not None:
            self.select(where.turn_index + added, where.step_index, where.event_seq)

    def add_turn(self, turn: Turn) -> int:
        """Add a section for a new turn; returns its turn index for :meth:`refresh_turn`."""
        index = self.rows.add_turn(turn)
        self.list.lines_changed()
        return index

    def follow_new_turn(self, turn_index: int) -> None:
        """Bring a turn the reader just asked into view, as the conversation does.

        A cursor left on an earlier turn (an event looked at, then back to the prompt) moves
        to the new turn's heading, so the detail shows the running turn rather than a
        finished one; so does a list on screen without a cursor (a chat just opened), whose
        detail would stay blank. The list then follows the new turn's tail. Hidden and without
        a cursor, only the list follows."""
        if self.list.selected is not None or self.list.is_on_screen:
            self.list.select(self.rows.turn_row(turn_index))
        self.list.follow_tail()

    def point_at_last_turn(self) -> None:
        """On screen without a cursor (a chat just opened or read from the history), put the
        cursor on the last turn's heading, so that the detail beside shows it, as opening the
        pane does; a blank detail looked broken."""
        if self.list.selected is None and self.rows.turn_count and self.list.is_on_screen:
            self.list.select(self.rows.turn_row(self.rows.turn_count - 1))

    def refresh_turn(self, turn_index: int) -> None:
        """Take in the turn's new events (and its timings once known) and repaint."""
        self.rows.refresh_turn(turn_index)
        self.list.lines_changed(turn_index)

    def turn_at(self, turn_index: int) -> Turn:
        """The turn of a section, e.g. to show a selection in ``StepDetail``."""
        return self.rows.turn_at(turn_index)

    def select_turn(self, turn_index: int) -> None:
        """Put the cursor on a turn's heading (to follow the conversation pane)."""
        self.list.select(self.rows.turn_row(turn_index))

    def select(
        self, turn_index: int, step_index: int | None = None, event_seq: int | None = None
    ) -> None:
        """Put the cursor on a turn, step or event (expanding the step to show an event)."""
        row = self.rows.find(turn_index, step_index, event_seq)
        if isinstance(row, EventRow) and row.step is not None and not row.step.expanded:
            self.rows.toggle(row.step)
            self.list.lines_changed()
        self.list.select(row)

    # ------------------------------------------------------------------ filter

    def open_filter(self) -> None:
        """Show the filter field with the filter in force, and go there (``/`` in the list)."""
        field = self.filter_input
        field.display = True
        field.value = self.rows.filter
        focus_now(field)

    def on_input_changed(self, message: Input.Changed) -> None:
        message.stop()
        self._set_filter(message.value)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        # The filter in force stays named in the list's summary row, and ``/`` brings the
        # field back with it: a field left on screen took a row, and the first Tab.
        self.filter_input.display = False
        focus_now(self.list)

    def on_key(self, event) -> None:
        if event.key == "escape" and self.filter_input.has_focus:
            event.stop()
            self.apply_filter("")

    def apply_filter(self, text: str) -> None:
        """Filter the rows (``""`` clears, hides the field and goes back to the list)."""
        field = self.filter_input
        with field.prevent(Input.Changed):
            field.value = text
        self._set_filter(text)
        if not text:
            field.display = False
            self.list.focus()

    def _set_filter(self, text: str) -> None:
        self.rows.set_filter(text)
        # The pane's top border names the filter in force, so a list scrolled past its
        # summary row (or a field closed with Enter) still says why rows are missing.
        if self.parent is not None and self.parent is not self.screen:
            self.parent.border_title = (
                escape_markup(f"filter «{_plain(text)}» · / edits · Esc clears") if text else None
            )
        self.list.lines_changed()
        selected = self.list.selected
        if selected is not None and self.rows.line_of(selected) is None:
            self.list.selected = None
