"""A stored conversation as Markdown (to read) or JSON (the raw interactions, to process).

Both work on what :class:`~gemtui.core.store.Store` returns (a summary and stored turns), so the
TUI and ``gemtui export`` share them. Both are redacted again on the way out (the store already
redacted what it wrote; this also catches key-shaped text and a key given only now).

- **Markdown**: per turn the prompt, then the answer as the model wrote it (it is Markdown
  already); thoughts and tool calls and results go in collapsible ``<details>`` sections, so the
  page reads as a chat; citations become a numbered sources list under the answer. Inline media
  is described (type, MIME type, size), not embedded. Terminal control sequences are removed, so
  the file is safe to ``cat``.
- **JSON**: every turn with the input it sent and the wire JSON of every step it received, as
  stored (inline data and thought signatures included), plus outcome, usage, ids and settings.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gemtui.core.blobs import MISSING_KEY
from gemtui.core.clipboard import human_size
from gemtui.core.safety import clean_terminal_text, redact_secrets
from gemtui.core.store_records import ConversationSummary, StoredTurn

FORMATS = ("md", "json")
JSON_FORMAT = "gemtui-conversation/1"

#: Characters JSON leaves unescaped that a terminal would act on (C1 controls, bidi overrides).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def export_conversation(
    fmt: str,
    summary: ConversationSummary,
    turns: Sequence[StoredTurn],
    *,
    secrets: Iterable[str] = (),
) -> str:
    """The export in ``fmt`` (``md`` or ``json``)."""
    if fmt == "md":
        return export_markdown(summary, turns, secrets=secrets)
    if fmt == "json":
        return export_json(summary, turns, secrets=secrets)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


# --------------------------------------------------------------------------- JSON


def export_json(
    summary: ConversationSummary, turns: Sequence[StoredTurn], *, secrets: Iterable[str] = ()
) -> str:
    document = {
        "format": JSON_FORMAT,
        "conversation": {**conversation_json(summary), "models": models_used(summary, turns)},
        "turns": [_turn_json(stored) for stored in turns],
    }
    return safe_json(document, secrets=secrets)


def conversation_json(summary: ConversationSummary) -> dict[str, Any]:
    """A conversation's facts as JSON (times in ISO 8601 UTC): the export's ``conversation``
    and a row of ``gemtui history --json``."""
    return {
        "id": summary.id,
        "title": summary.title,
        "model": summary.model,
        "mode": summary.mode,
        "created": _iso(summary.created),
        "updated": _iso(summary.updated),
        "archived": summary.archived,
        "head_turn_id": summary.head_turn_id,
    }


def safe_json(value: Any, *, secrets: Iterable[str] = ()) -> str:
    """``value`` as indented JSON text ending in a newline, redacted, safe to print to a
    terminal: what JSON leaves unescaped that a terminal acts on is escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    text = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return redact_secrets(text, secrets) + "\n"


def _turn_json(stored: StoredTurn) -> dict[str, Any]:
    turn = stored.turn
    interaction = turn.reply.state.interaction
    sent = [turn.asked.user_input_step] if turn.asked.has_user_input else []
    return {
        "id": stored.id,
        "ordinal": stored.ordinal,
        "parent_turn_id": stored.parent_turn_id,
        "created": _iso(stored.created),
        "finished": _iso(stored.finished) if stored.finished is not None else None,
        "outcome": turn.reply.outcome,
        "error": str(turn.reply.error) if turn.reply.error is not None else None,
        "settings": dataclasses.asdict(stored.settings),
        "input": [*sent, *turn.asked.results],
        "interaction": {
            "id": interaction.id,
            "status": interaction.status,
            "previous_interaction_id": stored.previous_interaction_id,
            "usage": interaction.usage.to_wire() if interaction.usage is not None else None,
            "steps": [step.step.to_wire() for step in turn.reply.state.steps],
        },
        **_captured_json(turn.asked),
    }


def _captured_json(asked: Any) -> dict[str, Any]:
    """A captured turn's exchange and request as the program sent it (nothing for own turns)."""
    if asked.exchange is None:
        return {}
    return {"captured": {"exchange": asked.exchange.to_json(), "request": asked.request}}


# --------------------------------------------------------------------------- Markdown


def export_markdown(
    summary: ConversationSummary, turns: Sequence[StoredTurn], *, secrets: Iterable[str] = ()
) -> str:
    parts = [f"# {summary.title}", _about(summary, turns)]
    for number, stored in enumerate(turns, 1):
        parts.extend(_turn_markdown(number, stored))
    text = "\n\n".join(part for part in parts if part) + "\n"
    return redact_secrets(clean_terminal_text(text), secrets)


def models_used(summary: ConversationSummary, turns: Sequence[StoredTurn]) -> list[str]:
    """Every model (or agent) the turns were sent to, in the order first used; the
    conversation's own when the turns name none."""
    used: dict[str, None] = {}
    for stored in turns:
        answered = stored.turn.reply.state.interaction
        name = answered.agent or answered.model or stored.settings.agent or stored.settings.model
        if name:
            used[name] = None
    return list(used) or ([summary.model] if summary.model else [])


