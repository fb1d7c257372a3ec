"""The inspector proxy under load: what it adds to each event, and what it holds.

One run, three processes: an upstream that stamps every SSE event with the moment it wrote it
(``time.monotonic()``, the same clock in every process on Linux), ``gemtui proxy --headless``
in front of it (capturing into a history of its own, as it does by default), and this client.
The same streams are read direct and through the proxy:

* **latency**: 2000 events 2 ms apart; per event, received minus written. The proxy's added
  latency is the proxied p50 (p99) minus the direct p50 (p99). Goal: at most 1 ms (5 ms).
* **throughput**: 20 000 small events as fast as the upstream writes them; events per second
  through the proxy over direct.
* **20 concurrent streaming clients**, 500 events each 5 ms apart, direct and through the
  proxy: every event arrives, in order, on every stream, and the latency it took.
* **memory**: the proxy's peak RSS after a 64 MB download and a 64 MB upload through it (bodies
  past 4 MB are spooled to disk), against its RSS before.

Run: ``python bench/proxy.py`` (about a minute). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PYTHON, median, percentile, print_table, verdict

MB = 1024 * 1024
PAD = "x" * 40


# ---------------------------------------------------------------------- the upstream


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One request per connection: ``POST /v1beta/interactions`` streams stamped events;
    ``GET /download?mb=N`` sends N MB; any other POST reads its body and says how big."""
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines if ": " in line)
        length = int(headers.get("content-length", headers.get("Content-Length", "0")))
        received = 0
        body = b""
        while received < length:
            part = await reader.read(min(1 << 20, length - received))
            if not part:
                break
            received += len(part)
            if received <= 1 << 16:
                body += part
        if target.startswith("/download"):
            size = int(target.rsplit("=", 1)[1]) * MB
            writer.write(
                f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
            )
            block = b"d" * MB
            for _ in range(size // MB):
                writer.write(block)
                await writer.drain()
        elif method == "POST" and target.startswith("/v1beta/interactions"):
            spec = json.loads(body)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            gap = spec["gap_ms"] / 1000
            for seq in range(spec["events"]):
                event = {
                    "event_type": "step.delta", "index": 0,
                    "delta": {"type": "text", "text": PAD}, "seq": seq,
                    "sent": time.monotonic(),
                }  # fmt: skip
                frame = f"data: {json.dumps(event)}\n\n".encode()
                writer.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
                await writer.drain()
                if gap:
                    await asyncio.sleep(gap)
            writer.write(b"0\r\n\r\n")
        else:
            answer = json.dumps({"bytes": received}).encode()
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
                         + answer)  # fmt: skip
        await writer.drain()
    finally:
        writer.close()


async def _upstream() -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0, backlog=256)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------- the client


