"""Pydantic models of the body of a create request (``POST /{version}/interactions``): tools,
response formats, agent configs, generation config and the whole :class:`CreateInteractionParams`.

Apart from :mod:`gemtui.api.models` because no client start-up path needs them: gemtui builds
its requests as plain dicts, and a model class costs about a millisecond to create, so these 24
stay off ``gemtui ask``'s path to its first byte and the TUI's to its first frame. The emulator
and the tests validate requests with them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from gemtui.api.models import (
    CONTENT_TYPES,
    STEP_TYPES,
    Typed,
    UnknownContent,
    WireModel,
    tagged_union,
)

# --------------------------------------------------------------------------- tools


class FunctionTool(Typed):
    type: Literal["function"] = "function"
    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None


class GoogleSearchTool(Typed):
    type: Literal["google_search"] = "google_search"
    search_types: list[str] | None = None


class CodeExecutionTool(Typed):
    type: Literal["code_execution"] = "code_execution"


class UrlContextTool(Typed):
    type: Literal["url_context"] = "url_context"


class GoogleMapsTool(Typed):
    type: Literal["google_maps"] = "google_maps"
    latitude: float | None = None
    longitude: float | None = None
    enable_widget: bool | None = None


class FileSearchTool(Typed):
    type: Literal["file_search"] = "file_search"
    file_search_store_names: list[str] | None = None
    metadata_filter: str | None = None
    top_k: int | None = None


class ComputerUseTool(Typed):
    type: Literal["computer_use"] = "computer_use"
    environment: str | None = None
    excluded_predefined_functions: list[str] | None = None


class McpServerTool(Typed):
    type: Literal["mcp_server"] = "mcp_server"
    name: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None
    allowed_tools: list[dict[str, Any]] | None = None


class RetrievalTool(Typed):
    type: Literal["retrieval"] = "retrieval"
    retrieval_types: list[str] | None = None


class UnknownTool(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


TOOL_TYPES: dict[str, type[Typed]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        FunctionTool,
        GoogleSearchTool,
        CodeExecutionTool,
        UrlContextTool,
        GoogleMapsTool,
        FileSearchTool,
        ComputerUseTool,
        McpServerTool,
        RetrievalTool,
    )
}
Tool = tagged_union("type", TOOL_TYPES, UnknownTool)

# --------------------------------------------------------------------------- create params


class TextResponseFormat(Typed):
    type: Literal["text"] = "text"
    mime_type: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")


class ImageResponseFormat(Typed):
    type: Literal["image"] = "image"
    mime_type: str | None = None
    aspect_ratio: str | None = None
    image_size: str | None = None
    delivery: str | None = None


class AudioResponseFormat(Typed):
    type: Literal["audio"] = "audio"
    mime_type: str | None = None
    sample_rate: int | None = None
    bit_rate: int | None = None
    delivery: str | None = None


class VideoResponseFormat(Typed):
    type: Literal["video"] = "video"
    aspect_ratio: str | None = None
    resolution: str | None = None
    duration: str | None = None
    delivery: str | None = None
    gcs_uri: str | None = None


class UnknownResponseFormat(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


ResponseFormat = tagged_union(
    "type",
    {
        "text": TextResponseFormat,
        "image": ImageResponseFormat,
        "audio": AudioResponseFormat,
        "video": VideoResponseFormat,
    },
    UnknownResponseFormat,
)


class DeepResearchAgentConfig(Typed):
    type: Literal["deep-research"] = "deep-research"
    thinking_summaries: str | None = None
    visualization: str | None = None
    collaborative_planning: bool | None = None
    enable_bigquery_tool: bool | None = None


class AntigravityAgentConfig(Typed):
    type: Literal["antigravity"] = "antigravity"
    model: str | None = None
    max_total_tokens: int | None = None


class CodeMenderAgentConfig(Typed):
    type: Literal["code-mender"] = "code-mender"
    model: str | None = None
    session_id: str | None = None
    session_config: dict[str, Any] | None = None
    find_request: dict[str, Any] | None = None
    fix_request: dict[str, Any] | None = None


class DynamicAgentConfig(Typed):
    type: Literal["dynamic"] = "dynamic"


class UnknownAgentConfig(Typed):
    _tag_fields: ClassVar[tuple[str, ...]] = ()
    type: str | None = None


AgentConfig = tagged_union(
    "type",
    {
        "deep-research": DeepResearchAgentConfig,
        "antigravity": AntigravityAgentConfig,
        "code-mender": CodeMenderAgentConfig,
        "dynamic": DynamicAgentConfig,
    },
    UnknownAgentConfig,
)


class GenerationConfig(WireModel):
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    stop_sequences: list[str] | None = None
    thinking_level: str | None = None
    thinking_summaries: str | None = None
    tool_choice: str | dict[str, Any] | None = None
    speech_config: dict[str, Any] | list[dict[str, Any]] | None = None
    image_config: dict[str, Any] | None = None


class EnvironmentConfig(WireModel):
    type: str | None = None
    sources: list[dict[str, Any]] | None = None
    network: str | dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    environment_id: str | None = None


class SafetySetting(WireModel):
    type: str | None = None
    threshold: str | None = None
    method: str | None = None


#: One item of a list ``input``: a Content or a Step (the API rejects a list that mixes them).
InputItem = tagged_union("type", {**CONTENT_TYPES, **STEP_TYPES}, UnknownContent)


class CreateInteractionParams(WireModel):
    """The body of ``POST /{version}/interactions``, in its model form or its agent form."""

    model: str | None = None
    agent: str | None = None
    input: str | InputItem | list[InputItem] | None = None
    system_instruction: str | None = None
    tools: list[Tool] | None = None
    generation_config: GenerationConfig | None = None
    agent_config: AgentConfig | None = None
    response_format: ResponseFormat | list[ResponseFormat] | None = None
    response_modalities: list[str] | None = None
    stream: bool | None = None
    store: bool | None = None
    background: bool | None = None
    previous_interaction_id: str | None = None
    environment: str | EnvironmentConfig | None = None
    safety_settings: list[SafetySetting] | None = None
    service_tier: str | None = None
    webhook_config: dict[str, Any] | None = None
    labels: dict[str, str] | None = None
    cached_content: str | None = None
    continuation_token: str | None = None
