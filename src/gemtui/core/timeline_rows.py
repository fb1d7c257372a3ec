"""The rows of the step timeline, built from interaction states: pure, so it is fast to test.

The timeline lists, per turn, a heading, the steps (each expandable into its events) and the
interaction-level events (``interaction.created``, ``status_update``, ``completed``, ``error``
and unknown events without a step). A stream can bring tens of thousands of events, so nothing
here is rebuilt per event: :meth:`TimelineRows.refresh_turn` turns only the events it has not
seen yet into rows, and the layout (the first line of every item) is recomputed only from the
item that grew. Rows keep references to the assembler's live objects, so durations, sizes and
status are read when a row is drawn and are always current.

Lines are addressed as in a scroll view: line 0 is the conversation summary, then each turn's
two heading lines, then its items. :meth:`TimelineRows.row_at` and :meth:`TimelineRows.line_of`
map between lines and rows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from gemtui.api.models import EventBase, StepDeltaEvent, StepStartEvent, TextDelta, Usage
from gemtui.core.assembler import InteractionState, StepState
from gemtui.core.cost import Prices
from gemtui.core.event_log import EventLog, EventRecord
from gemtui.core.lazy_sequence import LazySequence
from gemtui.core.turn import Turn

__all__ = [
    "USAGE_FIELDS",
    "EventRow",
    "Row",
    "StepRow",
    "SummaryRow",
    "TimelineRows",
    "TurnRow",
    "format_bytes",
    "format_seconds",
    "step_status",
    "usage_parts",
]

#: (label, Usage attribute) in the order the header shows them.
USAGE_FIELDS = (
    ("in", "total_input_tokens"),
    ("out", "total_output_tokens"),
    ("thought", "total_thought_tokens"),
    ("cached", "total_cached_tokens"),
    ("tool", "total_tool_use_tokens"),
    ("total", "total_tokens"),
)

#: How much of a text delta is kept for the filter and the row's preview.
PREVIEW_CHARS = 200


@dataclass(eq=False, slots=True)
class SummaryRow:
    """Line 0: usage of the whole conversation. Not selectable."""


@dataclass(eq=False, slots=True)
class TurnRow:
    """A turn's two heading lines: request timings and status, then token usage."""

    turn: int
    source: Turn

    @property
    def state(self) -> InteractionState:
        return self.source.reply.state


@dataclass(eq=False, slots=True)
class EventRow:
    """One received event, inside its step or (without a step) directly in the turn.

    A row keeps no text of its own beyond its label: a long answer is thousands of events,
    and a preview and a search text for each held about twice the answer's text. The preview
    is read from the event (parsed again from its payload, see ``EventLog``) when a row is
    drawn, the search text when a filter first asks.
    """

    turn: int
    #: The turn's events, and this one's place in them: a row holds no record of its own.
    events: EventLog
    seq: int
    step: StepRow | None
    #: Event type, and for deltas and starts the delta's or step's type: "step.delta text"
    #: (one shared string per kind).
    label: str
    _search: str | None = None

    @property
    def record(self) -> EventRecord:
        return self.events[self.seq]

    @property
    def preview(self) -> str:
        """A fragment of the text the event carries (delta text, status, error message)."""
        return _event_preview(self.events.event(self.seq))

    @property
    def search(self) -> str:
        """Lowercased label and preview: what the filter matches (kept once asked for)."""
        if self._search is None:
            self._search = f"{self.label} {self.preview}".lower()
        return self._search


@dataclass(eq=False, slots=True)
class StepRow:
    """One step; ``position`` is its place in ``InteractionState.steps`` (wire indexes can
    repeat after an automatic continuation, positions do not)."""

    turn: int
    position: int
    state: StepState
    type_name: str
    search: str
    #: Its event rows (set by TimelineRows as the step is added).
    events: StepEvents = field(init=False)
    expanded: bool = False
    #: Under a filter: whether the step itself matches, and which of its events do.
    matches: bool = True
    matching: list[EventRow] = field(default_factory=list)


Row = SummaryRow | TurnRow | StepRow | EventRow


