"""Interactions a persistent emulator keeps between runs, in one SQLite file.

``gemtui --demo`` (and ``gemtui emulator --persist PATH``) start an emulator that must still
know yesterday's interactions: a reopened chat chains onto them (``previous_interaction_id``),
``gemtui show ID`` fetches them, ``gemtui ask --wait`` waits on a background run an earlier
process started. Choices, decided once here:

- **SQLite (stdlib ``sqlite3``), not JSON Lines.** Several gemtui processes may use the file at
  once (a TUI and a ``gemtui ask --demo``): SQLite's locking and transactions keep it whole
  where appends to a shared text file would need our own locks, and a lookup by id or a prune
  by age is one indexed statement instead of reading and rewriting the whole file. WAL lets a
  process read while another writes; ``timeout`` makes writers wait for each other.
- **One row per interaction**: its id, creation time, size and one zlib-compressed JSON blob
  holding every field GET and chaining need (input and output steps, status, usage, errors,
  ids, environment) *and the SSE frames it emitted*, byte for byte. Stored rather than
  regenerated, so ``GET ?stream=true`` and ``last_event_id`` resumes give exactly the bytes
  and event ids of the first run, faults included, whatever the next run's chunk size.
- **Written when a run ends, never per event, and off the event loop**: the record is copied
  (the lists only) on the loop and encoded and written by one writer thread, in order. Reads
  (an id this process does not hold) are one indexed ``SELECT``.
- **Retention as the paid tier of the API** (wire reference §2.9): an interaction is dropped
  55 days after it was created, and the file keeps at most :data:`MAX_RECORDS` interactions
  and :data:`MAX_BYTES` of compressed data, the oldest going first. Checked when the file is
  opened and after every write.
- **Never stops the emulator**: a file that is not a database is moved aside (``.corrupt``)
  and a new one started; one that cannot be opened at all (permissions, a newer format) leaves
  the emulator in memory only; a row that cannot be decoded counts as missing. Each case is
  logged (``gemtui.emulator``), never raised.
"""

from __future__ import annotations

import calendar
import json
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from gemtui.emulator.store import Record

log = logging.getLogger("gemtui.emulator")

#: The file ``gemtui --demo`` keeps its emulator's interactions in, inside the data dir.
DEMO_FILE = "demo-emulator.sqlite3"
#: How long an interaction is kept, as the API's paid tier does (free tier: 1 day).
RETENTION_DAYS = 55
#: At most this many interactions are kept; the oldest go first.
MAX_RECORDS = 2000
#: At most this much compressed data is kept (a 60 KB answer, 675 KB of SSE, is about 66 KB).
MAX_BYTES = 64 * 1024 * 1024
#: Format of the file (``PRAGMA user_version``); a newer one is left alone.
FORMAT_VERSION = 1
#: How long a write waits for another process's write before giving up, in seconds.
BUSY_TIMEOUT_S = 5.0

#: The fields of :class:`Record` a later run needs (not its task, script or wake-up event).
FIELDS = (
    "id",
    "root_token",
    "owner",
    "input_steps",
    "usage",
    "background",
    "previous_interaction_id",
    "environment_id",
    "status",
    "created",
    "updated",
    "output_steps",
    "errors",
    "event_ids",
    "finished",
    "send_done",
)

#: Fields added since format 1: read with their default when a row lacks them.
OPTIONAL_FIELDS = {"service_tier": "standard"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_created ON interactions (created_at);
"""


def snapshot(record: Record) -> dict[str, Any]:
    """The persisted fields of ``record``, with its lists copied (cheap: frames are bytes and
    finished steps are never changed), so the writer thread can encode them while the loop
    goes on."""
    fields = {name: getattr(record, name) for name in (*FIELDS, *OPTIONAL_FIELDS)}
    for name in ("input_steps", "output_steps", "errors", "event_ids"):
        fields[name] = list(fields[name])
    fields["frames"] = list(record.frames)
    return fields


def encode(fields: dict[str, Any]) -> bytes:
    """The stored blob. Frames are UTF-8 (our own JSON); ``surrogateescape`` keeps any other
    byte too, and JSON's ASCII escapes carry it through."""
    data = dict(fields)
    data["frames"] = [f.decode("utf-8", "surrogateescape") for f in fields["frames"]]
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode("ascii"), 6)


def decode(blob: bytes) -> Record:
    """A :class:`Record` from a stored blob; raises ``ValueError`` if the blob is damaged."""
    try:
        data = json.loads(zlib.decompress(blob))
        frames = [f.encode("utf-8", "surrogateescape") for f in data.pop("frames")]
        optional = {name: data.get(name, default) for name, default in OPTIONAL_FIELDS.items()}
        record = Record(**{name: data[name] for name in FIELDS}, **optional)
    except (zlib.error, KeyError, TypeError, AttributeError, UnicodeError, ValueError) as error:
        raise ValueError(f"damaged stored interaction: {error}") from None
    record.frames = frames
    return record


