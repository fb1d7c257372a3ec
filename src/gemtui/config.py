"""User settings: defaults < TOML file < environment < command-line flags.

``load_settings`` layers the sources itself so that each layer can be checked on its own: a
bad value is dropped with a message that names where it came from (the file and line, the
environment variable, the flag) and the app still starts. The environment's layer is read by
:mod:`gemtui.core.env_layer` (``GEMTUI_`` + the field's name, ``__`` for nesting).
``save_settings`` writes back only what the user changed, with tomlkit, so the user's comments
and layout survive.

The API key is a ``SecretStr``: it never appears in a repr, a problem message or the file,
unless the user asks to save it, and then the file is made readable by its owner only.

No Textual here: the headless CLI paths load settings too.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from gemtui.api.base_url import check_base_url
from gemtui.core import request_options as options
from gemtui.core.agent_options import AgentOptionError, parse_agent_config, parse_environment
from gemtui.core.config_path import default_config_path
from gemtui.core.conversation import ChatSettings
from gemtui.core.env_layer import env_layer
from gemtui.core.structured import schema_problem
from gemtui.core.tool_specs import (
    ToolSpecError,
    parse_tool_choice,
    parse_tool_spec,
    tool_choice_text,
    tool_spec,
)
from gemtui.core.tools import FunctionTool, check_functions
from gemtui.core.validation_text import check_entries, error_text

if TYPE_CHECKING:
    from gemtui.api.timing import RetryPolicy, Timeouts
    from gemtui.core.cost import Price

DEFAULT_MODEL = ChatSettings.model
API_VERSIONS = ("v1", "v1beta")
THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
#: Server-side tools the settings switch, in the order the pane lists them (MCP servers are
#: ``[[mcp_servers]]`` entries of their own).
BUILT_IN_TOOLS = (
    "google_search",
    "code_execution",
    "url_context",
    "google_maps",
    "file_search",
    "computer_use",
    "retrieval",
)
#: The tools whose parameters ``<tool>_options`` holds.
OPTION_TOOLS = ("google_maps", "file_search", "computer_use", "retrieval")
#: File mode of a config file that holds an API key: read and write for its owner only.
SECRET_FILE_MODE = 0o600

_LINE_IN_TOML_ERROR = re.compile(r"at line (\d+)")


#: What the environment variables of the settings start with (``GEMTUI_MODEL``).
ENV_PREFIX = "GEMTUI_"
#: The theme used unless the user picks one (16-colour terminals get "ansi-dark" instead).
DEFAULT_THEME = "textual-dark"

# Empty list and dict defaults are written `= []` and `= {}`: pydantic copies an unhashable
# default for each instance. `Field(default_factory=list)` cost 0.1 ms a field at import
# (pydantic reads the factory's signature, which CPython parses from text for a built-in type),
# on the path to the TUI's first frame.


class _Section(BaseModel):
    """A table of the config file: unknown keys are reported, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class GenerationSettings(_Section):
    """``generation_config`` of the next request; ``None`` leaves the server's default."""

    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    max_output_tokens: int | None = Field(None, ge=1)
    seed: int | None = None
    stop_sequences: list[str] = []
    thinking_level: Literal["minimal", "low", "medium", "high", "xhigh"] | None = None
    thinking_summaries: Literal["auto", "none"] | None = None

    @field_validator("stop_sequences")
    @classmethod
    def _no_empty_stop(cls, value: list[str]) -> list[str]:
        if any(not item for item in value):
            raise ValueError("a stop sequence cannot be empty")
        return value

    def wire(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.model_dump().items()
            if value is not None and value != []
        }


