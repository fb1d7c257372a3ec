"""Small JSON files in the user state dir that outlive a session (recent models, model limits).

Each file is replaced atomically (a temporary file renamed over it), so two gemtui processes
writing at once leave one whole file, never a torn one; a missing, unreadable or damaged file
reads as nothing, since everything kept here can be rebuilt.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gemtui.core.data_dir import state_dir


def state_path(name: str) -> Path:
    return state_dir() / name


def read_state(path: Path) -> Any:
    """The JSON value in ``path``, or ``None`` when there is none that can be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_state(path: Path, value: Any) -> None:
    """Replace ``path`` with ``value`` as JSON; raises ``OSError`` when it cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=1)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
