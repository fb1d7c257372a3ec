"""Validation and normalisation of a create request, with the API's own error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gemtui.emulator.errors import ApiError, invalid

SUPPORTED_TOOL_TYPES = (
    "function",
    "code_execution",
    "mcp_server",
    "filesystem",
    "google_maps",
    "google_search",
    "bash",
    "computer_use",
    "file_search",
    "url_context",
    "retrieval",
)
CONTENT_TYPES = {"text", "image", "audio", "video", "document"}
LEGACY_REVISION = "2026-05-07"
#: Kinds of output a request can ask for (``response_format`` types, ``response_modalities``).
OUTPUT_MODALITIES = ("text", "image", "audio", "video", "document")
SERVICE_TIERS = ("flex", "standard", "priority", "deferred")
HARM_CATEGORIES = (
    "hate_speech",
    "dangerous_content",
    "harassment",
    "sexually_explicit",
    "civic_integrity",
    "image_hate",
    "image_dangerous_content",
    "image_harassment",
    "image_sexually_explicit",
    "jailbreak",
)
HARM_THRESHOLDS = (
    "block_low_and_above",
    "block_medium_and_above",
    "block_only_high",
    "block_none",
    "off",
)
#: Label keys and values as the API takes them: lowercase letters, digits, ``_`` and ``-``,
#: at most 63 characters, keys starting with a letter.
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")


@dataclass(slots=True)
class CreateRequest:
    """A create body after validation; ``input_steps`` is always a list of steps."""

    body: dict[str, Any]
    model: str | None
    agent: str | None
    input_steps: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    generation_config: dict[str, Any] = field(default_factory=dict)
    json_format: dict[str, Any] | None = None
    stream: bool = False
    background: bool = False
    store: bool = True
    previous_interaction_id: str | None = None
    environment: Any = None
    #: a continuation hop's token (the answer goes on where the hop that issued it stopped)
    continuation_token: str | None = None
    #: Every ``response_format`` item (an object is a list of one).
    response_formats: list[dict[str, Any]] = field(default_factory=list)
    response_modalities: list[str] = field(default_factory=list)
    service_tier: str | None = None

    def output_format(self, kind: str) -> dict[str, Any] | None:
        """The ``response_format`` item of that type, if the request has one."""
        return next((f for f in self.response_formats if f.get("type") == kind), None)

    def asks_for(self, kind: str) -> bool:
        """Whether the request asks for output of that modality (by format or modality)."""
        return self.output_format(kind) is not None or kind in self.response_modalities

    @property
    def function_tools(self) -> list[dict[str, Any]]:
        return [t for t in self.tools if t.get("type") == "function"]

    def has_tool(self, kind: str) -> bool:
        return any(t.get("type") == kind for t in self.tools)


def parse_create(body: Any, api_revision: str | None = None) -> CreateRequest:
    """Check a create body the way the server does and normalise ``input`` to steps."""
    if api_revision == LEGACY_REVISION:
        raise invalid(
            "The legacy Interactions API schema is no longer supported. Please upgrade your "
            "client SDK to Python >= 2.0.0 or JavaScript/TypeScript >= 2.0.0."
        )
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object at the top level.")
    model, agent = body.get("model"), body.get("agent")
    if model is not None and agent is not None:
        raise invalid("Exactly one of 'model' or 'agent' must be set, not both.")
    if model is None and agent is None:
        raise invalid("One of 'model' or 'agent' is required.")
    for name, value in (("model", model), ("agent", agent)):
        if value is not None and (not isinstance(value, str) or not value):
            raise invalid(f"Invalid value at '{name}': expected a non-empty string.")
    if agent is not None and body.get("generation_config") is not None:
        raise invalid("'generation_config' is not supported with 'agent'; use 'agent_config'.")
    if model is not None and body.get("agent_config") is not None:
        raise invalid("'agent_config' is only supported with 'agent'.")
    token = body.get("continuation_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise invalid("Invalid value at 'continuation_token': expected a non-empty string.")
    has_input = body.get("input") is not None
    # A stored interaction is continued from its id alone (no input), as the SDK sends it.
    if not has_input and not (token and body.get("previous_interaction_id")):
        raise invalid("Missing required field 'input'.")
    flags = {name: _flag(body, name, default) for name, default in _FLAGS}
    if flags["background"] and not flags["store"]:
        raise invalid("'store' must not be false when 'background' is true.")
    if isinstance(agent, str) and agent.startswith("deep-research") and not flags["background"]:
        raise invalid(
            f"Agent '{agent}' runs for minutes and is only available in the background: set "
            "'background' to true, then poll the interaction or stream it "
            "(GET with stream=true)."
        )
    previous = body.get("previous_interaction_id")
    if previous is not None and (not isinstance(previous, str) or not previous):
        raise invalid("Invalid value at 'previous_interaction_id': expected a string.")
    config = body.get("generation_config") or {}
    if not isinstance(config, dict):
        raise invalid("Invalid value at 'generation_config': expected an object.")
    limit = config.get("max_output_tokens")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise invalid(
            "Invalid value at 'generation_config.max_output_tokens': expected a positive integer."
        )
    formats = _response_formats(body.get("response_format"))
    _check_extras(body)
    return CreateRequest(
        body=body,
        model=model,
        agent=agent,
        input_steps=normalise_input(body["input"]) if has_input else [],
        tools=_tools(body.get("tools")),
        generation_config=config,
        json_format=_json_format(formats),
        response_formats=formats,
        response_modalities=_modalities(body.get("response_modalities")),
        service_tier=body.get("service_tier"),
        stream=flags["stream"],
        background=flags["background"],
        store=flags["store"],
        previous_interaction_id=previous,
        environment=body.get("environment"),
        continuation_token=token,
    )


_FLAGS = (("stream", False), ("background", False), ("store", True))


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"Invalid value at '{name}': expected a boolean.")
    return value


def normalise_input(raw: Any) -> list[dict[str, Any]]:
    """``input`` in any of its forms (§2.3) as a list of steps."""
    if isinstance(raw, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": raw}]}]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise invalid("Invalid value at 'input': expected a string, a content or a list.")
    items = [_typed(item, f"input[{i}]") for i, item in enumerate(raw)]
    kinds = {item["type"] in CONTENT_TYPES for item in items}
    if kinds == {True}:
        return [{"type": "user_input", "content": items}]
    if True in kinds:
        raise invalid("Invalid value at 'input': a list must hold only contents or only steps.")
    for i, step in enumerate(items):
        if step["type"] == "function_result" and not isinstance(step.get("call_id"), str):
            raise invalid(f"Missing required field 'call_id' at 'input[{i}]'.")
        if isinstance(step.get("content"), str):
            # The REST quickstart writes a turn's text as a plain string: one text item.
            step = items[i] = {**step, "content": [{"type": "text", "text": step["content"]}]}
        if "content" in step:
            content = step["content"]
            if not isinstance(content, list):
                raise invalid(f"Invalid value at 'input[{i}].content': expected a list.")
            for j, item in enumerate(content):
                _typed(item, f"input[{i}].content[{j}]")
    return items


def _typed(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise invalid(f"Invalid value at '{where}': expected an object.")
    if "type" not in item and "text" in item:
        item = {"type": "text", **item}
    kind = item.get("type")
    if not isinstance(kind, str):
        raise invalid(f"Missing required field 'type' at '{where}'.")
    if kind == "text" and not isinstance(item.get("text"), str):
        raise invalid(f"Missing required field 'text' at '{where}'.")
    return item


def _tools(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("Invalid value at 'tools': expected a list.")
    supported = ", ".join(f"'{t}'" for t in SUPPORTED_TOOL_TYPES)
    for i, tool in enumerate(raw):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in SUPPORTED_TOOL_TYPES:
            raise invalid(
                f"The value '{kind}' is not supported for 'type' at 'tools[{i}]'. "
                f"Supported values: {supported}."
            )
        if kind == "function" and not (isinstance(tool.get("name"), str) and tool["name"]):
            raise invalid(f"Missing required field 'name' at 'tools[{i}]'.")
    return raw


def _response_formats(raw: Any) -> list[dict[str, Any]]:
    """``response_format`` (an object or a list of them) as a list, each checked."""
    formats = raw if isinstance(raw, list) else [raw] if raw is not None else []
    for item in formats:
        if not isinstance(item, dict):
            raise invalid("Invalid value at 'response_format': expected an object.")
    return formats


def _json_format(formats: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The structured-output format among the response formats, if any."""
    for item in formats:
        if item.get("type") == "text" and item.get("mime_type") == "application/json":
            return item
    return None


