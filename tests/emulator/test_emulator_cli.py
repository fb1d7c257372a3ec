"""``gemtui emulator`` as a real process: prints its URL, serves, exits 0 on Ctrl+C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest
from emulator_wire import events


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gemtui", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    hint = process.stdout.readline()
    match = re.fullmatch(
        r"gemtui emulator listening on (http://127\.0\.0\.1:\d+)"
        r" \(API key: any non-empty value\)\n",
        first,
    )
    assert match, first + process.stderr.read()
    assert f"export GOOGLE_GEMINI_BASE_URL={match[1]}" in hint
    return process, match[1]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serves_and_stops_cleanly(api_key, stop):
    process, url = _start("--delay-ms", "0", "--chunk-chars", "7")
    other, other_url = _start()
    try:
        assert url != other_url
        response = httpx.post(
            f"{url}/v1beta/interactions",
            json={"model": "m", "input": "hi", "stream": True},
            headers={"x-goog-api-key": api_key},
        )
        deltas = [e["delta"] for e in events(response.text) if "delta" in e]
        texts = [d["text"] for d in deltas if d["type"] == "text"]
        assert len(texts) > 10 and all(len(t) <= 7 for t in texts)
        assert (
            httpx.get(f"{other_url}/v1/interactions/x", headers={"x-goog-api-key": "k"}).status_code
            == 404
        )
    finally:
        for proc in (process, other):
            proc.send_signal(stop)
    for proc in (process, other):
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and api_key not in out + err
