"""Two turns side by side: how their requests differ, their steps aligned, their outputs diffed.

For "why did this run answer differently from that one": the turns may come from a chat, the
history, the inspector's captures or recordings, since each is a :class:`Turn`. Three parts:

* **request**: the fields that differ (model or agent, each ``generation_config`` key, tools,
  system instruction, response format, input, and any other field), the ones that are the same
  named only. A turn that does not hold its request (an own turn read back from the history)
  has it rebuilt from the settings it was sent with, as the conversation would build it;
* **steps**: aligned by kind and order (a longest common subsequence of the step types, so one
  extra thought does not shift every pair), each with its duration, bytes and tokens;
* **output**: a unified diff of the answers' text.

Pure: the TUI's compare screen draws :func:`report_lines`, ``gemtui diff`` prints them (or
:meth:`TurnDiff.to_json`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.models import ModelOutputStep, TextContent
from gemtui.core.assembler import StepState, step_groups
from gemtui.core.capture import input_steps
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.reopen_state import prompt_from_input
from gemtui.core.safety import clean_terminal_text, one_line
from gemtui.core.timeline_rows import format_bytes, format_seconds, step_tokens, turn_span
from gemtui.core.turn import Asked, Turn

__all__ = ["Side", "TurnDiff", "diff_turns", "report_lines", "report_text", "request_of"]

#: How much of a value a text line shows (the JSON form has it whole).
VALUE_CHARS = 120
#: The steps table: its indent, the blank between two columns, and how wide the column of
#: step kinds gets (longer kinds are cut with "…"), and how narrow it may get to fit a width.
STEP_INDENT = "  "
COLUMN_GAP = "  "
KIND_CHARS = 24
KIND_MIN_CHARS = 12
#: Lines of context around each change in the output diff.
CONTEXT_LINES = 2
#: Request fields compared one by one, in this order; the rest follow by name.
KNOWN_FIELDS = (
    "model",
    "agent",
    "system_instruction",
    "tools",
    "response_format",
    "input",
    "previous_interaction_id",
    "store",
    "stream",
    "background",
    "environment",
)

LineKind = Literal["title", "heading", "same", "changed", "added", "removed", "context", "plain"]


@dataclass(frozen=True, slots=True)
class Side:
    """One of the two turns and what to call it (``A: «prompt»``)."""

    turn: Turn
    label: str
    #: The settings it was sent with, when its request must be rebuilt (history turns).
    settings: ChatSettings | None = None


@dataclass(frozen=True, slots=True)
class FieldDiff:
    name: str
    a: Any
    b: Any


@dataclass(frozen=True, slots=True)
class StepFacts:
    position: int
    type: str
    duration: float | None
    size: int
    tokens: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "type": self.type,
            "duration_s": self.duration,
            "bytes": self.size,
            "tokens": self.tokens,
        }


@dataclass(frozen=True, slots=True)
class StepPair:
    a: StepFacts | None
    b: StepFacts | None

    @property
    def kind(self) -> str:
        return (self.a or self.b).type if (self.a or self.b) else "?"  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class TurnFacts:
    label: str
    title: str
    interaction_id: str | None
    outcome: str
    owner: str
    duration: float | None
    size: int
    tokens: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "title": self.title,
            "interaction_id": self.interaction_id,
            "outcome": self.outcome,
            "model": self.owner,
            "duration_s": self.duration,
            "bytes": self.size,
            "tokens": self.tokens,
        }


@dataclass
class TurnDiff:
    a: TurnFacts
    b: TurnFacts
    request: list[FieldDiff] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    steps: list[StepPair] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    @property
    def identical_output(self) -> bool:
        return not self.output

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "request": {
                "different": [{"field": d.name, "a": d.a, "b": d.b} for d in self.request],
                "same": self.same,
            },
            "steps": [
                {
                    "type": pair.kind,
                    "a": pair.a.to_json() if pair.a else None,
                    "b": pair.b.to_json() if pair.b else None,
                }
                for pair in self.steps
            ],
            "output_diff": self.output,
        }


# --------------------------------------------------------------------------- building


def request_of(turn: Turn, settings: ChatSettings | None = None) -> dict[str, Any]:
    """The request body the turn was sent with: as kept, or rebuilt from ``settings``."""
    if turn.asked.request:
        return turn.asked.request
    asked = turn.asked
    copy = Asked(
        prompt=asked.prompt,
        attachments=asked.attachments,
        results=asked.results,
        stateful=asked.stateful,
    )
    conversation = Conversation(settings=settings or ChatSettings(stateful=asked.stateful))
    return conversation.build_request(Turn(asked=copy))


def _flat(body: dict[str, Any]) -> dict[str, Any]:
    """The request with ``generation_config`` spread into one field per key, and ``input`` in
    its list-of-steps form (a string and the step it stands for send the same)."""
    flat = {key: value for key, value in body.items() if key != "generation_config"}
    if "input" in flat:
        flat["input"] = input_steps(flat["input"])
    config = body.get("generation_config")
    if isinstance(config, dict):
        for key, value in config.items():
            flat[f"generation_config.{key}"] = value
    elif config is not None:
        flat["generation_config"] = config
    return flat


def _order(names: set[str]) -> list[str]:
    known = [name for name in KNOWN_FIELDS if name in names]
    config = sorted(name for name in names if name.startswith("generation_config"))
    rest = sorted(names - set(known) - set(config))
    return known + config + rest


def _duration(turn: Turn) -> float | None:
    """The request's total time; else the captured exchange's, the last event's or the last
    step's end (a turn read back from the history keeps only its steps' times)."""
    timings = turn.reply.timings
    if timings is not None and timings.total_s is not None:
        return timings.total_s
    exchange = turn.asked.exchange
    if exchange is not None and exchange.duration is not None:
        return exchange.duration
    if turn.reply.state.events:
        return turn_span(turn)
    ends = [step.stopped_at for step in turn.reply.state.steps if step.stopped_at is not None]
    return max(ends) if ends else None


def _facts(side: Side, request: dict[str, Any]) -> TurnFacts:
    turn = side.turn
    interaction = turn.reply.state.interaction
    usage = turn.usage
    asked_for = request.get("model") or request.get("agent")
    return TurnFacts(
        label=side.label,
        title=one_line(turn.title),
        interaction_id=turn.interaction_id,
        outcome=turn.reply.outcome,
        owner=interaction.model
        or interaction.agent
        or (asked_for if isinstance(asked_for, str) else ""),
        duration=_duration(turn),
        size=sum(step.size for step in turn.reply.state.steps),
        tokens=usage.total_tokens if usage is not None else None,
    )


def _step_facts(position: int, step: StepState) -> StepFacts:
    wire_type = getattr(step.step, "type", None) or "unknown"
    stopped = step.stopped_at
    duration = stopped - step.started_at if stopped is not None else None
    return StepFacts(position, str(wire_type), duration, step.size, step_tokens(step))


def align_steps(a: list[StepFacts], b: list[StepFacts]) -> list[StepPair]:
    """Pairs of steps of the same kind in order; a step with no counterpart stands alone."""
    matcher = difflib.SequenceMatcher(None, [s.type for s in a], [s.type for s in b], False)
    pairs: list[StepPair] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pairs += [StepPair(x, y) for x, y in zip(a[a1:a2], b[b1:b2], strict=True)]
        else:
            pairs += [StepPair(x, None) for x in a[a1:a2]]
            pairs += [StepPair(None, y) for y in b[b1:b2]]
    return pairs


def answer_text(turn: Turn) -> str:
    """The text of the turn's answers, in order (the thing whose change matters): an answer's
    text blocks joined as the conversation shows them (an answer in continuation hops is one),
    answers apart by a blank line."""
    answers = []
    for group in step_groups(turn.reply.state.steps):
        outputs = [state.step for state in group if isinstance(state.step, ModelOutputStep)]
        text = "".join(
            c.text for step in outputs for c in step.content or [] if isinstance(c, TextContent)
        )
        if text:
            answers.append(text)
    return "\n\n".join(answers)


def diff_turns(a: Side, b: Side) -> TurnDiff:
    """How turn ``b`` differs from turn ``a``."""
    body_a, body_b = request_of(a.turn, a.settings), request_of(b.turn, b.settings)
    request_a, request_b = _flat(body_a), _flat(body_b)
    result = TurnDiff(_facts(a, body_a), _facts(b, body_b))
    for name in _order(set(request_a) | set(request_b)):
        value_a, value_b = request_a.get(name), request_b.get(name)
        if value_a == value_b:
            result.same.append(name)
        else:
            result.request.append(FieldDiff(name, value_a, value_b))
    result.steps = align_steps(
        [_step_facts(n, s) for n, s in enumerate(a.turn.reply.state.steps)],
        [_step_facts(n, s) for n, s in enumerate(b.turn.reply.state.steps)],
    )
    result.output = list(
        difflib.unified_diff(
            answer_text(a.turn).splitlines(),
            answer_text(b.turn).splitlines(),
            a.label,
            b.label,
            n=CONTEXT_LINES,
            lineterm="",
        )
    )
    return result


# --------------------------------------------------------------------------- the report


def _value(value: Any) -> str:
    """A request value on one line: text as it is, anything else as compact JSON."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = one_line(text)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _input_value(steps: Any) -> str:
    """An ``input`` as its last prompt and how many steps came with it."""
    if not isinstance(steps, list) or not steps:
        return _value(steps)
    prompt = prompt_from_input(steps)
    more = f" (+{len(steps) - 1} more steps)" if len(steps) > 1 else ""
    return _value(f"«{prompt}»{more}" if prompt else steps)


