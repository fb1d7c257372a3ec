"""Copy text to the user's clipboard, over SSH, tmux and GNU screen included.

Over SSH the only clipboard that matters is the one on the user's machine, and the only way to reach
it is through the terminal: OSC 52 (``ESC ] 52 ; c ; base64 BEL``). Multiplexers sit in between:

- tmux ≥ 3.3 drops DCS passthrough unless ``allow-passthrough`` is on, but with
  ``set-clipboard on`` it accepts a plain OSC 52, keeps it as a tmux buffer and forwards it to the
  outer terminal. So inside tmux a plain OSC 52 is written first, and the DCS-wrapped form as well
  only where passthrough is allowed (double-wrapped when this tmux itself runs inside tmux).
- GNU screen forwards only what is wrapped in DCS, and keeps at most 767 bytes of one string
  sequence, so the sequence is sent in wrapped chunks.

Which of these sits in between is :func:`terminal_route`'s answer, shared with the terminal
notifications of :mod:`gemtui.core.notify`.

Choice for ``prefer="auto"``: over SSH (``SSH_TTY`` / ``SSH_CONNECTION``) OSC 52 is used. Locally
with a desktop (``DISPLAY``, ``WAYLAND_DISPLAY``, macOS, Windows) the local clipboard via
pyperclip is tried first, because it reports failure while OSC 52 fails silently in terminals
without support (VTE-based ones, for example); OSC 52 is the fallback. With no terminal to write
to, pyperclip is the only way.

The size cap applies to OSC 52 only (terminals and multiplexers limit sequence length; xterm, for
one, ignores long ones), and cuts at a UTF-8 character boundary.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from gemtui.core.safety import clean_terminal_text
from gemtui.core.wording import format_size

CopyPath = Literal["osc52", "osc52-tmux-passthrough", "osc52-screen", "pyperclip", "none"]
Prefer = Literal["auto", "osc52", "local"]
TmuxRunner = Callable[[Sequence[str]], str]

ESC = "\x1b"
ST = ESC + "\\"
SCREEN_CHUNK_BYTES = 767
"""GNU screen stores a string sequence in a buffer of MAXSTR (768) bytes, keeps at most 767 of it
and prints the rest as literal text."""
TMUX_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What happened, for the UI to show as a one-line notification."""

    path: CopyPath
    bytes_copied: int
    truncated: bool
    message: str


def truncate_utf8(text: str, max_bytes: int) -> bytes:
    """UTF-8 bytes of ``text``, cut to at most ``max_bytes`` without splitting a character.

    Lone surrogates, which cannot be encoded, become ``?``.
    """
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return data
    end = max(max_bytes, 0)
    # data[end] is the first byte left out; while it is a continuation byte the cut would split a
    # character, so step back to that character's lead byte (at most three steps).
    while end > 0 and data[end] & 0xC0 == 0x80:
        end -= 1
    return data[:end]


def osc52_sequence(data: bytes) -> str:
    """OSC 52 that sets the clipboard selection ("c") to ``data``, terminated by BEL."""
    return f"{ESC}]52;c;{base64.b64encode(data).decode('ascii')}\a"


def tmux_passthrough(seq: str) -> str:
    """Wrap ``seq`` in tmux's DCS passthrough; tmux wants every inner ESC doubled."""
    return f"{ESC}Ptmux;{seq.replace(ESC, ESC + ESC)}{ST}"


def screen_passthrough(seq: str, chunk_bytes: int = SCREEN_CHUNK_BYTES) -> str:
    """Wrap ``seq`` (ASCII, as OSC 52 is) in GNU screen DCS pieces of at most ``chunk_bytes``."""
    return "".join(
        f"{ESC}P{seq[start : start + chunk_bytes]}{ST}" for start in range(0, len(seq), chunk_bytes)
    )


def default_writer() -> Callable[[str], None] | None:
    """A writer to the controlling terminal, or ``None`` when there is none.

    ``/dev/tty`` first: stdout may be a pipe or a file (``gemtui ask ... | less``) or captured
    (Textual redirects ``sys.stdout`` while an app runs), and the sequence must reach the terminal.
    Inside a running Textual app, pass the driver's writer instead, so the sequence is not
    interleaved with a frame being written.
    """
    try:
        with open("/dev/tty", "w"):
            pass
    except OSError:
        if sys.stdout is not None and sys.stdout.isatty():
            return _write_stdout
        return None
    return _write_tty


def _write_tty(seq: str) -> None:
    with open("/dev/tty", "w", encoding="ascii") as tty:
        tty.write(seq)


def _write_stdout(seq: str) -> None:
    sys.stdout.write(seq)
    sys.stdout.flush()


def tmux_runner(env: Mapping[str, str]) -> TmuxRunner:
    """Run a tmux command against the server named by ``env["TMUX"]``; raise on any failure."""

    def run(args: Sequence[str]) -> str:
        completed = subprocess.run(
            ["tmux", *args],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=TMUX_TIMEOUT_SECONDS,
            check=True,
        )
        return completed.stdout.strip()

    return run


def _query(run: TmuxRunner, *args: str) -> str:
    """tmux's answer, or "" when tmux is missing, slow or fails: treated as "not allowed"."""
    try:
        return run(args)
    except (OSError, subprocess.SubprocessError):
        return ""


@dataclass(frozen=True, slots=True)
class _Plan:
    """The sequences to write and how to describe them."""

    path: CopyPath
    payload: str
    via: str
    ignored_by_tmux: bool = False


Multiplexer = Literal["none", "tmux", "tmux-passthrough", "screen"]


