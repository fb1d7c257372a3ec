"""What the history store hands out, and the conversions between core objects and table rows.

Kept apart from :mod:`gemtui.core.store` so that the SQL there reads as SQL: this module knows the
shapes (settings as JSON, a stored turn as a :class:`~gemtui.core.conversation.Turn` again, which
text of a step is searchable) and nothing about connections or locks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from gemtui.api.errors import StreamInterrupted
from gemtui.api.models import Interaction, Usage, parse_step
from gemtui.core.assembler import InteractionState, StepState
from gemtui.core.attachments import stored_label
from gemtui.core.blobs import BlobStore
from gemtui.core.conversation import ChatSettings
from gemtui.core.safety import clean_terminal_text
from gemtui.core.turn import Asked, Exchange, Outcome, Reply, StoredAt, Turn, TurnKind

TITLE_LIMIT = 60
UNTITLED = "Untitled"

#: Outcomes a turn has in the database while its stream is (or was, before a crash) running.
UNFINISHED_OUTCOMES = frozenset({"pending", "streaming"})
_KNOWN_OUTCOMES = frozenset(Outcome.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the conversation list."""

    id: int
    title: str
    model: str | None
    mode: str
    created: float
    updated: float
    archived: bool
    #: Every turn, on every branch (what deleting the conversation deletes).
    turn_count: int
    #: The turns of the branch in use: what opening or exporting it shows.
    branch_turns: int
    head_turn_id: int | None


class PendingRun(NamedTuple):
    """A background run the history keeps pending: started (Ctrl+B, ``ask --background``),
    its answer not fetched yet."""

    conversation_id: int
    turn_id: int
    interaction_id: str
    prompt: str
    #: The model or agent it runs on.
    owner: str
    #: When it was started (seconds since the epoch).
    created: float


class TreeNode(NamedTuple):
    """One turn of a conversation's tree, without its steps (for listing branches)."""

    id: int
    parent_turn_id: int | None
    prompt: str
    created: float


