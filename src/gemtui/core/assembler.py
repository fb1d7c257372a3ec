"""Fold the SSE events of one interaction into its state, and say what each event changed.

Pure: no I/O, no Textual, no asyncio. The stream worker calls :func:`apply` once per parsed event;
the conversation pane redraws only the step a :class:`Change` names, and the timeline shows each
event the state's :class:`~gemtui.core.event_log.EventLog` keeps. The assembly rules are those of
``shared/interactions-api.md`` §5.4: the result of start → deltas → stop equals the step of the
non-streaming response.

:func:`apply` mutates the state in place rather than returning a new one: a long answer arrives
as tens of thousands of deltas, and copying the state per delta would make a stream quadratic.
For the same reason text deltas are not joined into the step's text one by one: the open text
block keeps its fragments and joins them when the step is read (:attr:`StepState.step`), at
``step.stop``, or in :func:`assembled_interaction`, so each read costs the text's length once,
however many deltas it took.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.models import (
    STEP_TYPES,
    ArgumentsDelta,
    AudioContent,
    DocumentContent,
    ErrorDetail,
    ErrorEvent,
    EventBase,
    FunctionCallStep,
    ImageContent,
    Interaction,
    InteractionCompletedEvent,
    InteractionCreatedEvent,
    InteractionStatusUpdateEvent,
    MediaContent,
    ModelOutputStep,
    StepBase,
    StepDeltaEvent,
    StepDeltaMetadata,
    StepStartEvent,
    StepStopEvent,
    TextAnnotationDelta,
    TextContent,
    TextDelta,
    ThoughtSignatureDelta,
    ThoughtStep,
    ThoughtSummaryDelta,
    ToolDelta,
    Typed,
    UnknownStep,
    Usage,
    VideoContent,
    parse_step,
)
from gemtui.core.event_log import EventLog
from gemtui.core.interaction_text import output_text

__all__ = [
    "Change",
    "InteractionState",
    "StepState",
    "apply",
    "assembled_interaction",
    "continues_answer",
    "new_state",
    "output_text",
    "step_groups",
]

ChangeKind = Literal[
    "created",
    "status",
    "step_started",
    "step_delta",
    "step_stopped",
    "completed",
    "error",
    "unknown",
]


class _OpenText:
    """The text block that text deltas currently extend, with its not yet joined fragments."""

    __slots__ = ("attr", "block", "items", "parts")

    def __init__(self, attr: str, items: list[Any], block: TextContent) -> None:
        self.attr = attr
        self.items = items
        self.block = block
        self.parts = [block.text]

    def is_open_in(self, attr: str) -> bool:
        # Another block appended after this one (an image, say) closes it for text deltas.
        return attr == self.attr and bool(self.items) and self.items[-1] is self.block

    def flush(self) -> None:
        if len(self.parts) > 1:
            joined = "".join(self.parts)
            self.parts = [joined]
            self.block.text = joined


@dataclass(eq=False)
class StepState:
    """One step of the interaction: the assembled model plus what the timeline needs.

    ``placeholder`` marks a step whose ``step.start`` this state never saw (a stream resumed
    after it, §5.4), seeded from the type of its first delta instead.
    """

    index: int
    started_at: float
    stopped_at: float | None = None
    size: int = 0
    #: The ``seq`` of each of its events (an array: a long answer is thousands).
    event_seqs: array[int] = field(default_factory=lambda: array("i"))
    done: bool = False
    usage: Usage | None = None
    arguments_error: str | None = None
    placeholder: bool = False
    _model: StepBase = field(default_factory=UnknownStep, repr=False)
    _text: _OpenText | None = field(default=None, repr=False)
    _arguments: list[str] = field(default_factory=list, repr=False)

    @property
    def step(self) -> StepBase:
        """The assembled step, current up to the last applied event.

        Tool deltas replace the model object, so read this again rather than keeping it.
        """
        if self._text is not None:
            self._text.flush()
        return self._model

    @property
    def duration(self) -> float | None:
        return None if self.stopped_at is None else self.stopped_at - self.started_at

    @property
    def streamed_arguments(self) -> str:
        """The ``arguments_delta`` fragments so far, joined (to show while a call streams)."""
        return "".join(self._arguments)


@dataclass(eq=False)
class InteractionState:
    """Everything one interaction's stream (and any resumption of it) has told us."""

    #: Made without validation: validating even an empty Interaction builds its whole schema
    #: (tens of ms on a first turn), and a turn's state is made before its request is sent.
    interaction: Interaction = field(default_factory=Interaction.model_construct)
    steps: list[StepState] = field(default_factory=list)
    events: EventLog = field(default_factory=EventLog)
    error: ErrorDetail | None = None
    last_event_id: str | None = None
    completed: bool = False
    #: The latest step per wire index (automatic continuation restarts indexes at 0).
    _by_index: dict[int, StepState] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str | None:
        return self.interaction.status


