"""A 60 KB answer, sent as fast as the server can, into `gemtui` in a real terminal (tmux 120x40).

The emulator runs in its own process with no pacing (`--delay-ms 0`); gemtui runs in a tmux
pane as a user starts it (`gemtui --base-url URL`, GEMINI_API_KEY=fake). Once its first frame
is up, the prompt `!size 60 go` is typed and the clock starts at the Enter key. It stops at the
first `tmux capture-pane` (polled every ~10 ms) whose status bar says the turn is done ("ready"
and "tokens") and whose screen shows the last line of the answer. Then, before quitting, CPU
(utime + stime from /proc/<pid>/stat, for the turn and for the whole process) and peak RSS
(VmHWM) of the gemtui process are read.

Baseline in the same run: a raw streaming client in the same pane (gemtui's InteractionsClient
printing the text deltas straight to the terminal, no Markdown, no Textual): the floor set by
the server, the loopback and tmux.

Budget (DESIGN.md section 9): submit -> last line <= 1.5 s, CPU <= 2 s, peak RSS <= 200 MB.

Run: ``python bench/terminal.py`` (about 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    GEMTUI,
    PYTHON,
    Tmux,
    cpu_seconds,
    median,
    print_table,
    proc_status_kb,
    subprocess_emulator,
    tmux_session,
    verdict,
)

SIZE_KB = 60
PROMPT = f"!size {SIZE_KB} go"
READY_MARKER = "Ask Gemini"
PLAIN_READY = "plain client ready"
PLAIN_DONE = "plain client done"


@dataclass
class Result:
    seconds: float
    turn_cpu: float
    total_cpu: float
    peak_rss_mb: float


def answer_tail() -> str:
    """The end of the last line of the answer, as it reads on screen (no Markdown marks)."""
    from gemtui.emulator.markdown import answer

    last = answer("go", size_kb=SIZE_KB).rstrip().splitlines()[-1]
    return last.lstrip("-*#>| ").rstrip("| ")[-30:]


def measure(tmux: Tmux, command: str, env: dict[str, str], ready: str, done: object) -> Result:
    tmux.start(command, env=env)
    tmux.wait_for(lambda screen: ready in screen, timeout=30)
    pid = tmux.pane_pid()
    tmux.send_text(PROMPT)
    time.sleep(0.2)  # let the typed text land before the clock starts
    cpu_before = cpu_seconds(pid)
    start = time.perf_counter()
    tmux.send("Enter")
    seen, _ = tmux.wait_for(done, timeout=120)  # type: ignore[arg-type]
    total_cpu = cpu_seconds(pid)
    peak = proc_status_kb(pid, "VmHWM") / 1024
    tmux.kill()
    return Result(seen - start, total_cpu - cpu_before, total_cpu, peak)


def gemtui_done(tail: str):
    def done(screen: str) -> bool:
        lines = screen.splitlines()
        status = next((line for line in reversed(lines) if "tokens" in line), "")
        return "ready" in status and tail in screen

    return done


async def plain_client(base_url: str) -> None:
    """The baseline's pane: wait for a prompt line, stream it, write text deltas to stdout."""
    from gemtui.api.client import InteractionsClient
    from gemtui.core.assembler import apply
    from gemtui.core.conversation import Conversation
    from gemtui.core.turn import Asked

    print(PLAIN_READY, flush=True)
    prompt = sys.stdin.readline().strip()
    conversation = Conversation()
    turn = conversation.start_turn(Asked(prompt=prompt))
    out = sys.stdout
    client = InteractionsClient(api_key="fake", base_url=base_url)
    async with client, client.stream(conversation.build_request(turn)) as events:
        async for received in events:
            change = apply(turn.reply.state, received.event, received_at=0.0, size=received.size)
            if change.appended_text and change.kind == "step_delta":
                out.write(change.appended_text)
    out.write(f"\n{PLAIN_DONE}\n")
    out.flush()
    await asyncio.sleep(3600)  # stay alive so the bench can read /proc before it kills us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plain-client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_client:
        asyncio.run(plain_client(args.plain_client))
        return

    tail = answer_tail()
    env = {"GEMINI_API_KEY": "fake"}
    results: dict[str, list[Result]] = {"plain": [], "gemtui": []}
    with subprocess_emulator(delay_ms=0) as url, tmux_session(120, 40) as tmux:
        gemtui = f"exec {GEMTUI} --base-url {url}"
        plain = f"exec {PYTHON} {Path(__file__).resolve()} --plain-client {url}"
        plain_done = lambda screen: PLAIN_DONE in screen  # noqa: E731
        measure(tmux, gemtui, env, READY_MARKER, gemtui_done(tail))  # warm-up, not counted
        for _ in range(args.runs):
            results["plain"].append(measure(tmux, plain, env, PLAIN_READY, plain_done))
            results["gemtui"].append(measure(tmux, gemtui, env, READY_MARKER, gemtui_done(tail)))

    def med(name: str, attr: str) -> float:
        return median([getattr(r, attr) for r in results[name]])

    base = med("plain", "seconds")
    rows = []
    for name, label in (("plain", "raw client printing deltas (baseline)"), ("gemtui", "gemtui")):
        seconds = med(name, "seconds")
        rows.append([
            label, f"{seconds:.2f}", f"{seconds / base:.2f}x", f"{med(name, 'turn_cpu'):.2f}",
            f"{med(name, 'total_cpu'):.2f}", f"{med(name, 'peak_rss_mb'):.0f}",
        ])  # fmt: skip
    print_table(
        f"{SIZE_KB} KB answer as fast as the server can, tmux 120x40, median of {args.runs}",
        ["what", "submit->last line s", "ratio", "turn CPU s", "process CPU s", "peak RSS MB"],
        rows,
    )
    seconds, cpu, rss = (
        med("gemtui", "seconds"),
        med("gemtui", "total_cpu"),
        med("gemtui", "peak_rss_mb"),
    )
    print(
        f"budget: <= 1.5 s: {verdict(seconds <= 1.5)}; CPU <= 2 s (whole process): "
        f"{verdict(cpu <= 2)}; peak RSS <= 200 MB: {verdict(rss <= 200)}"
    )


if __name__ == "__main__":
    main()