@dataclass(slots=True)
class StoredTurn:
    """A turn read back from the store: the core turn plus where it sits in the history."""

    id: int
    conversation_id: int
    ordinal: int
    parent_turn_id: int | None
    created: float
    finished: float | None
    settings: ChatSettings
    previous_interaction_id: str | None
    turn: Turn

    @property
    def interaction_id(self) -> str | None:
        return self.turn.interaction_id


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text match.

    ``kind`` is ``prompt``, ``answer``, ``thought`` or ``tool``; ``snippet`` is plain text (a
    window of the matched text, ``…`` where it was cut) and ``highlights`` the ``(start, end)``
    offsets of the matched terms in it. Hits come prompts first, then answers, thoughts and tool
    results; ``rank`` is the bm25 relevance within a kind (smaller is better, FTS5's convention).
    """

    conversation_id: int
    conversation_title: str
    turn_id: int
    step_index: int | None
    kind: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    rank: float
    #: How the hit's turn ended (``completed``, ``cancelled``…; "" if unknown): a prompt
    #: cancelled and sent again is two hits with the same words.
    outcome: str = ""


class StoredError(Exception):
    """The error a turn ended with, as text: the exception itself is not kept across runs."""


def _stored_error(text: str | None) -> Exception | None:
    """The error a turn ended with, read back: a cut stream as the error it was (it is said
    the same way live and read back), anything else as its text."""
    if not text:
        return None
    return StreamInterrupted.read_back(text) or StoredError(text)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def settings_json(settings: ChatSettings) -> str:
    return dumps(dataclasses.asdict(settings))


def settings_from_json(text: str | None) -> ChatSettings:
    """Settings as stored; keys this version does not know (written by a newer one) are ignored."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    known = {f.name for f in dataclasses.fields(ChatSettings)}
    if not isinstance(data, dict):
        data = {}
    return ChatSettings(**{k: v for k, v in data.items() if k in known})


def title_from_prompt(prompt: str) -> str:
    """The first non-blank line of ``prompt``, spaces collapsed, cut to 60 characters."""
    for line in clean_terminal_text(prompt).splitlines():
        words = " ".join(line.split())
        if words:
            return words if len(words) <= TITLE_LIMIT else words[: TITLE_LIMIT - 1] + "…"
    return UNTITLED


def searchable_text(wire: dict[str, Any]) -> tuple[str, str] | None:
    """``(kind, text)`` to index for a step's wire JSON, or ``None`` for steps not searched.

    Answers are the text blocks of ``model_output``, thoughts their summary text, tool results
    every string inside ``result`` (search results, fetched pages, code output, function results).
    """
    kind = wire.get("type")
    if kind == "model_output":
        text = _block_texts(wire.get("content"))
        return ("answer", text) if text else None
    if kind == "thought":
        text = _block_texts(wire.get("summary"))
        return ("thought", text) if text else None
    if isinstance(kind, str) and kind.endswith("_result"):
        text = "\n".join(_strings(wire.get("result")))
        return ("tool", text) if text else None
    return None


def _block_texts(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return ""
    texts = [b.get("text") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str) and t)


def _strings(value: Any) -> list[str]:
    """Every string in a JSON value, depth first (dict keys left out: they are field names)."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def step_state_from_row(row: Any, blobs: BlobStore) -> StepState:
    """A finished (or, after a crash, partial) step as the assembler would hold it, its media
    back from ``blobs``."""
    return StepState(
        index=row["wire_index"],
        started_at=row["started_at"] or 0.0,
        stopped_at=row["stopped_at"],
        size=row["size"],
        done=bool(row["done"]),
        usage=Usage.model_validate_json(row["usage"]) if row["usage"] else None,
        _model=parse_step(blobs.restore(json.loads(row["json"]))),
    )


def turn_from_row(row: Any, step_rows: list[Any], settings: ChatSettings, blobs: BlobStore) -> Turn:
    """The core :class:`Turn` of a ``turns`` row and its ``steps`` rows (in order), sent
    with ``settings``; inline data comes back from ``blobs``.

    A turn whose stream never finished (the process died) reads back as ``interrupted``.
    """
    interaction = Interaction(
        id=row["interaction_id"],
        # Not stored as the server named it: what the turn was sent to. Its cost, the usage
        # report and the timeline's detail go by it.
        model=None if settings.agent else settings.model,
        agent=settings.agent,
        status=row["status"],
        usage=Usage.model_validate_json(row["usage"]) if row["usage"] else None,
        previous_interaction_id=row["previous_interaction_id"],
        errors=json.loads(row["errors"]) if row["errors"] else None,
    )
    state = InteractionState(interaction=interaction)
    for step_row in step_rows:
        step = step_state_from_row(step_row, blobs)
        state.steps.append(step)
        state._by_index[step.index] = step
    outcome = row["outcome"]
    # A background run's row stays pending, with its id, until its answer is fetched.
    in_background = outcome == "pending" and row["interaction_id"] is not None
    if outcome in UNFINISHED_OUTCOMES or outcome not in _KNOWN_OUTCOMES:
        outcome = "interrupted"
    state.completed = outcome == "completed"
    attachments = blobs.restore(json.loads(row["attachments"]))
    results = blobs.restore(json.loads(row["extra_input"]))
    prompt = row["prompt"]
    labels = _labels(row["attachment_labels"])
    asked = Asked(
        prompt=prompt,
        attachments=attachments,
        attachment_labels=[
            stored_label(item, labels[index] if index < len(labels) else "")
            for index, item in enumerate(attachments)
        ],
        results=results,
        kind=_kind(row, bool(results and not (prompt or attachments))),
        stateful=settings.stateful,
        sent_with=settings,
    )
    if row["source"] is not None:
        _captured(asked, row, blobs)
    reply = Reply(
        state=state,
        outcome=outcome,
        error=_stored_error(row["error"]),
        in_background=in_background,
    )
    return Turn(asked=asked, reply=reply, stored=StoredAt(row["id"], row["parent_turn_id"]))


def _labels(text: str | None) -> list[str]:
    """The chips' words a turn was sent with (none for a row from before version 6, or one
    that holds anything but a list of strings)."""
    try:
        labels = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(labels, list):
        return []
    return [label if isinstance(label, str) else "" for label in labels]


def _kind(row: Any, only_results: bool) -> TurnKind:
    """A stored turn's kind: a summary as written (the chain starts from it); the others as
    before the kind was stored, from what they sent."""
    if row["kind"] == "summary":
        return "summary"
    return "results" if only_results else "prompt"


def _captured(asked: Asked, row: Any, blobs: BlobStore) -> None:
    """Make ``asked`` the captured turn the row holds: its request and exchange."""
    try:
        request = json.loads(row["request"] or "{}")
        exchange = json.loads(row["exchange"] or "{}")
    except ValueError:
        request, exchange = {}, {}
    asked.kind = "captured"
    asked.request = blobs.restore(request) if isinstance(request, dict) else {}
    asked.exchange = Exchange.from_json(exchange)
    asked.exchange.source = row["source"]
    asked.exchange.client = row["client"] or asked.exchange.client
    asked.label = asked.exchange.label


# Snippet markers: control characters, which the stored text never keeps (see below).
MARK_START, MARK_END = "\x02", "\x03"
_MARKS = re.compile(f"[{MARK_START}{MARK_END}]")


def index_text(text: str) -> str:
    """Text as it goes into the full-text index: without the characters used as markers."""
    return detached(_MARKS.sub("", text))


def detached(text: str) -> str:
    """A copy of ``text`` to bind to a statement in place of a string the app keeps.

    Binding a string that holds any non-ASCII character keeps its UTF-8 encoding on the string
    itself, for as long as it lives: given the very string an answer or a prompt keeps (the
    index's text often is), a 1 MB answer carried another megabyte while it was open. An
    ASCII string is its own UTF-8 and keeps nothing: it needs no copy."""
    return text if text.isascii() else text.encode().decode()


def split_snippet(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain snippet text and the offsets of the parts wrapped in the markers (search_snippet)."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length, start = 0, None
    for piece in re.split(f"([{MARK_START}{MARK_END}])", marked):
        if piece == MARK_START:
            start = length
        elif piece == MARK_END:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            piece = clean_terminal_text(piece)
            plain.append(piece)
            length += len(piece)
    return "".join(plain), tuple(spans)
