"""The command line: version, help, and the subcommands that later work fills in."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gemtui import __version__
from gemtui.cli import RESERVED_SUBCOMMANDS, main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gemtui", *args], capture_output=True, text=True, timeout=60
    )


def test_version_prints_the_package_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"gemtui {__version__}"


def test_help_names_demo_and_every_subcommand():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("--demo", "--base-url", "ask", "emulator", *RESERVED_SUBCOMMANDS):
        assert word in result.stdout


@pytest.mark.parametrize("name", sorted(RESERVED_SUBCOMMANDS))
def test_reserved_subcommand_says_so_with_exit_2(name, capsys):
    assert main([name, "whatever"]) == 2
    err = capsys.readouterr().err
    assert f"gemtui {name}: not available yet" in err


def test_unknown_option_is_a_usage_error():
    result = run_cli("--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