def _about(summary: ConversationSummary, turns: Sequence[StoredTurn]) -> str:
    count = len(turns)
    facts = [
        f"Conversation {summary.id}",
        ", ".join(models_used(summary, turns)) or "unknown model",
        summary.mode,
        f"{count} turn{'s' if count != 1 else ''}",
        f"created {_when(summary.created)}",
        f"updated {_when(summary.updated)}",
    ]
    return "*" + " · ".join(facts) + "*"


def _turn_markdown(number: int, stored: StoredTurn) -> list[str]:
    turn = stored.turn
    asked = turn.asked
    exchange = asked.exchange
    who = "You" if exchange is None else (exchange.client or "A program")
    parts = [f"## {number}. {who}"]
    if exchange is not None:
        parts.append(f"*Captured by the inspector: {exchange.label}*")
    if asked.prompt:
        parts.append(asked.prompt)
    if asked.attachments:
        parts.append("*Attached: " + ", ".join(_describe_media(a) for a in asked.attachments) + "*")
    for step in asked.results:
        parts.append(_details(f"Sent: {step.get('type', 'step')}", _fenced(_without_noise(step))))
    parts.append(f"## {number}. Gemini")
    sources: list[str] = []
    for step_state in turn.reply.state.steps:
        wire = step_state.step.to_wire()
        parts.extend(_step_markdown(wire, sources))
    if sources:
        parts.append("**Sources**\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(sources, 1)))
    parts.append(_footer(stored))
    return parts


def _step_markdown(wire: dict[str, Any], sources: list[str]) -> list[str]:
    kind = wire.get("type") or "unknown"
    if kind == "model_output":
        parts = []
        for block in wire.get("content") or ():
            if isinstance(block, dict) and block.get("type") == "text":
                parts.append((block.get("text") or "").strip("\n"))
                _add_sources(block.get("annotations"), sources)
            elif isinstance(block, dict):
                parts.append(f"*[{_describe_media(block)}]*")
        return parts
    if kind == "thought":
        texts = [
            b.get("text") or ""
            for b in wire.get("summary") or ()
            if isinstance(b, dict) and b.get("type") == "text"
        ]
        return [_details("Thought", "\n\n".join(t for t in texts if t) or "*(no summary)*")]
    if kind == "function_call":
        title = f"Function call: {wire.get('name') or '?'}"
        return [_details(title, _fenced(wire.get("arguments") or {}))]
    if kind == "function_result":
        title = f"Function result: {wire.get('name') or wire.get('call_id') or '?'}"
        return [_details(title, _fenced(wire.get("result")))]
    label = "Tool result" if kind.endswith("_result") else "Tool call"
    return [_details(f"{label}: {kind}", _fenced(_without_noise(wire)))]


def _without_noise(wire: dict[str, Any]) -> dict[str, Any]:
    """The step without its type (in the title) and signature (opaque base64)."""
    return {k: v for k, v in wire.items() if k not in ("type", "signature")}


def _add_sources(annotations: Any, sources: list[str]) -> None:
    for note in annotations or ():
        if not isinstance(note, dict):
            continue
        kind, url = note.get("type"), note.get("url")
        if kind == "url_citation" and url:
            entry = f"[{note.get('title') or url}]({url})"
        elif kind == "file_citation":
            name = note.get("file_name") or note.get("document_uri") or note.get("source")
            page = note.get("page_number")
            entry = f"{name or 'file'}" + (f", page {page}" if page is not None else "")
        elif kind == "place_citation":
            name = note.get("name") or "place"
            entry = f"[{name}]({url})" if url else name
        else:
            continue
        if entry not in sources:
            sources.append(entry)


def _footer(stored: StoredTurn) -> str:
    turn = stored.turn
    interaction = turn.reply.state.interaction
    facts = [turn.reply.outcome]
    usage = interaction.usage
    if usage is not None and usage.total_tokens is not None:
        facts.append(f"{usage.total_tokens} tokens")
    if interaction.id:
        facts.append(f"interaction {interaction.id}")
    line = "*" + " · ".join(facts) + "*"
    if turn.reply.error is not None:
        line += f"\n\n> **Error:** {turn.reply.error}"
    return line


def _details(summary: str, body: str) -> str:
    # Blank lines around the body let Markdown renderers format what is inside.
    return f"<details>\n<summary>{_html(summary)}</summary>\n\n{body}\n\n</details>"


def _fenced(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    language = "" if isinstance(value, str) else "json"
    return f"{fence}{language}\n{text}\n{fence}"


def _describe_media(item: dict[str, Any]) -> str:
    kind = item.get("type") or "content"
    details = [item.get("mime_type") or "unknown type"]
    data = item.get("data")
    if isinstance(data, str):
        details.append(human_size(_decoded_length(data)))
    elif item.get("uri"):
        details.append(str(item["uri"]))
    elif item.get(MISSING_KEY):
        details.append(f"attachment file missing: {item[MISSING_KEY]}")
    return f"{kind} ({', '.join(details)})"


def _decoded_length(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except ValueError:
        return len(data)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_private(path: Path, text: str) -> None:
    """Write an export readable by the user only, like the history it comes from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