def _step_text(facts: StepFacts | None) -> str:
    if facts is None:
        return "—"
    tokens = f" {facts.tokens}tok" if facts.tokens is not None else ""
    return f"{format_seconds(facts.duration)} {format_bytes(facts.size)}{tokens}"


def _turn_text(facts: TurnFacts) -> str:
    parts = [facts.outcome, facts.owner or "?", format_seconds(facts.duration)]
    parts.append(format_bytes(facts.size))
    if facts.tokens is not None:
        parts.append(f"{facts.tokens} tokens")
    if facts.interaction_id:
        parts.append(facts.interaction_id)
    return " · ".join(parts)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ``…`` marking a cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _steps_table(pairs: list[StepPair], width: int) -> Iterator[tuple[LineKind, str]]:
    """The steps, one a line: kind, A's facts, B's facts, in columns as wide as what they
    hold and parted by ``COLUMN_GAP`` (a 20-character kind column with no gap had run
    ``google_search_result`` into its time, and A's facts were cut mid-number)."""
    if not pairs:
        yield "heading", "Steps"
        yield "same", "  no steps on either side"
        return
    lefts = [_step_text(pair.a) for pair in pairs]
    rights = [_step_text(pair.b) for pair in pairs]
    left_width = max(len(text) for text in [*lefts, "A"])
    right_width = max(len(text) for text in [*rights, "B"])
    # The kind column gives way (to KIND_MIN_CHARS) to keep the table within ``width``.
    room = width - len(STEP_INDENT) - 2 * len(COLUMN_GAP) - left_width - right_width
    longest = max(len(pair.kind) for pair in pairs)
    kind_width = max(min(longest, KIND_CHARS, room), KIND_MIN_CHARS)
    gap = COLUMN_GAP
    heading = f"{'Steps':<{len(STEP_INDENT) + kind_width}}{gap}{'A':<{left_width}}{gap}B"
    yield "heading", heading
    for pair, left, right in zip(pairs, lefts, rights, strict=True):
        kind: LineKind = "context" if pair.a and pair.b else ("removed" if pair.a else "added")
        name = _cut(pair.kind, kind_width)
        line = f"{STEP_INDENT}{name:<{kind_width}}{gap}{left:<{left_width}}{gap}{right}"
        yield kind, line.rstrip()


