"""The official google-genai SDK through ``gemtui proxy`` gets exactly what it gets direct.

Two fresh emulators with the same options answer the same request sequence with the same bytes
(their ids come from a seed, a counter and the request), so the SDK runs every scenario once
against one directly and once against the other through the proxy, and the response bodies it
read are compared byte for byte (the emulator's clock, in ``created`` and ``updated``, aside).
Afterwards every exchange is in the history, and the key is nowhere in what the proxy wrote or
printed.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from google import genai
from google.genai._gaos.lib.compat_errors import APIStatusError
from support.cli_env import FAKE_KEY, clean_env, run_gemtui
from support.proxy_env import ProxyProcess, files_under
from support.tools import WEATHER

from gemtui.core.recording import load_recordings

MODEL = "gemini-3.6-flash"
_CLOCK = re.compile(rb'"(created|updated)":\s*"[^"]*"')


class Tap(httpx.BaseTransport):
    """Passes requests on and keeps every response body as the SDK read it, byte for byte."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.url.raw_path.decode(),
            "status": response.status_code,
            "type": response.headers.get("content-type", ""),
            "body": bytearray(),
        }
        self.seen.append(record)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)

        class Kept(httpx.SyncByteStream):
            def __iter__(self):  # type: ignore[no-untyped-def]
                for chunk in stream:
                    record["body"] += chunk
                    yield chunk

            def close(self) -> None:
                stream.close()

        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=Kept(),
            extensions=response.extensions,
        )


def sdk(base_url: str, tap: Tap) -> genai.Client:
    return genai.Client(
        api_key=FAKE_KEY,
        http_options={
            "base_url": base_url,
            "httpx_client": httpx.Client(transport=tap, timeout=60),
            "retry_options": {"attempts": 1},
        },
    )


def scenarios(client: genai.Client) -> list[Any]:
    """create, stream, get, resume, multi-turn (both modes), function calling, background,
    cancel, delete and errors: what the SDK made of each answer."""
    results: list[Any] = []
    created = client.interactions.create(model=MODEL, input="Hello through a proxy")
    results.append(created.model_dump())
    stream = list(client.interactions.create(model=MODEL, input="stream it", stream=True))
    results.append([event.model_dump() for event in stream])
    results.append(client.interactions.get(created.id).model_dump())
    resumed = client.interactions.get(
        stream[0].interaction.id, stream=True, last_event_id=stream[9].event_id
    )
    results.append([event.model_dump() for event in resumed])
    second = client.interactions.create(
        model=MODEL, input="What did I say?", previous_interaction_id=created.id
    )
    results.append(second.model_dump())
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello!"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "Again"}]},
    ]
    results.append(client.interactions.create(model=MODEL, input=history, store=False).model_dump())
    call_turn = client.interactions.create(model=MODEL, input="Weather in Oslo?", tools=[WEATHER])
    call = call_turn.steps[-1]
    answer = client.interactions.create(
        model=MODEL,
        previous_interaction_id=call_turn.id,
        tools=[WEATHER],
        input=[{"type": "function_result", "call_id": call.id, "name": call.name, "result": "4C"}],
    )
    results += [call_turn.model_dump(), answer.model_dump()]
    background = client.interactions.create(model=MODEL, input="slow job", background=True)
    results.append(background.model_dump())
    results.append([e.model_dump() for e in client.interactions.get(background.id, stream=True)])
    held = client.interactions.create(model=MODEL, input="!fault never-complete", background=True)
    results.append(client.interactions.cancel(held.id).model_dump())
    client.interactions.delete(created.id)
    for bad in (
        lambda: client.interactions.get(created.id),
        lambda: client.interactions.create(model=MODEL, input="x", tools=[{"type": "nope"}]),
    ):
        with pytest.raises(APIStatusError) as caught:
            bad()
        results.append((caught.value.status_code, caught.value.body))
    return results


