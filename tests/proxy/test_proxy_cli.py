"""``gemtui proxy`` on the command line: where it listens, what it refuses, how it stops."""

from __future__ import annotations

import socket

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
