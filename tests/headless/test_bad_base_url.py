"""A base URL that is not an http(s) URL is a usage error (exit 2) of every command that talks
to the API, the TUI included, said at once: not a network error after retries, and not a
warning inside an app that then sends every turn to Google's endpoint instead."""

from __future__ import annotations

import pytest
from support.cli_env import FAKE_KEY, clean_env, run_gemtui

from gemtui.headless import exits

COMMANDS = {
    "tui": (),
    "ask": ("ask", "hello"),
    "show": ("show", "v1_some_id", "--print"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("not-a-url", "is not a URL: it must start with http:// or https://"),
        ("ftp://example.com", "uses ftp://, but only http:// and https:// are supported"),
    ],
)
def test_a_bad_base_url_flag_exits_2_naming_it(tmp_path, command, base_url, problem):
    env = clean_env(GEMINI_API_KEY=FAKE_KEY, XDG_STATE_HOME=str(tmp_path))
    result = run_gemtui(*COMMANDS[command], "--base-url", base_url, env=env)
    assert result.returncode == exits.USAGE, result.stderr
    first, hint = result.stderr.splitlines()
    assert f"--base-url {base_url!r} {problem}." in first
    assert "https://generativelanguage.googleapis.com" in hint and "--demo" in hint
    assert result.stdout == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_base_url_in_the_environment_exits_2_naming_the_variable(tmp_path, command):
    env = clean_env(
        GEMINI_API_KEY=FAKE_KEY, XDG_STATE_HOME=str(tmp_path), GOOGLE_GEMINI_BASE_URL="garbage"
    )
    result = run_gemtui(*COMMANDS[command], env=env)
    assert result.returncode == exits.USAGE, result.stderr
    assert "GOOGLE_GEMINI_BASE_URL 'garbage' is not a URL" in result.stderr
    assert result.stdout == ""


def test_demo_does_not_use_the_base_url_so_does_not_check_it(tmp_path):
    env = clean_env(XDG_STATE_HOME=str(tmp_path), GOOGLE_GEMINI_BASE_URL="garbage")
    result = run_gemtui("ask", "--demo", "--no-history", "hello", env=env)
    assert result.returncode == exits.OK, result.stderr
    assert result.stdout.startswith("## Answer: hello")
