"""The ids ``--continue`` and ``--wait`` default to: the last interaction ``gemtui ask`` made,
and the last background run it started.

Each is a small JSON file under the user state directory (platformdirs, so ``XDG_STATE_HOME`` on
Linux), replaced atomically: two ``gemtui ask`` runs finishing at once leave one valid file,
never a torn one. Two files rather than two fields of one, so that saving one id never has to
read and rewrite the other (no lost update between processes). ``--demo`` runs keep their own
pair: the demo emulator's ids mean nothing to the real API, and the reverse.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "last_interaction.json"
BACKGROUND_FILE_NAME = "last_background.json"
#: Prefix of the files of ``--demo`` runs.
DEMO_PREFIX = "demo-"


def state_file(*, background: bool = False, demo: bool = False) -> Path:
    """The file of the last interaction (``--continue``), or of the last background run
    started (``--wait``); ``demo`` for those of the built-in emulator."""
    from platformdirs import user_state_dir

    name = BACKGROUND_FILE_NAME if background else FILE_NAME
    return Path(user_state_dir("gemtui")) / ((DEMO_PREFIX if demo else "") + name)


def load_last(path: Path | None = None) -> tuple[str, bool] | None:
    """The saved id and whether it may still be running at the server (its reader stopped
    reading early: ``gemtui ask … | head``), or ``None``."""
    try:
        data = json.loads((path or state_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        return None
    return value, data.get("unfinished") is True


def save_last_id(
    interaction_id: str, path: Path | None = None, *, unfinished: bool = False
) -> None:
    """Remember ``interaction_id`` (``unfinished``: it may still be running at the server);
    raises ``OSError`` if the state directory is not writable."""
    target = path or state_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = datetime.now(UTC).isoformat(timespec="seconds")
    record: dict[str, object] = {"id": interaction_id, "saved": saved}
    if unfinished:
        record["unfinished"] = True
    payload = json.dumps(record)
    fd, temporary = tempfile.mkstemp(prefix=".last_interaction-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload + "\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