def without_clock(value: Any) -> Any:
    """What the SDK returned, without the emulator's ``created`` and ``updated`` times."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k not in ("created", "updated")}
    if isinstance(value, list | tuple):
        return [without_clock(item) for item in value]
    return value


def bodies(tap: Tap) -> list[tuple[str, str, int, str, bytes]]:
    return [
        (r["method"], r["path"], r["status"], r["type"], _CLOCK.sub(rb'"\1":"T"', r["body"]))
        for r in tap.seen
    ]


@pytest.fixture
def proxied(emulator_factory, tmp_path: Path):
    """(direct emulator, proxy in front of an identical one, the proxy's data dir)."""
    direct, behind = emulator_factory(), emulator_factory()
    data = tmp_path / "data"
    env = clean_env(GEMTUI_DATA_DIR=str(data), XDG_STATE_HOME=str(tmp_path / "state"))
    process = ProxyProcess(
        ["--upstream", behind.base_url, "--record", str(tmp_path / "run.jsonl")], env
    )
    try:
        yield direct, process, data
    finally:
        if process.process.poll() is None:
            process.stop()


def test_the_sdk_gets_through_the_proxy_exactly_what_it_gets_direct(proxied, tmp_path: Path):
    direct, proxy, data = proxied
    direct_tap, proxied_tap = Tap(), Tap()
    direct_results = scenarios(sdk(direct.base_url, direct_tap))
    proxied_results = scenarios(sdk(proxy.url, proxied_tap))
    assert proxy.stop() == 0

    assert bodies(proxied_tap) == bodies(direct_tap)
    assert len(proxied_tap.seen) == 15
    assert without_clock(proxied_results) == without_clock(direct_results)

    # One line per exchange, in the order they ended, with what each was.
    lines = proxy.out.splitlines()
    assert len(lines) == len(proxied_tap.seen)
    assert " POST /v1/interactions 200 gemini-3.6-flash " in lines[0]
    assert lines[1].endswith(" stream")
    assert any(" DELETE /v1/interactions/" in line for line in lines)
    assert any(" 404 " in line for line in lines) and any(" 400 " in line for line in lines)
    assert all(line.split()[1].startswith("google-genai-sdk/") for line in lines)

    # Every exchange is a captured turn in the history, each as it went.
    with sqlite3.connect(data / "history.sqlite3") as db:
        rows = db.execute(
            "SELECT source, client, outcome, json_extract(exchange, '$.method'), "
            "json_extract(exchange, '$.status'), prompt FROM turns ORDER BY id"
        ).fetchall()
        conversations = db.execute("SELECT count(*) FROM conversations").fetchone()[0]
    assert len(rows) == len(proxied_tap.seen)
    assert {row[0] for row in rows} == {"proxy"}
    assert all(row[1].startswith("google-genai-sdk/") for row in rows)
    assert [row[3] for row in rows] == [r["method"] for r in proxied_tap.seen]
    assert [row[4] for row in rows] == [r["status"] for r in proxied_tap.seen]
    assert rows[0][2] == "completed" and rows[0][5] == "Hello through a proxy"
    assert rows[-1][2] == "failed" and rows[-2][2] == "failed"
    # The second create and the GETs of the first joined its conversation.
    assert conversations < len(rows)

    # The record file replays: one recording per exchange.
    recorded = load_recordings(tmp_path / "run.jsonl")
    assert len(recorded) == len(proxied_tap.seen)
    replayed = run_gemtui(
        "replay", str(tmp_path / "run.jsonl"), "--print", env=clean_env(GEMTUI_DATA_DIR=str(data))
    )
    # Two of the exchanges failed (the SDK sent bad requests on purpose): said, exit 1.
    assert replayed.returncode == 1 and "Hello through a proxy" in replayed.stdout
    assert replayed.stderr.count("gemtui replay: it failed") >= 2

    # The key is in none of the files written and nothing printed.
    for path in [*files_under(data), tmp_path / "run.jsonl"]:
        assert FAKE_KEY.encode() not in path.read_bytes(), path
    assert FAKE_KEY not in proxy.out + proxy.err
    assert "Traceback" not in proxy.err
