"""Pydantic models of the Interactions API wire format (see ``shared/interactions-api.md``).

Two properties matter more than strictness here:

* **Lossless round trips.** Stateless conversations resend the server's steps verbatim (thought
  signatures included), so every model keeps unknown fields (``extra="allow"``) and
  :meth:`WireModel.to_wire` dumps exactly the keys that arrived: parse then dump gives back the
  same JSON.
* **Tolerance.** The API grows new step, content, delta and event types over time. Every
  discriminated union falls back to an ``Unknown*`` model that keeps the raw JSON instead of
  failing, and almost every field is optional so a partial object (``step.start`` seeds, the
  partial interaction in ``interaction.created``) still parses.
"""

# No ``from __future__ import annotations`` here: pydantic would then evaluate every field's
# annotation from its string when the class is created, which makes importing this module
# about a third slower (it is on every start-up path). Every name an annotation uses is
# defined above it.

import json
import sys
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import SchemaValidator

UNKNOWN_TAG = "__unknown__"


class WireModel(BaseModel):
    """Base of every wire object: keeps extra keys and dumps only what was set."""

    # defer_build: the schemas are built on first use, not at import, which keeps about
    # 50 ms off gemtui's start-up (measured by bench/startup.py). cache_strings: see _LAZY.
    model_config = ConfigDict(
        extra="allow", populate_by_name=True, defer_build=True, cache_strings="keys"
    )

    #: Discriminator fields that must always be dumped, even when left at their default.
    _tag_fields: ClassVar[tuple[str, ...]] = ()

    def model_post_init(self, context: Any, /) -> None:
        # A model built in code (TextContent(text="hi")) must still carry its ``type`` on the
        # wire, although the field was defaulted rather than set.
        self.__pydantic_fields_set__.update(self._tag_fields)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the API sends or expects it."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class Typed(WireModel):
    """A member of a union discriminated by ``type``."""

    _tag_fields: ClassVar[tuple[str, ...]] = ("type",)


class TagOf:
    """A tagged union's discriminator: the member's tag, or UNKNOWN_TAG for any other value.

    A class rather than a closure so that a schema holding it can be pickled by reference
    (:mod:`gemtui.api.schema_cache` keeps the event validator's schema between runs)."""

    def __init__(self, key: str, known: frozenset[str]) -> None:
        self.key = key
        self.known = known
        self.__name__ = f"{key} tag"  # pydantic-core names a callable discriminator by it

    def __call__(self, value: Any) -> str:
        if isinstance(value, dict):
            tag = value.get(self.key)
        else:
            # An Unknown* instance keeps a tag that is not its own: it stays Unknown.
            has_tag = getattr(type(value), "_tag_fields", ())
            tag = getattr(value, self.key, None) if has_tag else None
        return tag if isinstance(tag, str) and tag in self.known else UNKNOWN_TAG


def tagged_union(key: str, members: dict[str, type], unknown: type) -> Any:
    """A union discriminated by ``key`` whose unrecognised tags validate as ``unknown``."""
    options = tuple(Annotated[cls, Tag(tag)] for tag, cls in members.items())
    options += (Annotated[unknown, Tag(UNKNOWN_TAG)],)
    return Annotated[Union[options], Discriminator(TagOf(key, frozenset(members)))]  # noqa: UP007


# --------------------------------------------------------------------------- annotations


class UrlCitation(Typed):
    type: Literal["url_citation"] = "url_citation"
    url: str | None = None
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class FileCitation(Typed):
    type: Literal["file_citation"] = "file_citation"
    document_uri: str | None = None
    file_name: str | None = None
    source: str | None = None
    page_number: int | None = None
    media_id: str | None = None
    custom_metadata: dict[str, Any] | None = None
    start_index: int | None = None
    end_index: int | None = None


class PlaceCitation(Typed):
    type: Literal["place_citation"] = "place_citation"
    name: str | None = None
    place_id: str | None = None
    url: str | None = None
    review_snippets: list[dict[str, Any]] | None = None
    start_index: int | None = None
    end_index: int | None = None


