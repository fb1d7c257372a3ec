"""The history database's schema and its forward migrations.

The schema version lives in ``PRAGMA user_version``: version *n* means the first *n* functions of
:data:`MIGRATIONS` have run. Opening a database runs the missing ones in order, inside one
``BEGIN IMMEDIATE`` transaction (DDL is transactional in SQLite, ``user_version`` included), so a
crash mid-migration leaves the old version intact and two processes opening an old file at once
migrate it once. A migration is never edited after release; a change of schema is a new function
appended to the list. A file from a newer gemtui (a version above ``len(MIGRATIONS)``) is left
untouched and refused, rather than written by code that does not know its shape.

Layout (version 1):

* ``conversations``: one row per chat; ``head_turn_id`` is the last turn of the branch in use.
* ``turns``: one row per prompt. ``ordinal`` counts turns in the order they were made (unique per
  conversation, never reused); ``parent_turn_id`` is the turn this one follows, so an edited
  prompt makes a second child of the same parent and the old branch stays reachable.
* ``steps``: one row per assembled step, ``step_index`` being its position in the turn's
  ``InteractionState.steps`` (wire indexes restart after an automatic continuation, so they are
  kept beside it as ``wire_index``); ``json`` is the step's exact wire JSON. ``kind`` (version 2)
  is the turn's ``Asked.kind``.
* ``search_index``: FTS5 over prompts (rowid ``-turn_id``) and over the searchable steps (rowid =
  the step's rowid), so every index row is deleted by rowid; triggers keep it in step when turns
  and steps are deleted, including by cascade.

Version 3 adds what a turn captured by the inspector proxy needs besides its steps: ``source``
(who captured it, ``proxy``; ``NULL`` for gemtui's own turns), ``client`` (the calling program,
from its user agent), ``request`` (the body as the program sent it: it cannot be rebuilt from
settings as gemtui's own requests can) and ``exchange`` (method, path, status, sizes, duration
as JSON). Own turns leave all four ``NULL``, so nothing grows for them.

Version 4 keeps inline media out of the file: the base64 ``data`` of content items in
``turns.attachments``, ``extra_input``, ``request`` and ``steps.json`` becomes a
``gemtui_blob`` reference to a file under ``blobs/`` beside the database
(:mod:`gemtui.core.blobs`); the migration moves what older versions stored inline.

Version 5 adds ``turns.errors`` (the interaction's ``errors[]``), version 6
``turns.attachment_labels`` (the chips' words as sent, a JSON list of strings).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from gemtui.core.blobs import BLOB_KEY, BlobStore, references
from gemtui.core.store_records import dumps

Migration = Callable[[sqlite3.Connection], None]

_V1 = (
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL DEFAULT '',
        title_set_by_user INTEGER NOT NULL DEFAULT 0,
        model TEXT,
        mode TEXT NOT NULL CHECK (mode IN ('stateful', 'stateless')),
        settings TEXT NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        head_turn_id INTEGER
    )
    """,
    "CREATE INDEX conversations_by_updated ON conversations (archived, updated DESC)",
    """
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        parent_turn_id INTEGER REFERENCES turns (id) ON DELETE SET NULL,
        prompt TEXT NOT NULL,
        attachments TEXT NOT NULL DEFAULT '[]',
        extra_input TEXT NOT NULL DEFAULT '[]',
        interaction_id TEXT,
        previous_interaction_id TEXT,
        outcome TEXT NOT NULL,
        status TEXT,
        usage TEXT,
        settings TEXT NOT NULL,
        created REAL NOT NULL,
        finished REAL,
        error TEXT,
        UNIQUE (conversation_id, ordinal)
    )
    """,
    "CREATE INDEX turns_by_parent ON turns (parent_turn_id)",
    "CREATE INDEX turns_by_interaction ON turns (interaction_id)",
    """
    CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        step_index INTEGER NOT NULL,
        wire_index INTEGER NOT NULL,
        type TEXT NOT NULL,
        json TEXT NOT NULL,
        started_at REAL,
        stopped_at REAL,
        size INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0,
        usage TEXT,
        UNIQUE (turn_id, step_index)
    )
    """,
    """
    CREATE VIRTUAL TABLE search_index USING fts5 (
        text,
        kind UNINDEXED,
        conversation_id UNINDEXED,
        turn_id UNINDEXED,
        step_index UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER steps_leave_index AFTER DELETE ON steps BEGIN
        DELETE FROM search_index WHERE rowid = old.id;
    END
    """,
    """
    CREATE TRIGGER turns_leave_index AFTER DELETE ON turns BEGIN
        DELETE FROM search_index WHERE rowid = -old.id;
    END
    """,
)


