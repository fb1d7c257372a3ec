"""Attachment bytes kept as files beside the history database, one per content hash.

The history used to hold each attachment's inline data as base64 in its ``turns`` row (up to
100 MB a turn), so the database grew with every image sent and became slow to open, back up and
search. Now the bytes go to ``blobs/<first two hex digits>/<sha256>`` next to the database and
the row keeps a reference: the content item with ``data`` replaced by ``data_sha256``. The same
file sent twice is stored once.

- **Exact round trip.** Only base64 that decodes and encodes back to the same text is moved
  out (all the API and gemtui produce); anything else stays inline, so reading a turn back gives
  the very items that were sent, as a stateless chat must resend them.
- **Crash safety.** A blob is written to a temporary file and renamed into place before the row
  that names it is committed, so a row never names a half-written file; a blob whose row was
  never committed is only a stray file (:func:`prune` removes strays).
- **A missing file** (deleted by hand) does not break reading: the item becomes a text item that
  says what is missing, so the chat still opens and a resend still goes out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The key a stored content item has instead of ``data``: the hex SHA-256 of the bytes.
REFERENCE_KEY = "data_sha256"
BLOB_DIR = "blobs"
#: Blobs younger than this (seconds) are never pruned: see :func:`prune`.
PRUNE_AGE = 3600.0


def blob_dir(database: Path) -> Path:
    """Where the blobs of the history database at ``database`` go."""
    return database.parent / BLOB_DIR


def _path(root: Path, digest: str) -> Path:
    return root / digest[:2] / digest


def _write(root: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    target = _path(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest


def _exact_bytes(data: Any) -> bytes | None:
    """The bytes of ``data`` when it is base64 that encodes back to the same text."""
    if not isinstance(data, str) or not data:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == data else None


def stash(items: Iterable[dict[str, Any]], root: Path) -> list[dict[str, Any]]:
    """``items`` as the history keeps them: inline data moved to blob files under ``root``."""
    kept = []
    for item in items:
        raw = _exact_bytes(item.get("data"))
        if raw is None:
            kept.append(item)
            continue
        reference = {key: value for key, value in item.items() if key != "data"}
        reference[REFERENCE_KEY] = _write(root, raw)
        kept.append(reference)
    return kept


def unstash(items: Iterable[dict[str, Any]], root: Path) -> list[dict[str, Any]]:
    """``items`` as they were sent: each reference replaced by its data again."""
    restored = []
    for item in items:
        digest = item.get(REFERENCE_KEY)
        if not isinstance(digest, str):
            restored.append(item)
            continue
        item = {key: value for key, value in item.items() if key != REFERENCE_KEY}
        try:
            data = _path(root, digest).read_bytes()
        except OSError:
            restored.append(missing_note(item, digest, root))
            continue
        restored.append({**item, "data": base64.b64encode(data).decode("ascii")})
    return restored


def missing_note(item: dict[str, Any], digest: str, root: Path) -> dict[str, Any]:
    """What stands in for an attachment whose file is gone: a text item that says so."""
    kind = item.get("mime_type") or item.get("type") or "file"
    return {
        "type": "text",
        "text": f"[attachment missing: a {kind} that was kept as {_path(root, digest)}; "
        "the file has been removed since]",
    }


def references(items: Iterable[dict[str, Any]]) -> set[str]:
    return {d for item in items if isinstance(d := item.get(REFERENCE_KEY), str)}


def prune(root: Path, referenced: set[str], *, older_than: float = PRUNE_AGE) -> int:
    """Delete the blobs no row names any more (and stray temporary files); returns how many.

    Only files older than ``older_than`` seconds go: another gemtui process may have written a
    blob whose row it has not committed yet (it does so within milliseconds).
    """
    removed = 0
    if not root.is_dir():
        return 0
    limit = time.time() - older_than
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                old = path.stat().st_mtime < limit
            except OSError:
                continue
            if old and path.name not in referenced:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
