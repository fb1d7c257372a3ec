"""The server-side tools beyond search, URL context and code: Maps, file search, MCP servers,
retrieval and computer use (``interactions-api.md`` 2.4 and 4.1).

Each declared tool gets its call and result steps, deterministic for the request (ids from the
turn's key, names from the prompt), and a sentence of the answer that cites what it found:
a ``place_citation`` for Maps, a ``file_citation`` for file search and retrieval. Computer use
runs on the client, so it answers with a ``function_call`` of one of its predefined actions
(the interaction then waits for its result, as the real API does).

Shapes follow the SDK's types; where the SDK leaves an object open (``file_search_result``
items), the fields are those of the JS SDK's ``FileSearchResult`` (``title``, ``text``,
``file_search_store``); see ``docs/wire-notes.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gemtui.emulator import ids, markdown

if TYPE_CHECKING:
    from gemtui.emulator.scenarios import Turn

#: Computer-use actions in the order the emulator tries them (the API's predefined set).
COMPUTER_ACTIONS = ("navigate", "open_web_browser", "search", "wait_5_seconds")
DEFAULT_MCP_TOOL = "search"
_URL = re.compile(r"https?://[^\s<>\"'»)]+")


@dataclass(slots=True)
class ServerTools:
    """What the server-side tools add to a turn."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    #: Sentences for the answer, each with the annotation (no offsets yet) that cites it.
    cited: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Plain sentences for the answer.
    lines: list[str] = field(default_factory=list)
    #: Calls the client must answer (computer use).
    calls: list[dict[str, Any]] = field(default_factory=list)


def server_tools(turn: Turn, index: int, subject: str) -> ServerTools:
    """The steps of every Maps, file search, MCP, retrieval and computer-use tool declared,
    numbered from step ``index``; none when ``tool_choice`` is ``none``."""
    found = ServerTools()
    if turn.request.generation_config.get("tool_choice") == "none":
        return found
    for tool in turn.request.tools:
        kind = tool.get("type")
        at = index + len(found.steps)
        if kind == "google_maps":
            _maps(turn, tool, at, subject, found)
        elif kind == "file_search":
            _file_search(turn, tool, at, subject, found)
        elif kind == "mcp_server":
            _mcp(turn, tool, at, subject, found)
        elif kind == "retrieval":
            _retrieval(turn, tool, at, subject, found)
        elif kind == "computer_use":
            found.calls.append(_computer_call(turn, tool))
    return found


def _call_pair(
    turn: Turn, kind: str, index: int, call: dict[str, Any], result: dict[str, Any]
) -> list[dict[str, Any]]:
    call_id = ids.call_id(turn.key, kind, str(index))
    return [
        {
            "type": f"{kind}_call",
            "id": call_id,
            **call,
            "signature": ids.signature(turn.key, f"{kind}-call", str(index)),
        },
        {
            "type": f"{kind}_result",
            "call_id": call_id,
            **result,
            "signature": ids.signature(turn.key, f"{kind}-result", str(index)),
        },
    ]


def _maps(turn: Turn, tool: dict[str, Any], index: int, subject: str, found: ServerTools) -> None:
    query = f"places for {subject}"
    places = [
        _place(f"{subject} Café"),
        _place(f"Museum of {subject}"),
        _place(f"{subject} Market Hall"),
    ]
    result: dict[str, Any] = {"places": places}
    if tool.get("enable_widget"):
        result["widget_context_token"] = "widgetcontent/" + ids.token(turn.key, "widget")
    found.steps += _call_pair(
        turn, "google_maps", index, {"arguments": {"queries": [query]}}, {"result": [result]}
    )
    near = ""
    latitude, longitude = tool.get("latitude"), tool.get("longitude")
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        near = f" near {latitude:.2f}, {longitude:.2f}"
    for place, sentence in zip(
        places,
        (
            f"Google Maps finds {places[0]['name']}{near}, which reviewers like most.",
            f"{places[1]['name']} is a short walk away.",
        ),
        strict=False,
    ):
        found.cited.append((sentence, {"type": "place_citation", **place}))


def _place(name: str) -> dict[str, Any]:
    """A place whose ids and link depend on its name only (the same place every time)."""
    token = ids.token("place", name)
    cid = int.from_bytes(ids.digest("cid", name)[:6], "big")
    return {
        "name": name,
        "place_id": f"places/ChIJ{token[:20]}",
        "url": f"https://maps.google.com/?cid={cid}",
        "review_snippets": [
            {
                "review_id": f"review-{token[:10]}",
                "title": f"A good visit to {name}",
                "url": f"https://maps.google.com/?cid={cid}&review=1",
            }
        ],
    }


