"""``gemtui emulator`` as a real process: prints its URL, serves, exits 0 on Ctrl+C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest
from emulator_wire import events

from gemtui.core.data_dir import data_dir


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


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_persist_keeps_interactions_for_the_next_run(api_key, tmp_path):
    path = tmp_path / "kept.sqlite3"
    process, url = _start("--delay-ms", "0", "--persist", str(path))
    assert process.stdout.readline() == f"Interactions are kept in {path}\n"
    headers = {"x-goog-api-key": api_key}
    created = httpx.post(
        f"{url}/v1beta/interactions", json={"model": "m", "input": "keep me"}, headers=headers
    ).json()
    _stop(process)
    again, url = _start("--persist", str(path))
    try:
        fetched = httpx.get(f"{url}/v1beta/interactions/{created['id']}", headers=headers)
        assert fetched.status_code == 200
        assert fetched.json()["steps"][1:] == created["steps"]
    finally:
        _stop(again)


def test_without_persist_nothing_outlives_the_process(api_key):
    process, url = _start("--delay-ms", "0")
    headers = {"x-goog-api-key": api_key}
    created = httpx.post(
        f"{url}/v1beta/interactions", json={"model": "m", "input": "forget me"}, headers=headers
    ).json()
    _stop(process)
    again, url = _start()
    try:
        fetched = httpx.get(f"{url}/v1beta/interactions/{created['id']}", headers=headers)
        assert fetched.status_code == 404
    finally:
        _stop(again)
    assert not data_dir().exists() or not any(data_dir().iterdir())


def test_help_lists_persist():
    shown = subprocess.run(
        [sys.executable, "-m", "gemtui", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--persist PATH" in shown and "55 days" in shown


def test_help_lists_every_directive():
    """Each directive the parser's docstring defines is in ``gemtui emulator --help``."""
    from gemtui.emulator import directives

    shown = subprocess.run(
        [sys.executable, "-m", "gemtui", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    defined = re.findall(r"^``(![a-z-]+(?: [a-z-]+)?)", directives.__doc__ or "", re.MULTILINE)
    assert {"!fault failed", "!fault budget", "!queued"} <= set(defined)
    for directive in defined:
        assert directive in shown, directive
    for request in ("tts", "response_modalities", '"document"', "transcription_config", "flex"):
        assert request in shown
