"""What a new user met in the first hour, seen as they see it: ``gemtui --demo`` in an 80×24
tmux pane with a fresh HOME, keys from ``send-keys``, the screen read with ``capture-pane``.

* a screen key pressed in its own screen does not stack a second copy (one Escape closes it);
* the timeline's detail title of a multi-line prompt is one clean row, whichever rows the
  cursor went through;
* after an older message was selected, a new answer is followed to its end; scrolled up while
  it streams, the status bar says "▼ N new lines below (End)" whole, and End in the prompt
  goes there.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from support.tmux_pane import TmuxPane, fresh_home_env, needs_tmux

pytestmark = needs_tmux

PLACEHOLDER = "Ask Gemini…"
#: The last line of every plain emulator answer.
ANSWER_END = "Tip: type !slow 200 or !fault 429"


def start_demo(tmp_path: Path) -> TmuxPane:
    env = fresh_home_env(tmp_path)
    pane = TmuxPane(tmp_path, [sys.executable, "-m", "gemtui", "--demo"], env=env)
    pane.wait_for(lambda screen: any(PLACEHOLDER in line for line in screen), "the first frame")
    return pane


def status_line(screen: list[str]) -> str:
    """The status bar: the row above the footer."""
    return screen[-2] if len(screen) >= 2 else ""


def ready(screen: list[str]) -> bool:
    """The turn is over and answered (its tokens are counted, in full or short: "1,615 tok")."""
    return "· ready" in status_line(screen) and " tok" in status_line(screen)


def total(screen: list[str]) -> str:
    """The status bar's token total ("" before the first answer)."""
    found = re.search(r"(?:total|·) ([\d,]+)(?:\)| tok)", status_line(screen))
    return found.group(1) if found else ""


def ask(pane: TmuxPane, prompt: str) -> None:
    """Type ``prompt`` and send it; return once its answer is complete (the status bar's
    token total has moved on and the turn is over)."""
    before = total(pane.screen())
    pane.type(prompt)
    pane.send_keys("Enter")
    pane.wait_for(lambda s: ready(s) and total(s) != before, "the answer")


def to_messages(pane: TmuxPane) -> None:
    """Ctrl+L, and wait until the messages have the keys (their keys show in the footer)."""
    pane.send_keys("C-l")
    pane.wait_for(lambda s: "e Edit" in s[-1], "the messages")


def main_screen(screen: list[str]) -> bool:
    return any(PLACEHOLDER in line for line in screen) and not any(
        line.startswith("╭") for line in screen
    )


def test_a_screen_key_inside_its_screen_stacks_no_second_copy(tmp_path):
    with start_demo(tmp_path) as pane:
        for key, title in [("F2", "Ctrl+S save"), ("C-o", "Enter open  r rename")]:
            pane.send_keys(key)
            pane.wait_for(lambda s, t=title: any(t in line for line in s), f"{key}'s screen")
            pane.send_keys(key)
            pane.send_keys("Escape")
            pane.wait_for(main_screen, f"the chat after one Escape from {key}")
        # F1 toggles: pressed again, it closes its own screen.
        pane.send_keys("F1")
        pane.wait_for(lambda s: any("Keys here" in line for line in s), "the keys")
        pane.send_keys("F1")
        pane.wait_for(main_screen, "the chat after F1 twice")


def test_the_timeline_detail_title_of_a_multi_line_prompt_is_one_clean_row(tmp_path):
    with start_demo(tmp_path) as pane:
        pane.type("multi")
        pane.send_keys("C-j")
        pane.type("line prompt")
        pane.send_keys("Enter")
        pane.wait_for(ready, "the answer")
        pane.send_keys("C-t")
        title = "turn «multi line prompt»"
        pane.wait_for(lambda s: any(line.strip() == title for line in s), "the detail title")
        for key in ("Down", "Down", "Up", "Up"):  # rows with other titles, then back
            pane.send_keys(key)
        screen = pane.wait_for(
            lambda s: s if any(line.strip() == title for line in s) else None, "the title again"
        )
        # Nothing of a longer title stays behind it, and no row starts with the prompt's tail.
        assert not any(re.search(r"«multi(?!\s*line prompt»)", line) for line in screen), screen
        assert not any(line.startswith("line prompt") for line in screen), screen


def test_a_new_answer_is_followed_and_new_lines_below_are_said_whole(tmp_path):
    with start_demo(tmp_path) as pane:
        for word in ("one", "two"):
            ask(pane, f"prompt {word}")
        # An older message selected, then back to the prompt: the next answer is followed.
        to_messages(pane)
        pane.send_keys("Home")
        pane.wait_for(lambda s: not any(ANSWER_END in line for line in s), "the view up top")
        pane.send_keys("Escape")
        pane.wait_for(lambda s: "e Edit" not in s[-1], "the prompt")
        ask(pane, "!slow 20 prompt three")
        assert any(ANSWER_END in line for line in pane.screen()[-8:])
        # Scrolled up while a long answer streams: the status bar says so, whole.
        pane.type("!slow 40 !size 3 prompt four")
        pane.send_keys("Enter")
        pane.wait_for(lambda s: "streaming" in status_line(s), "the stream")
        to_messages(pane)
        pane.send_keys("Home")
        screen = pane.wait_for(
            lambda s: s if "new lines below (End)" in status_line(s) else None, "the notice"
        )
        assert re.search(r"▼ \d+ new lines below \(End\)", status_line(screen)), screen
        pane.wait_for(ready, "the end of the answer")
        screen = pane.screen()
        assert re.search(r"▼ \d+ new lines below \(End\)", status_line(screen)), screen
        # End from the prompt goes to the newest output.
        pane.send_keys("Escape")
        pane.wait_for(lambda s: "e Edit" not in s[-1], "the prompt")
        pane.send_keys("End")
        screen = pane.wait_for(
            lambda s: s if "new lines below" not in status_line(s) else None, "the newest output"
        )
        # The counter goes only when the view is at the bottom again: the long answer's last
        # sections are on screen, the top of the chat is not.
        assert not any("Demo mode" in line for line in screen), screen
        assert any("Section" in line for line in screen[:-4]), screen