def _modalities(raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or any(item not in OUTPUT_MODALITIES for item in raw):
        allowed = ", ".join(f"'{m}'" for m in OUTPUT_MODALITIES)
        raise invalid(f"Invalid value at 'response_modalities': expected a list of {allowed}.")
    return raw


def _check_extras(body: dict[str, Any]) -> None:
    """``service_tier``, ``safety_settings`` and ``labels``, checked as the server does."""
    tier = body.get("service_tier")
    if tier is not None and tier not in SERVICE_TIERS:
        allowed = ", ".join(f"'{t}'" for t in SERVICE_TIERS)
        raise invalid(f"Invalid value at 'service_tier' ({tier!r}). Supported values: {allowed}.")
    safety = body.get("safety_settings")
    if safety is not None:
        if not isinstance(safety, list):
            raise invalid("Invalid value at 'safety_settings': expected a list.")
        for i, setting in enumerate(safety):
            if not isinstance(setting, dict) or setting.get("type") not in HARM_CATEGORIES:
                raise invalid(f"Invalid value at 'safety_settings[{i}].type'.")
            if setting.get("threshold") not in HARM_THRESHOLDS:
                raise invalid(f"Invalid value at 'safety_settings[{i}].threshold'.")
    labels = body.get("labels")
    if labels is not None:
        if not isinstance(labels, dict):
            raise invalid("Invalid value at 'labels': expected an object.")
        for key, value in labels.items():
            if not _LABEL_KEY.fullmatch(key) or not (
                isinstance(value, str) and _LABEL_VALUE.fullmatch(value)
            ):
                raise invalid(
                    f"Invalid label {key!r}: keys and values take lowercase letters, digits, "
                    "'_' and '-' (at most 63 characters; keys start with a letter)."
                )


def text_of(step: dict[str, Any]) -> str:
    """The text contents of a user_input/model_output step, joined."""
    content = step.get("content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"
    )


def require_known_calls(history: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Every function_result must answer a function_call of the conversation (else 400)."""
    known = {s.get("id") for s in history if s.get("type") == "function_call"}
    for result in results:
        if result.get("call_id") not in known:
            raise ApiError(
                "invalid_request",
                f"No function call with id '{result.get('call_id')}' was found in the "
                "conversation for this function_result.",
            )
