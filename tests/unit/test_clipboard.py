"""clipboard.py: OSC 52 sequences, multiplexer wrapping, path choice, and a real tmux round trip."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pyperclip
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemtui.core.clipboard import (
    SCREEN_CHUNK_BYTES,
    copy_text,
    osc52_sequence,
    screen_passthrough,
    tmux_passthrough,
    truncate_utf8,
)
from gemtui.core.wording import format_size

OSC_HELLO = "\x1b]52;c;aGVsbG8=\x07"


def test_osc52_sequence_exact() -> None:
    assert osc52_sequence(b"hello") == OSC_HELLO
    assert osc52_sequence("✓".encode()) == "\x1b]52;c;4pyT\x07"


def test_tmux_passthrough_doubles_every_esc() -> None:
    assert tmux_passthrough(OSC_HELLO) == "\x1bPtmux;\x1b\x1b]52;c;aGVsbG8=\x07\x1b\\"
    twice = tmux_passthrough(tmux_passthrough("\x1bx"))
    assert twice == "\x1bPtmux;\x1b\x1bPtmux;\x1b\x1b\x1b\x1bx\x1b\x1b\\\x1b\\"


def test_screen_passthrough_short_is_one_piece() -> None:
    assert screen_passthrough(OSC_HELLO) == f"\x1bP{OSC_HELLO}\x1b\\"


def test_screen_passthrough_chunks() -> None:
    seq = osc52_sequence(b"x" * 1500)  # 2011 characters
    wrapped = screen_passthrough(seq)
    pieces = re.findall(r"\x1bP(.*?)\x1b\\", wrapped, flags=re.DOTALL)
    assert "".join(f"\x1bP{piece}\x1b\\" for piece in pieces) == wrapped
    assert "".join(pieces) == seq
    assert len(pieces) == -(-len(seq) // SCREEN_CHUNK_BYTES) == 3
    assert all(len(piece.encode()) <= SCREEN_CHUNK_BYTES for piece in pieces)


def test_truncate_utf8_cuts_before_a_split_character() -> None:
    assert truncate_utf8("aé✓👍", 100) == "aé✓👍".encode()
    assert truncate_utf8("aé✓👍", 10) == "aé✓👍".encode()
    assert truncate_utf8("aé✓👍", 9) == "aé✓".encode()
    assert truncate_utf8("aé✓👍", 6) == "aé✓".encode()
    assert truncate_utf8("aé✓👍", 5) == "aé".encode()
    assert truncate_utf8("aé✓👍", 2) == b"a"
    assert truncate_utf8("aé✓👍", 0) == b""
    assert truncate_utf8("a\ud800b", 10) == b"a?b"


@given(st.text(), st.integers(min_value=0, max_value=400))
def test_truncate_utf8_property(text: str, max_bytes: int) -> None:
    full = text.encode()
    cut = truncate_utf8(text, max_bytes)
    decoded = cut.decode()
    assert full.startswith(cut)
    assert len(cut) <= max_bytes
    if cut != full:  # maximal: the next character would not have fitted
        assert len(cut) + len(text[len(decoded)].encode()) > max_bytes


class Terminal:
    """Collects what copy_text writes, as a terminal would receive it."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def write(self, seq: str) -> None:
        self.received.append(seq)

    @property
    def output(self) -> str:
        return "".join(self.received)


def fake_tmux(answers: dict[str, str]):
    """A tmux runner answering queries by their last argument; a missing answer fails."""
    calls: list[tuple[str, ...]] = []

    def run(args: Sequence[str]) -> str:
        calls.append(tuple(args))
        if args[-1] not in answers:
            raise subprocess.CalledProcessError(1, ["tmux", *args])
        return answers[args[-1]]

    run.calls = calls  # type: ignore[attr-defined]
    return run


SSH = {"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22", "TERM": "xterm-256color"}
TMUX = {**SSH, "TMUX": "/tmp/tmux-1000/default,123,0", "TERM": "tmux-256color"}


def test_plain_terminal_over_ssh() -> None:
    term = Terminal()
    result = copy_text("hello", env=SSH, write=term.write)
    assert term.output == OSC_HELLO
    assert (result.path, result.bytes_copied, result.truncated) == ("osc52", 5, False)
    assert result.message == "Copied 5 B to the clipboard via OSC 52"


def test_tmux_with_set_clipboard_on_gets_plain_osc52_only() -> None:
    term = Terminal()
    run = fake_tmux({"allow-passthrough": "off", "set-clipboard": "on"})
    result = copy_text("hello", env=TMUX, write=term.write, run_tmux=run)
    assert term.output == OSC_HELLO
    assert result.path == "osc52"
    assert result.message == "Copied 5 B to the clipboard via OSC 52 (tmux)"
    assert run.calls[0] == ("show", "-gv", "allow-passthrough")


