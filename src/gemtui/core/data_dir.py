"""Where gemtui keeps its data files: one rule for the history and the demo emulator's file.

Standard library only (platformdirs is imported when needed), so the headless ``--demo`` path
and the emulator's callers can ask for it without loading the history store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: Environment variable naming the data directory (tests, portable installs).
DATA_DIR_VARIABLE = "GEMTUI_DATA_DIR"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``$GEMTUI_DATA_DIR``, else the platform's user data dir for gemtui."""
    override = env.get(DATA_DIR_VARIABLE)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("gemtui"))


def state_dir() -> Path:
    """The platform's user state dir for gemtui (``$XDG_STATE_HOME/gemtui`` on Linux): small
    files that remember things between sessions (recent models, model limits)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("gemtui"))


def cache_dir() -> Path:
    """The platform's user cache dir for gemtui (``$XDG_CACHE_HOME/gemtui`` on Linux): files
    that can be made again (the event validator's schema, media written to be opened)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gemtui"))
