"""Test helpers: read SSE frames and assemble steps the way a client does (§5.4).

Written independently of the emulator's own splitting code so the two check each other.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

API_KEY_HEADER = "x-goog-api-key"


def client(base_url: str, key: str = "test-key-NOT-A-REAL-KEY-1234") -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={API_KEY_HEADER: key}, timeout=30)


def create(http: httpx.Client, *, version: str = "v1beta", **body: Any) -> dict[str, Any]:
    """POST a create (model gemini-3.6-flash unless given) that must succeed; its JSON."""
    response = http.post(f"/{version}/interactions", json={"model": "gemini-3.6-flash", **body})
    assert response.status_code == 200, response.text
    return response.json()


def frames(text: str) -> list[tuple[str | None, str]]:
    """``(event, data)`` per SSE block; blocks are separated by a blank line."""
    result = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        result.append((event, "\n".join(data)))
    return result


def events(text: str) -> list[dict[str, Any]]:
    """The JSON events of a stream (stops at ``[DONE]``; skips data that is not JSON)."""
    found = []
    for _event, data in frames(text):
        if data == "[DONE]":
            break
        try:
            found.append(json.loads(data))
        except ValueError:
            continue
    return found


def stream_text(http: httpx.Client, method: str, url: str, **kwargs: Any) -> str:
    with http.stream(method, url, **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return "".join(response.iter_text())


def assemble(stream: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold step events into steps, as the wire reference's assembly rules say."""
    steps: dict[int, dict[str, Any]] = {}
    arguments: dict[int, str] = {}
    for event in stream:
        kind = event["event_type"]
        if kind == "step.start":
            steps[event["index"]] = json.loads(json.dumps(event["step"]))
        elif kind == "step.delta":
            _apply(steps[event["index"]], event["delta"], arguments, event["index"])
        elif kind == "step.stop" and event["index"] in arguments:
            steps[event["index"]]["arguments"] = json.loads(arguments.pop(event["index"]))
    return [steps[i] for i in sorted(steps)]


def _apply(step: dict[str, Any], delta: dict[str, Any], arguments: dict[int, str], i: int) -> None:
    kind = delta["type"]
    content = step.setdefault("content", []) if step["type"] == "model_output" else None
    if kind == "text":
        if content and content[-1]["type"] == "text":
            content[-1]["text"] += delta["text"]
        else:
            content.append({"type": "text", "text": delta["text"]})
    elif kind == "text_annotation_delta":
        content[-1].setdefault("annotations", []).extend(delta["annotations"])
    elif kind in ("image", "audio", "video", "document"):
        content.append(dict(delta))
    elif kind == "thought_summary":
        step.setdefault("summary", []).append(delta["content"])
    elif kind == "thought_signature":
        step["signature"] = delta["signature"]
    elif kind == "arguments_delta":
        arguments[i] = arguments.get(i, "") + delta["arguments"]
    elif kind == step["type"]:
        step.update({k: v for k, v in delta.items() if k != "type"})
    # any other delta type is unknown to this client and ignored