def _v1(db: sqlite3.Connection) -> None:
    """Conversations, turns, steps and the full-text index."""
    for statement in _V1:
        db.execute(statement)


def _v2(db: sqlite3.Connection) -> None:
    """``turns.kind``: how the turn came to be (``Asked.kind``), so a summary that compressed
    the chat is read back as one and the chain still starts from it. Older rows keep NULL
    (their kind is worked out from their prompt and results, as before)."""
    db.execute("ALTER TABLE turns ADD COLUMN kind TEXT")


_V3 = (
    "ALTER TABLE turns ADD COLUMN source TEXT",
    "ALTER TABLE turns ADD COLUMN client TEXT",
    "ALTER TABLE turns ADD COLUMN request TEXT",
    "ALTER TABLE turns ADD COLUMN exchange TEXT",
    "CREATE INDEX turns_by_source ON turns (source) WHERE source IS NOT NULL",
)


def _v3(db: sqlite3.Connection) -> None:
    """Captured turns: where they came from, the calling program, the request as sent."""
    for statement in _V3:
        db.execute(statement)


def _v4(db: sqlite3.Connection) -> None:
    """Inline media out of the rows into blob files beside the database (:mod:`gemtui.core.blobs`).

    No DDL: the same columns hold the same JSON with ``gemtui_blob`` references in place of
    base64 ``data``. Each row's blobs are written before its row is rewritten, and all rows in the
    one migration transaction, so an interruption leaves every row as it was (and at most some
    orphan blobs, which :meth:`~gemtui.core.store.Store.collect_garbage` removes).
    """
    blobs = BlobStore.beside(_database_file(db))
    for table, column in _MEDIA_COLUMNS:
        ids = [
            row[0] for row in db.execute(f"SELECT id FROM {table} WHERE {column} LIKE '%\"data\"%'")
        ]
        for row_id in ids:
            text = db.execute(f"SELECT {column} FROM {table} WHERE id = ?", (row_id,)).fetchone()[0]
            stowed = dumps(blobs.stow(json.loads(text)))
            if stowed != text:
                db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (stowed, row_id))


#: The JSON columns whose content items may hold inline data.
_MEDIA_COLUMNS = (
    ("turns", "attachments"),
    ("turns", "extra_input"),
    ("turns", "request"),
    ("steps", "json"),
)


def _database_file(db: sqlite3.Connection) -> Path:
    """The file of ``db``'s main database (blobs live beside it)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    raise sqlite3.OperationalError("an in-memory history has no place for its blob files")


def stored_blob_references(db: sqlite3.Connection) -> set[str]:
    """Every blob digest a row of ``db`` refers to."""
    texts = (
        row[0]
        for table, column in _MEDIA_COLUMNS
        for row in db.execute(f"SELECT {column} FROM {table} WHERE {column} LIKE '%{BLOB_KEY}%'")
    )
    return references(texts)


#: Every migration, oldest first; the schema version is the number that have run.
def _v5(db: sqlite3.Connection) -> None:
    """``turns.errors``: the interaction's ``errors[]`` (why a run failed at the server), as
    JSON. Without it a chat read back, its export and its timeline said only "failed"."""
    db.execute("ALTER TABLE turns ADD COLUMN errors TEXT")


def _v6(db: sqlite3.Connection) -> None:
    """``turns.attachment_labels``: each attachment's chip as sent (``pic.png · image ·
    6.4 KB · 2 fps``), as JSON. The content items keep no file name: without it a chat read
    back, a prompt edited from it and its export said only ``image · 6.4 KB`` or a Files API
    URI. Older rows keep NULL and are shown by kind and size, as before."""
    db.execute("ALTER TABLE turns ADD COLUMN attachment_labels TEXT")


def _v7(db: sqlite3.Connection) -> None:
    """``turns.endpoint``: where a background run was started (``demo``, or the base URL).
    Without it every gemtui put every pending run on its F4 board, and asked its own server
    about runs another server held: "not found", and the row came back at every start. Older
    rows keep NULL: they are shown everywhere, as before."""
    db.execute("ALTER TABLE turns ADD COLUMN endpoint TEXT")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7)


class SchemaTooNew(Exception):
    """The file was written by a newer gemtui; its text says which versions are involved."""


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring ``db`` (in autocommit mode) up to ``len(migrations)``; returns the version reached.

    Idempotent: a database already at the latest version is not written to at all.
    """
    target = len(migrations)
    version = schema_version(db)
    if version > target:
        raise SchemaTooNew(f"schema version {version} is newer than this gemtui knows ({target})")
    if version == target:
        return version
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        for migration in migrations[schema_version(db) :]:
            migration(db)
        db.execute(f"PRAGMA user_version = {target:d}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return target