@dataclass(frozen=True, slots=True)
class Route:
    """How a sequence meant for the outer terminal gets past the multiplexer in between.

    ``tmux``: tmux without ``allow-passthrough``, which keeps DCS-wrapped sequences from the
    outer terminal; ``tmux-passthrough``: wrapped once, or twice when this tmux itself runs in
    tmux or screen (``nested``); ``screen``: GNU screen's chunked DCS. ``client_term`` is what
    tmux says the outer terminal is (its ``TERM``), when passthrough is on.
    """

    multiplexer: Multiplexer
    nested: bool = False
    client_term: str = ""

    def wrap(self, seq: str) -> str | None:
        """``seq`` wrapped for the outer terminal, or ``None`` when tmux would not pass it."""
        if self.multiplexer == "tmux-passthrough":
            wrapped = tmux_passthrough(seq)
            return wrapped + tmux_passthrough(wrapped) if self.nested else wrapped
        if self.multiplexer == "screen":
            return screen_passthrough(seq)
        if self.multiplexer == "tmux":
            return None
        return seq


def terminal_route(env: Mapping[str, str], run: TmuxRunner | None = None) -> Route:
    """Which multiplexer sits between this process and the terminal, asked of tmux itself
    (``run`` runs tmux; by default a subprocess with a short timeout)."""
    if env.get("TMUX"):
        run = run or tmux_runner(env)
        if _query(run, "show", "-gv", "allow-passthrough") in ("on", "all"):
            client = _query(run, "display", "-p", "#{client_termname}")
            return Route("tmux-passthrough", client.startswith(("tmux", "screen")), client)
        return Route("tmux")
    if env.get("STY") and env.get("TERM", "").startswith("screen"):
        return Route("screen")
    return Route("none")


def _plan_osc52(data: bytes, env: Mapping[str, str], run: TmuxRunner | None) -> _Plan:
    osc = osc52_sequence(data)
    route = terminal_route(env, run)
    wrapped = route.wrap(osc)
    if route.multiplexer == "tmux-passthrough" and wrapped is not None:
        return _Plan("osc52-tmux-passthrough", osc + wrapped, "OSC 52 (tmux passthrough)")
    if route.multiplexer == "tmux":
        run = run or tmux_runner(env)
        if _query(run, "show", "-gv", "set-clipboard") == "on":
            return _Plan("osc52", osc, "OSC 52 (tmux)")
        return _Plan("osc52", osc, "OSC 52", ignored_by_tmux=True)
    if route.multiplexer == "screen" and wrapped is not None:
        return _Plan("osc52-screen", wrapped, "OSC 52 (GNU screen)")
    return _Plan("osc52", osc, "OSC 52")


def _copy_osc52(
    text: str,
    env: Mapping[str, str],
    write: Callable[[str], None],
    max_bytes: int,
    run: TmuxRunner | None,
) -> CopyResult:
    total = len(text.encode("utf-8", "replace"))
    data = truncate_utf8(text, max_bytes)
    truncated = len(data) < total
    plan = _plan_osc52(data, env, run)
    try:
        write(plan.payload)
    except OSError as error:
        return CopyResult("none", 0, False, f"Could not write to the terminal: {error}")
    size = format_size(len(data))
    if truncated:
        size = f"the first {size} of {format_size(total)} (OSC 52 size cap)"
    if plan.ignored_by_tmux:
        message = (
            f"Sent {size} via OSC 52, but tmux ignores it: "
            "run `tmux set -g set-clipboard on` or `set -g allow-passthrough on`"
        )
    else:
        message = f"Copied {size} to the clipboard via {plan.via}"
    return CopyResult(plan.path, len(data), truncated, message)


def _copy_local(text: str) -> CopyResult:
    import pyperclip  # lazy: it probes for clipboard tools, which only this path needs

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        return CopyResult(
            "none",
            0,
            False,
            "No clipboard available: install xclip, xsel or wl-clipboard, "
            "or use a terminal that supports OSC 52",
        )
    size = len(text.encode("utf-8", "replace"))
    return CopyResult("pyperclip", size, False, f"Copied {format_size(size)} to the clipboard")


def _has_desktop(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) or sys.platform in (
        "darwin",
        "win32",
    )


def copy_text(
    text: str,
    *,
    env: Mapping[str, str] | None = None,
    write: Callable[[str], None] | None = None,
    prefer: Prefer = "auto",
    max_bytes: int = 100_000,
    run_tmux: TmuxRunner | None = None,
) -> CopyResult:
    """Copy ``text`` to the user's clipboard by the best path available and say which was used.

    ``env`` defaults to ``os.environ``; ``write`` delivers escape sequences to the terminal and
    defaults to :func:`default_writer`; ``run_tmux`` runs ``tmux`` with arguments and returns its
    output (defaults to a subprocess with a short timeout).

    ``text`` is cleaned of terminal control sequences first, whatever it is (a prompt read back
    from the server, a tool result, an answer): pasted into a terminal, an ESC in it would run
    there, and a bracketed paste's end marker would end the paste early.
    """
    text = clean_terminal_text(text)
    if not text:
        return CopyResult("none", 0, False, "Nothing to copy")
    if env is None:
        env = os.environ
    if prefer == "local":
        return _copy_local(text)
    if write is None:
        write = default_writer()
    if write is None:
        if prefer == "osc52":
            return CopyResult("none", 0, False, "No terminal to send OSC 52 to")
        return _copy_local(text)
    over_ssh = bool(env.get("SSH_TTY") or env.get("SSH_CONNECTION"))
    if prefer == "auto" and not over_ssh and _has_desktop(env):
        local = _copy_local(text)
        if local.path == "pyperclip":
            return local
    return _copy_osc52(text, env, write, max_bytes, run_tmux)
