"""``gemtui proxy`` on the command line: where it listens, what it refuses, how it stops."""

from __future__ import annotations

import socket

import httpx
from support.cli_env import clean_env, run_gemtui
from support.proxy_env import ProxyProcess


def test_listening_beyond_loopback_is_allowed_with_a_warning(tmp_path):
    env = clean_env(GEMTUI_DATA_DIR=str(tmp_path))
    process = ProxyProcess(["--host", "0.0.0.0", "--upstream", "http://127.0.0.1:9"], env)
    assert process.stop() == 0
    assert "not this machine only" in process.err
    assert "listening on http://0.0.0.0:" in process.err
    assert "gemtui proxy stopped." in process.err
    loopback = ProxyProcess(["--upstream", "http://127.0.0.1:9"], env)
    assert loopback.stop() == 0
    assert "not this machine only" not in loopback.err
    assert "listening on http://127.0.0.1:" in loopback.err


def test_a_bad_upstream_is_a_usage_error_and_a_port_in_use_an_error(tmp_path):
    env = clean_env(GEMTUI_DATA_DIR=str(tmp_path))
    bad = run_gemtui("proxy", "--headless", "--upstream", "ftp://example.com", env=env)
    assert bad.returncode == 2 and "only http:// and https://" in bad.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = run_gemtui("proxy", "--headless", "--port", port, env=env)
    assert busy.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr


def test_each_line_says_what_went_wrong_with_an_answer_that_came_as_200(emulator, tmp_path):
    """An error event, a failed run and a 429 were printed as plain successes."""
    env = clean_env(GEMTUI_DATA_DIR=str(tmp_path))
    process = ProxyProcess(["--upstream", emulator.base_url, "--no-history"], env)
    headers = {"x-goog-api-key": "k"}
    with httpx.Client(base_url=process.url, headers=headers, timeout=30) as client:
        for prompt, stream in (
            ("!fault error-event a", True),
            ("!fault failed b", True),
            ("plain c", True),
            ("!fault 429 d", False),
        ):
            body = {"model": "gemini-3.6-flash", "input": prompt, "stream": stream}
            client.post("/v1/interactions", json=body)
    assert process.stop() == 0
    error_event, failed, plain, limited = process.out.splitlines()
    assert " 200 " in error_event
    assert error_event.endswith(
        " stream (gateway_timeout: Deadline expired before operation could complete.)"
    )
    assert failed.endswith(" stream (failed)")
    assert plain.endswith(" stream")
    assert " 429 " in limited and limited.endswith(
        " - (too_many_requests: Resource has been exhausted "
        "(e.g. check quota). Please retry after a short delay.)"
    )