@pytest.mark.parametrize("setting", ["on", "all"])
def test_tmux_with_passthrough_adds_wrapped_form(setting: str) -> None:
    term = Terminal()
    run = fake_tmux({"allow-passthrough": setting, "#{client_termname}": "xterm-256color"})
    result = copy_text("hello", env=TMUX, write=term.write, run_tmux=run)
    assert term.output == OSC_HELLO + tmux_passthrough(OSC_HELLO)
    assert result.path == "osc52-tmux-passthrough"
    assert result.message == "Copied 5 B to the clipboard via OSC 52 (tmux passthrough)"


def test_nested_tmux_with_passthrough_double_wraps() -> None:
    term = Terminal()
    run = fake_tmux({"allow-passthrough": "on", "#{client_termname}": "tmux-256color"})
    copy_text("hello", env=TMUX, write=term.write, run_tmux=run)
    once = tmux_passthrough(OSC_HELLO)
    assert term.output == OSC_HELLO + once + tmux_passthrough(once)


@pytest.mark.parametrize(
    "error",
    [
        subprocess.CalledProcessError(1, ["tmux"]),
        subprocess.TimeoutExpired(["tmux"], 1.0),
        FileNotFoundError("tmux"),
    ],
)
def test_tmux_query_failure_means_plain_osc52_and_a_hint(error: Exception) -> None:
    def run(args: Sequence[str]) -> str:
        raise error

    term = Terminal()
    result = copy_text("hello", env=TMUX, write=term.write, run_tmux=run)
    assert term.output == OSC_HELLO
    assert result.path == "osc52"
    assert "tmux ignores it" in result.message
    assert "set -g set-clipboard on" in result.message


def test_default_tmux_runner_against_a_missing_server(tmp_path: Path) -> None:
    env = {**TMUX, "TMUX": f"{tmp_path / 'no-such-socket'},1,0", "PATH": os.environ["PATH"]}
    term = Terminal()
    result = copy_text("hello", env=env, write=term.write)
    assert (term.output, result.path) == (OSC_HELLO, "osc52")
    assert "tmux ignores it" in result.message


def test_gnu_screen_gets_chunked_dcs() -> None:
    term = Terminal()
    env = {**SSH, "STY": "1234.pts-0.host", "TERM": "screen.xterm-256color"}
    result = copy_text("hello", env=env, write=term.write)
    assert term.output == screen_passthrough(OSC_HELLO)
    assert result.path == "osc52-screen"
    assert result.message == "Copied 5 B to the clipboard via OSC 52 (GNU screen)"


def test_sty_without_screen_term_is_plain() -> None:
    term = Terminal()
    result = copy_text("hello", env={**SSH, "STY": "1.x"}, write=term.write)
    assert (term.output, result.path) == (OSC_HELLO, "osc52")


def test_tmux_wins_over_screen_variables() -> None:
    term = Terminal()
    run = fake_tmux({"allow-passthrough": "off", "set-clipboard": "on"})
    env = {**TMUX, "STY": "1.x", "TERM": "screen"}
    result = copy_text("hello", env=env, write=term.write, run_tmux=run)
    assert (term.output, result.path) == (OSC_HELLO, "osc52")


def test_size_cap_truncates_at_a_character_boundary() -> None:
    term = Terminal()
    result = copy_text("é" * 10, env=SSH, write=term.write, max_bytes=9)
    assert term.output == osc52_sequence("é".encode() * 4)
    assert (result.bytes_copied, result.truncated) == (8, True)
    assert result.message == (
        "Copied the first 8 B of 20 B (OSC 52 size cap) to the clipboard via OSC 52"
    )


def test_nothing_to_copy() -> None:
    term = Terminal()
    result = copy_text("", env=SSH, write=term.write)
    assert (term.output, result.path, result.message) == ("", "none", "Nothing to copy")


def test_write_failure_is_reported() -> None:
    def broken(seq: str) -> None:
        raise OSError("terminal gone")

    result = copy_text("hello", env=SSH, write=broken)
    assert result.path == "none"
    assert result.message == "Could not write to the terminal: terminal gone"


@pytest.fixture
def local_clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """pyperclip with a working clipboard; this machine has no X or Wayland to run the real one."""
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    return copied


@pytest.fixture
def no_local_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> None:
        raise pyperclip.PyperclipException("no copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", fail)


