"""``gemtui ask`` keeps the cyclic collector still while it starts (gemtui.core.start_up_gc)
and gives it back: in-process, the real CLI entry against the session emulator, with a
``gc.callbacks`` hook counting the collections that run."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from support.cli_env import FAKE_KEY, FakeTerminal

from gemtui import cli
from gemtui.core import start_up_gc
from gemtui.headless import main as ask_main
from gemtui.headless.output import AnswerPrinter


@pytest.fixture
def collections(monkeypatch) -> Iterator[list[int | str]]:
    """What happens to the collector while the test runs, in order: ``"hold"``, and the
    generation of each collection that starts."""
    seen: list[int | str] = []
    hold = start_up_gc.hold

    def noted_hold() -> None:
        seen.append("hold")
        hold()

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    monkeypatch.setattr(start_up_gc, "hold", noted_hold)
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        start_up_gc.release()  # if the run under test never did
        gc.enable()


def after_hold(seen: list[int | str]) -> list[int | str]:
    return seen[seen.index("hold") + 1 :]


@pytest.fixture
def env(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("GEMTUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sys.stdin", FakeTerminal())  # nothing piped in


def test_ask_runs_with_the_collector_held_and_gives_it_back(emulator, env, collections, capsys):
    """A quick answer: no collection at all while it runs, one when it is over."""
    assert gc.isenabled()
    code = cli.main(["ask", "--base-url", emulator.base_url, "Explain binary search"])
    assert code == 0
    assert "binary search" in capsys.readouterr().out.lower()
    assert after_hold(collections) == [2]  # only start_up_gc.release's full collection
    assert gc.isenabled()


def test_a_slow_answer_gets_the_collector_back_while_it_streams(
    emulator, env, collections, capsys, monkeypatch
):
    """The collector is held for the first second only (here 0.05 s): a long run gets it
    back before its answer is done, not at its end."""
    monkeypatch.setattr(ask_main, "START_UP_SECONDS", 0.05)
    write = AnswerPrinter.write

    def noted_write(self: AnswerPrinter, text: str) -> None:
        collections.append("text")
        write(self, text)

    monkeypatch.setattr(AnswerPrinter, "write", noted_write)
    code = cli.main(["ask", "--base-url", emulator.base_url, "!slow 30 !size 1 go"])
    assert code == 0
    assert len(capsys.readouterr().out) > 1000
    after = after_hold(collections)
    assert after.count(2) == 1
    released = after.index(2)
    assert "text" in after[released:]  # the answer went on streaming after it


def test_a_usage_error_gives_the_collector_back(emulator, env, collections, capsys):
    code = cli.main(["ask", "--wait", "--continue", "x"])
    assert code != 0
    assert "hold" in collections
    assert gc.isenabled()


def test_commands_without_a_start_up_budget_leave_the_collector_alone(env, collections, capsys):
    assert cli.main(["history"]) == 0
    assert "no conversations" in capsys.readouterr().err
    assert gc.isenabled()
    assert "hold" not in collections
