"""Inline media of the history kept as files beside the database, named by their content hash.

Base64 in SQLite made every attachment (up to 100 MB a turn) and every generated image a third
larger than the file and put it inside the one file that is opened, searched and backed up. So the
store moves the inline ``data`` of content items out before a row is written and puts it back when
a row is read: the row keeps ``{"gemtui_blob": "<sha256>"}`` where ``"data"`` was (same place in
the item, so the JSON reads back key for key), the bytes live in ``blobs/ab/abcdef…`` beside the
database. The same file sent twice is stored once.

Rules that keep it safe:

- **Exact.** Only canonical base64 (what ``base64.b64encode`` gives back for its own decoding)
  moves out, so the text read back is the text sent; anything else stays in the row as it was.
- **Whole or absent.** A blob is written to a temporary file in the same directory and renamed
  into place (``os.replace``), so a killed process never leaves a half file under a hash name.
- **Written before referenced, removed when unreferenced.** The store writes blobs and removes
  them only while it holds the database's write lock (inside its write transaction), so one
  process's garbage collection cannot remove a blob another is about to reference; a blob written
  by a transaction that then failed is only an orphan, which the next collection removes.
- **A missing file is told, not fatal.** Reading back an item whose file was deleted keeps the
  reference and adds ``gemtui_blob_missing`` (the path), which labels and a resend check name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The key that replaces ``data`` in a stored content item: the SHA-256 of the decoded bytes.
BLOB_KEY = "gemtui_blob"
#: Added to an item read back whose blob file is gone: the path it should be at.
MISSING_KEY = "gemtui_blob_missing"
#: Base64 shorter than this stays in the row: a file per tiny icon would cost more than it saves.
MIN_INLINE_CHARS = 1024
#: The directory of blobs, beside the database file.
BLOBS_DIR = "blobs"

_DIGEST = re.compile(r'"gemtui_blob":"([0-9a-f]{64})"')


class BlobStore:
    """Files by content hash under ``root`` (``<data dir>/blobs``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def beside(cls, database: Path) -> BlobStore:
        return cls(database.parent / BLOBS_DIR)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store ``data`` once; its hex SHA-256, which names it."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        # Private like the database: the blobs are the user's files.
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.parent.mkdir(exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def read(self, digest: str) -> bytes:
        """The blob's bytes; ``FileNotFoundError`` when its file is gone."""
        return self.path(digest).read_bytes()

    def remove_unreferenced(self, referenced: set[str]) -> int:
        """Delete every blob (and left-over temporary file) not in ``referenced``; how many.

        Call only under the database's write lock (see the module docstring)."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                if file.name not in referenced:
                    file.unlink(missing_ok=True)
                    removed += 1
        return removed

    # ------------------------------------------------------------------ JSON values

    def stow(self, value: Any) -> Any:
        """``value`` (JSON) with the inline ``data`` of its items moved to blobs; a new value,
        ``value`` itself is left alone (it may be resent)."""
        if isinstance(value, list):
            return [self.stow(item) for item in value]
        if not isinstance(value, dict):
            return value
        stowed: dict[str, Any] = {}
        for key, item in value.items():
            data = _canonical(item) if key == "data" else None
            if data is not None:
                stowed[BLOB_KEY] = self.put(data)
            else:
                stowed[key] = self.stow(item)
        return stowed

    def restore(self, value: Any) -> Any:
        """The inverse of :meth:`stow`: items get their ``data`` back from the blob files; an
        item whose file is gone keeps its reference and gets :data:`MISSING_KEY`."""
        if isinstance(value, list):
            return [self.restore(item) for item in value]
        if not isinstance(value, dict):
            return value
        restored: dict[str, Any] = {}
        for key, item in value.items():
            if key == BLOB_KEY and isinstance(item, str):
                try:
                    restored["data"] = base64.b64encode(self.read(item)).decode("ascii")
                except OSError:
                    restored[key] = item
                    restored[MISSING_KEY] = str(self.path(item))
            else:
                restored[key] = self.restore(item)
        return restored


def _canonical(value: Any) -> bytes | None:
    """The bytes of ``value`` if it is base64 worth a blob that encodes back to itself."""
    if not isinstance(value, str) or len(value) < MIN_INLINE_CHARS:
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if base64.b64encode(data).decode("ascii") == value else None


def references(texts: Iterable[str]) -> set[str]:
    """The blob digests named in stored JSON texts."""
    return {digest for text in texts for digest in _DIGEST.findall(text)}


def missing_files(value: Any) -> list[str]:
    """The paths of the blob files ``value`` (JSON read back) needed but did not find."""
    if isinstance(value, list):
        return [path for item in value for path in missing_files(item)]
    if not isinstance(value, dict):
        return []
    own = [value[MISSING_KEY]] if isinstance(value.get(MISSING_KEY), str) else []
    return own + [path for item in value.values() for path in missing_files(item)]
