"""Start-up times: `gemtui --version`, `gemtui --demo` to its first frame, `gemtui ask` to its
first byte, next to a bare `python -c pass` and `python -c 'import textual.app'` timed in the
same run (DESIGN.md section 9).

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

from _common import GEMTUI, PYTHON, Tmux, median, print_table, tmux_session, verdict, wall

MARKER = "Ask Gemini"
FLOOR_SCRIPT = f"print('{MARKER}'); import time; time.sleep(60)"


def first_frame(tmux: Tmux, command: str) -> float:
    """Seconds from "exec ``command``" in a waiting pane to MARKER on screen."""
    tmux.start(f"read _ && exec {command}")
    tmux.wait_for(lambda screen: True, timeout=5)  # the pane's shell is up
    start = time.perf_counter()
    tmux.send("Enter")
    seen, _ = tmux.wait_for(lambda screen: MARKER in screen, timeout=30)
    tmux.kill()
    return seen - start


def first_byte(command: list[str], timeout: float = 30) -> float | None:
    """Seconds from spawn to the first byte on stdout; ``None`` if the command cannot answer."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
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
    ask = [GEMTUI, "ask", "--demo", "hi"]
    times: dict[str, list[float]] = {
        "pass": [], "textual": [], "version": [], "floor": [], "demo": [], "ask": []
    }  # fmt: skip
    ask_ok = True
    with tmux_session(80, 24) as tmux:
        # Warm-up (page cache, .pyc files), not counted.
        wall([GEMTUI, "--version"])
        first_frame(tmux, f"{GEMTUI} --demo")
        ask_ok = first_byte(ask) is not None
        for _ in range(args.runs):
            times["pass"].append(wall([PYTHON, "-c", "pass"], env))
            times["textual"].append(wall([PYTHON, "-c", "import textual.app"], env))
            times["version"].append(wall([GEMTUI, "--version"], env))
            times["floor"].append(first_frame(tmux, f'{PYTHON} -c "{FLOOR_SCRIPT}"'))
            times["demo"].append(first_frame(tmux, f"{GEMTUI} --demo"))
            if ask_ok:
                seconds = first_byte(ask)
                if seconds is None:
                    ask_ok = False
                else:
                    times["ask"].append(seconds)

    m = {name: median(values) for name, values in times.items()}
    textual = m["textual"]

    def row(label: str, key: str, budget: str, ok: bool | None) -> list[str]:
        return [
            label,
            f"{m[key]:.3f}",
            f"{m[key] / textual:.2f}x",
            budget,
            "" if ok is None else verdict(ok),
        ]

    demo_ok = m["demo"] <= 3 * textual
    rows = [
        row("python -c pass", "pass", "", None),
        row("python -c 'import textual.app'", "textual", "(baseline)", None),
        row("gemtui --version", "version", "<= 0.15 s", m["version"] <= 0.15),
        row("tmux floor: python prints the marker", "floor", "", None),
        row("gemtui --demo, first frame (tmux 80x24)", "demo", "<= 3x textual", demo_ok),
    ]  # fmt: skip
    if ask_ok and times["ask"]:
        rows.append(row('gemtui ask --demo "hi", first byte', "ask", "<= 0.5 s", m["ask"] <= 0.5))
    else:
        rows.append(['gemtui ask --demo "hi", first byte', "n/a", "", "<= 0.5 s", ""])
    print_table(
        f"Start-up, median of {args.runs} runs (seconds; ratio to import textual.app)",
        ["what", "median s", "ratio", "budget", ""],
        rows,
    )
    if not (ask_ok and times["ask"]):
        print("gemtui ask: n/a (gemtui ask not available)")


if __name__ == "__main__":
    main()