def epoch(created: str) -> float:
    """Seconds since the epoch of a record's ``created`` (``2026-01-01T00:00:00Z``)."""
    try:
        return float(calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return time.time()


class PersistentRecords:
    """The file of one persistent emulator. Opened at first use (so a ``--demo`` TUI has set
    up its log file by then); :meth:`close` waits for pending writes."""

    def __init__(
        self,
        path: Path,
        *,
        retention_days: float = RETENTION_DAYS,
        max_records: int = MAX_RECORDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.path = Path(path)
        self.retention_s = retention_days * 86400
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._opened = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gemtui-persist")

    # --- opening -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection | None:
        """The open database, or ``None`` when this run keeps its interactions in memory only.
        Call with the lock held."""
        if not self._opened:
            self._opened = True
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection | None:
        try:
            return self._connect_when_free()
        except sqlite3.OperationalError as error:  # locked too long, unreadable, no space
            log.warning("emulator data file %s cannot be used (%s): nothing kept", self.path, error)
            return None
        except sqlite3.DatabaseError as error:  # not a database, or a damaged one
            aside = self.path.with_name(self.path.name + ".corrupt")
            log.warning(
                "emulator data file %s is damaged (%s): moved to %s", self.path, error, aside
            )
            try:
                for suffix in ("-wal", "-shm"):
                    self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
                self.path.replace(aside)
                return self._connect()
            except (OSError, sqlite3.Error) as again:
                log.warning("emulator data file %s: %s; nothing kept", self.path, again)
                return None
        except OSError as error:
            log.warning("emulator data file %s cannot be made (%s): nothing kept", self.path, error)
            return None

    def _connect_when_free(self) -> sqlite3.Connection | None:
        """:meth:`_connect`, tried again while another process sets the same new file up.

        Switching a fresh file to WAL needs it to itself and SQLite reports ``database is
        locked`` at once there instead of waiting out the busy timeout, so two emulators
        started together would otherwise leave one of them in memory only."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        pause = 0.01
        while True:
            try:
                return self._connect()
            except sqlite3.OperationalError as error:
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def _connect(self) -> sqlite3.Connection | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > FORMAT_VERSION:
                log.warning(
                    "emulator data file %s is from a newer gemtui (format %s): nothing kept",
                    self.path,
                    version,
                )
                db.close()
                return None
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only takes effect on a new file
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
            db.execute("SELECT count(*) FROM interactions").fetchone()
            self._prune(db)
        except BaseException:
            db.close()
            raise
        return db

    # --- reading -------------------------------------------------------------------------

    def load(self, interaction_id: str) -> Record | None:
        """The stored interaction, or ``None`` (not stored, expired, damaged, no file)."""
        with self._lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute(
                    "SELECT data FROM interactions WHERE id = ? AND created_at >= ?",
                    (interaction_id, time.time() - self.retention_s),
                ).fetchone()
            except sqlite3.Error as error:
                log.warning("emulator data file %s: reading failed: %s", self.path, error)
                return None
        if row is None:
            return None
        try:
            return decode(row[0])
        except ValueError as error:
            log.warning("emulator data file %s: %s", self.path, error)
            return None

    # --- writing -------------------------------------------------------------------------

    def save(self, record: Record) -> None:
        """Store ``record`` as it is now; the write happens on the writer thread, in order."""
        fields = snapshot(record)
        self._submit(self._write, fields)

    def delete(self, interaction_id: str) -> None:
        """Forget an interaction (after any pending write of it, so it cannot come back)."""
        self._submit(self._remove, interaction_id)

    def _submit(self, work: Any, argument: Any) -> None:
        try:
            self._writer.submit(work, argument)
        except RuntimeError:  # closed: the emulator is stopping; nothing more is kept
            log.warning("emulator data file %s: a write after closing was dropped", self.path)

    def _write(self, fields: dict[str, Any]) -> None:
        blob = encode(fields)
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                with _transaction(db):
                    db.execute(
                        "INSERT OR REPLACE INTO interactions (id, created_at, size, data) "
                        "VALUES (?, ?, ?, ?)",
                        (fields["id"], epoch(fields["created"]), len(blob), blob),
                    )
                self._prune(db)
            except sqlite3.Error as error:
                log.warning("emulator data file %s: writing failed: %s", self.path, error)

    def _remove(self, interaction_id: str) -> None:
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                db.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
            except sqlite3.Error as error:
                log.warning("emulator data file %s: deleting failed: %s", self.path, error)

    def _prune(self, db: sqlite3.Connection) -> None:
        """Drop expired interactions, then the oldest beyond the count and size limits."""
        with _transaction(db):
            expired = db.execute(
                "DELETE FROM interactions WHERE created_at < ?",
                (time.time() - self.retention_s,),
            ).rowcount
            surplus = db.execute(
                "DELETE FROM interactions WHERE id IN (SELECT id FROM interactions "
                "ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (self.max_records,),
            ).rowcount
            oversize = db.execute(
                "DELETE FROM interactions WHERE id IN (SELECT id FROM (SELECT id, sum(size) "
                "OVER (ORDER BY created_at DESC, rowid DESC) AS running FROM interactions) "
                "WHERE running > ?)",
                (self.max_bytes,),
            ).rowcount
        if expired + surplus + oversize:
            db.execute("PRAGMA incremental_vacuum")

    # --- closing -------------------------------------------------------------------------

    def flush(self) -> None:
        """Wait until every write submitted so far is done."""
        with suppress(RuntimeError):
            self._writer.submit(lambda: None).result()

    def close(self) -> None:
        """Finish pending writes and close the file; later saves are dropped (and logged)."""
        self._writer.shutdown(wait=True)
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK``) on an autocommit connection, so a
    write takes the lock up front instead of failing halfway on a busy file."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
