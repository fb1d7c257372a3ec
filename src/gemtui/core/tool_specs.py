"""Server-side tools written as one short line, and ``tool_choice`` the same way.

The Interactions API runs nine kinds of tool (``interactions-api.md`` 2.4); all but ``function``
run at the server and some need parameters (the file search stores, an MCP server's URL).
``gemtui ask --tool SPEC``, the F2 pane and the config file all write a tool as a *spec*:

``TYPE``
    a tool with no parameters: ``google_search``, ``code_execution``, ``url_context``,
    ``google_maps``, ``retrieval``, ``computer_use``.
``TYPE:MAIN[;KEY=VALUE]...``
    the main parameter after the colon, options after semicolons:

    ========================  ===========================================  ====================
    type                      MAIN                                         options
    ========================  ===========================================  ====================
    ``mcp_server``            ``NAME=URL`` (required)                      ``tools=a,b``,
                                                                           ``mode=any``,
                                                                           ``header=Name: value``
                                                                           (repeatable)
    ``file_search``           store names, comma-separated (required;      ``top_k=N``,
                              ``fileSearchStores/`` is added when missing) ``filter=EXPR``
    ``computer_use``          ``browser``, ``mobile`` or ``desktop``         ``exclude=a,b``
    ``google_maps``           ``LATITUDE,LONGITUDE``                       ``widget``
    ``google_search``         search types, comma-separated                 —
    ``retrieval``             retrieval types, comma-separated              —
    ========================  ===========================================  ====================
``{...}``
    the tool as the API's JSON object, for anything the short form does not cover
    (``retrieval`` configs, ``disabled_safety_policies``).

``tool_choice`` is ``auto``, ``any``, ``none`` or ``validated``, or ``MODE:NAME,NAME`` for
``{"allowed_tools": {"mode": MODE, "tools": [...]}}`` (only those tools, in that mode).

Standard library only: ``gemtui ask`` checks its flags with this before importing pydantic.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

#: Every tool type that runs at the server, in the order the pickers list them.
SERVER_TOOL_TYPES = (
    "google_search",
    "code_execution",
    "url_context",
    "google_maps",
    "file_search",
    "mcp_server",
    "computer_use",
    "retrieval",
)
#: Types a bare spec (no parameters) may name.
PLAIN_TYPES = (
    "google_search",
    "code_execution",
    "url_context",
    "google_maps",
    "retrieval",
    "computer_use",
)
#: Values the SDK's enums list (``_gaos/types/interactions``); other strings pass through.
SEARCH_TYPES = ("web_search", "image_search", "enterprise_web_search")
RETRIEVAL_TYPES = ("vertex_ai_search", "rag_store", "exa_ai_search", "parallel_ai_search")
COMPUTER_ENVIRONMENTS = ("browser", "mobile", "desktop")
TOOL_CHOICE_MODES = ("auto", "any", "none", "validated")
STORE_PREFIX = "fileSearchStores/"
#: What the status bar and the pickers call each tool.
SHORT_NAMES = {
    "google_search": "search",
    "code_execution": "code",
    "url_context": "url",
    "google_maps": "maps",
    "file_search": "files",
    "computer_use": "computer",
    "retrieval": "retrieval",
}
#: MCP server names: what the API shows back as ``server_name``; kept to a safe alphabet.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")

SPEC_HELP = (
    "a tool: google_search, code_execution, url_context, google_maps[:LAT,LNG], retrieval[:TYPES], "
    "computer_use[:browser|mobile|desktop;exclude=F,G], file_search:STORE[,STORE][;top_k=N], "
    "mcp_server:NAME=URL[;tools=A,B][;header=Name: value], or the tool's JSON object"
)


class ToolSpecError(ValueError):
    """A spec that does not describe a tool; the message says what would."""


def parse_tool_spec(text: str) -> dict[str, Any]:
    """The tool (the API's JSON object) a spec describes; raises :class:`ToolSpecError`."""
    text = text.strip()
    if text.startswith("{"):
        return _json_tool(text)
    kind, _, rest = text.partition(":")
    kind = kind.strip()
    if kind not in SERVER_TOOL_TYPES:
        raise ToolSpecError(f"unknown tool {kind!r}; give {SPEC_HELP}.")
    main, *options = rest.split(";") if rest else [""]
    main = main.strip()
    parsed = _options(kind, options)
    if kind == "mcp_server":
        return _mcp(main, parsed)
    if kind == "file_search":
        return _file_search(main, parsed)
    if kind == "computer_use":
        return _computer_use(main, parsed)
    if kind == "google_maps":
        return _maps(main, parsed)
    _no_options(kind, parsed)
    tool: dict[str, Any] = {"type": kind}
    if main and kind == "google_search":
        tool["search_types"] = _names(main)
    elif main and kind == "retrieval":
        tool["retrieval_types"] = _names(main)
    elif main:
        raise ToolSpecError(f"{kind} takes no parameters; give just {kind!r}.")
    return tool


def _json_tool(text: str) -> dict[str, Any]:
    try:
        tool = json.loads(text)
    except ValueError as error:
        raise ToolSpecError(f"the tool's JSON does not parse: {error}") from None
    if not isinstance(tool, dict) or tool.get("type") not in (*SERVER_TOOL_TYPES, "function"):
        kinds = ", ".join(SERVER_TOOL_TYPES)
        raise ToolSpecError(f"a tool's JSON must be an object whose type is one of: {kinds}.")
    if tool["type"] == "mcp_server":
        _check_mcp(tool.get("name"), tool.get("url"))
    return tool


def _options(kind: str, options: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for option in options:
        if not option.strip():
            continue
        key, equals, value = option.partition("=")
        key = key.strip().lower()
        if not equals and key != "widget":
            raise ToolSpecError(f"{kind}: option {option.strip()!r} needs KEY=VALUE.")
        pairs.append((key, value.strip()))
    return pairs


def _no_options(kind: str, options: list[tuple[str, str]]) -> None:
    if options:
        raise ToolSpecError(f"{kind} takes no ;options (got {options[0][0]!r}).")


def _unknown(kind: str, key: str, known: str) -> ToolSpecError:
    return ToolSpecError(f"{kind}: unknown option {key!r}; known: {known}.")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _mcp(main: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    name, equals, url = main.partition("=")
    if not equals:
        raise ToolSpecError(
            "mcp_server needs NAME=URL, e.g. mcp_server:docs=https://example.com/mcp."
        )
    name, url = name.strip(), url.strip()
    _check_mcp(name, url)
    tool: dict[str, Any] = {"type": "mcp_server", "name": name, "url": url}
    headers: dict[str, str] = {}
    allowed: dict[str, Any] = {}
    for key, value in options:
        if key == "header":
            header, colon, content = value.partition(":")
            if not colon or not header.strip():
                raise ToolSpecError("mcp_server: a header is written header=Name: value.")
            headers[header.strip()] = content.strip()
        elif key == "tools":
            allowed["tools"] = _names(value)
        elif key == "mode":
            allowed["mode"] = _mode(value)
        else:
            raise _unknown("mcp_server", key, "tools, mode, header")
    if headers:
        tool["headers"] = headers
    if allowed:
        tool["allowed_tools"] = [allowed]
    return tool


def _check_mcp(name: Any, url: Any) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ToolSpecError(
            f"mcp_server: the name {name!r} must start with a letter and hold only letters, "
            "digits, '_', '.', '-'."
        )
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ToolSpecError(f"mcp_server {name}: the URL {url!r} must be http:// or https://.")


def _file_search(main: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    stores = [name if "/" in name else STORE_PREFIX + name for name in _names(main)]
    if not stores:
        raise ToolSpecError(
            "file_search needs the names of its stores, e.g. file_search:fileSearchStores/my-docs."
        )
    tool: dict[str, Any] = {"type": "file_search", "file_search_store_names": stores}
    for key, value in options:
        if key == "top_k":
            tool["top_k"] = _positive(value, "file_search: top_k")
        elif key == "filter":
            tool["metadata_filter"] = value
        else:
            raise _unknown("file_search", key, "top_k, filter")
    return tool


def _computer_use(main: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    tool: dict[str, Any] = {"type": "computer_use"}
    if main:
        if main not in COMPUTER_ENVIRONMENTS:
            raise ToolSpecError(
                f"computer_use: the environment is one of {', '.join(COMPUTER_ENVIRONMENTS)}."
            )
        tool["environment"] = main
    for key, value in options:
        if key == "exclude":
            tool["excluded_predefined_functions"] = _names(value)
        else:
            raise _unknown("computer_use", key, "exclude")
    return tool


def _maps(main: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    tool: dict[str, Any] = {"type": "google_maps"}
    if main:
        latitude, comma, longitude = main.partition(",")
        try:
            lat, lng = float(latitude), float(longitude)
        except ValueError:
            lat = lng = float("nan")
        if not comma or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ToolSpecError("google_maps: the location is LATITUDE,LONGITUDE, e.g. 52.5,13.4.")
        tool["latitude"], tool["longitude"] = lat, lng
    for key, value in options:
        if key == "widget" and value.lower() in ("", "true", "yes", "1"):
            tool["enable_widget"] = True
        else:
            raise _unknown("google_maps", key, "widget")
    return tool


def _positive(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ToolSpecError(f"{what} must be a whole number of 1 or more.")
    return value


def _mode(text: str) -> str:
    mode = text.strip().lower()
    if mode not in TOOL_CHOICE_MODES:
        raise ToolSpecError(f"the mode {text!r} is one of {', '.join(TOOL_CHOICE_MODES)}.")
    return mode


def tool_spec(tool: dict[str, Any]) -> str:
    """The spec of a tool (the inverse of :func:`parse_tool_spec` where the short form can say
    it; the JSON form otherwise)."""
    kind = tool.get("type")
    rest = {k: v for k, v in tool.items() if k != "type"}
    if kind in PLAIN_TYPES and not rest:
        return str(kind)
    try:
        short = _short_spec(tool)
    except (KeyError, TypeError, ValueError):
        short = None
    if short is not None:
        try:
            if parse_tool_spec(short) == tool:
                return short
        except ToolSpecError:
            pass
    return json.dumps(tool, ensure_ascii=False, separators=(",", ":"))


def _short_spec(tool: dict[str, Any]) -> str | None:
    kind = tool["type"]
    if kind == "mcp_server":
        text = f"mcp_server:{tool['name']}={tool['url']}"
        for allowed in tool.get("allowed_tools") or []:
            if allowed.get("tools"):
                text += ";tools=" + ",".join(allowed["tools"])
            if allowed.get("mode"):
                text += f";mode={allowed['mode']}"
        for name, value in (tool.get("headers") or {}).items():
            text += f";header={name}: {value}"
        return text
    if kind == "file_search":
        text = "file_search:" + ",".join(tool["file_search_store_names"])
        if tool.get("top_k") is not None:
            text += f";top_k={tool['top_k']}"
        if tool.get("metadata_filter"):
            text += f";filter={tool['metadata_filter']}"
        return text
    if kind == "computer_use":
        text = "computer_use:" + tool.get("environment", "")
        if tool.get("excluded_predefined_functions"):
            text += ";exclude=" + ",".join(tool["excluded_predefined_functions"])
        return text
    if kind == "google_maps":
        text = "google_maps:"
        if "latitude" in tool:
            text += f"{tool['latitude']},{tool['longitude']}"
        if tool.get("enable_widget"):
            text += ";widget"
        return text
    if kind == "google_search":
        return "google_search:" + ",".join(tool["search_types"])
    if kind == "retrieval":
        return "retrieval:" + ",".join(tool["retrieval_types"])
    return None


def tool_label(tool: dict[str, Any]) -> str:
    """A few characters for the status bar: ``search``, ``mcp:docs``, a function's name."""
    kind = str(tool.get("type", "?"))
    if kind == "mcp_server":
        return f"mcp:{tool.get('name', '?')}"
    if kind == "function":
        return str(tool.get("name") or "function")
    return SHORT_NAMES.get(kind, kind)


def secret_values(tools: list[dict[str, Any]]) -> list[str]:
    """The MCP header values of ``tools`` (bearer tokens, most often): kept out of the
    history, logs and screens like the API key."""
    values = []
    for tool in tools:
        if tool.get("type") == "mcp_server" and isinstance(tool.get("headers"), dict):
            for value in tool["headers"].values():
                secret = str(value).strip()
                # "Bearer abc": the token alone is the secret, the whole value too.
                values += [secret, secret.rpartition(" ")[2]]
    return [value for value in dict.fromkeys(values) if len(value) >= 4]


# ---------------------------------------------------------------------------------- tool_choice


def parse_tool_choice(text: str) -> str | dict[str, Any]:
    """``generation_config.tool_choice`` from ``auto`` / ``any`` / ``none`` / ``validated`` or
    ``MODE:NAME,NAME``; raises :class:`ToolSpecError`."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ToolSpecError(f"tool_choice JSON does not parse: {error}") from None
        if not isinstance(value, dict) or not isinstance(value.get("allowed_tools"), dict):
            raise ToolSpecError('tool_choice JSON is {"allowed_tools": {"mode": …, "tools": […]}}.')
        return value
    mode, colon, names = text.partition(":")
    mode = _mode(mode) if mode.strip() else ""
    if not colon:
        if not mode:
            raise ToolSpecError(f"tool_choice is one of {', '.join(TOOL_CHOICE_MODES)}.")
        return mode
    tools = _names(names)
    if not tools:
        raise ToolSpecError("tool_choice MODE:NAMES needs at least one tool name after the colon.")
    allowed: dict[str, Any] = {"mode": mode or "auto", "tools": tools}
    return {"allowed_tools": allowed}


def tool_choice_text(value: Any) -> str:
    """The short form of a ``tool_choice`` value (JSON when it has no short form)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    allowed = value.get("allowed_tools") if isinstance(value, dict) else None
    if isinstance(allowed, dict) and set(allowed) <= {"mode", "tools"} and allowed.get("tools"):
        return f"{allowed.get('mode', 'auto')}:{','.join(map(str, allowed['tools']))}"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