def _file_search(
    turn: Turn, tool: dict[str, Any], index: int, subject: str, found: ServerTools
) -> None:
    stores = [s for s in tool.get("file_search_store_names") or [] if isinstance(s, str)]
    store = stores[0] if stores else "fileSearchStores/default"
    slug = "-".join(subject.lower().split())[:40] or "notes"
    files = [
        (f"{slug}-notes.pdf", f"Notes on {subject}: the main points, with figures.", 3),
        ("handbook.md", f"The handbook's chapter about {subject}.", None),
    ]
    top_k = tool.get("top_k")
    if isinstance(top_k, int) and top_k > 0:
        files = files[:top_k]
    result = [{"title": name, "text": text, "file_search_store": store} for name, text, _ in files]
    found.steps += _call_pair(turn, "file_search", index, {}, {"result": result})
    for number, (name, _text, page) in enumerate(files):
        citation: dict[str, Any] = {
            "type": "file_citation",
            "document_uri": f"{store}/documents/{name.replace('.', '-')}",
            "file_name": name,
            "source": store,
        }
        if page is not None:
            citation["page_number"] = page
        sentence = (
            f"Your file {name} covers «{subject}» on page {page}."
            if page is not None
            else f"{name} adds the details{' too' if number else ''}."
        )
        found.cited.append((sentence, citation))


def _mcp(turn: Turn, tool: dict[str, Any], index: int, subject: str, found: ServerTools) -> None:
    server = str(tool.get("name") or "mcp")
    allowed = [
        name
        for entry in tool.get("allowed_tools") or []
        if isinstance(entry, dict)
        for name in entry.get("tools") or []
        if isinstance(name, str)
    ]
    lowered = turn.prompt.lower()
    name = next((n for n in allowed if n.lower() in lowered), allowed[0] if allowed else None)
    name = name or DEFAULT_MCP_TOOL
    arguments = {"query": subject}
    text = f"3 entries on {server} match «{subject}»: the overview, the FAQ and the changelog."
    call_id = ids.call_id(turn.key, "mcp", str(index))
    found.steps += [
        {
            "type": "mcp_server_tool_call",
            "id": call_id,
            "name": name,
            "server_name": server,
            "arguments": arguments,
        },
        {
            "type": "mcp_server_tool_result",
            "call_id": call_id,
            "name": name,
            "server_name": server,
            "result": [{"type": "text", "text": text}],
        },
    ]
    found.lines.append(f"I asked the MCP server **{server}** (`{name}`): {text}")


def _retrieval(
    turn: Turn, tool: dict[str, Any], index: int, subject: str, found: ServerTools
) -> None:
    kinds = [k for k in tool.get("retrieval_types") or [] if isinstance(k, str)]
    kind = kinds[0] if kinds else "vertex_ai_search"
    call = {"arguments": {"queries": [subject]}, "retrieval_type": kind}
    found.steps += _call_pair(turn, "retrieval", index, call, {"is_error": False})
    slug = "-".join(subject.lower().split())[:40] or "topic"
    found.cited.append(
        (
            f"The {kind.replace('_', ' ')} corpus has a page on «{subject}».",
            {
                "type": "file_citation",
                "document_uri": f"gs://emulator-corpus/{slug}.html",
                "file_name": f"{slug}.html",
                "source": kind,
            },
        )
    )


def _computer_call(turn: Turn, tool: dict[str, Any]) -> dict[str, Any]:
    excluded = set(tool.get("excluded_predefined_functions") or [])
    action = next((a for a in COMPUTER_ACTIONS if a not in excluded), COMPUTER_ACTIONS[-1])
    urls = _URL.findall(turn.prompt)
    arguments: dict[str, Any] = {}
    if action == "navigate":
        arguments = {"url": urls[0] if urls else "https://www.google.com"}
    elif action == "search":
        arguments = {"query": markdown.quote(turn.prompt, 60)}
    return {
        "type": "function_call",
        "id": ids.call_id(turn.key, "computer", action),
        "name": action,
        "arguments": arguments,
    }


def cite(text: str, cited: list[tuple[str, dict[str, Any]]]) -> tuple[str, list[dict[str, Any]]]:
    """``text`` with the cited sentences appended, and their annotations with the byte
    offsets of each sentence in the result (end exclusive)."""
    annotations = []
    for sentence, annotation in cited:
        if text and not text.endswith((" ", "\n")):
            text += " "
        start = len(text.encode())
        text += sentence
        annotations.append({**annotation, "start_index": start, "end_index": len(text.encode())})
    return text, annotations
