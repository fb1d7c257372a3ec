"""Fixtures for ``gemtui ask``: the real CLI in a subprocess, or ``run_ask`` in-process, both
against the session emulator, with the user state directory in a temporary folder."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli_env import FAKE_KEY, FakeTerminal, clean_env

from gemtui.cli import build_parser
from gemtui.headless.main import run_ask


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """Where ``gemtui ask`` keeps its last interaction id during the test (XDG_STATE_HOME)."""
    return tmp_path / "state"


@pytest.fixture
def cli_env(emulator, state_dir: Path) -> dict[str, str]:
    """Environment of a CLI run against the session emulator with the fake key."""
    return clean_env(GEMINI_API_KEY=FAKE_KEY, XDG_STATE_HOME=str(state_dir), PYTHONUNBUFFERED="1")


@pytest.fixture
def cli(emulator, cli_env: dict[str, str]) -> Callable[..., Result]:
    """Run ``python -m gemtui ask --base-url <emulator> ARGS``; the key must never show."""

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "gemtui", "ask", "--base-url", emulator.base_url, *args],
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            text=True,
            env=env or cli_env,
            timeout=60,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        assert FAKE_KEY not in result.out + result.err
        assert "Traceback" not in result.err
        return result

    return run


@pytest.fixture
def ask(emulator, monkeypatch, state_dir: Path) -> Callable[..., Result]:
    """Run ``run_ask`` in-process against the session emulator, with its own streams."""
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(state_dir))

    def run(*argv: str, stdin: str | None = None, stdout: io.StringIO | None = None) -> Result:
        args = build_parser().parse_args(["ask", "--base-url", emulator.base_url, *argv])
        out = stdout if stdout is not None else io.StringIO()
        err = io.StringIO()
        source = FakeTerminal() if stdin is None else io.StringIO(stdin)
        code = run_ask(args, stdin=source, stdout=out, stderr=err)
        result = Result(code, out.getvalue(), err.getvalue())
        assert FAKE_KEY not in result.out + result.err
        return result

    return run
