"""The history's size and speed with attachments: N turns (50) each sending a different 1 MB file.

Writes the turns through ``Store.start_turn`` as the app does, then prints the database's size
(with its WAL), the blob files' size, and medians of: opening the store, loading the last screen
(10 turns), loading the whole conversation (what a stateless chat's resend reads), a search, and
copying the database (a backup of the part that changes). Since schema version 4 the files live
in ``blobs/`` beside the database; before, their base64 was in it. For the "before" figures run
the script against a checkout from before version 4::

    git archive 85a9373 src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python bench/history_size.py

(it speaks only the store's public API, which both have; the schema version printed says which
layout was measured). With version 4 or later it also times the migration of a version 3 file
of the same turns (moving the base64 out, then VACUUM).

Run: ``python bench/history_size.py [--turns 50] [--mb 1]`` (about ten seconds).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from _common import median_time, print_table

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.store_schema import MIGRATIONS, migrate, schema_version
from gemtui.core.turn import Asked, Turn

BLOBS_VERSION = 4


def attachment(size: int) -> dict:
    data = base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)).decode()
    return {"type": "image", "data": data, "mime_type": "image/png"}


def build(store: Store, turns: int, size: int) -> int:
    settings = ChatSettings(stateful=False)
    cid = store.create_conversation(settings)
    parent = None
    for n in range(turns):
        asked = Asked(prompt=f"question {n} about this picture", attachments=[attachment(size)])
        turn = Turn(asked)
        parent = store.start_turn(cid, turn, settings, parent_turn_id=parent)
        store.finish_turn(parent, "completed", interaction_id=f"v1_{n}")
    return cid


def version_3_file(path: Path, turns: int, size: int) -> None:
    """The same turns as a version 3 store wrote them: base64 in ``turns.attachments``."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    migrate(db, MIGRATIONS[:3])
    db.execute(
        "INSERT INTO conversations (mode, settings, created, updated) "
        "VALUES ('stateless', '{}', 0, 0)"
    )
    for n in range(turns):
        db.execute(
            "INSERT INTO turns (conversation_id, ordinal, parent_turn_id, prompt, attachments, "
            "outcome, settings, created) VALUES (1, ?, ?, ?, ?, 'completed', '{}', 0)",
            (n + 1, n or None, f"question {n}", json.dumps([attachment(size)])),
        )
    db.close()


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--mb", type=float, default=1.0)
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        with Store(path) as store:
            cid = build(store, args.turns, size)
            version = schema_version(store._db)
        database = size_mb(list(path.parent.glob("history.sqlite3*")))
        blobs = size_mb(list((path.parent / "blobs").rglob("*")))
        copy = Path(folder) / "backup.sqlite3"
        with Store(path) as store:
            figures = {
                "open the store": median_time(lambda: Store(path).close()),
                "last screen (10 turns)": median_time(lambda: store.load_turns(cid, limit=10)),
                f"whole history ({args.turns} turns)": median_time(
                    lambda: store.load_turns(cid, limit=None)
                ),
                "search a prompt word": median_time(lambda: store.search("picture")),
                "copy the database": median_time(lambda: shutil.copyfile(path, copy)),
            }
        if version >= BLOBS_VERSION:
            old = Path(folder) / "old" / "history.sqlite3"
            old.parent.mkdir()
            version_3_file(old, args.turns, size)
            old_size = size_mb([old])
            started = time.perf_counter()
            Store(old).close()
            figures["migrate a version 3 file (once)"] = time.perf_counter() - started
            note = f"; that v3 file {old_size:.1f} MB -> {size_mb([old]):.1f} MB"
        else:
            note = ""
    rows = [(name, f"{value * 1000:.1f} ms") for name, value in figures.items()]
    print_table(
        f"History, {args.turns} turns x {args.mb:g} MB attachment, schema v{version}: "
        f"database {database:.1f} MB, blob files {blobs:.1f} MB{note}",
        ("what", "median"),
        rows,
    )


if __name__ == "__main__":
    main()
