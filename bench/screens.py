"""How fast each screen opens: key press -> first frame of the screen, in a real terminal.

``gemtui --demo`` runs in a tmux pane at 80x24 with fresh HOME and XDG dirs (no config, no
history). For each screen key the clock starts just before ``tmux send-keys`` and stops at the
first ``tmux capture-pane`` (polled every ~2 ms) that shows a text only that screen draws (the
marker below); then the screen is closed and the bench waits until the chat is back before the
next press. The first opening of each screen in the process (which also imports its module) is
shown on its own; the median is over the openings after it.

Baseline in the same run: Ctrl+O, the history list, a plain screen with one list; each screen's
median is printed next to it as a ratio. Budget (DESIGN.md section 9): every screen <= 0.3 s.

Run: ``python bench/screens.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import GEMTUI, Tmux, median, print_table, tmux_session, verdict

READY_MARKER = "Ask Gemini"
BUDGET_SECONDS = 0.3
BASELINE = "Ctrl+O"
#: Poll the pane this often: the figures are a few hundred ms, so 2 ms is fine-grained enough.
POLL_SECONDS = 0.002


@dataclass
class ScreenCase:
    """A screen: the key that opens it, a text only it shows, the key that closes it."""

    label: str
    key: str
    marker: str
    close: str = "Escape"
    first: float = float("nan")
    runs: list[float] = field(default_factory=list)


def cases() -> list[ScreenCase]:
    """The screens in the order they are measured (Ctrl+O, the baseline, first)."""
    return [
        ScreenCase(BASELINE + " history", "C-o", "r rename  a archive"),
        # A field label in the form, not the title: the form itself must be on screen.
        ScreenCase("F2 settings", "F2", "Agent (replaces model)"),
        ScreenCase("Ctrl+R search", "C-r", "Search the history"),
        ScreenCase("F4 jobs", "F4", "c cancel at the server"),
        ScreenCase("F7 tools", "F7", "Tools of this conversation"),
        ScreenCase("F1 help", "F1", "Keys here"),
        # The timeline is a pane of the chat screen that Ctrl+T shows and hides again.
        ScreenCase("Ctrl+T timeline", "C-t", "turns · tokens:", close="C-t"),
        ScreenCase("Ctrl+P palette", "C-p", "Search for commands"),
        ScreenCase("Alt+P presets", "M-p", "Presets: for the next turns"),
        ScreenCase("Alt+T templates", "M-t", "Prompt templates in"),
    ]


def open_once(tmux: Tmux, case: ScreenCase) -> float:
    """Seconds from the key to the first frame showing the screen; closes it again after."""
    start = time.perf_counter()
    tmux.send(case.key)
    seen, _ = tmux.wait_for(lambda screen: case.marker in screen, 10, POLL_SECONDS)
    tmux.send(case.close)
    tmux.wait_for(lambda s: case.marker not in s and READY_MARKER in s, 10, POLL_SECONDS)
    return seen - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="openings per screen after the first")
    parser.add_argument(
        "--only", nargs="+", metavar="KEY", help="measure only these keys (e.g. F2 C-r), and Ctrl+O"
    )
    args = parser.parse_args()

    screens = [
        case
        for number, case in enumerate(cases())
        if number == 0 or not args.only or case.key in args.only
    ]
    with (
        tempfile.TemporaryDirectory(prefix="gemtui-screens-") as folder,
        tmux_session(80, 24) as tmux,
    ):
        home = Path(folder)
        env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "TERM": "xterm-256color",
        }
        tmux.start(f"exec {GEMTUI} --demo", env=env)
        tmux.wait_for(lambda screen: READY_MARKER in screen, timeout=30)
        time.sleep(1)  # let start-up work (workers, the first idle repaint) settle
        for case in screens:
            case.first = open_once(tmux, case)
        # Round-robin, so that a burst of load on the machine spreads over every screen.
        for _ in range(args.runs):
            for case in screens:
                case.runs.append(open_once(tmux, case))

    base = median(screens[0].runs)
    rows = []
    for case in screens:
        seconds = median(case.runs)
        rows.append([
            case.label, f"{case.first:.3f}", f"{seconds:.3f}", f"{max(case.runs):.3f}",
            "(baseline)" if case is screens[0] else f"{seconds / base:.2f}x",
            verdict(max(case.first, seconds) <= BUDGET_SECONDS),
        ])  # fmt: skip
    print_table(
        f"Key -> first frame of the screen, tmux 80x24, median of {args.runs} after the first",
        ["screen", "first s", "median s", "max s", f"ratio to {BASELINE}", "<= 0.3 s"],
        rows,
    )
    # The machine is shared: every run, so that an outlier shows as one.
    print(
        "\nevery run, s: "
        + "; ".join(
            f"{case.label.split()[0]} " + " ".join(f"{run:.2f}" for run in case.runs)
            for case in screens
        )
    )


if __name__ == "__main__":
    main()