def report_lines(diff: TurnDiff, width: int = 80) -> Iterator[tuple[LineKind, str]]:
    """The comparison as lines of at most ``width`` cells where they are tables (values and
    diff lines may be longer), each with its kind for colouring."""
    width = max(width, 40)
    for facts in (diff.a, diff.b):
        yield "title", f"{facts.label}: «{facts.title}»"
        yield "plain", f"   {_turn_text(facts)}"
    yield "plain", ""
    yield "heading", "Request"
    if not diff.request:
        yield "same", "  the same request"
    for change in diff.request:
        shown = _input_value if change.name == "input" else _value
        yield "changed", f"  {change.name}"
        yield "removed", f"    A  {shown(change.a)}"
        yield "added", f"    B  {shown(change.b)}"
    if diff.same and diff.request:
        yield "same", f"  same: {', '.join(diff.same)}"
    yield "plain", ""
    yield from _steps_table(diff.steps, width)
    yield "plain", ""
    yield "heading", "Output"
    if not diff.output:
        yield "same", "  the same answer text"
    for line in (clean_terminal_text(line) for line in diff.output):
        if line.startswith(("+++", "---")):
            yield "plain", line
        elif line.startswith("@@"):
            yield "heading", line
        elif line.startswith("+"):
            yield "added", line
        elif line.startswith("-"):
            yield "removed", line
        else:
            yield "context", line


def report_text(diff: TurnDiff, width: int = 80) -> str:
    """The report as plain text (``gemtui diff``)."""
    return "".join(f"{text}\n" for _kind, text in report_lines(diff, width))