@dataclass(frozen=True, slots=True)
class Change:
    """What one event changed, so the UI updates only that.

    ``field`` names the part of a step a delta changed: ``text``, ``image``/``audio``/``video``/
    ``document``, ``annotations``, ``summary``, ``signature``, ``arguments`` (also for tool call
    deltas), ``result`` (tool result deltas), or the type of an unknown delta. ``appended_text``
    is exactly the text a text or summary delta appended (and for ``step_started``, the text of
    the seed's open text block), ready to feed a Markdown stream; for ``arguments`` it is the
    JSON fragment.
    """

    kind: ChangeKind
    step_index: int | None = None
    field: str | None = None
    appended_text: str | None = None


def new_state() -> InteractionState:
    return InteractionState()


def apply(
    state: InteractionState,
    event: EventBase,
    *,
    received_at: float,
    size: int,
    raw: str | dict[str, Any] | None = None,
) -> Change:
    """Fold ``event`` into ``state`` (in place) and return what changed; never raises on data.

    ``received_at`` is seconds since the request started, ``size`` the bytes of the raw payload;
    ``raw`` the payload itself, kept (packed) so that the log need not keep the parsed event.
    """
    index = getattr(event, "index", None)
    if not isinstance(index, int) or isinstance(index, bool):
        index = None
    seq = state.events.append(event, received_at=received_at, size=size, step_index=index, raw=raw)
    event_id = getattr(event, "event_id", None)
    if isinstance(event_id, str):
        state.last_event_id = event_id

    handler = _EVENT_HANDLERS.get(type(event))
    if handler is not None:
        return handler(state, event, received_at, size, seq)
    if index is not None and index in state._by_index:
        _count(state._by_index[index], size, seq)
    return Change("unknown", step_index=index)


def continues_answer(steps: list[StepState], position: int) -> bool:
    """Whether ``steps[position]`` carries on the answer of the step before it: a model output
    that opens a continuation hop (where the wire indexes start again) right after a model
    output. Shown and printed as one answer, it stays two steps on the wire."""
    if position <= 0:
        return False
    step, before = steps[position], steps[position - 1]
    return (
        step.index <= before.index
        and isinstance(step.step, ModelOutputStep)
        and isinstance(before.step, ModelOutputStep)
    )


def step_groups(steps: list[StepState]) -> list[list[StepState]]:
    """The steps as the conversation shows them: one group per step, except an answer that came
    in continuation hops (see :func:`continues_answer`), one group of all its parts, whose text
    goes on from one part to the next."""
    groups: list[list[StepState]] = []
    for position, state in enumerate(steps):
        if groups and continues_answer(steps, position):
            groups[-1].append(state)
        else:
            groups.append([state])
    return groups


def assembled_interaction(state: InteractionState) -> Interaction:
    """The interaction with its assembled steps: what the non-streaming response would be.

    The step models are the state's own (not copies): take ``model_copy(deep=True)`` of the
    result to keep a snapshot while the stream goes on.
    """
    return state.interaction.model_copy(update={"steps": [s.step for s in state.steps]})


# --------------------------------------------------------------------------- interaction events


def _merge_interaction(target: Interaction, partial: Interaction) -> None:
    """Copy the fields the partial interaction carries; keep those it leaves out.

    ``steps`` is skipped: the stream's own steps are the truth, and documented streams never
    repeat them in these events.
    """
    for name in partial.model_fields_set:
        if name != "steps":
            setattr(target, name, getattr(partial, name))


def _on_created(
    state: InteractionState, event: InteractionCreatedEvent, _at: float, _size: int, _seq: int
) -> Change:
    _merge_interaction(state.interaction, event.interaction)
    return Change("created")


