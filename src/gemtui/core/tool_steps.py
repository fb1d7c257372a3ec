"""Server-side tool steps in words: what a row of the conversation, the step detail and
``gemtui ask -v`` say about a Maps, file search, MCP, retrieval or URL context step.

Each step type has a *title* (``MCP docs · lookup``, ``Google Maps``), a one-line *summary*
(the queries, ``3 places: …``, the result's first line) and *details*, the lines an expanded
row and the timeline's detail list (each place with its link, each file with its snippet). The
text is the server's and untrusted: callers clean it before it reaches the terminal.

Steps of other types get ``None`` from :func:`describe`, and their callers keep their own view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gemtui.api.models import (
    FileSearchCallStep,
    FileSearchResultStep,
    GoogleMapsCallStep,
    GoogleMapsResultStep,
    McpServerToolCallStep,
    McpServerToolResultStep,
    RetrievalCallStep,
    RetrievalResultStep,
    StepBase,
    UrlContextCallStep,
    UrlContextResultStep,
)

#: How many names a one-line summary lists before "…".
SUMMARY_NAMES = 3
#: Characters of a result text a detail line quotes.
DETAIL_CHARS = 300


@dataclass
class ToolView:
    """What to show of one tool step."""

    title: str
    summary: str
    details: list[str] = field(default_factory=list)


def describe(step: StepBase) -> ToolView | None:
    """The view of ``step`` if it is one of the tool steps this module knows."""
    if isinstance(step, McpServerToolCallStep):
        return _mcp_call(step)
    if isinstance(step, McpServerToolResultStep):
        return _mcp_result(step)
    if isinstance(step, GoogleMapsCallStep):
        return ToolView("Google Maps", _queries(step.arguments), _query_lines(step.arguments))
    if isinstance(step, GoogleMapsResultStep):
        return _maps_result(step)
    if isinstance(step, FileSearchCallStep):
        return ToolView("file search", "searching the file stores")
    if isinstance(step, FileSearchResultStep):
        return _file_search_result(step)
    if isinstance(step, RetrievalCallStep):
        kind = f" ({step.retrieval_type})" if step.retrieval_type else ""
        return ToolView(f"retrieval{kind}", _queries(step.arguments), _query_lines(step.arguments))
    if isinstance(step, RetrievalResultStep):
        return ToolView("retrieval", "failed" if step.is_error else "done")
    if isinstance(step, UrlContextCallStep):
        urls = (step.arguments or {}).get("urls")
        urls = [str(u) for u in urls] if isinstance(urls, list) else []
        return ToolView("URL context", _names(urls), [f"• {u}" for u in urls])
    if isinstance(step, UrlContextResultStep):
        return _url_result(step)
    return None


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SUMMARY_NAMES])
    return shown + (f", … ({len(names)} in all)" if len(names) > SUMMARY_NAMES else "")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _queries(arguments: dict[str, Any] | None) -> str:
    queries = (arguments or {}).get("queries")
    return _names([str(q) for q in queries]) if isinstance(queries, list) else ""


def _query_lines(arguments: dict[str, Any] | None) -> list[str]:
    queries = (arguments or {}).get("queries")
    return [f"query: {q}" for q in queries] if isinstance(queries, list) else []


def _short(text: str, limit: int = DETAIL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _arguments_text(arguments: dict[str, Any] | None) -> str:
    return ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in (arguments or {}).items()
    )


def _mcp_call(step: McpServerToolCallStep) -> ToolView:
    title = f"MCP {step.server_name or '?'} · {step.name or '?'}"
    details = [f"server {step.server_name} · tool {step.name} · call id {step.id}"]
    for key, value in (step.arguments or {}).items():
        details.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return ToolView(title, f"({_arguments_text(step.arguments)})", details)


def result_text(result: Any) -> str:
    """A tool result as text: a string as is, text contents joined, anything else as JSON."""
    if isinstance(result, str):
        return result
    if isinstance(result, list):
        parts = []
        for item in result:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
            elif isinstance(item, dict) and item.get("type"):
                parts.append(f"[{item['type']}]")
            else:
                parts.append(json.dumps(item, ensure_ascii=False))
        return "\n".join(parts)
    return "" if result is None else json.dumps(result, ensure_ascii=False)


def _mcp_result(step: McpServerToolResultStep) -> ToolView:
    title = f"MCP {step.server_name or '?'} · {step.name or '?'}"
    text = result_text(step.result)
    lines = [_short(line) for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else "(empty)"
    if step.is_error:
        first = f"error: {first}"
    # One line is all in the summary already; longer results are listed whole.
    return ToolView(title, first, lines if len(lines) > 1 else [])


def places_of(step: GoogleMapsResultStep) -> list[dict[str, Any]]:
    """Every place of a Maps result (its ``result`` is a list of ``{places: [...]}``)."""
    places = []
    for item in step.result or []:
        found = item.get("places") if isinstance(item, dict) else None
        places += [p for p in found or [] if isinstance(p, dict)]
    return places


def _maps_result(step: GoogleMapsResultStep) -> ToolView:
    places = places_of(step)
    names = [str(p.get("name") or p.get("place_id") or "?") for p in places]
    details = []
    for number, place in enumerate(places, start=1):
        details.append(f"{number}. {place.get('name') or '?'}  {place.get('url') or ''}".rstrip())
        for review in place.get("review_snippets") or []:
            if isinstance(review, dict) and review.get("title"):
                details.append(f"   review: {_short(str(review['title']), 120)}")
    if any(isinstance(i, dict) and i.get("widget_context_token") for i in step.result or []):
        details.append("a Maps widget context token came with it")
    summary = f"{_count(len(places), 'place')}: {_names(names)}" if places else "no places"
    return ToolView("Google Maps", summary, details)


def _file_search_result(step: FileSearchResultStep) -> ToolView:
    items = [item for item in step.result or [] if isinstance(item, dict)]
    names = [str(i.get("title") or i.get("file_name") or "?") for i in items]
    details = []
    for number, item in enumerate(items, start=1):
        store = f"  ({item['file_search_store']})" if item.get("file_search_store") else ""
        details.append(f"{number}. {item.get('title') or '?'}{store}")
        if item.get("text"):
            details.append(f"   {_short(str(item['text']))}")
    summary = f"{_count(len(items), 'file')}: {_names(names)}" if items else "no files"
    return ToolView("file search", summary, details)


def _url_result(step: UrlContextResultStep) -> ToolView:
    items = [item for item in step.result or [] if isinstance(item, dict)]
    details = [f"{item.get('status', '?')}: {item.get('url', '?')}" for item in items]
    failed = [item for item in items if item.get("status") not in (None, "success")]
    summary = _count(len(items), "page") + (f", {len(failed)} not read" if failed else " read")
    return ToolView("URL context", summary, details)
