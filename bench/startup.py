"""Start-up times: `gemtui --version`, `gemtui --demo` to its first frame, `gemtui ask` to its
first byte, each next to the floor it is budgeted against, timed in the same run (DESIGN.md
section 9): the first frame against a bare `python -c 'import textual.app'` (budget 2x), `gemtui
ask` against a running emulator (its own process) against `python -c 'import httpx, pydantic'`
(budget 1.5x). Ratios, not seconds: machines here differ threefold. Each ratio is the median
of the runs' own ratios (a run measures its floors and gemtui back to back).

Beside `gemtui ask` runs a bare client (BARE_CLIENT): pydantic's BaseModel imported, one
streamed POST with httpx's AsyncClient, its first byte written. It is the least any client
built on those two libraries pays, and shows what of `ask`'s ratio is gemtui's own work.

First frame: `gemtui --demo` runs in tmux at 80x24; the clock starts when the pane's shell is
told to exec it and stops at the first `tmux capture-pane` that shows the composer placeholder
("Ask Gemini"), polled every ~10 ms. The same harness with a Python one-liner that only prints
the marker is shown as the "tmux floor" (what the measuring itself costs).

Run: ``python bench/startup.py`` (about 30 s).
"""

from __future__ import annotations

import argparse
import os
import select
import subprocess
import time

from _common import (
    GEMTUI,
    PYTHON,
    Tmux,
    median,
    print_table,
    subprocess_emulator,
    tmux_session,
    verdict,
    wall,
)

MARKER = "Ask Gemini"
FLOOR_SCRIPT = f"print('{MARKER}'); import time; time.sleep(60)"
#: The bare client; argv[1] is the server's URL. No TLS: the emulator speaks plain HTTP.
BARE_CLIENT = """
import asyncio, sys, httpx
from pydantic import BaseModel

async def first_byte():
    body = {"model": "gemini-3-flash-preview", "input": "hi", "stream": True}
    headers = {"x-goog-api-key": "bench-key"}
    async with httpx.AsyncClient() as client:
        url = sys.argv[1] + "/v1/interactions"
        async with client.stream("POST", url, json=body, headers=headers) as response:
            async for chunk in response.aiter_bytes():
                sys.stdout.write(chunk[:1].decode("latin-1"))
                sys.stdout.flush()
                return

asyncio.run(first_byte())
"""


def first_frame(tmux: Tmux, command: str) -> float:
    """Seconds from "exec ``command``" in a waiting pane to MARKER on screen."""
    tmux.start(f"read _ && exec {command}")
    tmux.wait_for(lambda screen: True, timeout=5)  # the pane's shell is up
    start = time.perf_counter()
    tmux.send("Enter")
    seen, _ = tmux.wait_for(lambda screen: MARKER in screen, timeout=30)
    tmux.kill()
    return seen - start


def first_byte(command: list[str], env: dict[str, str], timeout: float = 30) -> float | None:
    """Seconds from spawn to the first byte on stdout; ``None`` if the command cannot answer."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    got = bool(ready) and os.read(process.stdout.fileno(), 1) != b""
    elapsed = time.perf_counter() - start
    if not got:
        process.kill()
    process.stdout.read()
    error = process.stderr.read().decode(errors="replace")
    code = process.wait()
    unavailable = "not available" in error or "ImportError" in error or "ModuleNotFound" in error
    if not got or code != 0 or unavailable:
        return None
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env["GEMINI_API_KEY"] = "bench-key"  # any value: the emulator does not check it
    times: dict[str, list[float]] = {
        "pass": [], "textual": [], "httpx": [], "version": [], "floor": [], "demo": [], "ask": [],
        "bare": [],
    }  # fmt: skip
    ask_ok = True
    with tmux_session(80, 24) as tmux, subprocess_emulator(delay_ms=0) as url:
        ask = [GEMTUI, "ask", "--base-url", url, "hi"]
        bare = [PYTHON, "-c", BARE_CLIENT, url]
        # Warm-up (page cache, .pyc files), not counted.
        wall([GEMTUI, "--version"])
        first_frame(tmux, f"{GEMTUI} --demo")
        ask_ok = first_byte(ask, env) is not None and first_byte(bare, env) is not None
        for _ in range(args.runs):
            times["pass"].append(wall([PYTHON, "-c", "pass"], env))
            times["textual"].append(wall([PYTHON, "-c", "import textual.app"], env))
            times["httpx"].append(wall([PYTHON, "-c", "import httpx, pydantic"], env))
            times["version"].append(wall([GEMTUI, "--version"], env))
            times["floor"].append(first_frame(tmux, f'{PYTHON} -c "{FLOOR_SCRIPT}"'))
            times["demo"].append(first_frame(tmux, f"{GEMTUI} --demo"))
            if ask_ok:
                seconds, bare_seconds = first_byte(ask, env), first_byte(bare, env)
                if seconds is None or bare_seconds is None:
                    ask_ok = False
                else:
                    times["ask"].append(seconds)
                    times["bare"].append(bare_seconds)

    m = {name: median(values) for name, values in times.items()}

    def row(label: str, key: str, floor: str, budget: float | None) -> list[str]:
        # Each run's figure over its own run's floor, then the median: the machines here
        # change speed from one minute to the next, which a ratio of two medians takes in.
        pairs = zip(times[key], times[floor], strict=False) if floor else ()
        ratio = median([value / base for value, base in pairs]) if floor else None
        return [
            label,
            f"{m[key]:.3f}",
            "" if ratio is None else f"{ratio:.2f}x {floor}",
            "" if budget is None else f"<= {budget}x",
            "" if budget is None or ratio is None else verdict(ratio <= budget),
        ]

    rows = [
        row("python -c pass", "pass", "", None),
        row("python -c 'import textual.app'", "textual", "", None),
        row("python -c 'import httpx, pydantic'", "httpx", "", None),
        row("gemtui --version", "version", "pass", None),
        row("tmux floor: python prints the marker", "floor", "", None),
        row("gemtui --demo, first frame (tmux 80x24)", "demo", "textual", 2),
    ]  # fmt: skip
    if ask_ok and times["ask"]:
        rows.append(row("bare httpx + BaseModel client, first byte", "bare", "httpx", None))
        rows.append(row('gemtui ask "hi" (emulator running), first byte', "ask", "httpx", 1.5))
        rows.append(row("gemtui ask over the bare client", "ask", "bare", None))
    else:
        rows.append(['gemtui ask "hi" (emulator running), first byte', "n/a", "", "<= 1.5x", ""])
    print_table(
        f"Start-up, median of {args.runs} runs (seconds; ratio to the floor named)",
        ["what", "median s", "ratio", "budget", ""],
        rows,
    )
    version_ok = verdict(m["version"] <= 0.15)
    print(f"gemtui --version: {m['version']:.3f} s (budget <= 0.15 s): {version_ok}")
    if not (ask_ok and times["ask"]):
        print("gemtui ask: n/a (gemtui ask not available)")


if __name__ == "__main__":
    main()
