"""The history with large attachments: its size on disk and how fast it opens, reads, searches
and copies (issue 20, item 9: attachments as files by content hash, not base64 in SQLite).

Writes one conversation of N turns (50 by default), each sending a 1 MB attachment (random
bytes, so nothing compresses; every fifth turn sends the file of the turn before, as a user who
asks again about the same picture does), through the real ``Store``. Then, median of several
runs on a fresh connection:

* database: the SQLite file with its WAL, after a checkpoint; attachments: the ``blobs/``
  folder beside it (absent where they are kept inline);
* open: ``Store(path)``; last screen: ``load_turns(cid, limit=20)``; search: a word of one
  prompt; copy: reading the database file whole (what a backup reads).

Run: ``python bench/history_size.py [--turns 50] [--mb 1]``. Run it with the interpreter of
another checkout to compare (it uses only the ``Store`` API both have).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import median, print_table

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn

RUNS = 7


def build(path: Path, turns: int, megabytes: float) -> int:
    rng = random.Random(20)
    settings = ChatSettings()
    with Store(path) as store:
        cid = store.create_conversation(settings)
        data = b""
        for number in range(turns):
            if number % 5 != 4 or not data:
                data = rng.randbytes(int(megabytes * 1024 * 1024))
            item = {"type": "image", "mime_type": "image/png", "data": base64.b64encode(data)}
            item["data"] = item["data"].decode("ascii")
            asked = Asked(f"what is in picture {number} zebra{number}?", attachments=[item])
            head = store.get_conversation(cid).head_turn_id
            store.start_turn(cid, Turn(asked), settings, parent_turn_id=head)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return cid


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6


def timed(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--mb", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gemtui-bench-history-") as folder:
        path = Path(folder) / "history.sqlite3"
        cid = build(path, args.turns, args.mb)
        database = size_mb([path, Path(f"{path}-wal")])
        blobs = size_mb(list((path.parent / "blobs").rglob("*")))

        def open_store() -> None:
            Store(path).close()

        def last_screen() -> None:
            with Store(path) as store:
                store.load_turns(cid, limit=20)

        def search() -> None:
            with Store(path) as store:
                assert store.search(f"zebra{args.turns // 2}")

        def copy() -> None:
            with open(path, "rb") as source:
                while source.read(1 << 20):
                    pass

        rows = [
            ["database file", f"{database:.1f} MB"],
            ["attachment files (blobs/)", f"{blobs:.1f} MB"],
            ["open", f"{timed(open_store) * 1000:.1f} ms"],
            ["last screen (20 turns, attachments read)", f"{timed(last_screen) * 1000:.1f} ms"],
            ["search one prompt", f"{timed(search) * 1000:.1f} ms"],
            ["read the database file (a backup)", f"{timed(copy) * 1000:.1f} ms"],
        ]
        print_table(
            f"History of {args.turns} turns, a {args.mb:g} MB attachment each "
            f"(every fifth one sent again), median of {RUNS}; {os.path.basename(__file__)}",
            ["what", "figure"],
            rows,
        )


if __name__ == "__main__":
    main()