class StepEvents(LazySequence[EventRow]):
    """The event rows of a step, each made when it is first read and kept from then on (a
    selected row stays the same object). A long answer is thousands of events in one step,
    and most are never shown: its rows are made only when the step is expanded, filtered or
    searched."""

    __slots__ = ("_count", "_log", "_made", "_step")

    def __init__(self, step: StepRow, log: EventLog) -> None:
        self._step = step
        self._log = log
        #: How many of the step's events have been taken in (``TimelineRows._consume``).
        self._count = 0
        self._made: dict[int, EventRow] = {}

    def __len__(self) -> int:
        return self._count

    def take(self) -> None:
        """Count in the step's next event."""
        self._count += 1

    def _item(self, index: int) -> EventRow:
        row = self._made.get(index)
        if row is None:
            step = self._step
            seq = step.state.event_seqs[index]
            label = _event_label(self._log[seq])
            row = self._made[index] = EventRow(step.turn, self._log, seq, step, label)
        return row

    def of_seq(self, seq: int) -> EventRow | None:
        """The row of event ``seq``, if it is one of the events taken in."""
        index = bisect_left(self._step.state.event_seqs, seq, hi=self._count)
        found = index < self._count and self._step.state.event_seqs[index] == seq
        return self[index] if found else None


@dataclass(eq=False, slots=True)
class _Turn:
    """The rows built so far for one turn, and how many events they cover."""

    row: TurnRow
    items: list[StepRow | EventRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    #: Latest step row per wire index, mirroring the assembler's own lookup.
    by_index: dict[int, StepRow] = field(default_factory=dict)
    events_seen: int = 0


def step_status(state: InteractionState, step: StepState, *, live: bool = True) -> str:
    """``done``, ``error`` (the stream failed before the step stopped, or the step carries an
    ``error`` of its own), ``cut off`` (the turn is over, ``live`` false, and the step never
    stopped: cancelled, or a connection lost) or ``streaming``."""
    if step.done:
        return "error" if getattr(step.step, "error", None) else "done"
    if state.error is not None or state.completed:
        return "error"
    return "streaming" if live else "cut off"


def step_end(state: InteractionState, step: StepState) -> float:
    """When the step stopped, or its latest event while it streams."""
    if step.stopped_at is not None:
        return step.stopped_at
    if step.event_seqs:
        return state.events[step.event_seqs[-1]].received_at
    return step.started_at


def turn_span(turn: Turn) -> float:
    """The time the waterfall bars are scaled to: the request's total or the last event."""
    state, timings = turn.reply.state, turn.reply.timings
    last = state.events[-1].received_at if state.events else 0.0
    total = timings.total_s if timings is not None and timings.total_s is not None else 0.0
    return max(last, total, 1e-9)


#: Why a turn with steps has no events: only a stream brings events.
STEPS_ONLY = (
    "events not kept: the history and a fetch by id keep a turn's steps only; Ctrl+S saves "
    "the last turn's events as a recording right after it ran, and gemtui replay shows them"
)


def steps_only(state: InteractionState) -> bool:
    """The turn's steps came without their events (read back, or fetched by id)."""
    return not state.events and bool(state.steps)


def events_count(state: InteractionState) -> str:
    """How many events a turn has, or that it has none to show."""
    return "no events kept" if steps_only(state) else f"{len(state.events)} events"


def usage_parts(usage: Usage | None) -> list[tuple[str, int]]:
    """The token counts the API gave, as ``(label, count)``; absent fields are left out."""
    if usage is None:
        return []
    parts = []
    for label, name in USAGE_FIELDS:
        value = getattr(usage, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append((label, value))
    return parts


def sum_usage(usages: Sequence[Usage | None]) -> list[tuple[str, int]]:
    """Field-wise totals over turns, keeping only fields some turn reported."""
    totals: dict[str, int] = {}
    for usage in usages:
        for label, value in usage_parts(usage):
            totals[label] = totals.get(label, 0) + value
    return [(label, totals[label]) for label, _name in USAGE_FIELDS if label in totals]


def step_tokens(step: StepState) -> int | None:
    """Tokens of one step, where ``step.stop`` carried usage."""
    usage = step.usage
    if usage is None:
        return None
    for name in ("total_tokens", "total_output_tokens"):
        value = getattr(usage, name, None)
        if isinstance(value, int):
            return value
    return None


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.1f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:02.0f}s"


def format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size}B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}K"
    return f"{size / (1024 * 1024):.1f}M"


