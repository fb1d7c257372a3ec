"""The history: every conversation, turn and step in one SQLite file, searchable and resumable.

Choices, decided once here:

- **stdlib ``sqlite3``, WAL, ``synchronous=NORMAL``.** Each write is its own short transaction,
  committed before the call returns, so a killed process loses at most what it had not yet
  handed to the store (the step in flight); WAL lets readers (another gemtui process, the
  search screen) read while a turn is written. ``busy_timeout`` makes two processes wait for
  each other instead of failing. NORMAL may lose the last commits on power loss, never on a
  process crash, and never corrupts the file.
- **One connection, one lock.** The store is opened with ``check_same_thread=False`` and every
  call takes a lock, so it may be used from one worker thread (the TUI's stream worker) and
  another (the list or search screen) without a dedicated writer thread: the writes are small
  and synchronous, and a caller that must not block (the UI thread) calls from a worker. A
  writer thread with a queue would add a second place where errors surface and make reads
  wait for unrelated writes anyway.
- **Step granularity.** :meth:`Store.record_step` upserts one step (its exact wire JSON); the
  turn row is written when the turn starts and updated when it ends (:meth:`finish_turn`).
- **The key is never stored.** Every text written (prompts, step JSON, errors, settings,
  attachments) goes through :func:`~gemtui.core.safety.redact_secrets` with the secrets the store
  was opened with, plus the shapes that function recognises anyway.
- **Inline media live beside the file, not in it.** A stateless conversation must resend its
  history exactly, so attachments are kept whole, but their base64 ``data`` (and that of images
  and audio in steps) goes to content-addressed blob files next to the database
  (:mod:`gemtui.core.blobs`): the same file sent twice is stored once, and the database stays
  small enough to open, search and back up quickly. Rows hold a ``gemtui_blob`` reference and
  get their data back when read; like the rows themselves, a turn's media are read only when
  the turn is loaded. A blob's bytes are the user's content and are not redacted.
- **Branches.** A turn records the turn it follows; the conversation's ``head_turn_id`` is the
  last turn of the branch in use. :meth:`start_turn` with ``parent_turn_id`` of an earlier turn
  starts a branch; :meth:`set_head` switches back.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

from gemtui.api.models import Usage
from gemtui.core import search_snippet
from gemtui.core.assembler import StepState
from gemtui.core.blobs import BlobStore
from gemtui.core.conversation import ChatSettings
from gemtui.core.data_dir import DATA_DIR_VARIABLE, data_dir
from gemtui.core.safety import clean_terminal_text, redact_secrets
from gemtui.core.search_snippet import is_substring_word
from gemtui.core.store_records import (
    ConversationSummary,
    PendingRun,
    SearchHit,
    StoredTurn,
    TreeNode,
    detached,
    dumps,
    index_text,
    searchable_text,
    settings_from_json,
    settings_json,
    split_snippet,
    title_from_prompt,
    turn_from_row,
)
from gemtui.core.store_schema import (
    MIGRATIONS,
    SchemaTooNew,
    migrate,
    schema_version,
    stored_blob_references,
)
from gemtui.core.turn import Exchange, Turn

__all__ = [
    "DATA_DIR_VARIABLE",
    "ConversationSummary",
    "SearchHit",
    "Store",
    "StoreError",
    "StoredTurn",
    "default_path",
]

DB_FILE = "history.sqlite3"
#: How long a write waits for another process's write to finish before giving up.
BUSY_TIMEOUT_S = 5.0
#: How long opening waits for another process's migration of the same file.
MIGRATION_WAIT_S = 300
#: SQLite's page cache per connection, in KiB (its default: 2 000).
PAGE_CACHE_KB = 512
#: Rows read by one ``IN (…)`` query: SQLite takes at most 32 766 parameters.
_IDS_PER_QUERY = 500
#: The schema version from which inline media live in blob files.
BLOBS_VERSION = 4
#: Search results come kind by kind in this order, each kind by relevance (bm25). A tier rather
#: than a bm25 weight: bm25 saturates and, in a small history, its IDF is clamped near zero for
#: common words, so no weight keeps a prompt above a short answer that repeats the word.
KIND_ORDER = ("prompt", "answer", "thought", "tool")
_TURN_COLUMNS = (
    "id, conversation_id, ordinal, parent_turn_id, prompt, attachments, extra_input, "
    "interaction_id, previous_interaction_id, outcome, status, usage, settings, created, "
    "finished, error, kind, source, client, request, exchange, errors, attachment_labels"
)
_STEP_COLUMNS = "turn_id, wire_index, started_at, stopped_at, size, done, usage, json"
_SUMMARY_SELECT = """
    SELECT c.id, c.title, c.model, c.mode, c.created, c.updated, c.archived, c.head_turn_id,
           (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS turn_count,
           (WITH RECURSIVE branch(id) AS (
                SELECT c.head_turn_id WHERE c.head_turn_id IS NOT NULL
                UNION ALL
                SELECT t.parent_turn_id FROM turns t JOIN branch b ON t.id = b.id
                WHERE t.parent_turn_id IS NOT NULL
            ) SELECT count(*) FROM branch) AS branch_turns
    FROM conversations c
"""
# The turns of the branch in use, newest first, walking parent links from the head.
_BRANCH = """
    WITH RECURSIVE branch(id) AS (
        SELECT head_turn_id FROM conversations WHERE id = :cid AND head_turn_id IS NOT NULL
        UNION ALL
        SELECT t.parent_turn_id FROM turns t JOIN branch b ON t.id = b.id
        WHERE t.parent_turn_id IS NOT NULL
    )
"""


class StoredRow(NamedTuple):
    """Where a turn is in the history: its conversation, its row and the row it follows."""

    conversation_id: int
    turn_id: int
    parent_id: int | None


class StoreError(Exception):
    """The history cannot be read or written; the text says why, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def explained(self) -> str:
        """What went wrong and what to do, on one line, as every front end says it."""
        said = str(self)
        if self.hint and not said.endswith((".", "!", "?")):
            said += "."  # the message may end with an OS error's own words
        return " ".join(part for part in (said, self.hint) if part)


def default_path(env: Mapping[str, str] = os.environ) -> Path:
    """``history.sqlite3`` in the data dir (``$GEMTUI_DATA_DIR`` or the platform's)."""
    return data_dir(env) / DB_FILE


#: The most characters of earlier prompts Up recalls (``Store.recent_prompts``).
RECALLED_CHARS = 2_000_000


class Store:
    """The history database. Open with ``Store(path, secrets=[api_key])``; close when done."""

    def __init__(
        self, path: str | os.PathLike[str], *, secrets: Iterable[str] = (), read_only: bool = False
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        # A list is kept, not copied: the app adds a key typed in the settings to it, and
        # every later write redacts that key too.
        self._secrets = secrets if isinstance(secrets, list) else list(secrets)
        self._lock = threading.RLock()
        self.blobs = BlobStore.beside(self.path)
        self._db = self._connect()

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def open_default(cls, *, secrets: Iterable[str] = (), read_only: bool = False) -> Store:
        return cls(default_path(), secrets=secrets, read_only=read_only)

    def _connect(self) -> sqlite3.Connection:
        hint = f"Move {self.path} aside to start a new history."
        folder = self.path.parent
        if folder.exists() and not folder.is_dir():
            raise StoreError(
                f"the data folder {folder} is a file, not a folder.",
                "Point GEMTUI_DATA_DIR at a folder gemtui may write, or move the file away.",
            )
        if self.read_only and not self.path.exists():
            raise StoreError(f"there is no history yet ({self.path} does not exist).")
        if not self.path.exists():
            hint = f"Check that gemtui may write in {folder}, or point GEMTUI_DATA_DIR elsewhere."
        try:
            if self.read_only:
                target, uri = f"{self.path.resolve().as_uri()}?mode=ro", True
            else:
                _create_private(self.path)
                target, uri = str(self.path), False
            db = sqlite3.connect(
                target,
                uri=uri,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the history {self.path}: {error}", hint) from None
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA foreign_keys = ON")
            # One long answer (its step and its full-text entry) fills SQLite's default
            # 2 MB page cache for the app's life, and the operating system caches the file
            # anyway: a smaller one keeps a 1 MB answer's process about 2 MB smaller
            # (bench/huge_answer.py --parts terminal) at no cost bench/long_chat_store.py sees.
            db.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KB:d}")
            if self.read_only:
                if schema_version(db) != len(MIGRATIONS):
                    raise StoreError(
                        f"the history {self.path} needs an upgrade that read-only mode cannot "
                        "make.",
                        "Open it once without read-only mode.",
                    )
            else:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                _migrate(db)
            db.execute("SELECT count(*) FROM conversations").fetchone()
        except SchemaTooNew as error:
            db.close()
            raise StoreError(
                f"the history {self.path} was written by a newer gemtui ({error}).",
                "Upgrade gemtui, or move the file aside to start a new history.",
            ) from None
        except sqlite3.DatabaseError as error:
            db.close()
            raise StoreError(
                f"the history {self.path} cannot be used: {_reason(error)}", hint
            ) from None
        except StoreError:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _redact(self, text: str) -> str:
        return redact_secrets(text, self._secrets)

    def _json(self, value: Any) -> str:
        return self._redact(dumps(value))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``IMMEDIATE``) so it never deadlocks midway."""
        if self.read_only:
            raise StoreError("the history is open read-only.")
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                raise StoreError(f"cannot write the history: {_reason(error)}") from None
            except OSError as error:  # a blob file (disk full, permissions)
                raise StoreError(f"cannot write the history's files: {error}") from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"cannot read the history: {_reason(error)}") from None

    # ------------------------------------------------------------------ writing a turn

    def create_conversation(self, settings: ChatSettings, *, title: str = "") -> int:
        """A new, empty conversation; its title comes from the first prompt unless given."""
        now = time.time()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, title_set_by_user, model, mode, settings, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self._redact(title),
                    bool(title),
                    settings.agent or settings.model,
                    settings.mode_label,
                    self._redact(settings_json(settings)),
                    now,
                    now,
                ),
            )
            return int(cursor.lastrowid or 0)

    def start_turn(
        self,
        conversation_id: int,
        turn: Turn,
        settings: ChatSettings,
        *,
        parent_turn_id: int | None,
        previous_interaction_id: str | None = None,
    ) -> int:
        """Write the turn's prompt before the request goes out; returns the turn id.

        The turn follows ``parent_turn_id`` (``None``: it is a first turn); when that is not
        the head, it starts a branch. Either way it becomes the head. ``settings`` (the
        settings in force) also become the conversation's settings.
        """
        now = time.time()
        asked = turn.asked
        prompt = detached(self._redact(asked.prompt))
        exchange = asked.exchange
        with self._write() as db:
            # Blobs are written under the write lock (see gemtui.core.blobs), before the row.
            captured = (
                (
                    exchange.source,
                    self._redact(exchange.client),
                    self._json(self.blobs.stow(asked.request)),
                    self._json(exchange.to_json()),
                )
                if exchange is not None
                else (None, None, None, None)
            )
            row = db.execute(
                "SELECT head_turn_id, title, "
                "(SELECT coalesce(max(ordinal), 0) FROM turns WHERE conversation_id = :cid) "
                "FROM conversations WHERE id = :cid",
                {"cid": conversation_id},
            ).fetchone()
            if row is None:
                raise StoreError(f"no conversation {conversation_id} in the history.")
            cursor = db.execute(
                f"INSERT INTO turns ({_TURN_COLUMNS}) VALUES "
                "(NULL, ?, ?, ?, ?, ?, ?, NULL, ?, 'pending', NULL, NULL, ?, ?, NULL, NULL, "
                "?, ?, ?, ?, ?, NULL, ?)",
                (
                    conversation_id,
                    row[2] + 1,
                    parent_turn_id,
                    prompt,
                    self._json(self.blobs.stow(asked.attachments)),
                    self._json(self.blobs.stow(asked.results)),
                    previous_interaction_id,
                    self._redact(settings_json(settings)),
                    now,
                    asked.kind,
                    *captured,
                    # Redacted as the prompt is: a file name can hold a secret too.
                    self._json(asked.attachment_labels) if asked.attachment_labels else None,
                ),
            )
            turn_id = int(cursor.lastrowid or 0)
            if prompt:
                db.execute(
                    "INSERT INTO search_index (rowid, text, kind, conversation_id, turn_id) "
                    "VALUES (?, ?, 'prompt', ?, ?)",
                    (-turn_id, index_text(prompt), conversation_id, turn_id),
                )
            db.execute(
                "UPDATE conversations SET head_turn_id = ?, updated = ?, model = ?, mode = ?, "
                "settings = ?, title = CASE WHEN title_set_by_user THEN title ELSE ? END "
                "WHERE id = ?",
                (
                    turn_id,
                    now,
                    settings.agent or settings.model,
                    settings.mode_label,
                    self._redact(settings_json(settings)),
                    row[1] or title_from_prompt(prompt),
                    conversation_id,
                ),
            )
            return turn_id

    def mark_created(self, turn_id: int, interaction_id: str | None) -> None:
        """The server accepted the request (``interaction.created``): keep its id at once, so a
        turn cut off later can still be fetched or resumed by id."""
        with self._write() as db:
            db.execute(
                "UPDATE turns SET interaction_id = coalesce(?, interaction_id), "
                "outcome = 'streaming' WHERE id = ?",
                (interaction_id, turn_id),
            )

    def record_step(self, turn_id: int, step: StepState, position: int) -> None:
        """Upsert one step: its wire JSON, timings and search text.

        ``position`` is the step's place in ``state.steps`` (``state.steps.index(step)``); call
        at ``step.stop``, or earlier for a partial step (it is rewritten when called again).
        """
        wire = step.step.to_wire()
        usage = self._redact(dumps(step.usage.to_wire())) if step.usage is not None else None
        with self._write() as db:
            stowed = self.blobs.stow(wire)
            raw = dumps(stowed)
            text = self._redact(raw)
            found = searchable_text(stowed if text == raw else json.loads(text))
            step_id = db.execute(
                "INSERT INTO steps (turn_id, step_index, wire_index, type, json, started_at, "
                "stopped_at, size, done, usage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (turn_id, step_index) DO UPDATE SET wire_index = excluded.wire_index, "
                "type = excluded.type, json = excluded.json, started_at = excluded.started_at, "
                "stopped_at = excluded.stopped_at, size = excluded.size, done = excluded.done, "
                "usage = excluded.usage RETURNING id",
                (
                    turn_id,
                    position,
                    step.index,
                    str(wire.get("type") or "?"),
                    text,
                    step.started_at,
                    step.stopped_at,
                    step.size,
                    step.done,
                    usage,
                ),
            ).fetchone()[0]
            db.execute("DELETE FROM search_index WHERE rowid = ?", (step_id,))
            if found is not None:
                db.execute(
                    "INSERT INTO search_index (rowid, text, kind, conversation_id, turn_id, "
                    "step_index) VALUES (?, ?, ?, "
                    "(SELECT conversation_id FROM turns WHERE id = ?), ?, ?)",
                    (step_id, index_text(found[1]), found[0], turn_id, turn_id, position),
                )

    def clear_steps(self, turn_id: int) -> None:
        """Forget the turn's steps: they are about to be written anew (a cut-off answer
        fetched whole from the server replaces the partial one)."""
        with self._write() as db:
            db.execute("DELETE FROM steps WHERE turn_id = ?", (turn_id,))

    def finish_turn(
        self,
        turn_id: int,
        outcome: str,
        usage: Usage | None = None,
        interaction_id: str | None = None,
        error: str | BaseException | None = None,
        *,
        status: str | None = None,
        exchange: Exchange | None = None,
        errors: list[dict[str, Any]] | None = None,
        endpoint: str | None = None,
    ) -> None:
        """The turn ended: its outcome, usage, interaction id (if not known yet) and error;
        for a captured turn also how its exchange ended (``exchange``); ``errors``: the
        interaction's ``errors[]``, why the run failed at the server; ``endpoint``: the
        server a background run was started on."""
        now = time.time()
        with self._write() as db:
            db.execute(
                "UPDATE turns SET outcome = ?, usage = ?, "
                "interaction_id = coalesce(?, interaction_id), status = coalesce(?, status), "
                "error = ?, finished = ?, exchange = coalesce(?, exchange), errors = ?, "
                "endpoint = coalesce(?, endpoint) WHERE id = ?",
                (
                    outcome,
                    self._json(usage.to_wire()) if usage is not None else None,
                    interaction_id,
                    status,
                    self._redact(str(error)) if error is not None else None,
                    now,
                    self._json(exchange.to_json()) if exchange is not None else None,
                    self._json(errors) if errors else None,
                    endpoint,
                    turn_id,
                ),
            )
            db.execute(
                "UPDATE conversations SET updated = ? "
                "WHERE id = (SELECT conversation_id FROM turns WHERE id = ?)",
                (now, turn_id),
            )

    # ------------------------------------------------------------------ managing conversations

    def rename(self, conversation_id: int, title: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET title = ?, title_set_by_user = 1 WHERE id = ?",
                (self._redact(" ".join(title.split())), conversation_id),
            )

    def archive(self, conversation_id: int, archived: bool = True) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET archived = ? WHERE id = ?", (archived, conversation_id)
            )

    def delete(self, conversation_id: int) -> None:
        """Delete the conversation with its turns, steps and index rows (by cascade), then the
        blob files nothing refers to any more."""
        with self._write() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        self.collect_garbage()

    def collect_garbage(self) -> int:
        """Remove the blob files no row refers to (left by a deleted conversation, or written by
        a transaction that failed); how many. Under the write lock, so no other process is
        between writing a blob and the row that refers to it."""
        with self._write() as db:
            return self.blobs.remove_unreferenced(stored_blob_references(db))

    def set_head(self, conversation_id: int, turn_id: int) -> None:
        """Make the branch ending at ``turn_id`` the one in use."""
        with self._write() as db:
            found = db.execute(
                "UPDATE conversations SET head_turn_id = ? WHERE id = ? AND EXISTS "
                "(SELECT 1 FROM turns WHERE id = ? AND conversation_id = ?)",
                (turn_id, conversation_id, turn_id, conversation_id),
            ).rowcount
        if not found:
            raise StoreError(f"turn {turn_id} is not part of conversation {conversation_id}.")

    # ------------------------------------------------------------------ reading

    def list_conversations(self, *, archived: bool | None = False) -> list[ConversationSummary]:
        """Conversations, most recently updated first; ``archived=None`` lists all."""
        where, args = ("", ()) if archived is None else (" WHERE c.archived = ?", (archived,))
        with self._read() as db:
            rows = db.execute(
                f"{_SUMMARY_SELECT}{where} ORDER BY c.updated DESC, c.id DESC", args
            ).fetchall()
        return [_summary(row) for row in rows]

    def get_conversation(self, conversation_id: int) -> ConversationSummary | None:
        with self._read() as db:
            row = db.execute(f"{_SUMMARY_SELECT} WHERE c.id = ?", (conversation_id,)).fetchone()
        return _summary(row) if row is not None else None

    def last_conversation_id(self) -> int | None:
        """The most recently updated conversation (archived or not)."""
        with self._read() as db:
            row = db.execute(
                "SELECT id FROM conversations ORDER BY updated DESC, id DESC LIMIT 1"
            ).fetchone()
        return int(row[0]) if row is not None else None

    def find_interaction(
        self, interaction_id: str, *, settled: bool = False
    ) -> tuple[int, int] | None:
        """``(conversation_id, turn_id)`` of the first turn that holds this interaction: the
        conversation that made it (a later one opened it by id). ``settled``: not a background
        run still pending, whose row has no answer yet."""
        pending = " AND outcome != 'pending'" if settled else ""
        with self._read() as db:
            row = db.execute(
                f"SELECT conversation_id, id FROM turns WHERE interaction_id = ?{pending} "
                "ORDER BY id LIMIT 1",
                (interaction_id,),
            ).fetchone()
        return (int(row[0]), int(row[1])) if row is not None else None

    def find_pending(self, interaction_id: str) -> StoredRow | None:
        """The turn that started this interaction as a background run and has not been
        completed yet (``gemtui ask --background``, completed by ``--wait``)."""
        return self._newest_row(interaction_id, " AND outcome = 'pending'")

    def find_stored(self, interaction_id: str) -> StoredRow | None:
        """The newest turn holding this interaction, whatever its outcome: ``gemtui ask
        --wait`` writes a run it fetched before into that row again, not into a new
        conversation (a reader that stopped early, a second wait)."""
        return self._newest_row(interaction_id, "")

    def _newest_row(self, interaction_id: str, condition: str) -> StoredRow | None:
        """The newest turn holding the interaction that meets ``condition`` (SQL, a constant)."""
        with self._read() as db:
            row = db.execute(
                "SELECT conversation_id, id, parent_turn_id FROM turns "
                f"WHERE interaction_id = ?{condition} ORDER BY id DESC LIMIT 1",
                (interaction_id,),
            ).fetchone()
        return StoredRow(int(row[0]), int(row[1]), row[2]) if row is not None else None

    def recent_prompts(self, limit: int = 500) -> list[str]:
        """The prompts the user sent most recently, across conversations, oldest first and
        each once (its latest time): what Up recalls in a new session, as a shell's history
        does. Function results, summaries, opened and captured turns are not the user's."""
        latest: dict[str, None] = {}
        held = 0
        with self._read() as db:
            rows = db.execute(
                "SELECT prompt FROM turns WHERE (kind = 'prompt' OR kind IS NULL) "
                "AND source IS NULL AND prompt != '' ORDER BY id DESC LIMIT ?",
                (limit * 2,),
            )
            for (prompt,) in rows:
                # Pasted documents are prompts too: what is kept in memory stays bounded.
                held += len(prompt)
                if len(latest) == limit or held > RECALLED_CHARS:
                    break
                latest.setdefault(prompt)
        return list(latest)[::-1]

    def pending_runs(
        self, since: float = 0.0, limit: int = 50, *, endpoint: str | None = None
    ) -> list[PendingRun]:
        """The background runs started after ``since`` (seconds since the epoch) whose answers
        were not fetched yet, newest last; with ``endpoint``, only those started there (and
        those kept before the history knew where: they may be of any server)."""
        where = "" if endpoint is None else "AND (endpoint IS NULL OR endpoint = :endpoint) "
        with self._read() as db:
            rows = db.execute(
                "SELECT conversation_id, id, interaction_id, prompt, settings, created "
                "FROM turns WHERE outcome = 'pending' AND interaction_id IS NOT NULL "
                f"AND created >= :since {where}ORDER BY id DESC LIMIT :limit",
                {"since": since, "limit": limit, "endpoint": endpoint},
            ).fetchall()
        runs = []
        for row in reversed(rows):
            settings = settings_from_json(row[4])
            owner = settings.agent or settings.model
            runs.append(PendingRun(int(row[0]), int(row[1]), row[2], row[3], owner, row[5]))
        return runs

    def load_turns(
        self,
        conversation_id: int,
        before_ordinal: int | None = None,
        limit: int | None = 50,
        *,
        all_branches: bool = False,
    ) -> list[StoredTurn]:
        """The newest ``limit`` turns before ``before_ordinal``, oldest first, with their steps.

        Only the branch in use unless ``all_branches``. For lazy loading: show the last screen
        from ``load_turns(cid)``, then ``load_turns(cid, before_ordinal=turns[0].ordinal)`` as
        the user scrolls up.
        """
        clauses = ["conversation_id = :cid"]
        if not all_branches:
            clauses.append("id IN (SELECT id FROM branch)")
        if before_ordinal is not None:
            clauses.append("ordinal < :before")
        sql = (
            f"{'' if all_branches else _BRANCH} SELECT {_TURN_COLUMNS} FROM turns "
            f"WHERE {' AND '.join(clauses)} ORDER BY ordinal DESC LIMIT :limit"
        )
        params = {"cid": conversation_id, "before": before_ordinal, "limit": limit or -1}
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()[::-1]
            return self._with_steps(db, rows)

    def turn(self, turn_id: int) -> StoredTurn | None:
        """One turn by its row id, with its steps (``None``: no such turn)."""
        with self._read() as db:
            rows = db.execute(f"SELECT {_TURN_COLUMNS} FROM turns WHERE id = ?", (turn_id,))
            found = self._with_steps(db, rows.fetchall())
        return found[0] if found else None

    def find_captured(self, interaction_id: str) -> int | None:
        """The newest captured turn (the inspector's) that holds this interaction, by row id."""
        with self._read() as db:
            row = db.execute(
                "SELECT id FROM turns WHERE interaction_id = ? AND source IS NOT NULL "
                "ORDER BY id DESC LIMIT 1",
                (interaction_id,),
            ).fetchone()
        return int(row[0]) if row is not None else None

    def turn_tree(self, conversation_id: int) -> list[TreeNode]:
        """Every turn of the conversation, all branches, without steps: cheap for long chats."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, parent_turn_id, prompt, created FROM turns "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [TreeNode(row[0], row[1], row[2], row[3]) for row in rows]

    def branch_totals(self, conversation_id: int) -> tuple[int, int]:
        """The turns of the branch in use and the tokens the server counted for them, turns
        not loaded yet included."""
        sql = (
            f"{_BRANCH} SELECT count(*), coalesce(sum(json_extract(usage, '$.total_tokens')), 0) "
            "FROM turns WHERE id IN (SELECT id FROM branch)"
        )
        with self._read() as db:
            turns, tokens = db.execute(sql, {"cid": conversation_id}).fetchone()
        return int(turns), int(tokens)

    def _with_steps(self, db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[StoredTurn]:
        steps: dict[int, list[sqlite3.Row]] = {row["id"]: [] for row in rows}
        if steps:
            marks = ",".join("?" * len(steps))
            for step_row in db.execute(
                f"SELECT {_STEP_COLUMNS} FROM steps WHERE turn_id IN ({marks}) "
                "ORDER BY turn_id, step_index",
                tuple(steps),
            ):
                steps[step_row["turn_id"]].append(step_row)
        return [
            StoredTurn(
                id=row["id"],
                conversation_id=row["conversation_id"],
                ordinal=row["ordinal"],
                parent_turn_id=row["parent_turn_id"],
                created=row["created"],
                finished=row["finished"],
                settings=settings,
                previous_interaction_id=row["previous_interaction_id"],
                turn=turn_from_row(row, steps[row["id"]], settings, self.blobs),
            )
            for row, settings in ((row, settings_from_json(row["settings"])) for row in rows)
        ]

    def conversation_settings(self, conversation_id: int) -> ChatSettings:
        """The settings the conversation's last turn was sent with."""
        with self._read() as db:
            row = db.execute(
                "SELECT settings FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        return settings_from_json(row[0] if row else None)

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Full-text search over prompts, answers, thought summaries and tool results.

        ``query`` is what the user typed: each word must occur (any order), the last one as a
        prefix (so results follow typing). FTS5 syntax in it (quotes, ``AND``, ``*``, ``:``)
        is taken literally, never as an operator, so no input can make the query fail.
        """
        words = clean_terminal_text(query).split()
        if not words:
            return []
        conditions, parameters = search_conditions(words)
        # bm25() ranks only what the index matched; substring words alone rank by recency.
        score = "bm25(search_index)" if "MATCH" in conditions[0] else "0"
        tiers = " ".join(f"WHEN '{kind}' THEN {n}" for n, kind in enumerate(KIND_ORDER))
        sql = (
            "SELECT s.conversation_id, c.title, s.turn_id, s.step_index, s.kind, s.rowid, "
            f"{score} AS score, CASE s.kind {tiers} ELSE {len(KIND_ORDER)} END AS tier, "
            "t.outcome FROM search_index s JOIN conversations c ON c.id = s.conversation_id "
            "LEFT JOIN turns t ON t.id = s.turn_id "
            f"WHERE {' AND '.join(conditions)} ORDER BY tier, score, s.turn_id DESC LIMIT ?"
        )
        # Each hit's text is read as stored, for the hits kept only (see search_snippet).
        with self._read() as db:
            rows = db.execute(sql, (*parameters, limit)).fetchall()
            ids = [row["rowid"] for row in rows]
            texts: dict[int, str] = {}
            for start in range(0, len(ids), _IDS_PER_QUERY):  # `history search` asks for many
                batch = ids[start : start + _IDS_PER_QUERY]
                marks = ",".join("?" * len(batch))
                texts.update(
                    db.execute(
                        f"SELECT rowid, text FROM search_index WHERE rowid IN ({marks})", batch
                    )
                )
        hits = []
        for row in rows:
            text = texts[row["rowid"]]
            snippet, highlights = split_snippet(search_snippet.snippet(text, words))
            hits.append(
                SearchHit(
                    conversation_id=int(row[0]),
                    conversation_title=row[1],
                    turn_id=int(row[2]),
                    step_index=None if row[3] is None else int(row[3]),
                    kind=row[4],
                    snippet=snippet,
                    highlights=highlights,
                    rank=float(row["score"]),
                    outcome=row["outcome"] or "",
                )
            )
        return hits


def fts_query(words: list[str], *, last_is_prefix: bool = True) -> str | None:
    """An FTS5 query matching every one of ``words`` literally, the last as a prefix.

    The words come from :func:`~gemtui.core.safety.clean_terminal_text` of what was typed:
    a control character such as NUL would end the query string inside SQLite.
    """
    if not words:
        return None
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    if last_is_prefix:
        phrases[-1] += "*"
    return " ".join(phrases)


def search_conditions(words: list[str]) -> tuple[list[str], list[str]]:
    """The WHERE conditions (and their parameters) that find texts holding every word: the
    index for most words, a substring match for those the index cannot find (Chinese or
    Japanese inside a longer run, emoji: see :func:`is_substring_word`). Those scan the
    texts, which only queries holding them pay for."""
    indexed = [word for word in words if not is_substring_word(word)]
    conditions, parameters = [], []
    match = fts_query(indexed, last_is_prefix=indexed[-1:] == words[-1:])
    if match is not None:
        conditions.append("search_index MATCH ?")
        parameters.append(match)
    for word in words:
        if is_substring_word(word):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append("s.text LIKE ? ESCAPE '\\'")
            parameters.append(f"%{escaped}%")
    return conditions, parameters


def _summary(row: sqlite3.Row) -> ConversationSummary:
    return ConversationSummary(
        id=int(row["id"]),
        title=row["title"],
        model=row["model"],
        mode=row["mode"],
        created=row["created"],
        updated=row["updated"],
        archived=bool(row["archived"]),
        turn_count=int(row["turn_count"]),
        branch_turns=int(row["branch_turns"]),
        head_turn_id=row["head_turn_id"],
    )


def _migrate(db: sqlite3.Connection) -> None:
    """Run the missing migrations; after the one that moved inline media out (version 4),
    give the space back to the file system.

    A migration may take a while (version 4 writes every attachment ever sent to a file), so
    another process opening the file meanwhile waits for it longer than for a write; once the
    lock is free it finds the file migrated and does nothing (see :func:`migrate`). ``VACUUM``
    rather than leaving the freed pages for reuse: the point of version 4 is a small file to
    open and back up, and new turns no longer need those pages. It needs the file to itself, so
    when another process has it open it is skipped (the pages are then reused).
    """
    before = schema_version(db)
    db.execute(f"PRAGMA busy_timeout = {MIGRATION_WAIT_S * 1000:d}")
    try:
        migrate(db)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000):d}")
    if before and before < BLOBS_VERSION <= schema_version(db):
        with suppress(sqlite3.OperationalError):
            db.execute("VACUUM")


def _create_private(path: Path) -> None:
    """Create the directory and an empty file readable by the user only: the history holds
    private conversations (SQLite gives its WAL and shared-memory files the same mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _reason(error: sqlite3.Error) -> str:
    text = str(error) or type(error).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another gemtui is writing to it; try again in a moment)"
    return text
