"""Fixtures shared by the whole suite: a loopback emulator and a recognisable fake API key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gemtui.emulator.options import EmulatorOptions
from gemtui.emulator.run import RunningEmulator, start_in_thread

#: fast settings for tests: no pacing, tiny retry hints, quick background runs
FAST_OPTIONS = EmulatorOptions(delay_ms=0, retry_after_seconds=0.01, background_step_ms=5)


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator on 127.0.0.1 for the whole session, streaming as fast as it can."""
    with start_in_thread(options=FAST_OPTIONS) as running:
        yield running


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., RunningEmulator]]:
    """Start emulators with custom options (keyword arguments of ``EmulatorOptions``,
    on top of the fast test defaults, and ``persist=PATH`` for a file kept between runs);
    all are stopped at the end of the test."""
    started: list[RunningEmulator] = []

    def start(persist: Path | None = None, **options: object) -> RunningEmulator:
        fields = {
            "delay_ms": FAST_OPTIONS.delay_ms,
            "retry_after_seconds": FAST_OPTIONS.retry_after_seconds,
            "background_step_ms": FAST_OPTIONS.background_step_ms,
            **options,
        }
        running = start_in_thread(options=EmulatorOptions(**fields), persist=persist)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def api_key() -> str:
    """A fake key that is easy to spot if it ever leaks into logs or output."""
    return "test-key-NOT-A-REAL-KEY-1234"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch) -> None:
    """Keep every test's history, state and config out of the real user's directories."""
    home = tmp_path_factory.mktemp("user-dirs")
    monkeypatch.setenv("GEMTUI_DATA_DIR", str(home / "data"))
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))


@pytest.fixture(autouse=True)
def decisive_approval(monkeypatch) -> None:
    """The approval dialog takes keys that come right behind the key before them as typing
    meant for the prompt (``QUIET_SECONDS``); a pilot presses its keys that fast. Tests decide
    at once, except those about that rule, which set it again."""
    monkeypatch.setattr("gemtui.ui.screens.approval.QUIET_SECONDS", 0.0)
    monkeypatch.setattr("gemtui.ui.screens.approval.TYPING_QUIET_SECONDS", 0.0)
