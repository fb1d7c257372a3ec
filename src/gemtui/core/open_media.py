"""Opening a media file with the system's player or viewer (``o`` on audio, video, documents).

Only where one can be: ``open`` on macOS, ``xdg-open`` on a desktop session (``DISPLAY`` or
``WAYLAND_DISPLAY``). Over SSH there is nothing to open it with on the reader's side (a player
started on the server would play there, if anywhere), so gemtui says so and points at saving
instead; the same when no opener is installed. Nothing here is needed for gemtui to work.

The file handed to the opener is a copy written here, in a private directory of the user's
cache, under a name of ours: the data is untrusted, its name must not be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gemtui.api.models import MediaContent
from gemtui.core.environment import child_environment
from gemtui.core.media import (
    decode_media,
    extension_for,
    kind_of,
    short_label,
    unique_path,
    write_new,
)

#: How long an opener may take to hand the file over (xdg-open and open return at once).
OPENER_TIMEOUT_S = 30
#: Variables that mean the session runs over SSH.
SSH_VARIABLES = ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")


@dataclass(frozen=True)
class Opener:
    """The command that opens a file here, or why there is none (``command`` is then None)."""

    command: str | None
    reason: str = ""


def find_opener(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Opener:
    """The system's opener for this session, or the reason there is none."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    path = environ.get("PATH", os.defpath)
    if any(environ.get(name) for name in SSH_VARIABLES):
        return Opener(None, "this session runs over SSH: no player here can reach you")
    if platform == "darwin":
        found = shutil.which("open", path=path)
        return Opener(found) if found else Opener(None, "the open command is missing")
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return Opener(None, "no desktop session (DISPLAY) to show it in")
    found = shutil.which("xdg-open", path=path)
    return Opener(found) if found else Opener(None, "xdg-open is not installed")


def media_dir() -> Path:
    """Where files to open are written: ``gemtui/media`` in the user cache dir, mode 0700."""
    from gemtui.core.data_dir import cache_dir

    directory = cache_dir() / "media"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


@dataclass(frozen=True)
class Opened:
    """What opening one item did: the file written and the opener's result, or the problem."""

    path: Path | None
    problem: str = ""


def open_media(
    item: MediaContent,
    interaction_id: str | None,
    opener: Opener,
    directory: Path | None = None,
) -> Opened:
    """Write ``item`` to a file of its own and hand it to ``opener``; waits for the opener
    (which returns once the player has it), so call it off the UI thread."""
    if opener.command is None:
        return Opened(None, opener.reason)
    try:
        data = decode_media(item)
        stem = f"gemtui-{kind_of(item)}-{short_label(interaction_id)}"
        folder = directory or media_dir()
        path = write_new(unique_path(folder, stem, extension_for(item.mime_type, data)), data)
    except (ValueError, OSError) as error:
        return Opened(None, str(error))
    try:
        done = subprocess.run(
            [opener.command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=OPENER_TIMEOUT_S,
            check=False,
            start_new_session=True,
            # The player is a program the model's output reaches: no API key for it.
            env=child_environment(),
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Opened(path, f"{Path(opener.command).name} failed: {error}")
    if done.returncode != 0:
        return Opened(path, f"{Path(opener.command).name} exited with status {done.returncode}")
    return Opened(path)
