"""What survives when gemtui dies: kill -9 mid-stream, an unexpected error, user time limits.

The kill test runs the real ``gemtui`` TUI in a pseudo-terminal, as a user would, against the
loopback emulator, and kills it with SIGKILL while an answer streams.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest
from support.chat_driver import FAKE_KEY, make_app, notices, send
from support.cli_env import clean_env

from gemtui.config import load_settings
from gemtui.core.logs import start_logging, stop_logging
from gemtui.core.store import Store
from gemtui.ui.app import Connection, GemtuiApp

#: Generous bound for slow shared machines; the test normally takes about two seconds.
DEADLINE = 60.0


class Terminal:
    """A pseudo-terminal of 80×24 running one process, its output drained in a thread."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.master = master
        self.output = bytearray()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=DEADLINE)
        os.close(self.master)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stored_turns(path):
    if not path.exists():
        return []
    try:
        with Store(path, read_only=True) as store:
            conversation_id = store.last_conversation_id()
            return [] if conversation_id is None else store.load_turns(conversation_id)
    except Exception:  # the first write may be under way; ask again
        return []


def test_kill_9_mid_stream_keeps_every_finished_step_and_marks_the_turn(emulator, tmp_path):
    data_dir = tmp_path / "data"
    env = clean_env(
        GEMINI_API_KEY=FAKE_KEY, GEMTUI_DATA_DIR=str(data_dir), TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
    )  # fmt: skip
    history = data_dir / "history.sqlite3"
    terminal = Terminal([sys.executable, "-m", "gemtui", "--base-url", emulator.base_url], env)
    try:
        wait_for(lambda: b"stateful" in terminal.output, "the first frame")
        terminal.type("!slow 40 tell me a long story\r")
        # The thought has stopped (it is stored) and the answer is under way: kill now.
        wait_for(
            lambda: any(t.turn.reply.state.steps for t in stored_turns(history)), "a stored step"
        )
        os.killpg(terminal.process.pid, signal.SIGKILL)
        assert terminal.process.wait(timeout=DEADLINE) == -signal.SIGKILL
    finally:
        terminal.close()

    with Store(history) as store:  # opens cleanly after the crash
        conversation_id = store.last_conversation_id()
        [stored] = store.load_turns(conversation_id)
    assert stored.turn.asked.prompt == "!slow 40 tell me a long story"
    assert stored.turn.reply.outcome == "interrupted"
    assert stored.interaction_id
    kinds = [step.step.type for step in stored.turn.reply.state.steps]
    assert kinds[0] == "thought" and stored.turn.reply.state.steps[0].done

    # Restarting: the headless export reads the same store and shows what was kept.
    exported = subprocess.run(
        [sys.executable, "-m", "gemtui", "export", str(conversation_id), "--format", "md"],
        env=env, capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "tell me a long story" in exported.stdout
    assert "interrupted" in exported.stdout.lower()


async def test_an_unexpected_error_writes_a_crash_report_without_the_key(emulator, tmp_path):
    app = make_app(emulator)
    log_file = start_logging([FAKE_KEY], "debug")  # as run_tui does, in the user state dir
    assert log_file is not None

    def boom() -> None:
        secret = FAKE_KEY  # a local variable Textual's own traceback would have printed
        raise RuntimeError(f"unexpected state near {secret}")

    try:
        with pytest.raises(RuntimeError):
            async with app.run_test() as pilot:
                app.call_later(boom)
                await pilot.pause()
    finally:
        stop_logging()
    report = app.crash_report
    assert report is not None and report.exists()
    text = report.read_text()
    assert "RuntimeError: unexpected state near ***" in text
    assert "in boom" in text
    assert FAKE_KEY not in text
    assert oct(report.stat().st_mode & 0o777) == "0o600"
    # The log file (same folder) names the crash and the report, and holds no key either.
    assert report.parent == log_file.parent
    logged = log_file.read_text()
    assert "crashed: RuntimeError('unexpected state near ***')" in logged
    assert str(report) in logged
    assert FAKE_KEY not in logged


async def test_user_set_idle_timeout_cuts_a_stalled_stream(emulator, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[network]\nidle_timeout = 0.3\nretries = 0\n")
    loaded = load_settings(config, environ={})
    assert not loaded.problems
    connection = Connection(
        base_url=emulator.base_url, api_key=FAKE_KEY, demo=True, secrets=[FAKE_KEY]
    )
    app = GemtuiApp(connection, loaded=loaded)
    assert app.client.timeouts.idle == 0.3
    assert app.client.retry.max_attempts == 1
    async with app.run_test() as pilot:
        await send(pilot, "!fault stall 5000 hello")
        assert app.conversation.turns[-1].reply.outcome == "interrupted"
        notice = notices(app)[-1]
        assert "after 0.3 s" in notice.message  # the user's limit, not the default 120 s
        assert "idle_timeout" in notice.hint


def test_bad_network_values_are_reported_and_defaults_kept(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[network]\nidle_timeout = -1\n")
    loaded = load_settings(config, environ={})
    assert loaded.settings.network.idle_timeout == 120.0
    assert any("idle_timeout" in problem for problem in loaded.problems)


def test_a_crash_exits_with_a_failure_code(tmp_path, monkeypatch):
    """`gemtui` stopped on an unexpected error with exit status 0, so scripts and shells took
    the crash for a normal quit."""
    from gemtui.ui.app import GemtuiApp
    from gemtui.ui.launch import run_tui

    class CrashingApp(GemtuiApp):
        def run(self, **options):  # type: ignore[override]
            return super().run(headless=True, **options)

        def on_ready(self) -> None:
            raise RuntimeError("unexpected")

    monkeypatch.setenv("GEMTUI_DATA_DIR", str(tmp_path / "data"))
    assert run_tui(demo=True, config=tmp_path / "config.toml", app_factory=CrashingApp) == 1
