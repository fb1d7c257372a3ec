"""The prompt composer fed by a real terminal: ``gemtui --demo`` in tmux at 80×24 with a fresh
HOME, bracketed pastes from ``paste-buffer -p`` and key presses from ``send-keys``, the screen
read back with ``capture-pane`` and what was sent read from the history database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.tmux_pane import TmuxPane, fresh_home_env, needs_tmux

from gemtui.core.store import Store

pytestmark = needs_tmux

#: The composer's hint while it is empty: the first frame is up.
PLACEHOLDER = "Ask Gemini…"
RULE = "─" * 20


def composer_rows(screen: list[str]) -> list[str]:
    """The composer's rows: between the rule above it and the status bar under it (none while
    the screen shows neither). The status bar is found by its mode: at 80 columns the endpoint
    at its end is cut off once a turn's context window and tokens are shown."""
    rules = [index for index, line in enumerate(screen) if line.startswith(RULE)]
    status = [index for index, line in enumerate(screen) if " · stateful · " in line]
    if not rules or not status or status[-1] < rules[-1]:
        return []
    return [line.strip() for line in screen[rules[-1] + 1 : status[-1]]]


def answered(screen: list[str]) -> bool:
    """The status bar is ready again and counts the turn's tokens (which it also shows while
    the answer streams)."""
    return any("· ready · " in line and "· tokens" in line for line in screen)


def prompts_sent(tmp_path: Path) -> list[str]:
    """The prompts of the stored turns, oldest first (none before the first turn is stored)."""
    path = tmp_path / "home" / "gemtui-data" / "history.sqlite3"
    if not path.exists():
        return []
    with Store(path, read_only=True) as store:
        conversation = store.last_conversation_id()
        if conversation is None:
            return []
        return [t.turn.asked.prompt for t in store.load_turns(conversation)]


def start_demo(tmp_path: Path, config: str = "") -> TmuxPane:
    env = fresh_home_env(tmp_path)
    pane = TmuxPane(tmp_path, [sys.executable, "-m", "gemtui", "--demo"], env=env, config=config)
    pane.wait_for(lambda screen: any(PLACEHOLDER in line for line in screen), "the first frame")
    return pane


def changed_composer(pane: TmuxPane, before: list[str], what: str) -> list[str]:
    """The composer's rows once they differ from ``before`` (one paste or key is one change)."""
    return pane.wait_for(lambda s: composer_rows(s) != before and composer_rows(s), what)


def test_bracketed_paste_goes_in_once_with_its_line_breaks_and_enter_sends_it_once(tmp_path):
    with start_demo(tmp_path) as pane:
        empty = composer_rows(pane.screen())
        pane.paste("PASTEONCE")
        assert changed_composer(pane, empty, "the paste") == ["PASTEONCE"]
        # Three lines as a terminal sends them: every line break a CR (tmux turns the LF into one).
        pane.paste(" alpha line\rbeta line\ngamma line")
        rows = changed_composer(pane, ["PASTEONCE"], "the second paste")
        assert rows == ["PASTEONCE alpha line", "beta line", "gamma line"]
        pane.send_keys("Enter")
        pane.wait_for(answered, "the answer")
        assert composer_rows(pane.screen()) == empty
        sent = pane.wait_for(lambda _: prompts_sent(tmp_path), "the stored turn")
        assert sent == ["PASTEONCE alpha line\nbeta line\ngamma line"]


def test_escape_sequences_in_a_terminal_paste_are_removed_and_nothing_is_sent(tmp_path):
    """Textual's parser alone replays the rest of a paste that holds an ESC as key presses,
    before the paste (tmux passes the ESC on): the text came out scrambled, and a line break
    in it sent the draft (see ``gemtui.ui.paste_guard``)."""
    with start_demo(tmp_path) as pane:
        empty = composer_rows(pane.screen())
        pane.paste("line1 \x1b[32mgreen\x1b[0m\rline2 \x1b]0;title\x07end")
        assert changed_composer(pane, empty, "the paste") == ["line1 green", "line2 end"]
        assert not answered(pane.screen())
        assert prompts_sent(tmp_path) == []