def _on_status(
    state: InteractionState, event: InteractionStatusUpdateEvent, _at: float, _size: int, _seq: int
) -> Change:
    target = state.interaction
    if event.interaction_id is not None and target.id is None:
        target.id = event.interaction_id
    for name in ("status", "usage", "continuation_token"):
        value = getattr(event, name)
        if value is not None:
            setattr(target, name, value)
    return Change("status")


def _on_completed(
    state: InteractionState, event: InteractionCompletedEvent, _at: float, _size: int, _seq: int
) -> Change:
    _merge_interaction(state.interaction, event.interaction)
    state.completed = True
    return Change("completed")


def _on_error(
    state: InteractionState, event: ErrorEvent, _at: float, _size: int, _seq: int
) -> Change:
    state.error = event.error
    if not state.completed:
        state.interaction.status = "failed"
    return Change("error")


# --------------------------------------------------------------------------- step events


def _count(step: StepState, size: int, seq: int) -> None:
    step.size += size
    step.event_seqs.append(seq)


def _open_step(state: InteractionState, index: int, model: StepBase, at: float) -> StepState:
    step = StepState(index=index, started_at=at, _model=model)
    state.steps.append(step)
    state._by_index[index] = step
    return step


def _step_for(
    state: InteractionState, index: int, model: Callable[[], StepBase], at: float
) -> StepState:
    """The step with this index, or a placeholder for one whose start came before a resume."""
    step = state._by_index.get(index)
    if step is None:
        step = _open_step(state, index, model(), at)
        step.placeholder = True
    return step


def _on_start(
    state: InteractionState, event: StepStartEvent, at: float, size: int, seq: int
) -> Change:
    # A copy, so that the event keeps showing the JSON that arrived while deltas extend the step.
    step = _open_step(state, event.index, event.step.model_copy(deep=True), at)
    _count(step, size, seq)
    return Change("step_started", event.index, appended_text=_seed_text(step._model))


def _seed_text(model: StepBase) -> str | None:
    """The text of the block that the first text delta will extend, if the seed has one."""
    for attr in ("content", "summary"):
        items = getattr(model, attr, None)
        if isinstance(items, list) and items and isinstance(items[-1], TextContent):
            return items[-1].text
    return None


def _on_stop(
    state: InteractionState, event: StepStopEvent, at: float, size: int, seq: int
) -> Change:
    step = _step_for(state, event.index, UnknownStep, at)
    _count(step, size, seq)
    if step._text is not None:
        step._text.flush()
        step._text = None
    if step._arguments:
        _finish_arguments(step)
    step.done = True
    step.stopped_at = at
    step.usage = event.step_usage or event.usage
    if event.usage is not None:  # cumulative for the interaction so far
        state.interaction.usage = event.usage
    return Change("step_stopped", event.index)


def _finish_arguments(step: StepState) -> None:
    raw = "".join(step._arguments)
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        step._model.arguments = parsed  # type: ignore[attr-defined]
    else:
        step.arguments_error = raw
        step._model.arguments = {}  # type: ignore[attr-defined]


def _on_delta(
    state: InteractionState, event: StepDeltaEvent, at: float, size: int, seq: int
) -> Change:
    delta = event.delta
    handler, placeholder = _DELTA_HANDLERS.get(type(delta), (_unknown_delta, UnknownStep))
    if isinstance(delta, ToolDelta):
        placeholder = STEP_TYPES.get(delta.type, UnknownStep)
    step = _step_for(state, event.index, placeholder, at)
    _count(step, size, seq)
    field_name, appended = handler(step, delta)
    if event.metadata:
        _take_total_usage(state, event.metadata)
    return Change("step_delta", event.index, field_name, appended)


def _take_total_usage(state: InteractionState, metadata: StepDeltaMetadata) -> None:
    """``metadata.total_usage`` of a delta: the interaction's usage so far. A malformed one
    (kept as it came by the model) stays visible in the event's raw JSON; it is never fatal."""
    if isinstance(metadata.total_usage, Usage):
        state.interaction.usage = metadata.total_usage


# --------------------------------------------------------------------------- deltas