def test_prefer_local(local_clipboard: list[str]) -> None:
    term = Terminal()
    result = copy_text("hello ✓", env=SSH, write=term.write, prefer="local")
    assert local_clipboard == ["hello ✓"]
    assert term.output == ""
    assert (result.path, result.bytes_copied) == ("pyperclip", 9)
    assert result.message == "Copied 9 B to the clipboard"


@pytest.mark.usefixtures("no_local_clipboard")
def test_prefer_local_without_clipboard_says_what_to_do() -> None:
    result = copy_text("hello", env=SSH, write=Terminal().write, prefer="local")
    assert result.path == "none"
    assert "install xclip, xsel or wl-clipboard" in result.message


def test_auto_on_a_local_desktop_uses_the_local_clipboard(local_clipboard: list[str]) -> None:
    term = Terminal()
    result = copy_text("hello", env={"DISPLAY": ":0"}, write=term.write)
    assert (result.path, local_clipboard, term.output) == ("pyperclip", ["hello"], "")


@pytest.mark.usefixtures("no_local_clipboard")
def test_auto_on_a_local_desktop_falls_back_to_osc52() -> None:
    term = Terminal()
    result = copy_text("hello", env={"WAYLAND_DISPLAY": "wayland-0"}, write=term.write)
    assert (result.path, term.output) == ("osc52", OSC_HELLO)


def test_auto_over_ssh_ignores_forwarded_display(local_clipboard: list[str]) -> None:
    term = Terminal()
    result = copy_text("hello", env={**SSH, "DISPLAY": "localhost:10.0"}, write=term.write)
    assert (result.path, local_clipboard, term.output) == ("osc52", [], OSC_HELLO)


def test_prefer_osc52_skips_the_local_clipboard(local_clipboard: list[str]) -> None:
    term = Terminal()
    result = copy_text("hello", env={"DISPLAY": ":0"}, write=term.write, prefer="osc52")
    assert (result.path, local_clipboard, term.output) == ("osc52", [], OSC_HELLO)


def test_without_a_terminal_there_is_no_writer() -> None:
    # A new session has no controlling terminal, and stdout here is a pipe.
    code = (
        "from gemtui.core.clipboard import copy_text, default_writer\n"
        "assert default_writer() is None\n"
        "r = copy_text('hi', env={'SSH_TTY': '/dev/pts/1'}, prefer='osc52')\n"
        "print(r.path, r.message, sep='|')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    assert out == "none|No terminal to send OSC 52 to\n"


def test_core_clipboard_does_not_import_textual_or_pyperclip() -> None:
    code = (
        "import gemtui.core.clipboard, sys\n"
        "assert 'textual' not in sys.modules and 'pyperclip' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def poll(check, what: str, seconds: float = 15.0):
    """Return check()'s first truthy value, polling briefly; fail after a bound."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize(
    ("passthrough", "expected_path"),
    [("off", "osc52"), ("on", "osc52-tmux-passthrough")],
)
def test_real_tmux_keeps_the_copy_as_a_buffer(
    tmp_path: Path, passthrough: str, expected_path: str
) -> None:
    conf = tmp_path / "tmux.conf"
    conf.write_text(
        "set -g set-clipboard on\n"
        f"set -g allow-passthrough {passthrough}\n"
        "set -g remain-on-exit on\n"
    )
    result_file = tmp_path / "result"
    text = "héllo ✓ from gemtui"
    script = (
        "import sys\n"
        "from gemtui.core.clipboard import copy_text\n"
        "r = copy_text(sys.argv[1], prefer='osc52')\n"
        "open(sys.argv[2], 'w').write(r.path + '|' + r.message)\n"
    )
    command = shlex.join([sys.executable, "-c", script, text, str(result_file)])
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    # A private server on a socket inside tmp_path, so nothing is left behind in /tmp/tmux-UID.
    tmux = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    subprocess.run(
        [*tmux, "-f", str(conf), "new-session", "-d", "-x", "80", "-y", "24", command],
        env=env,
        check=True,
        timeout=10,
    )
    try:
        outcome = poll(lambda: result_file.exists() and result_file.read_text(), "copy_text")
        path, message = outcome.split("|")
        assert path == expected_path
        assert message.startswith(
            f"Copied {format_size(len(text.encode()))} to the clipboard via OSC 52 (tmux"
        )

        def buffer() -> str:
            shown = subprocess.run([*tmux, "show-buffer"], env=env, capture_output=True, timeout=10)
            return shown.stdout.decode() if shown.returncode == 0 else ""

        assert poll(buffer, "the tmux buffer") == text
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True, timeout=10)