def typed_with_newline_keys(pane: TmuxPane, lines: list[str], keys: list[str]) -> list[str]:
    """Type ``lines``, one newline key between each two; the composer's rows once the last
    line is in (or a turn was answered, when a key sent the draft instead)."""
    for line, key in zip(lines, keys, strict=False):
        pane.type(line)
        pane.send_keys(key)
    pane.type(lines[-1])

    def settled(screen: list[str]) -> list[str] | None:
        rows = composer_rows(screen)
        return rows if "".join(rows).endswith(lines[-1]) or answered(screen) else None

    return pane.wait_for(settled, "the typed lines")


def test_ctrl_j_is_a_new_line_in_tmux_and_sends_nothing(tmp_path):
    with start_demo(tmp_path) as pane:
        lines = ["top line", "bottom line"]
        assert typed_with_newline_keys(pane, lines, ["C-j"]) == lines
        assert not answered(pane.screen())
        assert prompts_sent(tmp_path) == []


def test_shift_and_ctrl_enter_are_new_lines_where_tmux_reports_them(tmp_path):
    """With ``extended-keys always`` tmux sends Shift+Enter as CSI 13;2u and Ctrl+Enter as
    CSI 13;5u (without it, as a plain CR or nothing)."""
    with start_demo(tmp_path, config="set -g extended-keys always\n") as pane:
        lines = ["one", "two", "three"]
        assert typed_with_newline_keys(pane, lines, ["S-Enter", "C-Enter"]) == lines
        assert not answered(pane.screen())
        assert prompts_sent(tmp_path) == []


@pytest.mark.xfail(
    strict=True,
    reason="tmux sends Alt+Enter as ESC CR (also with extended-keys always), which Textual 8.2 "
    "reports as plain enter: it sends, so the README does not offer Alt+Enter",
)
def test_alt_enter_is_a_new_line_in_tmux(tmp_path):
    with start_demo(tmp_path, config="set -g extended-keys always\n") as pane:
        lines = ["one", "two"]
        assert typed_with_newline_keys(pane, lines, ["M-Enter"]) == lines


def test_a_command_typed_in_one_burst_after_its_list_opened_runs_that_command(tmp_path):
    """tmux sends ``export md`` and Enter in one write: the keys reached the prompt before the
    app heard that its text changed, and Enter took the list's first row for "/" (``/agent``)."""
    with start_demo(tmp_path) as pane:
        pane.type("export me")
        pane.send_keys("Enter")
        pane.wait_for(answered, "the answer")
        pane.type("/")
        pane.wait_for(lambda s: any(line.startswith("/agent") for line in s), "the list")
        pane.send_keys("export md", "Enter")
        pane.wait_for(lambda s: any("Exported to" in line for line in s), "the export")
        exports = list((tmp_path / "home" / "gemtui-data" / "exports").glob("*.md"))
        assert len(exports) == 1 and "export me" in exports[0].read_text(encoding="utf-8")


def test_a_path_typed_in_one_burst_after_the_at_sign_goes_into_the_picker(tmp_path):
    """tmux writes ``@`` and the path at once: the path reached the prompt before the picker
    was up, so it stayed in the prompt and the picker opened empty."""
    notes = tmp_path / "notes.txt"
    notes.write_text("line one\n")
    with start_demo(tmp_path) as pane:
        pane.type(f"@{notes}")
        # The field shows the end of the path, where its cursor is.
        pane.wait_for(lambda s: any("/notes.txt" in line and "▊" in line for line in s), "picker")
        pane.send_keys("Enter")
        screen = pane.wait_for(lambda s: any("notes.txt" in line for line in s) and s, "chip")
        assert not any(str(notes) in line for line in screen)  # not left in the prompt


def test_find_typed_in_one_burst_in_the_messages_keeps_its_letters(tmp_path):
    """``/`` and the words behind it in one write: ``/`` opened the find bar, the words were
    lost on the way."""
    with start_demo(tmp_path) as pane:
        pane.type("hello there")
        pane.send_keys("Enter")
        pane.wait_for(answered, "the answer")
        pane.send_keys("C-l")
        pane.wait_for(lambda s: any("Expand" in line and "Copy" in line for line in s), "keys")
        pane.type("/emulator")
        pane.wait_for(lambda s: any(line.startswith(" Find emulator") for line in s), "find")