#: One label string per kind of event, shared by its rows.
_LABELS: dict[tuple[str, str], str] = {}


def _event_label(record: EventRecord) -> str:
    """An event's type, with the delta's or the started step's type: "step.delta text"."""
    if record.kind is None:
        return record.event_type
    key = (record.event_type, record.kind)
    label = _LABELS.get(key)
    if label is None:
        label = _LABELS.setdefault(key, f"{record.event_type} {record.kind}")
    return label


def _event_preview(event: EventBase) -> str:
    """A fragment of the text an event carries: a delta's text, a status, an error message."""
    if isinstance(event, StepDeltaEvent):
        delta = event.delta
        if isinstance(delta, TextDelta):
            return delta.text[:PREVIEW_CHARS]
        values: tuple[object, ...] = (
            getattr(getattr(delta, "content", None), "text", None),
            getattr(delta, "arguments", None),
        )
    elif isinstance(event, StepStartEvent):
        return ""
    else:
        values = (
            getattr(event, "status", None)
            or getattr(getattr(event, "interaction", None), "status", None),
            getattr(getattr(event, "error", None), "message", None),
        )
    return next((value[:PREVIEW_CHARS] for value in values if isinstance(value, str)), "")


def _owns(step: StepRow, seq: int) -> bool:
    """Whether the assembler counted event ``seq`` into this step (its next unseen event)."""
    seqs = step.state.event_seqs
    taken = len(step.events)
    return taken < len(seqs) and seqs[taken] == seq


def _step_type(step: StepState) -> str:
    kind = getattr(step.step, "type", None)
    return kind if isinstance(kind, str) else "unknown"


def _step_search(step: StepState, type_name: str) -> str:
    name = getattr(step.step, "name", None)
    words = [type_name, f"#{step.index}"]
    if isinstance(name, str):
        words.append(name)
    return " ".join(words).lower()