def _text_target(step: StepState, attr: str) -> _OpenText:
    """The open text block in ``step.<attr>``: the last block if it is text, else a new one."""
    current = step._text
    if current is not None and current.is_open_in(attr):
        return current
    if current is not None:
        current.flush()
    model = step._model
    items = getattr(model, attr, None)
    if not isinstance(items, list):
        setattr(model, attr, [])
        items = getattr(model, attr)
    if items and isinstance(items[-1], TextContent):
        block = items[-1]
    else:
        block = TextContent.model_construct(text="")  # as TextContent(text=""), unvalidated
        items.append(block)
    step._text = _OpenText(attr, items, block)
    return step._text


def _add_block(step: StepState, attr: str, block: Typed) -> None:
    if step._text is not None:
        step._text.flush()
        step._text = None
    model = step._model
    items = getattr(model, attr, None)
    if isinstance(items, list):
        items.append(block)
    else:
        setattr(model, attr, [block])


def _extend_annotations(block: TextContent, annotations: list[Any] | None) -> None:
    if annotations:
        block.annotations = [*(block.annotations or ()), *annotations]


def _text_delta(step: StepState, delta: TextDelta) -> tuple[str, str]:
    _text_target(step, "content").parts.append(delta.text)
    return "text", delta.text


def _media_delta(step: StepState, delta: MediaContent) -> tuple[str, None]:
    _add_block(step, "content", delta.model_copy())
    return delta.type, None  # type: ignore[attr-defined]


def _annotation_delta(step: StepState, delta: TextAnnotationDelta) -> tuple[str, None]:
    items = getattr(step._model, "content", None)
    texts = [b for b in items if isinstance(b, TextContent)] if isinstance(items, list) else []
    block = texts[-1] if texts else _text_target(step, "content").block
    _extend_annotations(block, delta.annotations)
    return "annotations", None


def _summary_delta(step: StepState, delta: ThoughtSummaryDelta) -> tuple[str, str | None]:
    content = delta.content
    if isinstance(content, TextContent):
        target = _text_target(step, "summary")
        target.parts.append(content.text)
        _extend_annotations(target.block, content.annotations)
        return "summary", content.text
    if content is not None:
        _add_block(step, "summary", content.model_copy())
    return "summary", None


def _signature_delta(step: StepState, delta: ThoughtSignatureDelta) -> tuple[str, None]:
    step._model.signature = delta.signature  # type: ignore[attr-defined]
    return "signature", None


def _arguments_delta(step: StepState, delta: ArgumentsDelta) -> tuple[str, str]:
    step._arguments.append(delta.arguments)
    return "arguments", delta.arguments


def _tool_delta(step: StepState, delta: ToolDelta) -> tuple[str, None]:
    """Merge the delta's fields into the step, validated as if the step had arrived whole."""
    fields = delta.to_wire()
    fields.pop("type", None)
    step._model = parse_step({**step.step.to_wire(), **fields})
    step._text = None
    return ("result" if delta.type.endswith("_result") else "arguments"), None


def _unknown_delta(step: StepState, delta: Typed) -> tuple[str, None]:
    # Kept only in the event log: adding it to the step would break equality with the
    # non-streaming response.
    kind = getattr(delta, "type", None)
    return (kind if isinstance(kind, str) else "?"), None


DeltaHandler = Callable[[StepState, Any], tuple[str, str | None]]

#: Delta class -> (how it changes the step, which step a resumed stream seeds for it).
_DELTA_HANDLERS: dict[type, tuple[DeltaHandler, Callable[[], StepBase]]] = {
    TextDelta: (_text_delta, ModelOutputStep),
    ImageContent: (_media_delta, ModelOutputStep),
    AudioContent: (_media_delta, ModelOutputStep),
    VideoContent: (_media_delta, ModelOutputStep),
    DocumentContent: (_media_delta, ModelOutputStep),
    TextAnnotationDelta: (_annotation_delta, ModelOutputStep),
    ThoughtSummaryDelta: (_summary_delta, ThoughtStep),
    ThoughtSignatureDelta: (_signature_delta, ThoughtStep),
    ArgumentsDelta: (_arguments_delta, FunctionCallStep),
    ToolDelta: (_tool_delta, UnknownStep),
}

_EVENT_HANDLERS: dict[type, Callable[..., Change]] = {
    InteractionCreatedEvent: _on_created,
    InteractionStatusUpdateEvent: _on_status,
    StepStartEvent: _on_start,
    StepDeltaEvent: _on_delta,
    StepStopEvent: _on_stop,
    InteractionCompletedEvent: _on_completed,
    ErrorEvent: _on_error,
}
