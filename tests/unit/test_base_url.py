"""Which endpoints the client accepts, which hosts count as this machine, and where a bad
endpoint came from (the flag, or which environment variable)."""

from __future__ import annotations

import pytest

from gemtui.api.base_url import InvalidBaseUrl, check_base_url, is_loopback
from gemtui.core.credentials import TUI_BASE_URL_VARIABLES, BadBaseUrl, checked_base_url


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://generativelanguage.googleapis.com/", "https://generativelanguage.googleapis.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("HTTPS://proxy.example/gemini/", "HTTPS://proxy.example/gemini"),
    ],
)
def test_http_urls_are_kept_without_trailing_slashes(url, kept):
    assert check_base_url(url) == kept


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not-a-url", "must start with http:// or https://"),
        ("localhost:8080", "must start with http:// or https://"),
        ("file:///etc/passwd", "uses file://"),
        ("http:///v1beta", "no host name"),
        ("http://host:99999", "port"),
        ("http://[not-ipv6]/", "not a valid URL"),
        ("http://host/?key=x", "query"),
        ("http://host/#top", "fragment"),
        ("http://host\x1b]0;title\x07", "control characters"),
    ],
)
def test_what_the_client_cannot_send_to_is_named(url, problem):
    with pytest.raises(InvalidBaseUrl, match=problem):
        check_base_url(url)


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("api.localhost", True),
        ("192.0.2.2", False),
        ("generativelanguage.googleapis.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_hosts(host, local):
    assert is_loopback(host) is local


def test_the_flag_wins_over_the_environment_and_is_named_when_bad():
    env = {"GOOGLE_GEMINI_BASE_URL": "http://env:1"}
    assert checked_base_url("http://flag:2/", env) == "http://flag:2"
    assert checked_base_url(None, env) == "http://env:1"
    assert checked_base_url(None, {}) is None
    with pytest.raises(BadBaseUrl) as caught:
        checked_base_url("nope", env)
    assert caught.value.message.startswith("--base-url 'nope' is not a URL")


def test_the_tui_reads_its_own_variable_first_and_names_the_one_that_is_bad():
    env = {"GEMTUI_BASE_URL": "ftp://x", "GOOGLE_GEMINI_BASE_URL": "http://env:1"}
    assert checked_base_url(None, env) == "http://env:1"  # gemtui ask reads only Google's
    with pytest.raises(BadBaseUrl) as caught:
        checked_base_url(None, env, TUI_BASE_URL_VARIABLES)
    assert caught.value.message == (
        "GEMTUI_BASE_URL 'ftp://x' uses ftp://, but only http:// and https:// are supported."
    )


def test_a_key_in_a_rejected_url_is_not_repeated():
    key = "AIza" + "B" * 35
    with pytest.raises(BadBaseUrl) as caught:
        checked_base_url(f"https://host/v1?key={key}", {})
    assert key not in str(caught.value)
