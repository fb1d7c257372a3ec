"""A whole session with a recognisable fake key, then a search of everything gemtui wrote or
printed: the key must appear nowhere, and it must only ever travel in the request header."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from pathlib import Path

import pytest
from support.chat_driver import FAKE_KEY, make_app, notices, send
from support.cli_env import clean_env, run_gemtui

from gemtui.config import load_settings, save_settings
from gemtui.core.conversation import ChatSettings
from gemtui.core.logs import start_logging, stop_logging
from gemtui.core.store import Store

FUNCTION_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """Every directory gemtui may write to, under ``tmp_path/home``, and the fake key."""
    home = tmp_path / "home"
    env = {"GEMTUI_DATA_DIR": str(home / "data"), "GEMINI_API_KEY": FAKE_KEY}
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    return env


@pytest.fixture
def debug_log(tmp_path: Path):
    """Python logging at DEBUG for every logger (httpx, httpcore, gemtui), to a file."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_gemtui(*argv, env=clean_env(**env))


async def test_the_key_is_nowhere(emulator, tmp_path, user_dirs, debug_log, capfd):
    printed: list[str] = []

    # --- the TUI: answers, tools, a function call, errors; a recording and a screenshot,
    # gemtui's own log file at debug level, and a crash report
    gemtui_log = start_logging([FAKE_KEY], "debug")
    assert gemtui_log is not None and tmp_path in gemtui_log.parents
    loaded = load_settings(tmp_path / "home" / "config.toml")
    assert loaded.settings.api_key is not None  # taken from GEMINI_API_KEY
    store = Store.open_default(secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    app.loaded = loaded
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello, my key is " + FAKE_KEY)  # even when the user types it
        # The answer repeats it, split between deltas: no line of the recording holds it
        # whole, but a replay joins the pieces (read back below).
        await pilot.press("ctrl+s")
        app.conversation.settings = ChatSettings(
            tools=[{"type": "google_search"}, {"type": "code_execution"}, FUNCTION_TOOL]
        )
        await send(pilot, "search the news and call get_weather for Paris")
        app.conversation.settings = ChatSettings()
        for fault in ("401", "500", "drop-after 9", "error-event"):
            await send(pilot, f"!fault {fault} hello")
        outcomes = [turn.reply.outcome for turn in app.conversation.turns]
        assert outcomes == [
            "completed", "requires_action", "failed", "failed", "interrupted", "failed"
        ]  # fmt: skip
        assert any(notice.level == "error" for notice in notices(app))
        await pilot.press("ctrl+s")
        app.save_screenshot(path=str(tmp_path / "home"), filename="screen.svg")
        # Settings saved from the pane's values, without asking to save the key.
        after = loaded.settings.model_copy(update={"model": "gemini-3.5-flash"})
        save_settings(loaded.path, loaded.settings, after, save_api_key=False)
    tui_conversation = str(store.last_conversation_id())
    store.close()
    crashing = make_app(emulator)

    def crash() -> None:
        raise RuntimeError(f"unexpected, with {FAKE_KEY} in the message")

    with pytest.raises(RuntimeError):
        async with crashing.run_test() as pilot:
            crashing.call_later(crash)
            await pilot.pause()
    stop_logging()
    assert crashing.crash_report is not None and crashing.crash_report.exists()
    assert loaded.path.exists()

    # --- headless: an answer, an error, verbose and stream-json output; export
    env = {**user_dirs, "PYTHONUNBUFFERED": "1"}
    base = ["ask", "--base-url", emulator.base_url]
    for argv in (
        [*base, "-v", "what is a pangolin"],
        [*base, "-o", "stream-json", "--tool", "google_search", "news"],
        [*base, "-o", "stream-json", "repeat my key " + FAKE_KEY],
        [*base, "--retries", "0", "!fault 500 hello"],
        [*base, "!fault 401 hello"],
        [*base, "-v", "!fault drop-after 9 hello"],
        ["export", "last", "--format", "md"],
        ["export", tui_conversation, "--format", "json"],
        ["export", tui_conversation, "-o", str(tmp_path / "home" / "export.md")],
    ):
        completed = run_cli(*argv, env=env)
        assert "Traceback" not in completed.stderr, completed.stderr
        printed += [completed.stdout, completed.stderr]
    # The TUI's conversation was exported, with the prompt that held the key.
    assert "hello, my key is" in printed[-4] and "get_weather" in printed[-4]

    captured = capfd.readouterr()
    printed += [captured.out, captured.err]
    # Recordings, read back as a replay joins their deltas: the files, and what stream-json
    # printed.
    streamed = tmp_path / "home" / "streamed.jsonl"
    streamed.write_text(next(text for text in printed if '"repeat my key ***' in text))
    for recording in [*tmp_path.rglob("*.jsonl"), streamed]:
        replayed = run_cli("replay", str(recording), "--print", env=env)
        # Some of the recorded turns failed on purpose: replay says so (exit 1), and prints.
        assert replayed.returncode in (0, 1) and replayed.stdout, replayed.stderr
        printed += [replayed.stdout, replayed.stderr]
    assert [text for text in printed if "repeat my key" in text]

    # --- the sweep
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert debug_log in written and debug_log.stat().st_size > 0
    assert gemtui_log in written and "turn ended" in gemtui_log.read_text()
    assert crashing.crash_report in written
    assert any(path.suffix == ".jsonl" for path in written)  # the recording
    assert any(path.name.startswith("history.sqlite3") for path in written)
    assert "hello, my key is" in (tmp_path / "home" / "export.md").read_text()
    key = FAKE_KEY.encode()
    leaks = [str(path) for path in written if key in path.read_bytes()]
    assert leaks == []
    assert not [text for text in printed if FAKE_KEY in text]
    # The settings file has the change but not the key.
    assert "gemini-3.5-flash" in loaded.path.read_text()

    # --- the key travelled in the header only, never in a URL
    received = emulator.received_requests()
    assert received
    digest = hashlib.sha256(key).hexdigest()
    for request in received:
        assert not {"key", "api_key"} & {name.lower() for name in request["query"]}, request
        assert FAKE_KEY not in str(request["query"]) and FAKE_KEY not in request["path"]
    assert any(request.get("key_sha256") == digest for request in received)
