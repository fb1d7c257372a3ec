"""Bytes gemtui writes to its terminal per second: idle, while streaming, and idle again.

Over a slow SSH link every byte written is a byte on the wire, so an idle app must write nothing
and a streaming one must stay well under what a modest link carries (DESIGN.md section 9,
issue 11 "Slow links"). ``gemtui --demo`` runs in a tmux pane at 80x24 with
``tmux pipe-pane -o 'cat >> FILE'``, which copies everything the app writes to its pty; the
file's growth over a window is the figure.

1. idle, composer focused: 5 s after start-up has settled (no keys pressed);
2. streaming: ``!size 20`` (a 20 KB answer) at the demo emulator's own pace, from Enter until
   the status bar says ready again;
3. idle after the answer, composer focused again, 5 s.

Run: ``python bench/idle_bytes.py`` (about 25 s).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import GEMTUI, print_table, tmux_session, verdict

IDLE_SECONDS = 5.0
SETTLE_SECONDS = 1.5
PROMPT = "!size 20 go"
READY_MARKER = "Ask Gemini"


def answer_done(screen: str) -> bool:
    status = next((line for line in reversed(screen.splitlines()) if "tokens" in line), "")
    return "ready" in status


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gemtui-idle-") as folder, tmux_session(80, 24) as tmux:
        capture = Path(folder) / "pane.bytes"
        capture.touch()
        env = {
            "GEMTUI_DATA_DIR": f"{folder}/data",
            "XDG_CONFIG_HOME": f"{folder}/config",
            "TERM": "xterm-256color",
        }
        tmux.start(f"exec {GEMTUI} --demo", env=env)
        tmux.run("pipe-pane", "-o", "-t", tmux.session, f"cat >> {capture}")
        tmux.wait_for(lambda screen: READY_MARKER in screen, timeout=30)

        def size() -> int:
            return capture.stat().st_size

        def idle() -> int:
            time.sleep(SETTLE_SECONDS)
            before = size()
            time.sleep(IDLE_SECONDS)
            return size() - before

        idle_before = idle()
        tmux.send_text(PROMPT)
        time.sleep(0.3)  # the typed text's own echo is not part of the stream
        before, start = size(), time.perf_counter()
        tmux.send("Enter")
        tmux.wait_for(lambda screen: "waiting" in screen or "streaming" in screen, timeout=10)
        end, _ = tmux.wait_for(answer_done, timeout=120)
        streamed, seconds = size() - before, end - start
        idle_after = idle()

    rows = [
        ["idle, composer focused", f"{IDLE_SECONDS:.1f}", str(idle_before),
         f"{idle_before / IDLE_SECONDS:.0f}"],
        [f"streaming {PROMPT!r} at demo pace", f"{seconds:.1f}", str(streamed),
         f"{streamed / seconds:.0f}"],
        ["idle after the answer", f"{IDLE_SECONDS:.1f}", str(idle_after),
         f"{idle_after / IDLE_SECONDS:.0f}"],
    ]  # fmt: skip
    print_table("bytes written to the terminal, gemtui --demo in tmux 80x24",
                ["what", "seconds", "bytes", "bytes/s"], rows)  # fmt: skip
    print(f"idle writes nothing: {verdict(idle_before == 0 and idle_after == 0)}")


if __name__ == "__main__":
    main()
