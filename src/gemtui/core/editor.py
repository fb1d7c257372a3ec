"""The prompt in the user's own editor: which editor, and one round trip of a draft through it.

The editor is the ``editor`` setting, else ``$VISUAL``, else ``$EDITOR``, each split as a shell
would split it (``code --wait`` is a command and an argument), never run through a shell. With
none set there is no silent fall-back to ``vi``: the caller says how to set one. The draft goes
to a private temporary file (mode 0600, in a directory of its own, removed afterwards), so a
prompt never lands where other users can read it.

No Textual here: the app suspends itself around :func:`edit_text`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gemtui.core.environment import child_environment

#: The environment variables read, in order, after the ``editor`` setting.
EDITOR_VARIABLES = ("VISUAL", "EDITOR")
NO_EDITOR = (
    "No editor is set: set `editor` in the settings (F2) or the config file, or $VISUAL or "
    "$EDITOR in your shell (e.g. export EDITOR=nano)."
)


class EditorError(Exception):
    """The editor could not be used; the message says why and what to do."""


@dataclass(frozen=True)
class EditorCommand:
    argv: list[str]
    #: Where it came from, for messages: ``the editor setting``, ``$VISUAL``, ``$EDITOR``.
    origin: str


def find_editor(setting: str | None, env: Mapping[str, str] = os.environ) -> EditorCommand:
    """The editor to run; :class:`EditorError` when none is set or it cannot be parsed."""
    sources = [("the editor setting", setting or "")]
    sources += [(f"${name}", env.get(name, "")) for name in EDITOR_VARIABLES]
    for origin, value in sources:
        if not value.strip():
            continue
        try:
            argv = shlex.split(value)
        except ValueError as error:
            raise EditorError(f"{origin} ({value!r}) is not a command: {error}") from None
        return EditorCommand(argv, origin)
    raise EditorError(NO_EDITOR)


def edit_text(command: EditorCommand, text: str, *, suffix: str = ".md") -> str:
    """Run the editor on ``text``; what the file holds when it exits.

    The one line break most editors add at the end of a file is taken off again, so a prompt
    does not grow a trailing newline on each round trip. A missing program or a non-zero exit
    raises :class:`EditorError` (the draft is then left as it was).
    """
    program = shutil.which(command.argv[0])
    if program is None:
        raise EditorError(f"The editor {command.argv[0]!r} (from {command.origin}) is not found.")
    with tempfile.TemporaryDirectory(prefix="gemtui-prompt-") as directory:
        path = Path(directory) / f"prompt{suffix}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        try:
            done = subprocess.run(
                [program, *command.argv[1:], str(path)], check=False, env=child_environment()
            )
        except OSError as error:
            raise EditorError(f"The editor {command.argv[0]!r} cannot start: {error}") from None
        if done.returncode != 0:
            raise EditorError(
                f"The editor {command.argv[0]!r} exited with status {done.returncode}; "
                "the draft is unchanged."
            )
        try:
            edited = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise EditorError(f"The edited prompt cannot be read back: {error}") from None
    if edited.endswith("\r\n"):
        return edited[:-2]
    return edited[:-1] if edited.endswith("\n") else edited
