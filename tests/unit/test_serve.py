"""gemtui --serve: the command each browser session runs, and the server answering on loopback."""

from __future__ import annotations

import os
import selectors
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.cli_env import FAKE_KEY, clean_env

from gemtui.cli import _tui_options, build_parser, main
from gemtui.ui.serve import session_command, tui_argv


def test_session_command_keeps_the_tui_flags_and_drops_serve(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(
        ["--serve", "--host", "127.0.0.2", "--port", "9000", "-m", "gemini-x",
         "--agent", "deep", "--base-url", "http://127.0.0.1:1", "--config", "my.toml",
         "--api-version", "v1", "--theme", "ansi-dark", "--stateless"]
    )  # fmt: skip
    argv = tui_argv(args, python="py")
    assert argv[:3] == ["py", "-m", "gemtui"]
    assert not {"--serve", "--host", "--port", "127.0.0.2", "9000"} & set(argv)
    assert argv[argv.index("--config") + 1] == str(tmp_path / "my.toml")
    # The session starts the very TUI the flags describe.
    again = build_parser().parse_args(argv[3:])
    assert not again.serve
    assert _tui_options(again) == {**_tui_options(args), "config": tmp_path / "my.toml"}
    demo = build_parser().parse_args(["--serve", "--demo", "--stateless"])
    assert build_parser().parse_args(tui_argv(demo, python="py")[3:]).demo


def test_session_command_without_flags_is_plain_gemtui():
    assert tui_argv(build_parser().parse_args(["--serve"]), python="py") == ["py", "-m", "gemtui"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--serve", "export", "last"], "does not combine with a command"),
        (["--port", "8001"], "--host and --port go with --serve"),
        (["--host", "0.0.0.0"], "--host and --port go with --serve"),
        (["--serve", "--port", "99999"], "a port is a number from 0 to 65535"),
        (["emulator", "--port", "-1"], "a port is a number from 0 to 65535"),
    ],
)
def test_serve_flags_misused_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_emulator_keeps_its_own_host_and_port():
    args = build_parser().parse_args(["emulator", "--host", "127.0.0.3", "--port", "0"])
    assert (args.host, args.port, args.serve_host, args.serve_port) == ("127.0.0.3", 0, None, None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_until(process: subprocess.Popen[bytes], marker: str, deadline: float) -> str:
    """The server's output up to ``marker`` (it is printed once listening).

    Reads the pipe's descriptor itself: a buffered ``readline`` may pull the marker's line
    into Python's buffer along with an earlier one, and ``select`` would then wait on a
    descriptor with nothing left in it (the server has printed all it will).
    """
    seen = b""
    descriptor = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while marker.encode() not in seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError(f"no {marker!r} in time; output so far: {seen!r}")
            chunk = os.read(descriptor, 65536)
            if not chunk:
                raise AssertionError(f"server exited: {seen!r}")
            seen += chunk
    return seen.decode(errors="replace")


def test_serve_answers_with_the_page_on_loopback(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gemtui", "--serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=Path(tmp_path),
        env=clean_env(GEMINI_API_KEY=FAKE_KEY, PYTHONUNBUFFERED="1", COLUMNS="200"),
    )
    try:
        output = _read_until(process, f"http://127.0.0.1:{port}", time.monotonic() + 30)
        assert FAKE_KEY not in output
        # The URL is printed just before the socket is bound: poll briefly for it.
        deadline = time.monotonic() + 30
        while True:
            try:
                # Generous: on a loaded machine (tests in parallel) the first page is slow.
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
                break
            except (httpx.ConnectError, httpx.RemoteProtocolError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "gemtui" in response.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_browser_sessions_copy_by_bare_osc52_whatever_the_server_runs_in():
    command = shlex.split(session_command(build_parser().parse_args(["--serve", "--demo"])))
    assert command[:6] == ["env", "-u", "TMUX", "-u", "STY", "GEMTUI_CLIPBOARD=osc52"]
    assert command[6:] == tui_argv(build_parser().parse_args(["--serve", "--demo"]))


def test_each_session_opens_the_chat_continue_or_resume_names():
    """--serve --continue said "--continue and --resume ... go without a command"."""
    argv = tui_argv(build_parser().parse_args(["--serve", "--continue"]), python="py")
    assert argv == ["py", "-m", "gemtui", "--continue"]
    argv = tui_argv(build_parser().parse_args(["--serve", "--resume", "3"]), python="py")
    assert argv == ["py", "-m", "gemtui", "--resume", "3"]
    argv = tui_argv(build_parser().parse_args(["--serve", "--resume"]), python="py")
    assert argv == ["py", "-m", "gemtui", "--resume"]


def test_serve_says_what_stops_it_before_serving(tmp_path, capsys):
    """A port in use printed the banner, then a traceback; an unknown preset served a blank
    page."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--serve", "--demo", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gemtui: cannot listen on 127.0.0.1:{port}: ") and "Traceback" not in err
    config = tmp_path / "config.toml"
    config.write_text("")
    assert main(["--serve", "--demo", "--config", str(config), "--preset", "nope"]) == 2
    assert "no preset 'nope'" in capsys.readouterr().err
