"""``gemtui --serve``: the chat TUI in a browser, through textual-serve.

textual-serve runs a shell command for every browser session and relays its terminal over a
websocket. That command is rebuilt here from the parsed flags, not copied from ``sys.argv``:
an abbreviated ``--serv`` left in the child's arguments would make every session start a
server of its own. The API key is never put on the command line (where ``ps`` shows it); the
child reads it from the environment or the settings file, as the parent would.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

#: Top-level flags the chat TUI takes, with the attribute argparse stores each in.
VALUE_FLAGS = (
    ("--base-url", "base_url"),
    ("--model", "model"),
    ("--agent", "agent"),
    ("--config", "config"),
    ("--api-version", "api_version"),
    ("--theme", "theme"),
    ("--preset", "preset"),
)
SWITCH_FLAGS = (("--demo", "demo"), ("--stateless", "stateless"))
#: A session's terminal is the browser's (xterm.js, whose clipboard add-on takes OSC 52), not
#: the tmux or screen the server may run in, nor the server's desktop: copies go as bare OSC 52.
BROWSER_SESSION_ENV = ["env", "-u", "TMUX", "-u", "STY", "GEMTUI_CLIPBOARD=osc52"]


def tui_argv(args: argparse.Namespace, python: str = sys.executable) -> list[str]:
    """The gemtui invocation that starts the same TUI as ``args``, without ``--serve``
    (each session opens the last chat with ``--continue``, or a given one with ``--resume``)."""
    argv = [python, "-m", "gemtui"]
    argv += [flag for flag, name in SWITCH_FLAGS if getattr(args, name)]
    for flag, name in VALUE_FLAGS:
        value = getattr(args, name)
        if value is not None:
            # The server may be started elsewhere than where a session runs: no relative paths.
            argv += [flag, str(Path(value).resolve()) if isinstance(value, Path) else value]
    if args.continue_last:
        argv.append("--continue")
    elif args.resume is not None:
        argv += ["--resume", args.resume] if args.resume else ["--resume"]
    return argv


def session_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([*BROWSER_SESSION_ENV, *tui_argv(args)])


def serve(args: argparse.Namespace, host: str, port: int) -> int:
    """Serve the TUI on ``host``:``port`` until Ctrl+C; textual-serve prints the URL.

    What would stop every session is found first and said here, with exit codes as the
    terminal TUI's: an unknown preset (2; the page stayed blank), an address that cannot be
    listened on (1; textual-serve printed its banner, then a traceback)."""
    from gemtui.config import load_settings
    from gemtui.local_server import bind
    from gemtui.ui.launch import preset_known

    if not preset_known(load_settings(args.config), args.preset):
        return 2
    try:
        bind(host, port).close()
    except OSError as error:
        sys.stderr.write(f"gemtui: cannot listen on {host}:{port}: {error}\n")
        return 1
    from textual_serve.server import Server

    Server(session_command(args), host=host, port=port, title="gemtui").serve()
    return 0
