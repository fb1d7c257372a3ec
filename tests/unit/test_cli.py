"""The command line: version, help, and the subcommands that later work fills in."""

from __future__ import annotations

import subprocess
import sys

from gemtui import __version__


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
    for word in ("--demo", "--base-url", "ask", "emulator", "show", "replay", "export"):
        assert word in result.stdout


def test_unknown_option_is_a_usage_error():
    result = run_cli("--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
