"""Wire models of the resources beside interactions: agents, environments (with their files)
and the Gemini Files API's files.

Agents and environments follow the google-genai SDK's ``_gaos/types/agents`` and
``_gaos/types/environments`` (snake_case, like interactions). The Files API is an older Google
API and speaks camelCase JSON (``mimeType``, ``sizeBytes`` as a string); its model takes both
spellings and dumps the API's. Every model keeps unknown fields, as the interaction models do.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, ConfigDict, Field, field_validator

from gemtui.api.models import WireModel

# --------------------------------------------------------------------------- agents


class Agent(WireModel):
    """A custom agent (``POST /{v}/agents``): a base agent with its own instruction, tools,
    ``agent_config`` and ``base_environment``."""

    id: str | None = None
    base_agent: str | None = None
    description: str | None = None
    system_instruction: str | None = None
    tools: list[dict[str, Any]] | None = None
    agent_config: dict[str, Any] | None = None
    base_environment: str | dict[str, Any] | None = None


class AgentList(WireModel):
    agents: list[Agent] | None = None
    next_page_token: str | None = None


# --------------------------------------------------------------------------- environments


class Environment(WireModel):
    """An agent's sandbox (``/{v}/environments``); ``id`` is what ``environment`` names."""

    id: str | None = None
    created: str | None = None
    updated: str | None = None
    last_accessed: str | None = None
    status: str | None = None
    network: str | dict[str, Any] | None = None
    sources: list[dict[str, Any]] | None = None
    file_count: int | None = None
    size_bytes: int | None = None


class EnvironmentList(WireModel):
    environments: list[Environment] | None = None
    next_page_token: str | None = None


class EnvironmentFile(WireModel):
    """A file or directory of an environment's workspace."""

    name: str | None = None
    path: str | None = None
    type: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    created: str | None = None
    modified: str | None = None


class EnvironmentFiles(WireModel):
    files: list[EnvironmentFile] | None = None
    next_page_token: str | None = None


# --------------------------------------------------------------------------- Files API


class FileResource(WireModel):
    """A file of the Files API (``files/abc123``). ``uri`` goes in a content item; a video is
    ``PROCESSING`` for a while and may be used once ``ACTIVE``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    name: str | None = None
    display_name: str | None = Field(
        None, validation_alias=AliasChoices("displayName", "display_name"), alias="displayName"
    )
    mime_type: str | None = Field(
        None, validation_alias=AliasChoices("mimeType", "mime_type"), alias="mimeType"
    )
    size_bytes: int | None = Field(
        None, validation_alias=AliasChoices("sizeBytes", "size_bytes"), alias="sizeBytes"
    )
    uri: str | None = None
    state: str | None = None
    create_time: str | None = Field(
        None, validation_alias=AliasChoices("createTime", "create_time"), alias="createTime"
    )
    expiration_time: str | None = Field(
        None,
        validation_alias=AliasChoices("expirationTime", "expiration_time"),
        alias="expirationTime",
    )
    error: dict[str, Any] | None = None

    @field_validator("size_bytes", mode="before")
    @classmethod
    def _int64_string(cls, value: Any) -> Any:
        # int64 fields travel as JSON strings in Google's older APIs.
        return int(value) if isinstance(value, str) and value.isdigit() else value