class OutputSettings(_Section):
    """What kind of answer to ask for and how (``[output]``): a media modality, image options,
    the voice of speech, transcription languages and mode (see core.request_options)."""

    modality: Literal["image", "audio", "video", "document"] | None = None
    aspect_ratio: str | None = None
    image_size: str | None = None
    voice: str | None = None
    transcription_languages: list[str] = []
    transcription_mode: Literal["verbatim", "smart"] | None = None

    @field_validator("modality", "aspect_ratio", "image_size", "voice", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("aspect_ratio")
    @classmethod
    def _known_ratio(cls, value: str | None) -> str | None:
        if value is not None and value not in options.ASPECT_RATIOS:
            raise ValueError(f"one of {', '.join(options.ASPECT_RATIOS)}")
        return value

    @field_validator("image_size")
    @classmethod
    def _known_size(cls, value: str | None) -> str | None:
        if value is not None and value not in options.IMAGE_SIZES:
            raise ValueError(f"one of {', '.join(options.IMAGE_SIZES)}")
        return value

    def generation_extras(self) -> dict[str, Any]:
        return options.generation_extras(
            voice=self.voice,
            languages=self.transcription_languages,
            mode=self.transcription_mode,
        )


class ToolSettings(_Section):
    """Server-side tools switched on for every request.

    The four tools with parameters keep them in ``<tool>_options``, written as the part of a
    tool spec after ``TYPE:`` (:mod:`gemtui.core.tool_specs`), or as the tool's JSON object:
    ``file_search_options = "fileSearchStores/docs;top_k=5"``. Switching a tool off keeps them.
    """

    google_search: bool = False
    code_execution: bool = False
    url_context: bool = False
    google_maps: bool = False
    file_search: bool = False
    computer_use: bool = False
    retrieval: bool = False
    google_maps_options: str = ""
    file_search_options: str = ""
    computer_use_options: str = ""
    retrieval_options: str = ""
    #: ``generation_config.tool_choice``: auto, any, none, validated, or ``MODE:NAME,NAME``.
    tool_choice: str | None = None

    @field_validator(*(f"{kind}_options" for kind in OPTION_TOOLS))
    @classmethod
    def _options_parse(cls, value: str, info: Any) -> str:
        value = value.strip()
        kind = info.field_name.removesuffix("_options")
        if value:
            option_tool(kind, value)
        elif kind == "file_search" and info.data.get("file_search"):
            raise ValueError('file search needs its stores, e.g. "fileSearchStores/my-docs"')
        return value

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _choice_parse(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = tool_choice_text(value)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                parse_tool_choice(value)
            except ToolSpecError as error:
                raise ValueError(str(error)) from None
            return value.strip()
        return value

    def wire(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        for name in BUILT_IN_TOOLS:
            if not getattr(self, name):
                continue
            options = getattr(self, f"{name}_options", "")
            tools.append(option_tool(name, options) if options else {"type": name})
        return tools

    @classmethod
    def from_tools(cls, tools: list[dict[str, Any]], previous: ToolSettings) -> ToolSettings:
        """The settings that give ``tools`` (the server-side ones), keeping ``previous``'s
        options for tools that are off and its ``tool_choice``."""
        by_type = {tool.get("type"): tool for tool in tools}
        values: dict[str, Any] = {"tool_choice": previous.tool_choice}
        for name in BUILT_IN_TOOLS:
            tool = by_type.get(name)
            values[name] = tool is not None
            if name in OPTION_TOOLS:
                values[f"{name}_options"] = (
                    options_text(tool) if tool is not None else getattr(previous, f"{name}_options")
                )
        return cls.model_validate(values)


def option_tool(kind: str, options: str) -> dict[str, Any]:
    """The tool ``kind`` with ``options`` (the spec after ``TYPE:``, or the JSON object)."""
    try:
        tool = parse_tool_spec(options if options.startswith("{") else f"{kind}:{options}")
    except ToolSpecError as error:
        raise ValueError(str(error)) from None
    if tool.get("type") != kind:
        raise ValueError(f"the JSON is a {tool.get('type')} tool, not {kind}")
    return tool


def options_text(tool: dict[str, Any]) -> str:
    """What ``<tool>_options`` holds for ``tool``."""
    spec = tool_spec(tool)
    return spec.partition(":")[2] if not spec.startswith("{") else spec


class McpServer(_Section):
    """One ``[[mcp_servers]]`` entry: a remote MCP server the model may call (at the server;
    gemtui only declares it). ``headers`` often hold a token: kept out of logs and history."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
    url: str
    headers: dict[str, str] = {}
    #: Only these of the server's tools (all when empty), in ``mode`` (auto, any, ...).
    tools: list[str] = []
    mode: Literal["auto", "any", "none", "validated"] | None = None
    #: Declared in the next requests (F7 switches it per conversation).
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        try:
            parse_tool_spec(f"mcp_server:x={value}")
        except ToolSpecError:
            raise ValueError("must be an http:// or https:// URL") from None
        return value

    def declaration(self) -> dict[str, Any]:
        """The ``tools[]`` entry."""
        tool: dict[str, Any] = {"type": "mcp_server", "name": self.name, "url": self.url}
        if self.headers:
            tool["headers"] = dict(self.headers)
        allowed: dict[str, Any] = {}
        if self.mode:
            allowed["mode"] = self.mode
        if self.tools:
            allowed["tools"] = list(self.tools)
        if allowed:
            tool["allowed_tools"] = [allowed]
        return tool

    def spec(self) -> str:
        """``NAME=URL;options``: one line of the settings pane (``#`` in front when off)."""
        text = tool_spec(self.declaration()).removeprefix("mcp_server:")
        return text if self.enabled else f"# {text}"

    @classmethod
    def from_tool(cls, tool: dict[str, Any], *, enabled: bool = True) -> McpServer:
        allowed = (tool.get("allowed_tools") or [{}])[0]
        return cls(
            name=tool["name"],
            url=tool["url"],
            headers=dict(tool.get("headers") or {}),
            tools=list(allowed.get("tools") or []),
            mode=allowed.get("mode"),
            enabled=enabled,
        )

    @classmethod
    def from_spec(cls, line: str) -> McpServer:
        """A line of the settings pane: ``NAME=URL;options``, ``# …`` when switched off."""
        text = line.strip()
        enabled = not text.startswith("#")
        text = text.lstrip("#").strip()
        try:
            tool = parse_tool_spec(text if text.startswith("{") else f"mcp_server:{text}")
        except ToolSpecError as error:
            raise ValueError(str(error)) from None
        if tool.get("type") != "mcp_server":
            raise ValueError("an MCP server line is NAME=URL[;tools=A,B][;header=Name: value]")
        return cls.from_tool(tool, enabled=enabled)


def check_mcp_servers(entries: Any) -> tuple[list[Any], list[tuple[int | None, str]]]:
    """The ``[[mcp_servers]]`` entries that are valid (tables, or lines as the settings pane
    writes them), and (entry number, problem) per bad one."""

    def check(entry: Any) -> tuple[str, Any]:
        server = McpServer.from_spec(entry) if isinstance(entry, str) else None
        return (server or McpServer.model_validate(entry)).name, entry

    return check_entries(entries, "mcp_servers", "server", check)


class NetworkSettings(_Section):
    """Time limits and retries of every request (seconds; slow links may want more)."""

    connect_timeout: float = Field(10.0, gt=0)
    #: The wait for the response head; a non-streaming create answers only when it is done.
    first_byte_timeout: float = Field(300.0, gt=0)
    #: The longest silence allowed in the middle of a stream before it counts as stalled.
    idle_timeout: float = Field(120.0, gt=0)
    #: Retries of a failed request (429, 5xx, connection errors), with backoff.
    retries: int = Field(4, ge=0, le=10)

    def timeouts(self) -> Timeouts:
        from gemtui.api.timing import Timeouts

        return Timeouts(
            connect=self.connect_timeout,
            first_byte=self.first_byte_timeout,
            idle=self.idle_timeout,
        )

    def retry_policy(self) -> RetryPolicy:
        from gemtui.api.timing import RetryPolicy

        return RetryPolicy(max_attempts=self.retries + 1)


class PresetSettings(_Section):
    """A named set of per-conversation settings (``[presets.NAME]``); what it leaves out
    comes from the rest of the settings. ``tools`` names built-in tools and function tools;
    the ones not named are off."""

    system_instruction: str | None = None
    model: str | None = Field(None, min_length=1)
    agent: str | None = Field(None, min_length=1)
    tools: list[str] | None = None
    generation: GenerationSettings | None = None


class PriceSettings(_Section):
    """``[prices."MODEL"]``: US dollars per million tokens (see gemtui.core.cost)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    thinking: float | None = Field(None, ge=0)
    cached: float | None = Field(None, ge=0)


class Settings(BaseModel):
    """Everything a user can set. Built by ``load_settings``; ``Settings()`` is the defaults.
    The aliases are the environment variables that set a field besides ``GEMTUI_<FIELD>``."""

    # validate_default: a default goes through the field validators as any other value does.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, validate_assignment=True, validate_default=True
    )

    api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("GEMTUI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    base_url: str | None = Field(
        None, validation_alias=AliasChoices("GEMTUI_BASE_URL", "GOOGLE_GEMINI_BASE_URL")
    )
    api_version: Literal["v1", "v1beta"] = "v1"
    model: str = Field(DEFAULT_MODEL, min_length=1)
    agent: str | None = None
    #: Where an agent runs: "remote" (a fresh sandbox) or an environment id; unset, a chat's
    #: first agent turn gets a fresh one and later turns continue in it.
    environment: str | dict[str, Any] | None = None
    #: ``agent_config`` of agent requests, e.g. ``{type = "deep-research", visualization =
    #: "auto"}``; in the file a table or a JSON string (see gemtui.core.agent_options).
    agent_config: dict[str, Any] | None = None
    system_instruction: str | None = None
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    tools: ToolSettings = Field(default_factory=ToolSettings)
    #: Remote MCP servers the model may call (``[[mcp_servers]]``).
    mcp_servers: list[McpServer] = []
    #: JSON schema of structured output; in the file either a table or a JSON string.
    response_schema: dict[str, Any] | None = None
    output: OutputSettings = Field(default_factory=OutputSettings)
    #: ``flex`` (cheaper, may wait ``queued``), ``standard``, ``priority`` or ``deferred``.
    service_tier: Literal["flex", "standard", "priority", "deferred"] | None = None
    #: Harm category -> blocking threshold (``[safety]``), sent as ``safety_settings``.
    safety: dict[str, str] = {}
    #: Labels of every interaction (``[labels]``), e.g. for billing reports.
    labels: dict[str, str] = {}
    stateful: bool = True
    background: bool = False
    #: Continue answers that stop at the per-request decode limit, as the SDK does.
    auto_continue: bool = True
    theme: str = Field(DEFAULT_THEME, min_length=1)
    #: Binding id -> comma-separated keys, e.g. ``"app.quit" = "ctrl+q"``.
    keymap: dict[str, str] = {}
    #: Local function tools (``[[functions]]``); see gemtui.core.tools.
    functions: list[FunctionTool] = []
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    #: How the end of an answer, a background run or an approval request is told while the
    #: user may look elsewhere (gemtui.core.notify): a terminal notification, the bell, or not.
    notify: Literal["auto", "osc", "bell", "off"] = "auto"
    #: Runs at least this long (seconds) count as "the user may look elsewhere".
    notify_after: float = Field(10.0, ge=0)
    #: Compress the chat before a request once it fills this percentage of the model's
    #: input window (None: only when asked).
    compress_at: float | None = Field(None, gt=0, le=100)
    #: Named sets of per-conversation settings (``[presets.NAME]``).
    presets: dict[str, PresetSettings] = {}
    #: Prices per model (``[prices."MODEL"]``), for the cost shown in the status bar.
    prices: dict[str, PriceSettings] = {}
    #: How copies reach the clipboard: "auto" (the desktop's when there is one and not over
    #: SSH, else OSC 52 to the terminal), or always "osc52", or always "local" (pyperclip).
    clipboard: Literal["auto", "osc52", "local"] = "auto"
    #: How much goes to the log file (``gemtui.log`` in the user state dir; never the key).
    log_level: Literal["debug", "info", "warning", "error"] = "warning"
    #: The editor Ctrl+G opens the prompt in (a command, split as a shell would); unset,
    #: ``$VISUAL`` then ``$EDITOR``.
    editor: str | None = None
    #: Vim keys in the prompt (starts in insert mode; Escape goes to normal mode).
    vim_mode: bool = False

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        return check_base_url(value)  # the client's own rule

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("agent", "system_instruction", "editor", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _servers_from_lines(cls, value: Any) -> Any:
        """Entries may be written as the settings pane shows them: ``NAME=URL;options``."""
        if not isinstance(value, list):
            return value
        return [
            McpServer.from_spec(item) if isinstance(item, str) else item
            for item in value
            if not (isinstance(item, str) and not item.strip())
        ]

    @field_validator("environment", mode="before")
    @classmethod
    def _environment_shape(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str | dict):
            try:
                return parse_environment(value)
            except AgentOptionError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("agent_config", mode="before")
    @classmethod
    def _agent_config_shape(cls, value: Any, info: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str | dict):
            try:
                return parse_agent_config(value, info.data.get("agent"))
            except AgentOptionError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("response_schema", mode="before")
    @classmethod
    def _schema_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = json.loads(value)
            except ValueError as error:
                raise ValueError(f"not valid JSON: {error}") from None
        if value is not None and not isinstance(value, dict):
            raise ValueError("a JSON schema must be an object")
        if value is not None and (problem := schema_problem(value)) is not None:
            # Found at once rather than after an answer ("JSON, not checked: bad schema").
            raise ValueError(f"not a valid JSON schema: {problem}")
        return value

    @field_validator("service_tier", mode="before")
    @classmethod
    def _empty_tier_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("safety", "labels")
    @classmethod
    def _checked_pairs(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        """Safety settings (category = threshold) and labels (key = value), each pair by the
        rule ``request_options`` has for it."""
        check = options.check_safety if info.field_name == "safety" else options.check_label
        for key, text in value.items():
            problem = check(key, text)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("keymap", mode="before")
    @classmethod
    def _keys_as_string(cls, value: Any) -> Any:
        """``"id" = ["f2", "ctrl+o"]`` and ``"id" = "f2,ctrl+o"`` mean the same."""
        if not isinstance(value, Mapping):
            return value
        return {
            binding_id: ",".join(keys) if isinstance(keys, list) else keys
            for binding_id, keys in value.items()
        }

    def to_chat_settings(self) -> ChatSettings:
        """The per-conversation settings the next request is built from."""
        output = self.output
        response_format = options.response_format(
            self.response_schema,
            modality=output.modality,
            aspect_ratio=output.aspect_ratio,
            image_size=output.image_size,
        )
        return ChatSettings(
            model=self.model,
            agent=self.agent,
            system_instruction=self.system_instruction,
            tools=self.tools.wire()
            + [server.declaration() for server in self.mcp_servers if server.enabled]
            + [f.declaration() for f in self.functions if f.enabled],
            generation_config=self._generation_config(),
            response_format=response_format,
            stateful=self.stateful,
            background=self.background,
            auto_continue=self.auto_continue,
            environment=self.environment,
            response_modalities=options.response_modalities(output.modality),
            service_tier=self.service_tier,
            safety_settings=options.safety_settings(self.safety),
            labels=dict(self.labels),
            agent_config=self.agent_config,
        )

    def _generation_config(self) -> dict[str, Any]:
        config = {**self.generation.wire(), **self.output.generation_extras()}
        if self.tools.tool_choice:
            config["tool_choice"] = parse_tool_choice(self.tools.tool_choice)
        return config

    def _mcp_servers_of(self, chat: ChatSettings) -> list[McpServer]:
        """The configured MCP servers, on where ``chat`` declares them; servers ``chat``
        declares that are not configured come after them."""
        declared = {t.get("name"): t for t in chat.tools if t.get("type") == "mcp_server"}
        servers = [
            server.model_copy(update={"enabled": server.name in declared})
            for server in self.mcp_servers
        ]
        known = {server.name for server in self.mcp_servers}
        for name, tool in declared.items():
            if name not in known:
                try:
                    servers.append(McpServer.from_tool(tool))
                except (ValidationError, KeyError, TypeError):
                    continue
        return servers

    def with_chat_settings(self, chat: ChatSettings) -> Settings:
        """These settings with the per-conversation part taken from ``chat`` (what is in force).

        Function tools and response formats other than a JSON schema have no place here and
        are left out.
        """
        formats = chat.response_format
        formats = [formats] if isinstance(formats, dict) else list(formats or [])
        schema = next(
            (f.get("schema") for f in formats if f.get("type") == "text" and "schema" in f), None
        )
        known = GenerationSettings.model_fields
        generation = {k: v for k, v in chat.generation_config.items() if k in known}
        return self.model_copy(
            update={
                "model": chat.model,
                "agent": chat.agent,
                "system_instruction": chat.system_instruction,
                "generation": GenerationSettings.model_validate(generation),
                "tools": ToolSettings.from_tools(chat.tools, self.tools).model_copy(
                    update={"tool_choice": _choice_text(chat.generation_config)}
                ),
                "mcp_servers": self._mcp_servers_of(chat),
                "functions": [
                    f.model_copy(update={"enabled": f.name in _function_names(chat)})
                    for f in self.functions
                ],
                "response_schema": schema,
                "output": _output_of(chat, formats, self.output),
                "service_tier": chat.service_tier,
                "safety": {s.get("type"): s.get("threshold") for s in chat.safety_settings},
                "labels": dict(chat.labels),
                "stateful": chat.stateful,
                "background": chat.background,
                "auto_continue": chat.auto_continue,
                "environment": chat.environment,
                "agent_config": chat.agent_config,
            }
        )

    def with_preset(self, name: str) -> Settings:
        """These settings with preset ``name`` applied (``KeyError``: there is none): the
        preset's model or agent, system instruction, generation config (over these) and
        tools (those it names on, the others off), where it sets them."""
        preset = self.presets[name]
        update: dict[str, Any] = {}
        if preset.model is not None or preset.agent is not None:
            update["model"] = preset.model or self.model
            update["agent"] = preset.agent
        if preset.system_instruction is not None:
            update["system_instruction"] = preset.system_instruction or None
        if preset.generation is not None:
            update["generation"] = self.generation.model_copy(
                update=preset.generation.model_dump(exclude_unset=True)
            )
        if preset.tools is not None:
            named = set(preset.tools)
            update["tools"] = ToolSettings(**{tool: tool in named for tool in BUILT_IN_TOOLS})
            update["functions"] = [
                f.model_copy(update={"enabled": f.name in named}) for f in self.functions
            ]
        return self.model_copy(update=update)

    def unknown_preset_tools(self, name: str) -> list[str]:
        """Tools preset ``name`` names that are neither built in nor declared functions."""
        known = {*BUILT_IN_TOOLS, *(f.name for f in self.functions)}
        return [tool for tool in self.presets[name].tools or [] if tool not in known]

    def price_table(self) -> dict[str, Price]:
        """The ``[prices]`` table in the form gemtui.core.cost prices turns with."""
        from gemtui.core.cost import Price

        return {
            model: Price(p.input, p.output, p.thinking, p.cached)
            for model, p in self.prices.items()
        }


def _output_of(
    chat: ChatSettings, formats: list[dict[str, Any]], kept: OutputSettings
) -> OutputSettings:
    """The output settings a conversation's settings were made from (the reverse of
    ``to_chat_settings``). Asking for another modality than an image sends no image options,
    so ``kept``'s stay, for when an image is asked for again."""
    image = next((f for f in formats if f.get("type") == "image"), {})
    media = [f.get("type") for f in formats if f.get("type") in ("audio", "video")]
    modality = media[0] if media else None
    if "document" in chat.response_modalities:
        modality = "document"
    elif image:  # an aspect ratio or size alone asks for an image all the same
        modality = "image"
    speech = chat.generation_config.get("speech_config")
    speakers = speech.get("speakers") if isinstance(speech, dict) else speech
    voices = [s.get("voice") for s in speakers or [] if isinstance(s, dict)]
    transcription = chat.generation_config.get("transcription_config") or {}
    mode = transcription.get("mode")
    # Values the pane cannot show (set elsewhere, e.g. a mode object) are left out here.
    if modality not in (None, "image"):
        image = {"aspect_ratio": kept.aspect_ratio, "image_size": kept.image_size}
    return OutputSettings(
        modality=modality,
        aspect_ratio=_known(image.get("aspect_ratio"), options.ASPECT_RATIOS),
        image_size=_known(image.get("image_size"), options.IMAGE_SIZES),
        voice=voices[0] if voices and isinstance(voices[0], str) else None,
        transcription_languages=[c for c in transcription.get("language_codes") or [] if c],
        transcription_mode=_known(mode, options.TRANSCRIPTION_MODES),
    )


def _known(value: Any, allowed: tuple[str, ...]) -> Any:
    return value if value in allowed else None


def _choice_text(config: dict[str, Any]) -> str | None:
    return tool_choice_text(config.get("tool_choice")) or None


def _function_names(chat: ChatSettings) -> set[str]:
    return {tool.get("name") for tool in chat.tools if tool.get("type") == "function"}


# ---------------------------------------------------------------------------------- loading


@dataclass
class LoadedSettings:
    """The settings in force, the file they came from, and what was wrong on the way."""

    settings: Settings
    path: Path
    problems: list[str] = field(default_factory=list)


def load_settings(
    path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Defaults < ``path`` (or the default file) < environment < ``overrides``; never raises.

    ``overrides`` are the command-line flags: field names, nested tables as dicts or dotted
    names (``{"generation.temperature": 0.2}``); ``None`` values are ignored. A file that
    cannot be read or parsed is skipped whole; a bad value anywhere is skipped alone. Each
    skip adds a line to ``problems``.
    """
    path = path or default_config_path()
    problems: list[str] = []
    text, file_data = _read_file(path, problems)
    # One bad entry of an array of tables costs that entry, not the array: each is checked
    # alone, and said with its own line.
    checks = (("functions", "function", lambda entries: check_functions(entries, path.parent)),
              ("mcp_servers", "server", check_mcp_servers))  # fmt: skip
    for table, noun, check in checks:
        if table not in file_data:
            continue
        file_data[table], bad = check(file_data[table])
        for number, problem in bad:
            line = _array_table_line(text, table, number)
            origin = f"{path}, line {line}" if line else str(path)
            problems.append(f"{origin}: {problem}; that {noun} is ignored.")
    env_data, env_problems = env_layer(
        Settings, os.environ if environ is None else environ, prefix=ENV_PREFIX
    )
    problems += env_problems
    layers: list[tuple[dict[str, Any], Any]] = [
        (file_data, lambda loc: _file_origin(path, text, loc)),
        (env_data, lambda loc: f"environment variable {_env_name(loc)}"),
        (_nested(overrides or {}), lambda _loc: "command line"),
    ]
    data: dict[str, Any] = {}
    for layer, origin in layers:
        data = _merge_valid(data, layer, origin, problems)
    return LoadedSettings(settings=Settings(**data), path=path, problems=problems)


def _read_file(path: Path, problems: list[str]) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "", {}
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{path}: cannot be read ({error}); using the defaults instead.")
        return "", {}
    import tomllib  # only when there is a file: a start without one skips its import (issue 20)

    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{path}: {error}; the file was ignored, using the defaults instead.")
        return text, {}


def _nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        *tables, key = name.split(".")
        target = result
        for table in tables:
            target = target.setdefault(table, {})
        target[key] = value
    return result


def _merge_valid(
    base: dict[str, Any], layer: dict[str, Any], origin: Any, problems: list[str]
) -> dict[str, Any]:
    """``base`` updated with the parts of ``layer`` that validate; the rest is reported."""
    layer = copy.deepcopy(layer)
    while True:
        merged = _deep_merge(base, layer)
        try:
            Settings(**merged)
        except ValidationError as error:
            locs = {
                _owned_loc(layer, tuple(str(part) for part in detail["loc"])): _message(detail)
                for detail in error.errors(include_input=False, include_url=False)
            }
            if None in locs:
                problems.append(f"{origin(())}: {locs[None]}; ignored.")
                return base
            for loc, message in locs.items():
                _drop(layer, loc)
                problems.append(f"{origin(loc)}: {'.'.join(loc)}: {message}; ignored.")
        else:
            return merged


def _message(detail: Mapping[str, Any]) -> str:
    return error_text(detail)


def _owned_loc(layer: dict[str, Any], loc: tuple[str, ...]) -> tuple[str, ...] | None:
    """The longest prefix of ``loc`` that ``layer`` sets (errors point inside values)."""
    node: Any = layer
    owned: list[str] = []
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            break
        owned.append(part)
        node = node[part]
    return tuple(owned) or None


def _drop(layer: dict[str, Any], loc: tuple[str, ...]) -> None:
    node = layer
    for part in loc[:-1]:
        node = node[part]
    del node[loc[-1]]


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "keymap":
            merged[key] = _deep_merge(merged[key], value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _file_origin(path: Path, text: str, loc: tuple[str, ...]) -> str:
    line = _line_of(text, loc) if loc else None
    return f"{path}, line {line}" if line else str(path)


def _line_of(text: str, loc: tuple[str, ...]) -> int | None:
    """Where ``loc`` is set in the TOML ``text``: a key under its table header, best effort."""
    *tables, key = loc
    wanted_table = ".".join(tables)
    table = ""
    key_pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    dotted_pattern = re.compile(rf"""^\s*{re.escape(".".join(loc))}\s*=""")
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    for number, line in enumerate(text.splitlines(), start=1):
        match = header.match(line)
        if match:
            table = match.group(1).replace('"', "").replace("'", "")
            if table == ".".join(loc):
                return number
            continue
        if (table == wanted_table and key_pattern.match(line)) or (
            not table and dotted_pattern.match(line)
        ):
            return number
    return None


def _array_table_line(text: str, name: str, number: int | None) -> int | None:
    """The line of the ``number``-th ``[[name]]`` header of the TOML ``text``."""
    header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if header.match(line)]
    return lines[number] if number is not None and number < len(lines) else None


def _env_name(loc: tuple[str, ...]) -> str:
    if not loc:
        return "GEMTUI_*"
    if loc[0] == "api_key":
        return "GEMINI_API_KEY / GOOGLE_API_KEY"
    if loc[0] == "base_url":
        return "GOOGLE_GEMINI_BASE_URL"
    return ENV_PREFIX + "__".join(loc).upper()


# ---------------------------------------------------------------------------------- saving


class ConfigWriteError(Exception):
    """The settings could not be written; the message says why and what to do."""


def save_settings(
    path: Path,
    before: Settings,
    after: Settings,
    *,
    save_api_key: bool = False,
) -> list[str]:
    """Write the settings that differ between ``before`` and ``after`` into ``path``.

    Only changed values are written, so values that came from the environment or a flag stay
    out of the file. The API key is written only with ``save_api_key``; a file holding a key is
    left readable by its owner only. Returns the dotted names written. Raises
    ``ConfigWriteError`` if the file is broken (it is not overwritten) or cannot be written.
    """
    import tomlkit

    changes = dict(_changed(before, after))
    if save_api_key and after.api_key is not None:
        changes["api_key"] = after.api_key.get_secret_value()
    if not changes:
        return []
    document = _read_document(path)
    for name, value in changes.items():
        _set(document, name.split("."), value)
    output = tomlkit.dumps(document)
    holds_key = "api_key" in document or _holds_headers(document)
    _write_private(path, output, restrict=holds_key)
    return sorted(changes)


def _holds_headers(document: Any) -> bool:
    """Whether an ``[[mcp_servers]]`` entry has headers (tokens, most often): then the file
    is kept readable by its owner only, as with a key."""
    servers = document.get("mcp_servers") or []
    return any(isinstance(server, dict) and server.get("headers") for server in servers)


def allow_functions(path: Path, names: Iterable[str]) -> list[str]:
    """Set ``allow = true`` on the ``[[functions]]`` entries of ``path`` named ``names``.

    The "always allow" of the approval dialog: the file keeps its comments and layout, and
    only entries that exist in it change (a tool declared elsewhere stays allowed for the
    session only). Returns the names written; raises ``ConfigWriteError`` like save_settings.
    """
    import tomlkit

    wanted = set(names)
    document = _read_document(path)
    written = []
    for entry in document.get("functions", []):
        if isinstance(entry, dict) and entry.get("name") in wanted and not entry.get("allow"):
            entry["allow"] = True
            written.append(str(entry["name"]))
    if written:
        restrict = "api_key" in document or _holds_headers(document)
        _write_private(path, tomlkit.dumps(document), restrict=restrict)
    return written


def _read_document(path: Path) -> Any:
    """The config file as a tomlkit document (empty if there is none yet)."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        return tomlkit.parse(text)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigWriteError(f"Cannot read {path}: {error}") from None
    except TOMLKitError as error:
        raise ConfigWriteError(
            f"{path} is not valid TOML ({error}); fix it before saving settings to it."
        ) from None


def _changed(before: Settings, after: Settings) -> Iterator[tuple[str, Any]]:
    # Function tools are edited in the file only: the pane's switches last for the session.
    old = before.model_dump(mode="json", exclude={"api_key", "functions"})
    new = after.model_dump(mode="json", exclude={"api_key", "functions"})
    yield from _leaf_changes(old, new, ())


def _leaf_changes(old: Any, new: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    if isinstance(new, dict) and isinstance(old, dict) and prefix != ("response_schema",):
        for key in new.keys() | old.keys():
            yield from _leaf_changes(old.get(key), new.get(key), (*prefix, key))
    elif old != new:
        yield ".".join(prefix), new


def _set(document: Any, path: list[str], value: Any) -> None:
    import tomlkit

    *tables, key = path
    if path[0] == "keymap":
        tables, key = ["keymap"], ".".join(path[1:])
    node = document
    for table in tables:
        if table not in node:
            if value is None:
                return
            node[table] = tomlkit.table()
        node = node[table]
    if value is None:
        if key in node:
            del node[key]
        return
    if isinstance(value, list):  # [[mcp_servers]]: TOML has no null, unset keys are left out
        value = [
            {k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item
            for item in value
        ]
    if key == "response_schema" and not tables:
        value = tomlkit.string(json.dumps(value, indent=2), multiline=True, literal=True)
    elif isinstance(value, str) and "\n" in value:
        value = tomlkit.string(value, multiline=True)
    node[key] = value


def _write_private(path: Path, text: str, *, restrict: bool) -> None:
    """Replace ``path`` atomically; the new file is never readable by others when it holds
    a key (the temporary file is created with mode 0600 and only widened if it does not)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = SECRET_FILE_MODE
        if not restrict and path.exists():
            mode = path.stat().st_mode & 0o777
        handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ConfigWriteError(f"Cannot write {path}: {error}") from None
