"""The command line: version, help, and the subcommands that later work fills in."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gemtui import __version__
from gemtui.cli import COMMANDS, build_parser, main


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


@pytest.mark.parametrize("command", ["", *COMMANDS, "agents list", "environments files"])
def test_each_help_is_the_whole_parsers(command, capsys):
    """``main`` declares only the commands its command line names (the others are listed by
    their summary); each help it prints is what the parser with every command declared says."""
    words = [*command.split(), "--help"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(words)
    whole = capsys.readouterr().out
    with pytest.raises(SystemExit) as leaving:
        main(words)
    assert leaving.value.code == 0
    assert capsys.readouterr().out == whole
    assert "usage: gemtui" in whole


def test_a_command_that_is_not_named_has_no_arguments_declared():
    parser = build_parser(commands={"ask"})
    assert parser.parse_args(["ask", "--no-history", "hi"]).no_history
    with pytest.raises(SystemExit):
        parser.parse_args(["history", "--json"])


@pytest.mark.parametrize(
    ("words", "usage"),
    [
        (["ask", "--bogus", "hi"], "gemtui ask"),
        (["agents", "list", "--bogus"], "gemtui agents list"),
    ],
)
def test_an_unknown_option_of_a_command_is_refused_with_that_commands_usage(words, usage):
    result = run_cli(*words)
    assert result.returncode == 2
    assert f"usage: {usage} [-h]" in result.stderr
    assert f"{usage}: error: unrecognized arguments: --bogus" in result.stderr


@pytest.mark.parametrize(
    "words",
    [
        ["--demo", "--base-url", "http://127.0.0.1:9", "ask", "hi"],
        ["ask", "--demo", "--base-url", "ftp://x", "hi"],
        ["--demo", "--base-url", "http://127.0.0.1:9"],
    ],
)
def test_demo_and_a_base_url_together_are_refused_not_one_silently_ignored(words):
    result = run_cli(*words)
    assert result.returncode == 2
    if words[0] == "ask":  # both given to ask: ask's usage
        assert result.stderr.startswith("usage: gemtui ask [-h]")
        assert "gemtui ask: error: --demo" in result.stderr
    assert "--demo answers from the built-in emulator, --base-url from URL: not both" in (
        result.stderr
    )
    assert result.stdout == ""
