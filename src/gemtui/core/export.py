"""A stored conversation as Markdown (to read) or JSON (the raw interactions, to process).

Both work on what :class:`~gemtui.core.store.Store` returns (a summary and stored turns), so the
TUI and ``gemtui export`` share them. Both are redacted again on the way out (the store already
redacted what it wrote; this also catches key-shaped text and a key given only now).

- **Markdown**: per turn the prompt, shown as typed (as the TUI shows it), then the answer as
  the conversation shows it: its continuation hops one text, its citation markers in place and
  the numbered sources list under it, a failed part's error; thoughts and tool calls and
  results go in collapsible ``<details>`` sections, so the page reads as a chat, and a turn
  that failed says why. Nothing a prompt or an answer holds can change the page's structure
  (:mod:`gemtui.core.markdown_safe`): a prompt cannot make headings or fences, an answer's
  headings sit below the page's own, its raw HTML shows as text, a fence it left open (a
  cancelled answer) ends with its turn. Inline media is described (type, MIME type, size), not
  embedded. Terminal control sequences are removed, so the file is safe to ``cat``.
- **JSON**: every turn with the input it sent and the wire JSON of every step it received, as
  stored (inline data and thought signatures included), plus outcome, usage, ids and settings;
  ``error`` says why a turn failed, as the TUI does (the history keeps the failed steps'
  ``error``, not the interaction's ``errors[]``).
"""

from __future__ import annotations

import base64
import dataclasses
import errno
import itertools
import json
import os
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gemtui.api.models import ModelOutputStep, StepBase, TextContent
from gemtui.core.assembler import assembled_interaction, step_groups
from gemtui.core.attachments import TEXT_TYPE, Attachment
from gemtui.core.blobs import MISSING_KEY
from gemtui.core.citations import Source, citations_of, marked_text, sources_of
from gemtui.core.markdown_safe import contained, fenced, literal, literal_block, plain_heading
from gemtui.core.run_errors import failure_report, step_error
from gemtui.core.safety import clean_terminal_text, redact_secrets
from gemtui.core.store_records import (
    TITLE_LIMIT,
    UNTITLED,
    ConversationSummary,
    StoredTurn,
    title_from_prompt,
)
from gemtui.core.turn import Turn
from gemtui.core.wording import format_size

FORMATS = ("md", "json")
JSON_FORMAT = "gemtui-conversation/1"

