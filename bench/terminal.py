"""Answers sent as fast as the server can, into `gemtui` in a real terminal (tmux 120x40),
next to the physical floor measured in the same run.

The floor is ``shared/bench/raw_client.py``: a standard-library client that sends the prompt and
writes each text delta straight to the terminal (no Markdown, no layout, no UI toolkit). Both
clients run in the same tmux pane against the same emulator (its own process, no pacing,
``--delay-ms 0``), behind a forwarder that notes when the create request arrives.

For each client and answer size, from the Enter key:

* **request**: until the create request reaches the server;
* **first text**: until the answer's first line is on screen (``tmux capture-pane`` every
  ~5 ms);
* **last line**: until its last line is on screen (gemtui: and the status bar says ready);
* **CPU**: user + system CPU of the client process during the turn; **RSS**: its peak.

Budgets (DESIGN.md section 9, issue 20): request <= floor + 25 ms; first text <= floor +
100 ms; last line <= 4x floor (60 KB); CPU <= 0.6 s (60 KB); peak RSS <= 200 MB.

Run: ``python bench/terminal.py`` (about a minute); ``--sizes 15 60 240``; ``--gemtui PATH``
measures another install's console script (e.g. an older checkout, for a before/after).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import (
    GEMTUI,
    PYTHON,
    ROOT,
    ArrivalClock,
    Tmux,
    cpu_seconds,
    median,
    print_table,
    proc_status_kb,
    subprocess_emulator,
    tmux_session,
    verdict,
)

RAW_CLIENT = ROOT.parent / "shared" / "bench" / "raw_client.py"
RAW_READY = "raw ready >"
GEMTUI_READY = "Ask Gemini"
#: Seconds between the first screen and typing the prompt (see measure).
SETTLE = 1.0


@dataclass
class Result:
    request: float
    first_text: float
    last_line: float
    cpu: float
    peak_rss_mb: float


def answer_fragments(size_kb: int) -> list[str]:
    """Pieces of the answer's lines as both clients show them (no Markdown marks): the first
    text on screen is whichever of these shows first (a fast answer scrolls its first lines
    away before the next look)."""
    from gemtui.emulator.markdown import answer

    pieces = []
    for line in answer("go", size_kb=size_kb).splitlines():
        words = line.lstrip("-*#>| 0123456789.").replace("*", "").replace("`", "").strip()
        if len(words) >= 16 and "|" not in words:
            pieces.append(words[:16])
    return pieces


def answer_tail(size_kb: int) -> str:
    """The end of the last line of the answer, as it reads on screen (no Markdown marks)."""
    from gemtui.emulator.markdown import answer

    last = answer("go", size_kb=size_kb).rstrip().splitlines()[-1]
    return " ".join(last.replace("|", " ").lstrip("-*#> ").split())[-20:]


def measure(
    tmux: Tmux,
    clock: ArrivalClock,
    command: str,
    env: dict[str, str],
    ready: str,
    size_kb: int,
    done: Callable[[str], bool],
) -> Result:
    tmux.start(command, env=env)
    tmux.wait_for(lambda screen: ready in screen, timeout=30)
    pid = tmux.pane_pid()
    # A person reads the first screen and types for a second or more; the clock starts at
    # Enter, once the typed text has landed.
    time.sleep(SETTLE)
    tmux.send_text(f"!size {size_kb} go")
    time.sleep(0.3)
    cpu_before = cpu_seconds(pid)
    start = time.perf_counter()
    tmux.send("Enter")
    fragments = answer_fragments(size_kb)
    first, _ = tmux.wait_for(
        lambda screen: any(piece in screen for piece in fragments), timeout=60, interval=0.005
    )
    last, _ = tmux.wait_for(done, timeout=120, interval=0.005)
    # The raw client may exit at the stream's end before these are read: then it has none.
    try:
        cpu = cpu_seconds(pid) - cpu_before
    except FileNotFoundError:
        cpu = float("nan")
    try:
        peak = proc_status_kb(pid, "VmHWM") / 1024
    except (KeyError, FileNotFoundError):
        peak = float("nan")
    arrival = clock.arrival_after(start)
    tmux.kill()
    request = (arrival - start) if arrival is not None else float("nan")
    return Result(request, first - start, last - start, cpu, peak)


def raw_done(tail: str):
    """The raw client printed the whole answer: its last line is on screen, or the client
    stopped at the stream's closing ``data: [DONE]`` (which it reads as JSON and fails on,
    after every delta was written) or asks again."""

    def done(screen: str) -> bool:
        flat = " ".join(screen.replace("|", " ").split())
        return tail in flat or "JSONDecodeError" in screen or screen.count(RAW_READY) >= 2

    return done


def gemtui_done(tail: str):
    def done(screen: str) -> bool:
        lines = screen.splitlines()
        status = next((line for line in reversed(lines) if "tokens" in line), "")
        # Table cells and wrapped lines space words differently than the source does.
        return "ready" in status and tail in " ".join(screen.split())

    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[15, 60, 240])
    parser.add_argument("--gemtui", default=GEMTUI, help="the gemtui console script to measure")
    args = parser.parse_args()
    if not RAW_CLIENT.exists():
        raise SystemExit(f"the floor client is missing: {RAW_CLIENT}")

    results: dict[tuple[str, int], list[Result]] = {}
    with (
        subprocess_emulator(delay_ms=0) as url,
        tmux_session(120, 40) as tmux,
        tempfile.TemporaryDirectory(prefix="gemtui-bench-home-") as home,
    ):
        clock = ArrivalClock(url)
        env = {
            "GEMINI_API_KEY": "fake",
            "GOOGLE_GEMINI_BASE_URL": clock.url,
            # A history and state of its own, as a new user has: written to, never the user's.
            "GEMTUI_DATA_DIR": str(Path(home) / "data"),
            "XDG_STATE_HOME": str(Path(home) / "state"),
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
        }
        clients = {
            "raw": (
                f"exec {PYTHON} {RAW_CLIENT}",
                RAW_READY,
                lambda size: raw_done(answer_tail(size)),
            ),
            "gemtui": (
                f"exec {args.gemtui} --base-url {clock.url}",
                GEMTUI_READY,
                lambda size: gemtui_done(answer_tail(size)),
            ),
        }
        warm = clients["gemtui"]
        measure(tmux, clock, warm[0], env, warm[1], 15, warm[2](15))  # warm-up, not counted
        for _ in range(args.runs):
            for size in args.sizes:
                for name, (command, ready, done) in clients.items():
                    result = measure(tmux, clock, command, env, ready, size, done(size))
                    results.setdefault((name, size), []).append(result)
        clock.stop()

    def med(name: str, size: int, attr: str) -> float:
        # Figures a run could not read (nan) are left out, not sorted in among the others.
        values = [getattr(r, attr) for r in results[(name, size)]]
        return median([value for value in values if not math.isnan(value)])

    rows = []
    for size in args.sizes:
        for name in ("raw", "gemtui"):
            floor = med("raw", size, "last_line")
            rows.append([
                f"{size} KB {'raw client (floor)' if name == 'raw' else 'gemtui'}",
                f"{med(name, size, 'request') * 1000:.0f}",
                f"{med(name, size, 'first_text') * 1000:.0f}",
                f"{med(name, size, 'last_line'):.2f}",
                f"{med(name, size, 'last_line') / floor:.1f}x",
                f"{med(name, size, 'cpu'):.2f}",
                f"{med(name, size, 'peak_rss_mb'):.0f}",
            ])  # fmt: skip
    print_table(
        f"answers at full speed, tmux 120x40, Enter ->, median of {args.runs}",
        ["client", "request ms", "first text ms", "last line s", "vs floor", "CPU s", "RSS MB"],
        rows,
    )
    size = 60 if 60 in args.sizes else args.sizes[0]
    request = med("gemtui", size, "request") - med("raw", size, "request")
    first = med("gemtui", size, "first_text") - med("raw", size, "first_text")
    ratio = med("gemtui", size, "last_line") / med("raw", size, "last_line")
    cpu = med("gemtui", size, "cpu")
    rss = med("gemtui", size, "peak_rss_mb")
    print(
        f"budgets at {size} KB: request <= floor + 25 ms ({request * 1000:+.0f} ms): "
        f"{verdict(request <= 0.025)}; first text <= floor + 100 ms ({first * 1000:+.0f} ms): "
        f"{verdict(first <= 0.1)}; last line <= 4x floor ({ratio:.1f}x): {verdict(ratio <= 4)}; "
        f"CPU <= 0.6 s: {verdict(cpu <= 0.6)}; peak RSS <= 200 MB: {verdict(rss <= 200)}"
    )


if __name__ == "__main__":
    main()
