"""``gemtui history [--search TEXT] [--json] [--limit N] [--archived]``: the stored conversations.

Lists conversations newest first (most recently updated), or with ``--search`` those whose
prompts, answers, thoughts or tool results match, best match first, each with a snippet of the
text that matched (the store's full-text index, the same search as the TUI's). Archived ones
only with ``--archived``.

Text output is a table for a person, fitted to 80 columns (or the terminal's width); titles and
snippets come from the history and are untrusted, so they are cleaned and kept to one line.
``--json`` prints one JSON array for scripts, with the keys of the ``conversation`` object of
``gemtui export --format json`` plus ``turns`` (and ``match`` and ``snippet`` when searching).

Opens the history read-only (it works while a TUI writes to it and never changes it) and loads
neither Textual nor the HTTP stack. Exit codes: 0 listed (an empty list too), 1 the history
cannot be read, 2 a bad ``--limit`` or an empty ``--search``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from gemtui.core.credentials import api_key_from_env
from gemtui.headless import exits
from gemtui.headless.output import complain

if TYPE_CHECKING:
    from gemtui.core.store import Store
    from gemtui.core.store_records import ConversationSummary, SearchHit

PREFIX = "gemtui history: "
#: Width of the table when stdout is not a terminal, and the least it ever gets.
WIDTH = 80
#: Widest the model column gets; longer names are cut.
MODEL_WIDTH = 20
#: Search hits read to find ``--limit`` distinct conversations (hits come several per
#: conversation: one per matching prompt, answer, thought or tool result), and for ``--limit 0``.
HITS_PER_CONVERSATION = 20
ALL_HITS = 100_000
_GAP = "  "


@dataclass(frozen=True, slots=True)
class Row:
    """One conversation to list, with the search hit that found it (when searching)."""

    summary: ConversationSummary
    hit: SearchHit | None = None


def run_history(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    if args.limit < 0:
        stderr.write(f"{PREFIX}--limit must be 0 (all) or more.\n")
        return exits.USAGE
    if args.search is not None and not args.search.split():
        stderr.write(f"{PREFIX}--search needs a word to look for.\n")
        return exits.USAGE
    from gemtui.core.store import Store, StoreError, default_path

    secrets = [key] if (key := api_key_from_env()) else []
    rows: list[Row] = []
    more = 0
    path = default_path()
    # No file yet: nothing to list, and nothing is wrong; unless the data folder is a file.
    if path.exists() or path.parent.is_file():
        try:
            with Store.open_default(secrets=secrets, read_only=True) as store:
                if args.search is not None:
                    rows = _matches(store, args.search, args.limit, archived=args.archived)
                else:
                    every = store.list_conversations(archived=None if args.archived else False)
                    rows = [Row(summary) for summary in every[: args.limit or None]]
                    more = len(every) - len(rows)
        except StoreError as error:
            complain(stderr, PREFIX.removesuffix(": "), error.explained())
            return exits.API_ERROR
    if args.json:
        from gemtui.core.export import safe_json

        stdout.write(safe_json([_row_json(row) for row in rows], secrets=secrets))
        return exits.OK
    if not rows:
        found = "no conversation matches" if args.search is not None else "no conversations yet"
        stderr.write(f"{PREFIX}{found}.\n")
        return exits.OK
    stdout.write(table(rows, _width(stdout), secrets=secrets))
    if more:
        stderr.write(f"{PREFIX}{more} older not shown; --limit 0 lists all.\n")
    return exits.OK


def _matches(store: Store, text: str, limit: int, *, archived: bool) -> list[Row]:
    """The conversations with a match for ``text``, best first, each with its best hit."""
    hits = store.search(text, limit=limit * HITS_PER_CONVERSATION if limit else ALL_HITS)
    rows: dict[int, Row] = {}
    for hit in hits:
        if hit.conversation_id in rows:
            continue
        summary = store.get_conversation(hit.conversation_id)
        if summary is None or (summary.archived and not archived):
            continue
        rows[hit.conversation_id] = Row(summary, hit)
        if len(rows) == limit:
            break
    return list(rows.values())


def _row_json(row: Row) -> dict[str, Any]:
    from gemtui.core.export import conversation_json

    summary = row.summary
    # ``turns``: the branch in use, as opening or exporting it shows; an edit's other branch
    # counts in ``all_turns`` only.
    data = {
        **conversation_json(summary),
        "turns": summary.branch_turns,
        "all_turns": summary.turn_count,
    }
    if row.hit is not None:
        data["match"] = row.hit.kind
        data["snippet"] = row.hit.snippet
    return data


def _width(stdout: IO[str]) -> int:
    """The terminal's width when printing to one (at least 80), else 80."""
    isatty = getattr(stdout, "isatty", None)
    if isatty is None or not isatty():
        return WIDTH
    return max(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)


def table(rows: list[Row], width: int = WIDTH, *, secrets: list[str] | None = None) -> str:
    """The rows as text lines no wider than ``width``: ID, date updated (local time), turns,
    model and title; a search adds the matching snippet on an indented line under each."""
    from gemtui.core.safety import one_line, redact_secrets

    def clean(text: str) -> str:
        return one_line(redact_secrets(text, secrets or ()))

    id_width = max(2, *(len(str(row.summary.id)) for row in rows))
    models = [clean(row.summary.model or "") for row in rows]
    model_width = min(MODEL_WIDTH, max(len("MODEL"), *(columns(m) for m in models)))
    fixed = [id_width, len("YYYY-MM-DD HH:MM"), len("TURNS"), model_width]
    title_width = width - sum(fixed) - len(_GAP) * len(fixed)
    lines = [
        _GAP.join(
            ["ID".rjust(id_width), "UPDATED".ljust(fixed[1]), "TURNS", "MODEL".ljust(model_width)]
        )
        + _GAP
        + "TITLE"
    ]
    for row, model in zip(rows, models, strict=True):
        summary = row.summary
        title = clean(summary.title)
        if summary.archived:
            title = f"(archived) {title}"
        cells = [
            str(summary.id).rjust(id_width),
            time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.updated)),
            str(summary.branch_turns).rjust(len("TURNS")),
            cut(model, model_width),
            cut(title, title_width),
        ]
        lines.append(_GAP.join(cells).rstrip())
        if row.hit is not None:
            indent = " " * (id_width + len(_GAP))
            snippet = f"{row.hit.kind}: {clean(row.hit.snippet)}"
            lines.append((indent + cut(snippet, width - len(indent))).rstrip())
    return "\n".join(lines) + "\n"


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ``…`` marking the cut, then padded to
    ``width`` with spaces (wide characters such as CJK take two columns)."""
    if columns(text) > width:
        kept, used = [], 0
        for char in text:
            used += _columns(char)
            if used > width - 1:
                break
            kept.append(char)
        text = "".join(kept) + "…" if width > 0 else ""
    return text + " " * (width - columns(text))


def columns(text: str) -> int:
    """Terminal columns ``text`` takes."""
    return sum(_columns(char) for char in text)


def _columns(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