#: The level of an answer's highest heading: below the page's title (1) and turns (2).
ANSWER_HEADINGS = 3
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
        "error": failure_text(turn),
        "settings": dataclasses.asdict(stored.settings),
        "input": [*sent, *turn.asked.results],
        # The attachments as their chips said (the items keep no file name).
        **({"attachment_labels": turn.asked.attachment_labels} if turn.asked.attachments else {}),
        "interaction": {
            "id": interaction.id,
            "status": interaction.status,
            "previous_interaction_id": stored.previous_interaction_id,
            "usage": interaction.usage.to_wire() if interaction.usage is not None else None,
            "steps": [step.step.to_wire() for step in turn.reply.state.steps],
            **(
                {"errors": [error.to_wire() for error in interaction.errors]}
                if interaction.errors
                else {}
            ),
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
    parts = [f"# {_title(summary, turns)}", _about(summary, turns)]
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


def _title(summary: ConversationSummary, turns: Sequence[StoredTurn]) -> str:
    """The page's title as words: a title made from the first prompt (not one the user gave)
    is made again from the prompt's first words, so "# Heading" or a fence ("```python") in
    the prompt does not become the title's Markdown."""
    first = next((s.turn.asked.prompt for s in turns if s.turn.asked.prompt), "")
    if first and summary.title == title_from_prompt(first):
        made = plain_heading(first, limit=TITLE_LIMIT)
        if made:
            return made
    return plain_heading(summary.title) or literal(summary.title) or UNTITLED


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
    return "*" + literal(" · ".join(facts)) + "*"


def _turn_markdown(number: int, stored: StoredTurn) -> list[str]:
    turn = stored.turn
    asked = turn.asked
    exchange = asked.exchange
    who = "You" if exchange is None else (exchange.client or "A program")
    parts = [f"## {number}. {literal(who)}"]
    if exchange is not None:
        parts.append(f"*Captured by the inspector: {literal(exchange.label)}*")
    if asked.prompt:
        # Shown as typed, as the TUI shows it: a prompt is not Markdown of the page.
        parts.append(literal_block(asked.prompt))
    if asked.attachments:
        labels = asked.attachment_labels
        described = ", ".join(
            _describe_media(item, labels[index] if index < len(labels) else "")
            for index, item in enumerate(asked.attachments)
        )
        parts.append(f"*Attached: {literal(described)}*")
    for step in asked.results:
        parts.append(_details(f"Sent: {step.get('type', 'step')}", _fenced(_without_noise(step))))
    parts.append(f"## {number}. Gemini")
    for group in step_groups(turn.reply.state.steps):
        if isinstance(group[0].step, ModelOutputStep):
            parts.extend(_answer_markdown([state.step for state in group]))
        else:
            parts.extend(_step_markdown(group[0].step.to_wire()))
    parts.append(_footer(stored))
    return parts


def _answer_markdown(steps: list[StepBase]) -> list[str]:
    """One answer (its continuation hops together) as the conversation shows it: its text
    blocks joined as one, with citation markers and the sources they number below; media
    described, those before the text first; what a failed part said."""
    contents = [item for step in steps for item in getattr(step, "content", None) or ()]
    texts = [item for item in contents if isinstance(item, TextContent)]
    first_text = next((n for n, c in enumerate(contents) if isinstance(c, TextContent)), None)
    media = [
        (n, f"*[{literal(_describe_media(item.to_wire()))}]*")
        for n, item in enumerate(contents)
        if not isinstance(item, TextContent)
    ]
    parts = [line for n, line in media if first_text is None or n < first_text]
    sources = sources_of(citations_of(texts))
    text = marked_text(texts) if sources else "".join(item.text for item in texts)
    if text.strip():
        parts.append(contained(text.strip("\n"), top=ANSWER_HEADINGS))
    parts += [line for n, line in media if first_text is not None and n > first_text]
    for error in filter(None, map(step_error, steps)):
        parts.append(f"*× The model's output failed: {literal(error.line())}*")
    if sources:
        listed = "\n".join(f"{s.number}. {_source_entry(s)}" for s in sources)
        parts.append(f"**Sources**\n\n{listed}")
    return parts


def _step_markdown(wire: dict[str, Any]) -> list[str]:
    kind = wire.get("type") or "unknown"
    if kind == "thought":
        texts = [
            b.get("text") or ""
            for b in wire.get("summary") or ()
            if isinstance(b, dict) and b.get("type") == "text"
        ]
        summary = "\n\n".join(t for t in texts if t)
        body = contained(summary, top=ANSWER_HEADINGS) if summary else "*(no summary)*"
        return [_details("Thought", body)]
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


def _source_entry(source: Source) -> str:
    """A source of the list under an answer: a link when it has a web address."""
    name = literal(source.title or source.url or source.kind)
    if source.kind == "file":
        return name + (f", {literal(source.detail)}" if source.detail else "")
    if not source.url:
        return name
    url = f"<{source.url}>" if re.search(r"[\s()<>]", source.url) else source.url
    return f"[{name}]({url})"


def failure_text(turn: Turn) -> str | None:
    """Why the turn failed, as the TUI says it: the error it ended with (a refused request, a
    cut stream), or for a run that failed at the server the reasons its steps give."""
    reply = turn.reply
    if reply.error is not None:
        return str(reply.error)
    if reply.outcome == "failed":
        return failure_report(assembled_interaction(reply.state)).message
    return None


def _footer(stored: StoredTurn) -> str:
    turn = stored.turn
    interaction = turn.reply.state.interaction
    facts = [turn.reply.outcome]
    usage = interaction.usage
    if usage is not None and usage.total_tokens is not None:
        facts.append(f"{usage.total_tokens} tokens")
    if interaction.id:
        facts.append(f"interaction {interaction.id}")
    # Our own words and the server's ids: nothing Markdown reads (an id stays copyable).
    line = "*" + " · ".join(facts) + "*"
    failure = failure_text(turn)
    if failure is not None:
        line += f"\n\n> **Error:** {literal(failure)}"
    return line


def _details(summary: str, body: str) -> str:
    # Blank lines around the body let Markdown renderers format what is inside.
    return f"<details>\n<summary>{_html(summary)}</summary>\n\n{body}\n\n</details>"


def _fenced(value: Any) -> str:
    if isinstance(value, str):
        return fenced(value)
    return fenced(json.dumps(value, ensure_ascii=False, indent=2), "json")


def _describe_media(item: dict[str, Any], label: str = "") -> str:
    """``image (pic.png, image/png, 6.4 KB)``: the file's name as its chip said (``label``),
    its type, and its size or where it is."""
    kind = item.get("type") or "content"
    if isinstance(item.get("text"), str):
        return _describe_text_file(item, label)
    sent = Attachment.sent_before(item, label)
    named = [sent.name] if sent.name != "attachment" else []
    details = [*named, item.get("mime_type") or "unknown type"]
    data = item.get("data")
    if isinstance(data, str):
        details.append(format_size(_decoded_length(data)))
    elif item.get("uri"):
        details.append(str(item["uri"]))
    elif item.get(MISSING_KEY):
        details.append(f"attachment file missing: {item[MISSING_KEY]}")
    return f"{kind} ({', '.join(details)})"


def _describe_text_file(item: dict[str, Any], label: str = "") -> str:
    """A text file sent as text: its name, its type and the file's own size, as its chip said
    (the item has no MIME type, and its text begins with a line naming the file)."""
    sent = Attachment.sent_before(item, label)
    named = [sent.name] if sent.name != "attachment" else []
    return f"text ({', '.join([*named, TEXT_TYPE, format_size(sent.size)])})"


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


def write_private(path: Path, text: str, *, replace: bool = True) -> None:
    """Write an export readable by the user only, like the history it comes from.

    The folder must exist: a mistyped folder is not made (as ``git`` and shells do not); the
    error then names it. ``replace=False`` raises :class:`FileExistsError` for a file that is
    there already, instead of replacing it.
    """
    if not path.parent.is_dir():
        missing = str(path.parent)
        raise FileNotFoundError(errno.ENOENT, f"there is no folder {missing}", missing)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_new(folder: Path, stem: str, suffix: str, text: str) -> Path:
    """Write to ``folder/stem.suffix``, or if that is taken ``stem-2.suffix``, ``stem-3...``,
    so an export never replaces an earlier one (the folder is made if need be); returns the
    file written."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in itertools.count(1):
        path = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        try:
            write_private(path, text, replace=False)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")