class TimelineRows:
    """Turns, their rows and the line layout, updated incrementally."""

    def __init__(self) -> None:
        self._turns: list[_Turn] = []
        self._summary = SummaryRow()
        #: Top-level items in line order, the first line of each, and item -> its position.
        self._items: list[Row] = [self._summary]
        self._offsets: list[int] = [0]
        self._positions: dict[int, int] = {id(self._summary): 0}
        self._line_count = 1
        self._filter = ""
        #: Steps that arrive later start expanded after "expand all".
        self._expand_new = False
        #: Prices per model, for the cost beside each turn's tokens (none: no cost shown).
        self.prices: Prices = {}
        #: Turns of the chat before the first one here (a long chat read back is read from
        #: its end): the numbers shown count them, so a turn keeps its number as they load.
        self.turns_before = 0

    # ------------------------------------------------------------------ content

    @property
    def turn_count(self) -> int:
        return len(self._turns)

    def turn_at(self, turn: int) -> Turn:
        return self._turns[turn].row.source

    def turn_row(self, turn: int) -> TurnRow:
        return self._turns[turn].row

    def step_rows(self, turn: int) -> list[StepRow]:
        """The turn's step rows, in the order of ``InteractionState.steps``."""
        return self._turns[turn].steps

    def find(self, turn: int, step: int | None = None, event_seq: int | None = None) -> Row:
        """The row for a turn, a step position in it, or one of its events."""
        record = self._turns[turn]
        if event_seq is not None:
            if step is not None:
                found = record.steps[step].events.of_seq(event_seq)
                if found is not None:
                    return found
            for row in record.items if step is None else ():
                if isinstance(row, EventRow) and row.seq == event_seq:
                    return row
            raise KeyError(event_seq)
        return record.steps[step] if step is not None else record.row

    def turns(self) -> list[Turn]:
        return [turn.row.source for turn in self._turns]

    def set_turns(self, turns: Sequence[Turn], *, before: int = 0) -> None:
        """Replace everything (a new conversation, a reopened one, a rewound one); ``before``:
        the chat's turns not read yet, in front of these."""
        self.turns_before = before
        self._turns.clear()
        del self._items[1:]
        self._positions = {id(self._summary): 0}
        for turn in turns:
            self._append_turn(turn)
        self._relayout(0)

    def add_turn(self, turn: Turn) -> int:
        """Add a turn at the end and build its rows; returns its turn index."""
        self._append_turn(turn)
        self._relayout(self._positions[id(self._turns[-1].row)])
        return len(self._turns) - 1

    def _append_turn(self, source: Turn) -> None:
        turn = _Turn(TurnRow(len(self._turns), source))
        self._turns.append(turn)
        self._positions[id(turn.row)] = len(self._items)
        self._items.append(turn.row)
        self._consume(turn)

    def refresh_turn(self, turn: int) -> bool:
        """Take in the events that arrived since the last call; returns whether lines were
        added (a collapsed step that grew changes no line count, but its row still needs a
        repaint).

        Work is proportional to the new events (plus the items after the first one that grew).
        """
        record = self._turns[turn]
        first_changed = self._consume(record)
        if first_changed is None:
            return False
        self._relayout(first_changed)
        return True

    def _consume(self, turn: _Turn) -> int | None:
        """Turn the turn's unseen events into rows; returns the first item position whose
        lines changed, ``None`` when none did."""
        state = turn.row.state
        events = state.events
        steps = state.steps
        first: int | None = None
        end = self._turn_end_position(turn)
        for seq in range(turn.events_seen, len(events)):
            position = len(turn.steps)
            if position < len(steps) and steps[position].event_seqs[0] == seq:
                first = self._min(first, end)
                self._new_step(turn, steps[position], events, end)
                end += 1
            owner = turn.by_index.get(events.step_index(seq))  # type: ignore[arg-type]
            if owner is not None and _owns(owner, seq):
                owner.events.take()
                grew = owner.expanded and (not self._filter or owner.matches)
                if self._filter and self._row_matches(row := owner.events[-1]):
                    owner.matching.append(row)
                    grew = True
                if grew:
                    first = self._min(first, self._positions[id(owner)])
            else:
                first = self._min(first, end)
                label = _event_label(events[seq])
                self._insert_item(turn, EventRow(turn.row.turn, events, seq, None, label), end)
                end += 1
        turn.events_seen = len(events)
        # A turn read back from the history keeps its steps and not their events: each step
        # is a row all the same (it showed the turn's heading and nothing under it).
        while len(turn.steps) < len(steps) and not steps[len(turn.steps)].event_seqs:
            first = self._min(first, end)
            self._new_step(turn, steps[len(turn.steps)], events, end)
            end += 1
        return first

    @staticmethod
    def _min(first: int | None, position: int) -> int:
        return position if first is None else min(first, position)

    def _new_step(self, turn: _Turn, step: StepState, log: EventLog, at: int) -> None:
        type_name = _step_type(step)
        row = StepRow(
            turn.row.turn, len(turn.steps), step, type_name, _step_search(step, type_name)
        )
        row.events = StepEvents(row, log)
        row.matches = self._matches(row.search)
        row.expanded = self._expand_new
        turn.steps.append(row)
        turn.by_index[step.index] = row
        self._insert_item(turn, row, at)

    def _turn_end_position(self, turn: _Turn) -> int:
        """Where the next item of ``turn`` goes in the top-level list."""
        return self._positions[id(turn.row)] + 1 + len(turn.items)

    def _insert_item(self, turn: _Turn, row: StepRow | EventRow, at: int) -> None:
        turn.items.append(row)
        self._items.insert(at, row)
        for position in range(at, len(self._items)):
            self._positions[id(self._items[position])] = position

    # ------------------------------------------------------------------ expansion and filter

    def toggle(self, row: Row) -> Row:
        """Expand or collapse what ``row`` stands for; returns the row to keep selected.

        A step toggles its events, an event its step, a turn heading all of its steps.
        """
        if isinstance(row, EventRow) and row.step is not None:
            row.step.expanded = False
            self._relayout(self._positions[id(row.step)])
            return row.step
        if isinstance(row, StepRow):
            row.expanded = not row.expanded
            self._relayout(self._positions[id(row)])
        elif isinstance(row, TurnRow):
            steps = self._turns[row.turn].steps
            expand = not all(step.expanded for step in steps)
            for step in steps:
                step.expanded = expand
            self._relayout(self._positions[id(row)])
        return row

    def expand_all(self, expand: bool | None = None) -> bool:
        """Expand (or collapse) every step; ``None`` flips based on whether all are expanded."""
        steps = [step for turn in self._turns for step in turn.steps]
        if expand is None:
            expand = not all(step.expanded for step in steps) if steps else not self._expand_new
        self._expand_new = expand
        for step in steps:
            step.expanded = expand
        self._relayout(0)
        return expand

    @property
    def filter(self) -> str:
        return self._filter

    def set_filter(self, text: str) -> None:
        """Show only steps and events whose type, name or text contains ``text``.

        Turn headings always stay. A matching step shows its events as its expansion says; a
        step whose events match shows those events, expanded or not.
        """
        self._filter = text.strip().lower()
        for turn in self._turns:
            for step in turn.steps:
                step.matches = self._matches(step.search)
                step.matching = (
                    [event for event in step.events if self._row_matches(event)]
                    if self._filter
                    else []
                )
        self._relayout(0)

    def _matches(self, search: str) -> bool:
        return not self._filter or self._filter in search

    def _row_matches(self, row: EventRow) -> bool:
        """Whether an event row passes the filter; its search text is made only if there is
        one (it parses the event)."""
        return not self._filter or self._filter in row.search

    def shown_events(self, step: StepRow) -> Sequence[EventRow]:
        """The event rows shown under a step, in order (a live sequence)."""
        if not self._filter:
            return step.events if step.expanded else []
        if step.expanded and step.matches:
            return step.events
        return step.matching

    def _height(self, row: Row) -> int:
        if isinstance(row, StepRow):
            events = len(self.shown_events(row))
            if self._filter and not row.matches and not events:
                return 0
            return 1 + events
        if isinstance(row, TurnRow):
            return 2
        if isinstance(row, EventRow):
            return 1 if self._row_matches(row) else 0
        return 1

    # ------------------------------------------------------------------ layout

    def _relayout(self, start: int) -> None:
        del self._offsets[start:]
        line = self._offsets[-1] + self._height(self._items[start - 1]) if start else 0
        for position in range(start, len(self._items)):
            self._offsets.append(line)
            line += self._height(self._items[position])
        self._line_count = line

    @property
    def line_count(self) -> int:
        return self._line_count

    def row_at(self, line: int) -> tuple[Row, int] | None:
        """The row drawn on ``line`` and which of its lines it is (0 for all but turn
        headings, which have two)."""
        if line < 0 or line >= self._line_count:
            return None
        position = bisect_right(self._offsets, line) - 1
        item = self._items[position]
        inner = line - self._offsets[position]
        if isinstance(item, StepRow) and inner > 0:
            return self.shown_events(item)[inner - 1], 0
        return item, inner

    def line_of(self, row: Row) -> int | None:
        """The first line of ``row``, or ``None`` if it is not shown."""
        if isinstance(row, EventRow) and row.step is not None:
            shown = self.shown_events(row.step)
            at = bisect_left(shown, row.seq, key=lambda event: event.seq)
            if at == len(shown) or shown[at] is not row or not self._height(row.step):
                return None
            return self._offsets[self._positions[id(row.step)]] + 1 + at
        position = self._positions.get(id(row))
        if position is None or not self._height(row):
            return None
        return self._offsets[position]

    def turn_lines(self, turn: int) -> range:
        """The lines of a turn's section, from its heading to the next turn's."""
        start = self._offsets[self._positions[id(self._turns[turn].row)]]
        if turn + 1 == len(self._turns):
            return range(start, self._line_count)
        return range(start, self._offsets[self._positions[id(self._turns[turn + 1].row)]])

    def height_of(self, row: Row) -> int:
        """Lines the row itself takes (a step's events are rows of their own)."""
        return 2 if isinstance(row, TurnRow) else 1

    def rows(self) -> Iterator[tuple[Row, int]]:
        """Every shown line as ``(row, inner line)``, top to bottom (for tests and export)."""
        for line in range(self._line_count):
            found = self.row_at(line)
            if found is not None:
                yield found

    def conversation_usage(self) -> list[tuple[str, int]]:
        return sum_usage([turn.row.state.interaction.usage for turn in self._turns])