async def stream(client, base: str, events: int, gap_ms: float) -> list[tuple[int, float]]:
    """``(seq, latency)`` of every event of one stream, in arrival order."""
    import httpx

    got: list[tuple[int, float]] = []
    body = {"model": "bench", "stream": True, "events": events, "gap_ms": gap_ms}
    async with client.stream("POST", f"{base}/v1beta/interactions", json=body) as response:
        assert response.status_code == 200, response.status_code
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                now = time.monotonic()
                event = json.loads(line[6:])
                got.append((event["seq"], now - event["sent"]))
    assert isinstance(client, httpx.AsyncClient)
    return got


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def measure(upstream: str, proxy: str, proxy_pid: int) -> None:
    import httpx

    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await stream(client, upstream, 50, 0)  # warm both paths up
        await stream(client, proxy, 50, 0)

        direct: list[float] = []
        proxied: list[float] = []
        for _round in range(2):
            direct += [lat for _s, lat in await stream(client, upstream, 1000, 2)]
            proxied += [lat for _s, lat in await stream(client, proxy, 1000, 2)]
        add50 = (median(proxied) - median(direct)) * 1000
        add99 = (percentile(proxied, 0.99) - percentile(direct, 0.99)) * 1000
        print_table(
            "Latency per event (2000 events, 2 ms apart), ms",
            ["path", "p50", "p99", "max"],
            [
                ["direct", f"{median(direct)*1000:.3f}", f"{percentile(direct, .99)*1000:.3f}",
                 f"{max(direct)*1000:.2f}"],
                ["through the proxy", f"{median(proxied)*1000:.3f}",
                 f"{percentile(proxied, .99)*1000:.3f}", f"{max(proxied)*1000:.2f}"],
                ["added by the proxy", f"{add50:.3f}", f"{add99:.3f}", ""],
            ],
        )  # fmt: skip
        print(f"goal p50 <= 1 ms: {verdict(add50 <= 1)}; p99 <= 5 ms: {verdict(add99 <= 5)}")

        rates = {}
        for name, base in (("direct", upstream), ("through the proxy", proxy)):
            started = time.perf_counter()
            got = await stream(client, base, 20_000, 0)
            rates[name] = len(got) / (time.perf_counter() - started)
        ratio = rates["through the proxy"] / rates["direct"]
        print_table(
            "Throughput (20 000 events as fast as the upstream writes)",
            ["path", "events/s"],
            [[name, f"{rate:,.0f}"] for name, rate in rates.items()],
        )
        print(f"proxy / direct: {ratio:.2f}")

        rows = []
        whole = True
        for name, base in (("direct", upstream), ("through the proxy", proxy)):
            started = time.perf_counter()
            streams = await asyncio.gather(*(stream(client, base, 500, 5) for _ in range(20)))
            took = time.perf_counter() - started
            whole = whole and all([seq for seq, _l in got] == list(range(500)) for got in streams)
            latencies = [lat for got in streams for _s, lat in got]
            received = sum(len(got) for got in streams)
            rows.append([
                name, f"{received}", f"{median(latencies)*1000:.2f}",
                f"{percentile(latencies, .99)*1000:.2f}", f"{took:.2f} s",
            ])  # fmt: skip
        print_table(
            "20 concurrent streaming clients, 500 events each, 5 ms apart",
            ["path", "events", "p50 ms", "p99 ms", "wall"],
            rows,
        )
        print(f"every stream through the proxy whole and in order: {whole}")

        before = rss_kb(proxy_pid, "VmRSS")
        async with client.stream("GET", f"{proxy}/download?mb=64") as response:
            downloaded = sum([len(part) async for part in response.aiter_raw()])

        async def upload():  # type: ignore[no-untyped-def]
            block = b"u" * MB
            for _ in range(64):
                yield block

        length = {"content-length": str(64 * MB)}
        answer = await client.post(f"{proxy}/v1beta/files", content=upload(), headers=length)
        uploaded = answer.json()["bytes"]
        peak = rss_kb(proxy_pid, "VmHWM")
        print_table(
            "Memory of the proxy process (a 64 MB download and a 64 MB upload through it)",
            ["figure", "value"],
            [
                ["downloaded / uploaded", f"{downloaded // MB} MB / {uploaded // MB} MB"],
                ["RSS before", f"{before / 1024:.1f} MB"],
                ["peak RSS after", f"{peak / 1024:.1f} MB"],
                ["growth", f"{(peak - before) / 1024:.1f} MB"],
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        asyncio.run(_upstream())
        return
    upstream = subprocess.Popen(
        [PYTHON, __file__, "--serve-upstream"], stdout=subprocess.PIPE, text=True
    )
    assert upstream.stdout is not None
    upstream_url = f"http://127.0.0.1:{upstream.stdout.readline().strip()}"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GEMTUI_DATA_DIR": home, "XDG_STATE_HOME": home}
        proxy = subprocess.Popen(
            [PYTHON, "-m", "gemtui", "proxy", "--headless", "--port", "0",
             "--upstream", upstream_url],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proxy.stderr is not None
        banner = proxy.stderr.readline()
        proxy_url = banner.split("listening on ", 1)[1].split(",", 1)[0]
        print(f"upstream {upstream_url}, proxy {proxy_url} (pid {proxy.pid})")
        try:
            asyncio.run(measure(upstream_url, proxy_url, proxy.pid))
        finally:
            proxy.send_signal(2)
            proxy.wait(60)
            upstream.kill()
            upstream.wait()


if __name__ == "__main__":
    sys.exit(main())
