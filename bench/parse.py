"""SSE parse (+ assemble) throughput: gemtui's client against the google-genai SDK.

Both read the same synthetic stream (≈20 000 events: a thought with summary deltas, a long
model_output of text deltas, a function call with arguments fragments) from the same loopback
server, through their async clients, so both pay the same network and HTTP costs and differ in
SSE framing, event parsing and (for gemtui) assembly. Prints the median of several runs and the
ratio against the budget in DESIGN.md §9 (≥ 2× the SDK's events/s).

Run: ``python bench/parse.py`` (about 40 s on the 2-core machine; the SDK is the slow part).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import threading
import time
from typing import Any

from gemtui.api.client import InteractionsClient

MODEL = "gemini-3.6-flash"
INTERACTION_ID = "v1_ChdQZXJmQmVuY2hTdHJlYW1JZDAwMDAwMBIXUGVyZkJlbmNoU3RyZWFtSWQwMDAwMDA"


def synthetic_events(total: int) -> list[dict[str, Any]]:
    """About ``total`` events in the documented order (§5.4): 10 % thought summary deltas,
    85 % text deltas, 5 % arguments fragments."""
    thought, args = total // 10, total // 20
    text = total - thought - args - 11
    events: list[dict[str, Any]] = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": INTERACTION_ID, "status": "in_progress", "model": MODEL},
        },
        {
            "event_type": "interaction.status_update",
            "interaction_id": INTERACTION_ID,
            "status": "in_progress",
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
    ]
    for i in range(thought):
        summary = {"type": "text", "text": f"**Considering part {i}** of the question. "}
        delta = {"type": "thought_summary", "content": summary}
        events.append({"event_type": "step.delta", "index": 0, "delta": delta})
    events += [
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_signature", "signature": "c2lnbmF0dXJl" * 8},
        },
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output"}},
    ]
    for i in range(text):
        delta = {"type": "text", "text": f"Word {i} of a long answer, with *Markdown*. "}
        events.append({"event_type": "step.delta", "index": 1, "delta": delta})
    events += [
        {"event_type": "step.stop", "index": 1},
        {
            "event_type": "step.start",
            "index": 2,
            "step": {"type": "function_call", "id": "ktr5aysg", "name": "lookup", "arguments": {}},
        },
    ]
    arguments = json.dumps({"items": [f"value number {i}" for i in range(args)]})
    size = -(-len(arguments) // args)
    for start in range(0, len(arguments), size):
        delta = {"type": "arguments_delta", "arguments": arguments[start : start + size]}
        events.append({"event_type": "step.delta", "index": 2, "delta": delta})
    events += [
        {"event_type": "step.stop", "index": 2},
        {
            "event_type": "interaction.completed",
            "interaction": {
                "id": INTERACTION_ID,
                "status": "requires_action",
                "model": MODEL,
                "usage": {"total_input_tokens": 12, "total_output_tokens": total},
            },
        },
    ]
    return events


def sse_body(events: list[dict[str, Any]]) -> bytes:
    blocks = [
        f"event: {e['event_type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n"
        for e in events
    ]
    return ("".join(blocks) + "event: done\ndata: [DONE]\n\n").encode()


class LoopbackServer:
    """Answers every request on 127.0.0.1 with the same SSE body (thread, blocking sockets)."""

    def __init__(self, body: bytes) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self._response = head.encode() + body
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(rest) < length:
                rest += conn.recv(65536)
            conn.sendall(self._response)

    def close(self) -> None:
        self._sock.close()


async def run_gemtui(base_url: str, assemble: Any) -> int:
    count = 0
    async with InteractionsClient(api_key="bench-key", base_url=base_url) as client:
        state = assemble.new_state() if assemble else None
        async with client.stream({"model": MODEL, "input": "bench"}) as events:
            async for item in events:
                if state is not None:
                    assemble.apply(state, item.event, received_at=item.received_at, size=item.size)
                count += 1
    return count


async def run_sdk(base_url: str) -> int:
    from google import genai

    client = genai.Client(api_key="bench-key", http_options={"base_url": base_url})
    count = 0
    stream = await client.aio.interactions.create(
        model=MODEL, input="bench", stream=True, automatic_continuation=False
    )
    async for _event in stream:
        count += 1
    return count


def timed(make: Any) -> tuple[float, int]:
    start = time.perf_counter()
    count = asyncio.run(make())
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    try:
        from gemtui.core import assembler
    except ImportError:
        assembler = None
        print("note: gemtui.core.assembler not importable; measuring gemtui parse only")

    events = synthetic_events(args.events)
    body = sse_body(events)
    server = LoopbackServer(body)
    print(f"stream: {len(events)} events, {len(body) / 1e6:.1f} MB, {args.runs} runs each")
    try:
        results: dict[str, list[float]] = {"gemtui": [], "sdk": []}
        timed(lambda: run_gemtui(server.base_url, assembler))  # warm-up: imports, caches
        import google.genai  # noqa: F401 - the SDK's import time is not parsing time

        for _ in range(args.runs):
            for name, make in (
                ("gemtui", lambda: run_gemtui(server.base_url, assembler)),
                ("sdk", lambda: run_sdk(server.base_url)),
            ):
                seconds, count = timed(make)
                if count != len(events):
                    raise SystemExit(f"{name} saw {count} events, expected {len(events)}")
                results[name].append(len(events) / seconds)
    finally:
        server.close()

    gemtui_rate = statistics.median(results["gemtui"])
    sdk_rate = statistics.median(results["sdk"])
    what = "parse + assemble" if assembler else "parse only"
    print(f"gemtui ({what}): {gemtui_rate:>10,.0f} events/s (median)")
    print(f"google-genai 3.3.0 SDK:  {sdk_rate:>10,.0f} events/s (median)")
    ratio = gemtui_rate / sdk_rate
    verdict = "meets" if ratio >= 2 else "MISSES"
    print(f"ratio: {ratio:.1f}x ({verdict} the >= 2x budget)")


if __name__ == "__main__":
    main()
