"""The detail of the timeline's selected row: facts, then the raw JSON, highlighted.

The JSON of a long step (a 100 KB answer, an inline image) is only ever highlighted a line at a
time, when that line is on screen: selecting a row costs one ``json.dumps`` and a pass to
measure line widths, which keeps select-to-detail under the 30 ms budget at any size. Inline
media ``data`` longer than :data:`ELIDE_DATA` is shown shortened; :meth:`StepDetail.copy_text`
still gives the full JSON.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.cells import cell_len, get_character_cell_size
from rich.style import Style
from rich.text import Span, Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from gemtui.api.errors import ApiStatusError
from gemtui.api.models import (
    FunctionCallStep,
    GoogleSearchCallStep,
    GoogleSearchResultStep,
    ModelOutputStep,
    TextContent,
    ThoughtStep,
    UnknownEvent,
    UnknownStep,
)
from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState, StepState
from gemtui.core.media import facts_of, media_of
from gemtui.core.run_errors import error_line, step_error
from gemtui.core.safety import clean_terminal_text, hide_secrets
from gemtui.core.timeline_rows import (
    STEPS_ONLY,
    format_bytes,
    format_seconds,
    step_status,
    step_tokens,
    steps_only,
    usage_parts,
)
from gemtui.core.tool_steps import describe
from gemtui.core.turn import Asked, Exchange, Reply
from gemtui.core.wording import plural
from gemtui.ui.widgets.line_view import LineView

if TYPE_CHECKING:
    from rich.syntax import Syntax

#: Base64 ``data`` longer than this is shown as a length (the copy keeps it whole).
ELIDE_DATA = 256
#: Source lines whose highlighted text and fold offsets stay cached.
FOLD_CACHE_LINES = 256
#: A JSON line is highlighted up to here; the rest of it keeps the style in force there.
HIGHLIGHT_CHARS = 2000
#: How much of a text the facts quote.
QUOTE_CHARS = 300
#: How much of a turn's prompt the title names.
LABEL_CHARS = 60


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _clean_json(text: str) -> str:
    """``json.dumps`` output made safe to draw, cleaned once when it is shown.

    ``json.dumps`` escapes every C0 control, so ASCII output can hold only DEL: the common case
    skips the search for control sequences, which on the one long line of a 10 000-delta step
    (hundreds of kilobytes) costs milliseconds."""
    if text.isascii() and "\x7f" not in text:
        return text
    return clean_terminal_text(text)


def _elide(value: Any) -> Any:
    """A copy of ``value`` with long ``data`` strings (inline media) replaced by their size."""
    if isinstance(value, dict):
        return {
            key: f"<{len(item)} base64 chars>"
            if key == "data" and isinstance(item, str) and len(item) > ELIDE_DATA
            else _elide(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_elide(item) for item in value]
    return value


def _one_row(text: str) -> str:
    """Untrusted text as one row: control sequences removed, line breaks and tabs as spaces.

    A line break or tab left in a row is sent to the terminal as is and moves its cursor, so
    the rest of the row lands elsewhere and the old characters stay where they were (a
    multi-line prompt in the title showed as ``turn «multiinteraction.completed``)."""
    return clean_terminal_text(text).replace("\n", " ").replace("\t", " ")


def _label(label: str) -> str:
    """A turn's name (its prompt) for the title: one row, cut to :data:`LABEL_CHARS`."""
    text = " ".join(_one_row(label).split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _quote(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


# --------------------------------------------------------------------------- facts


def step_facts(state: InteractionState, step: StepState, *, live: bool = True) -> list[str]:
    """What one sees at a glance about a step: timing and size, then what its type means."""
    model = step.step
    status = step_status(state, step, live=live)
    facts = [
        f"status {status} · started +{format_seconds(step.started_at)} · "
        f"duration {format_seconds(step.duration)} · {format_bytes(step.size)} in "
        f"{len(step.event_seqs)} events"
        + (f" · {tokens} tokens" if (tokens := step_tokens(step)) is not None else "")
    ]
    if step.placeholder:
        facts.append("its step.start came before this stream resumed: assembled from deltas")
    if isinstance(model, FunctionCallStep):
        facts += _function_call_facts(model, step)
    elif isinstance(model, GoogleSearchCallStep):
        queries = (model.arguments or {}).get("queries")
        if isinstance(queries, list):
            facts += ["queries:", *(f"  • {_quote(str(query))}" for query in queries)]
    elif isinstance(model, GoogleSearchResultStep):
        facts += _search_result_facts(model)
    elif isinstance(model, ModelOutputStep):
        facts += _output_facts(model)
    elif isinstance(model, ThoughtStep):
        facts += _thought_facts(model)
    elif isinstance(model, UnknownStep):
        facts.append("a step type this client does not know: shown raw below")
    elif (view := describe(model)) is not None:
        facts.append(f"{view.title}: {_quote(view.summary)}" if view.summary else view.title)
        facts += [f"  {line}" for line in view.details]
    return facts


def _function_call_facts(model: FunctionCallStep, step: StepState) -> list[str]:
    facts = [f"function {model.name} · call id {model.id}"]
    if step.arguments_error is not None:
        facts.append("arguments_error: the streamed arguments are not a JSON object:")
        facts.append(f"  {_quote(step.arguments_error)}")
    elif not step.done and step.streamed_arguments:
        facts.append(f"arguments so far: {_quote(step.streamed_arguments)}")
    else:
        facts.append("arguments:")
        facts += [f"  {line}" for line in _json(model.arguments or {}).splitlines()]
    return facts


def _search_result_facts(model: GoogleSearchResultStep) -> list[str]:
    results = model.result or []
    facts = [f"{len(results)} result{'s' if len(results) != 1 else ''}"]
    for item in results:
        if not isinstance(item, dict):
            continue
        title, url = item.get("title"), item.get("url")
        if title or url:
            facts.append(f"  • {_quote(str(title or ''))} {url or ''}".rstrip())
        elif "search_suggestions" in item:
            facts.append(
                f"  • search suggestions widget ({len(str(item['search_suggestions']))} chars)"
            )
        else:
            facts.append(f"  • {', '.join(map(str, item))}")
    return facts


def _output_facts(model: ModelOutputStep) -> list[str]:
    content = model.content or []
    texts = [block for block in content if isinstance(block, TextContent)]
    length = sum(len(block.text) for block in texts)
    kinds = [str(getattr(block, "type", "?")) for block in content]
    facts = [f"{length} characters of text · blocks: {', '.join(kinds) or 'none'}"]
    annotations = [note for block in texts for note in (block.annotations or [])]
    if annotations:
        facts.append(f"{len(annotations)} annotation{'s' if len(annotations) != 1 else ''}:")
        for note in annotations:
            wire = note.to_wire()
            where = wire.get("url") or wire.get("file_name") or wire.get("name") or ""
            title = wire.get("title") or ""
            facts.append(f"  • {wire.get('type', '?')} {_quote(str(title))} {where}".rstrip())
    for item in media_of(content):
        facts.append(facts_of(item).describe())
    failed = step_error(model)
    if failed is not None:
        facts.append(f"error {failed.line()}")
    return facts


def _thought_facts(model: ThoughtStep) -> list[str]:
    summary = "".join(
        block.text for block in (model.summary or []) if isinstance(block, TextContent)
    )
    facts = [f"signature {len(model.signature or '')} chars"]
    facts.append(f"summary: {_quote(summary)}" if summary else "no summary")
    facts += [facts_of(item).describe() for item in media_of(model.summary)]
    return facts


def turn_facts(
    state: InteractionState,
    timings: RequestTimings | None,
    *,
    fetched: bool = False,
    background: bool = False,
    asked_for: str | None = None,
    outcome: str = "",
    resumed_at: Sequence[float] = (),
) -> list[str]:
    """The turn's facts. ``fetched``: an interaction opened by id, whose timings are those of
    the fetch; they read as the run's (67 ms for a run of 34 s), so they say so, and the run's
    own span is given from its ``created`` and ``updated`` where the server sends them, as
    for a ``background`` run (its request returned at once). ``asked_for``: the model or agent
    the request named, for a turn the server made nothing of. ``resumed_at``: when its cut-off
    stream was taken up again."""
    interaction = state.interaction
    status = state.status or "–"
    if outcome in ("cancelled", "interrupted") and state.status in ("in_progress", "queued"):
        status = f"{status} when {outcome}"  # the last the stream said, not the end
    # A request the server refused made no interaction: no id, no status (it said "None").
    facts = [
        f"id {interaction.id or '–'} · status {status} · "
        f"{interaction.model or interaction.agent or asked_for or 'model ?'}",
        f"{plural(len(state.steps), 'step')} · "
        + (
            STEPS_ONLY
            if steps_only(state)
            else f"{plural(len(state.events), 'event')} · {format_bytes(state.events.total_size())}"
        ),
    ]
    if (fetched or background) and (ran := run_span(interaction.created, interaction.updated)):
        facts.append(ran)
    if timings is not None:
        retried = (
            f" ({format_seconds(timings.retried_s)} before the last)"
            if timings.attempts > 1
            else ""
        )
        facts.append(
            ("fetched by id: " if fetched else "")
            + f"HTTP {timings.status_code} · connect {format_seconds(timings.connect_s)} · "
            f"first byte {format_seconds(timings.first_byte_s)} · "
            f"total {format_seconds(timings.total_s)} · attempts {timings.attempts}{retried}"
        )
    for at in resumed_at:
        facts.append(f"stream cut off, taken up again at +{format_seconds(at)}")
    parts = usage_parts(interaction.usage)
    facts.append(
        "tokens " + " · ".join(f"{label} {value}" for label, value in parts)
        if parts
        else "tokens: none reported"
    )
    if state.error is not None:
        facts.append(f"error {state.error.code}: {state.error.message}")
    for failure in interaction.errors or ():
        facts.append(f"error {error_line(failure)}")
    if interaction.service_tier:
        facts.append(f"service tier {interaction.service_tier}")
    return facts


def _error_wire(error: Exception) -> dict[str, Any]:
    """A turn's failure as its detail shows it: the HTTP status and the server's error body
    when there was one, the client's words otherwise."""
    if isinstance(error, ApiStatusError):
        return {"status": error.status, "code": error.code, "body": error.body}
    return {"message": str(error), "hint": getattr(error, "hint", "")}


def run_span(created: str | None, updated: str | None) -> str:
    """``ran 34.5s (created … · updated …)`` from the server's timestamps, or ``""``."""
    from datetime import datetime

    try:
        start, end = datetime.fromisoformat(created or ""), datetime.fromisoformat(updated or "")
        seconds = (end - start).total_seconds()
    except (TypeError, ValueError):
        return ""
    return f"ran {format_seconds(seconds)} at the server (created {created} · updated {updated})"


def exchange_fact(exchange: Exchange) -> str:
    """The HTTP exchange a captured turn came in, on one line."""
    parts = [
        exchange.label,
        f"HTTP {exchange.status}" if exchange.status is not None else "no response",
        exchange.client or "unknown client",
        f"sent {format_bytes(exchange.request_bytes)}",
        f"got {format_bytes(exchange.response_bytes)}",
    ]
    if exchange.duration is not None:
        parts.append(format_seconds(exchange.duration))
    if exchange.streaming:
        parts.append("stream")
    if exchange.error:
        parts.append(exchange.error)
    return " · ".join(parts)


# --------------------------------------------------------------------------- widget


def _without_background(text: Text) -> Text:
    """The highlighted line with the code theme's background taken out (the pane has one)."""
    text.rstrip()
    text.spans = [Span(span.start, span.end, _foreground(span.style)) for span in text.spans]
    text.style = ""
    return text


def _foreground(style: str | Style) -> Style:
    if isinstance(style, str):
        style = Style.parse(style)
    return Style(color=style.color, bold=style.bold, italic=style.italic, underline=style.underline)


def wrap_offsets(text: str, width: int) -> list[int]:
    """Character offsets where ``text`` folds to lines of at most ``width`` cells.

    Linear in the text (Rich's cell-based ``Segment.divide`` is quadratic on a long line).
    """
    if text.isascii():
        return list(range(width, len(text), width))
    offsets = []
    used = 0
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if used + size > width and used:
            offsets.append(index)
            used = 0
        used += size
    return offsets


#: A word and the spaces after it (leading spaces count as a word of their own).
_WORD = re.compile(r" *[^ ]+ *| +")


def word_wrap_offsets(text: str, width: int) -> list[int]:
    """Where prose ``text`` folds to lines of at most ``width`` cells: before a word that
    would not fit (the spaces before it stay at the end of the line above); a word longer
    than a line is cut where it fills one. The title and facts fold so: cut anywhere, as the
    JSON is, "status completed" read "sta" / "tus completed"."""
    offsets: list[int] = []
    used = 0
    for match in _WORD.finditer(text):
        word = match.group()
        cells = cell_len(word.rstrip(" "))
        if used and used + cells > width:
            offsets.append(match.start())
            used = 0
        if cells > width:  # alone on its lines, cut where each fills
            cuts = wrap_offsets(word.rstrip(" "), width)
            offsets += [match.start() + cut for cut in cuts]
            used = cell_len(word[cuts[-1] :]) if cuts else cell_len(word)
        else:
            used += cell_len(word)
    return offsets


class _Source(NamedTuple):
    """One source line as drawn: its text (already safe), its style, its highlighting, and the
    offsets where it folds (filled in when it is first drawn)."""

    plain: str
    style: Style | str
    spans: list[Span]
    cuts: list[int]


class _Shown(NamedTuple):
    reply: Reply
    step: int | None
    event_seq: int | None
    label: str
    asked: Asked | None
    #: Whether the turn was still live when this was shown (what its facts say).
    live: bool


class StepDetail(LineView, can_focus=True):
    """Facts and highlighted JSON of one turn, step or event; scroll with the keyboard."""

    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False, id="step_detail.up"),
        Binding("down,j", "scroll_down", "Down", show=False, id="step_detail.down"),
        Binding("home,g", "scroll_home", "Top", show=False, id="step_detail.top"),
        Binding("end,G", "scroll_end", "Bottom", show=False, id="step_detail.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="step_detail.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="step_detail.page_down"),
        Binding("y", "copy", "Copy JSON", id="step_detail.copy"),
    ]

    COMPONENT_CLASSES = {"step-detail--title", "step-detail--fact"}

    class CopyRequested(Message):
        """The reader asked to copy the JSON shown."""

        def __init__(self, text: str, what: str) -> None:
            super().__init__()
            self.text = text
            self.what = what

    def __init__(self, *, id: str | None = None, code_theme: str = "monokai") -> None:
        super().__init__(id=id)
        self.code_theme = code_theme
        self._title = ""
        self._facts: list[str] = []
        #: Never drawn (the API key; the app's live list): see ``safety.hide_secrets``.
        self.secrets: Sequence[str] = ()
        #: The JSON lines shown, already cleaned (see _clean_json).
        self._json_lines: list[str] = []
        #: What is shown as the API sent it; its JSON is made only when it is copied.
        self._wire: dict[str, Any] | None = None
        #: The request last shown and its JSON lines (see _lines_of).
        self._request_lines: tuple[dict[str, Any], list[str]] | None = None
        #: What is shown, to show it again while it streams.
        self._shown: _Shown | None = None
        self._width = 0
        self._offsets: list[int] = []
        self._line_count = 0
        self._folds: OrderedDict[int, _Source] = OrderedDict()
        self._syntax: Syntax | None = None  # built on first use: see gemtui.ui.render.warm_up

    # ------------------------------------------------------------------ content

    def show(
        self,
        reply: Reply,
        step: int | None = None,
        event_seq: int | None = None,
        *,
        label: str = "",
        asked: Asked | None = None,
    ) -> None:
        """Show a turn (``step`` and ``event_seq`` None), a step (its position in
        ``reply.state.steps``) or an event (its ``EventRecord.seq``). ``asked``: the turn's;
        a captured turn's detail shows its exchange and request body too, and an opened one's
        says that its times are the fetch's."""
        self._shown = _Shown(reply, step, event_seq, label, asked, reply.live)
        state = reply.state
        sent: dict[str, Any] | None = None  # an own turn's request, shown last
        if event_seq is not None:
            record = state.events[event_seq]
            wire = record.event.to_wire()
            self._title = f"event {record.seq} · {record.event_type}"
            self._facts = [
                f"received +{format_seconds(record.received_at)} · {format_bytes(record.size)}"
                + (f" · step index {record.step_index}" if record.step_index is not None else "")
            ]
            parse_error = getattr(record.event, "parse_error", None)
            if isinstance(record.event, UnknownEvent):
                self._facts.append(
                    f"not understood: {parse_error}" if parse_error else "an unknown event type"
                )
        elif step is not None:
            assembled = state.steps[step]
            wire = assembled.step.to_wire()
            kind = wire.get("type", "unknown")
            self._title = f"step #{assembled.index} · {kind}"
            self._facts = step_facts(state, assembled, live=reply.live)
        else:
            wire = state.interaction.head_wire()
            self._title = f"turn «{_label(label)}»" if label.strip() else "turn"
            request = asked.request if asked is not None else {}
            self._facts = turn_facts(
                state,
                reply.timings,
                fetched=asked is not None and asked.kind == "opened",
                background=bool(request.get("background")),
                asked_for=request.get("model") or request.get("agent"),
                outcome=reply.outcome,
                resumed_at=reply.resumed_at,
            )
            if reply.error is not None:  # refused, or cut off: what the chat said, and why
                self._facts.insert(1, f"failed: {_one_row(str(reply.error))}")
                wire = {**wire, "error": _error_wire(reply.error)}
            if asked is not None and asked.exchange is not None:
                self._facts.insert(0, exchange_fact(asked.exchange))
                wire = {"exchange": asked.exchange.to_json(), "request": request, **wire}
            elif request:
                # What was sent, to check that a setting reached it (the key is a header).
                sent = request
        self._wire = wire if sent is None else {**wire, "request": sent}
        self._title = hide_secrets(self._title, self.secrets)  # a prompt's words are in it
        self._facts = [hide_secrets(fact, self.secrets) for fact in self._facts]
        self._json_lines = self._lines_of(wire, sent)
        self._folds.clear()
        self._relayout()
        self.scroll_home(animate=False, immediate=True)

    def _lines_of(self, wire: dict[str, Any], request: dict[str, Any] | None) -> list[str]:
        """The JSON lines of ``wire`` with ``request`` as its last member. The request's are
        made once per turn, not at every flush that shows a live turn again: a stateless
        chat's request holds its whole history."""
        lines = hide_secrets(_clean_json(_json(_elide(wire))), self.secrets).splitlines()
        if request is None:
            return lines
        cached = self._request_lines
        if cached is None or cached[0] is not request:
            dumped = hide_secrets(_clean_json(_json(_elide({"request": request}))), self.secrets)
            body = dumped.splitlines()[1:]
            cached = self._request_lines = (request, body)
        head = lines[:-1] if len(lines) > 1 else ["{"]  # "{}" when the wire is empty
        if len(head) > 1:
            head[-1] += ","
        return [*head, *cached[1]]

    def refresh_live(self) -> None:
        """Show again what is shown, if it may still change (call on each flush, and once
        when a turn ends: a step shown while it streamed may have been cut off)."""
        if self._shown is None:
            return
        reply, step, event_seq, label, asked, was_live = self._shown
        state = reply.state
        if event_seq is not None:
            return
        if not (was_live or reply.live):
            # A turn that was over when shown stays as shown: an older cut-off step was
            # shown again at every flush of the turn that streams now.
            return
        if step is not None and state.steps[step].done:
            return
        y = self.scroll_y
        self.show(reply, step, event_seq, label=label, asked=asked)
        self.scroll_to(y=y, animate=False, immediate=True)

    def clear(self) -> None:
        self._shown = None
        self._title, self._facts, self._json_lines, self._wire = "", [], [], None
        self._folds.clear()
        self._relayout()

    def copy_text(self) -> str:
        """The full JSON of what is shown (media data not elided)."""
        return "" if self._wire is None else _json(self._wire)

    def action_copy(self) -> None:
        if self._wire is not None:
            self.post_message(self.CopyRequested(self.copy_text(), self._title))

    # ------------------------------------------------------------------ layout

    def _sources(self) -> int:
        return 1 + len(self._facts) + 1 + len(self._json_lines) if self._shown else 0

    def _plain_of(self, index: int) -> str:
        """The text of source line ``index`` (title, facts, a blank line, the JSON lines), safe
        to draw; each is one row (JSON escapes its own line breaks)."""
        if index == 0:
            return _one_row(self._title)
        index -= 1
        if index < len(self._facts):
            return _one_row(self._facts[index])
        index -= len(self._facts)
        return "" if index == 0 else self._json_lines[index - 1]

    def _fold_offsets(self, index: int, plain: str, width: int) -> list[int]:
        """Where source line ``index`` folds: the title and facts between words, the JSON
        anywhere (its long strings have no words to keep)."""
        if index <= len(self._facts):
            return word_wrap_offsets(plain, width)
        return wrap_offsets(plain, width)

    def _relayout(self) -> None:
        if not self.is_mounted:
            return
        width = max(self.scrollable_content_region.width, 1)
        self._width = width
        offsets = []
        line = 0
        for index in range(self._sources()):
            offsets.append(line)
            line += 1 + len(self._fold_offsets(index, self._plain_of(index), width))
        self._offsets = offsets
        self._line_count = line
        self.virtual_size = Size(width, line)
        self.refresh()

    def on_resize(self) -> None:
        self._folds.clear()
        self._relayout()

    def on_mount(self) -> None:
        self._relayout()

    # ------------------------------------------------------------------ rendering

    def _source_text(self, index: int) -> _Source:
        plain = self._plain_of(index)
        if index == 0:
            style = "step-detail--title"
        elif index <= len(self._facts):
            style = "step-detail--fact"
        else:
            return self._highlight(plain)
        return _Source(plain, self.get_component_rich_style(style, partial=True), [], [])

    def _highlighter(self) -> Syntax:
        if self._syntax is None:
            from rich.syntax import Syntax

            self._syntax = Syntax("", "json", theme=self.code_theme, background_color="default")
        return self._syntax

    def _highlight(self, line: str) -> _Source:
        """One JSON line, highlighted; a very long one only for its head.

        ``json.dumps`` with an indent puts every value on its own line, so a long line is one
        long string. Its head is highlighted with a closing quote added (cut open, the lexer
        reads an error), and the string's colour runs on to the end of the line. The line is
        never made into one rich ``Text``: that would strip control codes from all of it again.
        """
        if len(line) <= HIGHLIGHT_CHARS:
            return _Source(line, "", self._highlighted(line).spans, [])
        cut = HIGHLIGHT_CHARS
        while cut and line[cut - 1] == "\\":  # an escape cut in two would escape the quote
            cut -= 1
        head = self._highlighted(line[:cut] + '"')
        spans = [Span(span.start, min(span.end, cut), span.style) for span in head.spans]
        spans = [span for span in spans if span.start < span.end]
        tail = next((span.style for span in reversed(spans) if span.end == cut and span.style), "")
        spans.append(Span(cut, len(line), tail))
        return _Source(line, "", spans, [])

    def _highlighted(self, code: str) -> Text:
        return _without_background(self._highlighter().highlight(code))

    def _folded(self, index: int) -> _Source:
        """Source line ``index`` and where it folds (its pieces are cut only when drawn)."""
        cached = self._folds.get(index)
        if cached is not None:
            self._folds.move_to_end(index)
            return cached
        source = self._source_text(index)
        source.cuts.extend(
            [0, *self._fold_offsets(index, source.plain, self._width), len(source.plain)]
        )
        self._folds[index] = source
        while len(self._folds) > FOLD_CACHE_LINES:
            self._folds.popitem(last=False)
        return source

    def paint_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.paint_style
        line = scroll_y + y
        found = self._cut_at(line)
        if found is None:
            return Strip.blank(width, base)
        source, start, end = found
        piece = _piece(source, start, end)
        # Text.render leaves out the text's own style (only spans are rendered): add it here.
        style = base + source.style if isinstance(source.style, Style) else base
        strip = Strip(list(piece.render(self.app.console))).apply_style(style)
        strip = self.highlight_selection(strip, line)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def line_text(self, line: int) -> str:
        # The plain cut, not ``_piece``: a select-all reads every row, and a piece filters
        # its source line's spans (thousands, for a step of 10 000 deltas) for each.
        found = self._cut_at(line)
        return "" if found is None else found[0].plain[found[1] : found[2]]

    def _cut_at(self, line: int) -> tuple[_Source, int, int] | None:
        """The source line drawn on ``line`` and where the row's piece of it starts and ends."""
        if line >= self._line_count:
            return None
        index = bisect_right(self._offsets, line) - 1
        source = self._folded(index)
        cuts = source.cuts
        inner = line - self._offsets[index]
        if inner + 1 >= len(cuts):
            return None
        return source, cuts[inner], cuts[inner + 1]


def _piece(source: _Source, start: int, end: int) -> Text:
    """``source[start:end]`` as a rich ``Text`` for one drawn row. Rich's slice divides the
    whole text and builds each part anew (control codes stripped again), which made each row of
    a long string cost its whole length: a step of 10 000 deltas is one JSON line of hundreds
    of kilobytes."""
    piece = Text(source.plain[start:end], style=source.style, end="", no_wrap=True)
    piece.spans = [
        Span(max(span.start, start) - start, min(span.end, end) - start, span.style)
        for span in source.spans
        if span.start < end and span.end > start
    ]
    return piece
