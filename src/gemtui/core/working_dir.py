"""The working directory, for what the TUI reads or writes relative to it.

``Path.cwd()`` raises ``FileNotFoundError`` once the folder gemtui was started in has been
deleted (or moved away) from another shell, and that stopped the app when F3 or ``s`` asked
for it. Everything on a UI path asks here instead: it gets the folder to use and, when that is
a fallback, the sentence that tells the user so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Why the working directory is not used (the fallback's name follows it).
GONE = "The folder gemtui was started in is gone (deleted or moved)"


@dataclass(frozen=True)
class Folder:
    """The folder to use; ``problem`` says why it is not the working directory ("" if it is)."""

    path: Path
    problem: str = ""


def working_dir() -> Path | None:
    """The current directory, or ``None`` when it cannot be had any more."""
    try:
        return Path.cwd()
    except OSError:  # FileNotFoundError once deleted; PermissionError once unreadable
        return None


def working_dir_or_home() -> Folder:
    """The current directory, else the home directory, saying so."""
    here = working_dir()
    if here is not None:
        return Folder(here)
    home = Path.home()
    return Folder(home, f"{GONE}: using {home} instead.")
