"""One command running in a pane of a private tmux server, driven as a user would drive it.

Tests that need what a real terminal sends (bracketed pastes, the bytes of Alt+Enter or Ctrl+J)
run the command here: ``send-keys`` and ``paste-buffer -p`` go through tmux's own key and paste
handling, and ``capture-pane`` reads the screen back. The server's socket lives in a temporary
directory, so nothing touches the user's tmux server or is left in /tmp/tmux-UID.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from support.cli_env import clean_env

#: Generous bound for a slow shared machine; a frame normally appears well within a second.
DEADLINE = 60.0

T = TypeVar("T")

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class TmuxPane:
    """``argv`` in an 80×24 pane (by default) of a tmux server started for it alone.

    ``config`` is more of the server's configuration (``set -g extended-keys always``, say);
    ``env`` the environment the server, and so the pane's command, starts with.
    """

    def __init__(
        self,
        workdir: Path,
        argv: list[str],
        *,
        env: dict[str, str],
        config: str = "",
        size: tuple[int, int] = (80, 24),
    ) -> None:
        conf = workdir / "tmux.conf"
        # The pane stays when the command dies, so a failing test shows what it printed.
        conf.write_text("set -g remain-on-exit on\n" + config)
        # Not inside the tmux that may run the tests: a nested server would refuse to start.
        self._env = {k: v for k, v in env.items() if k not in ("TMUX", "TMUX_PANE")}
        self._tmux = ["tmux", "-S", str(workdir / "tmux.sock"), "-f", str(conf)]
        width, height = size
        self.run("new-session", "-d", "-x", str(width), "-y", str(height), shlex.join(argv))

    def run(self, *args: str) -> str:
        """One tmux command; its standard output."""
        done = subprocess.run(
            [*self._tmux, *args], env=self._env, capture_output=True, text=True, timeout=10
        )
        assert done.returncode == 0, f"tmux {shlex.join(args)}: {done.stderr}"
        return done.stdout

    def screen(self) -> list[str]:
        """The pane's rows as text, trailing blanks removed."""
        return [line.rstrip() for line in self.run("capture-pane", "-p").split("\n")][:-1]

    def wait_for(self, check: Callable[[list[str]], T], what: str) -> T:
        """Capture the screen until ``check`` returns something true; return that."""
        deadline = time.monotonic() + DEADLINE
        while True:
            shown = self.screen()
            if result := check(shown):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; the screen:\n" + "\n".join(shown)
                )
            time.sleep(0.05)

    def send_keys(self, *keys: str) -> None:
        """Keys by tmux name (``C-j``, ``M-Enter``, ``S-Enter``): tmux sends their bytes."""
        self.run("send-keys", *keys)

    def type(self, text: str) -> None:
        """``text`` as literal key presses."""
        self.run("send-keys", "-l", text)

    def paste(self, text: str) -> None:
        """``text`` as a bracketed paste (``paste-buffer -p``). Like a terminal, tmux sends each
        LF of the buffer as CR; everything else (CR, ESC) goes as it is."""
        self.run("set-buffer", "-b", "test-paste", "--", text)
        self.run("paste-buffer", "-p", "-d", "-b", "test-paste")

    def close(self) -> None:
        subprocess.run([*self._tmux, "kill-server"], env=self._env, capture_output=True, timeout=10)

    def __enter__(self) -> TmuxPane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fresh_home_env(root: Path, **extra: str) -> dict[str, str]:
    """The test's environment with a new, empty HOME and XDG directories under ``root``."""
    home = root / "home"
    dirs = {
        "HOME": home,
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "GEMTUI_DATA_DIR": home / "gemtui-data",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return clean_env(**{name: str(path) for name, path in dirs.items()}, **extra)