class SpeechMetadata(Typed):
    type: Literal["speech_metadata"] = "speech_metadata"
    speaker: str | None = None
    style: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class WordInfo(Typed):
    type: Literal["word_info"] = "word_info"
    text: str | None = None
    start_offset: str | None = None
    end_offset: str | None = None
    speaker: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class UnknownAnnotation(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


Annotation = tagged_union(
    "type",
    {
        "url_citation": UrlCitation,
        "file_citation": FileCitation,
        "place_citation": PlaceCitation,
        "speech_metadata": SpeechMetadata,
        "word_info": WordInfo,
    },
    UnknownAnnotation,
)

# --------------------------------------------------------------------------- content


class TextContent(Typed):
    type: Literal["text"] = "text"
    text: str = ""
    annotations: list[Annotation] | None = None


class MediaContent(Typed):
    """Fields shared by inline (``data``, base64) and referenced (``uri``) media."""

    data: str | None = None
    uri: str | None = None
    mime_type: str | None = None


class ImageContent(MediaContent):
    type: Literal["image"] = "image"
    resolution: str | None = None


class AudioContent(MediaContent):
    type: Literal["audio"] = "audio"
    sample_rate: int | None = None
    channels: int | None = None


class VideoContent(MediaContent):
    type: Literal["video"] = "video"
    resolution: str | None = None
    name: str | None = None
    processing: str | dict[str, Any] | None = None


class DocumentContent(MediaContent):
    type: Literal["document"] = "document"


class UnknownContent(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


CONTENT_TYPES: dict[str, type[Typed]] = {
    "text": TextContent,
    "image": ImageContent,
    "audio": AudioContent,
    "video": VideoContent,
    "document": DocumentContent,
}
Content = tagged_union("type", CONTENT_TYPES, UnknownContent)

# --------------------------------------------------------------------------- steps


class StepBase(Typed):
    """Common to every step; ``signature`` is opaque base64 that stateless replay must resend."""


class CallStep(StepBase):
    id: str | None = None
    signature: str | None = None


class ResultStep(StepBase):
    call_id: str | None = None
    signature: str | None = None
    is_error: bool | None = None


def _text_as_content(value: Any) -> Any:
    """A turn's ``content`` given as a plain string (as the REST quickstart writes its
    stateless examples) is one text item; it is sent back as a list."""
    return [{"type": "text", "text": value}] if isinstance(value, str) else value


class UserInputStep(StepBase):
    type: Literal["user_input"] = "user_input"
    content: list[Content] | None = None

    _content_text = field_validator("content", mode="before")(_text_as_content)


class ModelOutputStep(StepBase):
    type: Literal["model_output"] = "model_output"
    content: list[Content] | None = None
    #: Why the step failed: a google.rpc.Status ``{code: int, message, details: []}``.
    error: dict[str, Any] | None = None

    _content_text = field_validator("content", mode="before")(_text_as_content)


class ThoughtStep(StepBase):
    type: Literal["thought"] = "thought"
    signature: str | None = None
    summary: list[Content] | None = None


class FunctionCallStep(CallStep):
    type: Literal["function_call"] = "function_call"
    name: str | None = None
    arguments: dict[str, Any] | None = None


class FunctionResultStep(ResultStep):
    type: Literal["function_result"] = "function_result"
    name: str | None = None
    result: Any = None


class CodeExecutionCallStep(CallStep):
    type: Literal["code_execution_call"] = "code_execution_call"
    arguments: dict[str, Any] | None = None


class CodeExecutionResultStep(ResultStep):
    type: Literal["code_execution_result"] = "code_execution_result"
    result: Any = None


class UrlContextCallStep(CallStep):
    type: Literal["url_context_call"] = "url_context_call"
    arguments: dict[str, Any] | None = None


class UrlContextResultStep(ResultStep):
    type: Literal["url_context_result"] = "url_context_result"
    result: list[dict[str, Any]] | None = None


class GoogleSearchCallStep(CallStep):
    type: Literal["google_search_call"] = "google_search_call"
    arguments: dict[str, Any] | None = None
    search_type: str | None = None


class GoogleSearchResultStep(ResultStep):
    type: Literal["google_search_result"] = "google_search_result"
    result: list[dict[str, Any]] | None = None


class GoogleMapsCallStep(CallStep):
    type: Literal["google_maps_call"] = "google_maps_call"
    arguments: dict[str, Any] | None = None


class GoogleMapsResultStep(ResultStep):
    type: Literal["google_maps_result"] = "google_maps_result"
    result: list[dict[str, Any]] | None = None


class FileSearchCallStep(CallStep):
    type: Literal["file_search_call"] = "file_search_call"


class FileSearchResultStep(ResultStep):
    type: Literal["file_search_result"] = "file_search_result"
    result: list[Any] | None = None


class McpServerToolCallStep(CallStep):
    type: Literal["mcp_server_tool_call"] = "mcp_server_tool_call"
    name: str | None = None
    server_name: str | None = None
    arguments: dict[str, Any] | None = None


class McpServerToolResultStep(ResultStep):
    type: Literal["mcp_server_tool_result"] = "mcp_server_tool_result"
    name: str | None = None
    server_name: str | None = None
    result: Any = None


class RetrievalCallStep(CallStep):
    type: Literal["retrieval_call"] = "retrieval_call"
    arguments: dict[str, Any] | None = None
    retrieval_type: str | None = None


class RetrievalResultStep(ResultStep):
    type: Literal["retrieval_result"] = "retrieval_result"


class ProcessingCallStep(CallStep):
    type: Literal["processing_call"] = "processing_call"


class ProcessingResultStep(ResultStep):
    type: Literal["processing_result"] = "processing_result"


class UnknownStep(StepBase):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


STEP_TYPES: dict[str, type[StepBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        UserInputStep,
        ModelOutputStep,
        ThoughtStep,
        FunctionCallStep,
        FunctionResultStep,
        CodeExecutionCallStep,
        CodeExecutionResultStep,
        UrlContextCallStep,
        UrlContextResultStep,
        GoogleSearchCallStep,
        GoogleSearchResultStep,
        GoogleMapsCallStep,
        GoogleMapsResultStep,
        FileSearchCallStep,
        FileSearchResultStep,
        McpServerToolCallStep,
        McpServerToolResultStep,
        RetrievalCallStep,
        RetrievalResultStep,
        ProcessingCallStep,
        ProcessingResultStep,
    )
}
Step = tagged_union("type", STEP_TYPES, UnknownStep)

# --------------------------------------------------------------------------- deltas


class TextDelta(Typed):
    type: Literal["text"] = "text"
    text: str = ""


class TextAnnotationDelta(Typed):
    type: Literal["text_annotation_delta"] = "text_annotation_delta"
    annotations: list[Annotation] | None = None


class ThoughtSummaryDelta(Typed):
    type: Literal["thought_summary"] = "thought_summary"
    content: Content | None = None


class ThoughtSignatureDelta(Typed):
    type: Literal["thought_signature"] = "thought_signature"
    signature: str | None = None


class ArgumentsDelta(Typed):
    """A fragment of a function call's JSON arguments; fragments join and parse at ``step.stop``."""

    type: Literal["arguments_delta"] = "arguments_delta"
    arguments: str = ""


class ToolDelta(Typed):
    """A delta that carries (part of) a tool step's fields, named like the step it belongs to.

    Its fields are merged into the step: ``arguments``, ``result``, ``signature``, ``is_error`` ...
    """

    type: str


class UnknownDelta(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


#: Tool deltas whose fields merge into the step of the same name.
TOOL_DELTA_TYPES = (
    "function_result",
    "google_search_call",
    "google_search_result",
    "code_execution_call",
    "code_execution_result",
    "url_context_call",
    "url_context_result",
    "google_maps_call",
    "google_maps_result",
    "file_search_call",
    "file_search_result",
    "mcp_server_tool_call",
    "mcp_server_tool_result",
    "retrieval_call",
    "retrieval_result",
    "processing_call",
    "processing_result",
)

DELTA_TYPES: dict[str, type[Typed]] = {
    "text": TextDelta,
    # Media deltas carry a whole content block (an image usually arrives in one delta).
    **{tag: cls for tag, cls in CONTENT_TYPES.items() if tag != "text"},
    "text_annotation_delta": TextAnnotationDelta,
    "thought_summary": ThoughtSummaryDelta,
    "thought_signature": ThoughtSignatureDelta,
    "arguments_delta": ArgumentsDelta,
    **dict.fromkeys(TOOL_DELTA_TYPES, ToolDelta),
}
Delta = tagged_union("type", DELTA_TYPES, UnknownDelta)

# --------------------------------------------------------------------------- interaction

#: Statuses after which nothing more will happen to an interaction.
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete", "budget_exceeded"})
#: Statuses that wait for the client (function results, or a continuation request).
WAITING_STATUSES = frozenset({"requires_action", "requires_continuation"})
#: Statuses of a run still going on the server.
RUNNING_STATUSES = frozenset({"in_progress", "queued"})


class ModalityTokens(WireModel):
    modality: str | None = None
    tokens: int | None = None


class Usage(WireModel):
    total_input_tokens: int | None = None
    total_output_tokens: int | None = None
    total_thought_tokens: int | None = None
    total_tool_use_tokens: int | None = None
    total_cached_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens_by_modality: list[ModalityTokens] | None = None
    output_tokens_by_modality: list[ModalityTokens] | None = None
    cached_tokens_by_modality: list[ModalityTokens] | None = None
    tool_use_tokens_by_modality: list[ModalityTokens] | None = None
    grounding_tool_count: list[dict[str, Any]] | None = None
    initial_input_tokens: int | None = None


class ErrorDetail(WireModel):
    """The ``error`` object. ``code`` is a snake_case string on this API; older Google APIs sent an
    integer plus ``status``, which is accepted too."""

    code: str | int | None = None
    message: str | None = None
    status: str | None = None
    details: list[Any] | None = None


class ErrorBody(WireModel):
    error: ErrorDetail


class Interaction(WireModel):
    id: str | None = None
    object: str | None = None
    status: str | None = None
    model: str | None = None
    agent: str | None = None
    created: str | None = None
    updated: str | None = None
    steps: list[Step] | None = None
    usage: Usage | None = None
    environment_id: str | None = None
    previous_interaction_id: str | None = None
    service_tier: str | None = None
    errors: list[ErrorDetail] | None = None
    continuation_token: str | None = None

    def head_wire(self) -> dict[str, Any]:
        """The JSON object without its steps. Its steps are never dumped, so it costs the same
        however long the answer: a live turn's detail shows it again at every flush."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True, exclude=_STEPS)


_STEPS = frozenset({"steps"})


# --------------------------------------------------------------------------- SSE events


class EventBase(WireModel):
    _tag_fields: ClassVar[tuple[str, ...]] = ("event_type",)
    event_id: str | None = None


class InteractionCreatedEvent(EventBase):
    event_type: Literal["interaction.created"] = "interaction.created"
    interaction: Interaction = Field(default_factory=Interaction)


class InteractionStatusUpdateEvent(EventBase):
    event_type: Literal["interaction.status_update"] = "interaction.status_update"
    interaction_id: str | None = None
    status: str | None = None
    continuation_token: str | None = None
    usage: Usage | None = None


class StepStartEvent(EventBase):
    event_type: Literal["step.start"] = "step.start"
    index: int = 0
    step: Step = Field(default_factory=UnknownStep)


class StepDeltaMetadata(WireModel):
    """A delta's ``metadata`` (SDK ``StepDeltaMetadata``): ``total_usage`` is the
    interaction's usage so far, so token counts move while the answer streams.

    Part of the event's own schema, so the first delta costs no validator of its own (building
    one at run time loads pydantic's plugin machinery: milliseconds before ``gemtui ask``'s
    first byte). A malformed one stays as it came: the delta's text is never lost to it,
    and the raw JSON still shows it."""

    total_usage: Annotated[Usage | Any, Field(union_mode="left_to_right")] = None


class StepDeltaEvent(EventBase):
    event_type: Literal["step.delta"] = "step.delta"
    index: int = 0
    delta: Delta = Field(default_factory=UnknownDelta)
    metadata: StepDeltaMetadata | None = None


class StepStopEvent(EventBase):
    event_type: Literal["step.stop"] = "step.stop"
    index: int = 0
    usage: Usage | None = None
    step_usage: Usage | None = None


class InteractionCompletedEvent(EventBase):
    event_type: Literal["interaction.completed"] = "interaction.completed"
    interaction: Interaction = Field(default_factory=Interaction)


class ErrorEvent(EventBase):
    event_type: Literal["error"] = "error"
    error: ErrorDetail = Field(default_factory=ErrorDetail)


class UnknownEvent(EventBase):
    """An event type this client does not know, or one that failed to parse; ``raw`` keeps it."""

    _tag_fields: ClassVar[tuple[str, ...]] = ()
    event_type: str | None = None
    parse_error: str | None = Field(default=None, exclude=True)


EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.model_fields["event_type"].default: cls
    for cls in (
        InteractionCreatedEvent,
        InteractionStatusUpdateEvent,
        StepStartEvent,
        StepDeltaEvent,
        StepStopEvent,
        InteractionCompletedEvent,
        ErrorEvent,
    )
}
Event = tagged_union("event_type", EVENT_TYPES, UnknownEvent)

#: ``cache_strings="keys"``: pydantic-core keeps every short string it parses from JSON (up to
#: 16 384) by default; a stream's values are mostly unique (each event's id), so caching them
#: only held a long answer's ids (about a quarter of a megabyte per 4 000 events).
_LAZY = ConfigDict(defer_build=True, cache_strings="keys")
_event_adapter: TypeAdapter[Any] = TypeAdapter(Event, config=_LAZY)
_step_adapter: TypeAdapter[Any] = TypeAdapter(Step, config=_LAZY)
_content_adapter: TypeAdapter[Any] = TypeAdapter(Content, config=_LAZY)


def build_schemas() -> None:
    """Build every wire model's validator and serializer now.

    They are built on first use (``defer_build``), which keeps them off the start-up path but
    puts them on the first turn's: a quarter of a second of schema building between Enter and
    the request. A front end calls this from a thread once it is on screen
    (``InteractionsClient.warm_up`` does)."""
    for adapter in (_event_adapter, _step_adapter, _content_adapter):
        adapter.rebuild()
    pending = [WireModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model is not WireModel and not model.__pydantic_complete__:
            model.model_rebuild()


#: Where the event validator's schema is kept between runs (:func:`keep_schemas_in`).
_schema_dir: Path | None = None
_event_validator: SchemaValidator | None = None


def keep_schemas_in(directory: Path | None) -> None:
    """Keep the event validator's schema in ``directory`` between runs (``None``: do not).

    Front ends pass their cache dir before their first stream: generating the schema is most
    of the validator's cost (:mod:`gemtui.api.schema_cache`)."""
    global _schema_dir
    _schema_dir = directory


def build_event_schema() -> None:
    """Build the validator :func:`parse_event` uses, if it is not built yet (else a no-op).

    An event stream calls this once its request is written, so the build runs while the
    server prepares its answer instead of after the first event arrives."""
    _validator_of_events()


def _validator_of_events() -> SchemaValidator:
    global _event_validator
    if _event_validator is None:
        _event_validator = _kept_event_validator() or _new_event_validator()
    return _event_validator


def _kept_event_validator() -> SchemaValidator | None:
    if _schema_dir is None:
        return None
    from gemtui.api import schema_cache

    return schema_cache.load(_schema_dir, sys.modules[__name__])


def _new_event_validator() -> SchemaValidator:
    _event_adapter.rebuild()
    validator = _event_adapter.validator
    if _schema_dir is not None:
        from gemtui.api import schema_cache

        schema_cache.save(_schema_dir, sys.modules[__name__], validator)
    return validator  # type: ignore[return-value]


def parse_event(data: str | bytes | dict[str, Any]) -> EventBase:
    """Parse one SSE ``data`` payload; never raises.

    Anything that is not a JSON object of a known shape becomes an :class:`UnknownEvent` that
    keeps what could be kept and says why, so a malformed event is shown rather than fatal.
    """
    try:
        validator = _validator_of_events()
        if isinstance(data, dict):
            return validator.validate_python(data)
        return validator.validate_json(data)
    except ValidationError as exc:
        event = UnknownEvent.model_construct(**_as_object(data))
        event.parse_error = _short_error(exc)
        return event


def _as_object(data: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Best effort: the payload as a dict, wrapping anything else under ``data``."""
    if isinstance(data, dict):
        return data
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        value = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return value if isinstance(value, dict) else {"data": value}


def _short_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    where = ".".join(str(part) for part in errors[0].get("loc", ()))
    message = errors[0].get("msg", "invalid")
    return f"{message} at {where}" if where else message


def parse_step(data: dict[str, Any]) -> StepBase:
    """Validate one step dict, falling back to :class:`UnknownStep` on a known type that is
    malformed (so one bad step never loses the rest of an interaction)."""
    try:
        return _step_adapter.validate_python(data)
    except ValidationError:
        return UnknownStep.model_validate(data)


def parse_content(data: dict[str, Any]) -> Typed:
    """Validate one content dict, with the same fallback as :func:`parse_step`."""
    try:
        return _content_adapter.validate_python(data)
    except ValidationError:
        return UnknownContent.model_validate(data)
