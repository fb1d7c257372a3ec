"""The prompt in the user's editor (``gemtui.core.editor``): which editor, and a real round
trip through a script standing in for one."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from gemtui.core.editor import NO_EDITOR, EditorCommand, EditorError, edit_text, find_editor


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "editor.py"
    path.write_text(f"import sys\n{body}\n", encoding="utf-8")
    return f"{sys.executable} {path}"


def test_the_setting_comes_before_visual_and_editor() -> None:
    env = {"VISUAL": "vim", "EDITOR": "nano"}
    assert find_editor("code --wait", env) == EditorCommand(
        ["code", "--wait"], "the editor setting"
    )
    assert find_editor(None, env) == EditorCommand(["vim"], "$VISUAL")
    assert find_editor("", {"EDITOR": "nano -w", "VISUAL": " "}) == EditorCommand(
        ["nano", "-w"], "$EDITOR"
    )


def test_no_editor_is_said_not_replaced_by_vi() -> None:
    with pytest.raises(EditorError) as raised:
        find_editor(None, {})
    assert str(raised.value) == NO_EDITOR
    assert "$EDITOR" in NO_EDITOR and "editor" in NO_EDITOR


def test_a_command_that_cannot_be_split_is_refused() -> None:
    with pytest.raises(EditorError, match="EDITOR"):
        find_editor(None, {"EDITOR": "vim 'unclosed"})


def test_the_edited_file_comes_back_without_the_editors_last_line_break(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    command = find_editor(
        script(
            tmp_path,
            f"import os, stat\np = sys.argv[-1]\n"
            f"open({str(seen)!r}, 'w').write(open(p).read() + '|' + oct(os.stat(p).st_mode))\n"
            "open(p, 'w').write('new text\\nsecond line\\n')",
        ),
        {},
    )
    assert edit_text(command, "old draft") == "new text\nsecond line"
    before, mode = seen.read_text().split("|")
    assert before == "old draft"
    assert stat.S_IMODE(int(mode, 8)) == 0o600  # nobody else reads the draft


def test_a_failing_editor_leaves_the_draft(tmp_path: Path) -> None:
    command = find_editor(script(tmp_path, "sys.exit(3)"), {})
    with pytest.raises(EditorError, match="status 3"):
        edit_text(command, "draft")


def test_a_missing_editor_is_named() -> None:
    with pytest.raises(EditorError, match="no-such-editor-here"):
        edit_text(EditorCommand(["no-such-editor-here"], "$EDITOR"), "draft")
