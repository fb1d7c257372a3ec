"""Vim keys of the prompt (``gemtui.ui.widgets.vim``), key by key on a real ``TextArea``.

Each case starts from a text with the cursor at ``|`` (removed), presses keys written as in
Vim's documentation (``<Esc>``, ``<C-r>``, ``<BS>``, ``<C-j>``), and checks the text, the cursor
(``|`` again) and the mode. Keys the vim layer leaves alone in insert mode are typed the way
the composer's text area types them.
"""

from __future__ import annotations

import re

import pytest
from textual.widgets import TextArea

from gemtui.ui.widgets.vim import VimKeys, next_word, previous_word, word_end

SPECIAL = {
    "<Esc>": ("escape", None),
    "<C-r>": ("ctrl+r", None),
    "<BS>": ("backspace", None),
    "<Del>": ("delete", None),
    "<C-j>": ("ctrl+j", None),
    "<Enter>": ("enter", None),
    "<Up>": ("up", None),
    "<Left>": ("left", None),
}


def split_keys(keys: str) -> list[tuple[str, str | None]]:
    """``"d2w<Esc>"`` as (key, character) pairs."""
    return [SPECIAL.get(token, (token, token)) for token in re.findall(r"<[^>]+>|.", keys)]


def setup(marked: str, *, mode: str = "normal") -> tuple[TextArea, VimKeys, list[str]]:
    """A text area holding ``marked`` (cursor at ``|``) with vim keys in ``mode``."""
    text = marked.replace("|", "")
    offset = marked.index("|")
    area = TextArea(text)
    row = marked[:offset].count("\n")
    area.move_cursor((row, offset - (marked.rfind("\n", 0, offset) + 1)))
    modes: list[str] = []
    vim = VimKeys(area, on_mode=modes.append)
    if mode == "normal":
        vim.mode = "normal"
    return area, vim, modes


def press(area: TextArea, vim: VimKeys, keys: str) -> list[bool]:
    """Press ``keys``; what the vim layer did not take is typed as the text area would."""
    taken = []
    for key, character in split_keys(keys):
        took = vim.key(key, character)
        taken.append(took)
        if took:
            continue
        if key == "ctrl+j":
            area.insert("\n")
        elif key == "backspace":
            area.action_delete_left()
        elif key == "left":
            area.action_cursor_left()
        elif key == "up":
            area.action_cursor_up()
        elif character is not None and key != "enter":
            area.insert(character)
    return taken


def shown(area: TextArea) -> str:
    """The text with ``|`` at the cursor."""
    row, column = area.cursor_location
    lines = area.text.split("\n")
    lines[row] = lines[row][:column] + "|" + lines[row][column:]
    return "\n".join(lines)


def vim(marked: str, keys: str, *, mode: str = "normal") -> str:
    area, keys_layer, _modes = setup(marked, mode=mode)
    press(area, keys_layer, keys)
    return shown(area)


# ---------------------------------------------------------------------------- words


def test_word_motions_on_plain_text() -> None:
    text = "foo.bar  baz_1 (x)"
    assert next_word(text, 0) == 3  # the punctuation is a word of its own
    assert next_word(text, 3) == 4
    assert next_word(text, 4) == 9  # blanks are skipped
    assert word_end(text, 0) == 2
    assert word_end(text, 9) == 13  # letters, digits and _ are one word
    assert previous_word(text, 9) == 4
    assert previous_word(text, 4) == 3


def test_an_empty_line_is_a_word() -> None:
    text = "one\n\ntwo"
    assert next_word(text, 0) == 4
    assert next_word(text, 4) == 5
    assert previous_word(text, 5) == 4


# ---------------------------------------------------------------------------- motions


@pytest.mark.parametrize(
    ("start", "keys", "end"),
    [
        ("ab|cd", "h", "a|bcd"),
        ("|abcd", "h", "|abcd"),
        ("ab|cd", "l", "abc|d"),
        ("abc|d", "l", "abc|d"),  # never past the last character in normal mode
        ("a|bcd", "2l", "abc|d"),
        ("a|bcd", " ", "ab|cd"),
        ("ab|cd", "<BS>", "a|bcd"),  # moves, never deletes, in normal mode
        ("|foo bar baz", "w", "foo |bar baz"),
        ("|foo bar baz", "2w", "foo bar |baz"),
        ("foo bar |baz", "b", "foo |bar baz"),
        ("foo bar ba|z", "3b", "|foo bar baz"),
        ("|foo bar", "e", "fo|o bar"),
        ("fo|o bar", "e", "foo ba|r"),
        ("foo b|ar", "0", "|foo bar"),
        ("|foo bar", "$", "foo ba|r"),
        ("|ab\ncdef", "2$", "ab\ncde|f"),
        ("abc|d\nxy\nlong line", "j", "abcd\nx|y\nlong line"),
        ("abc|d\nxy\nlong line", "jj", "abcd\nxy\nlon|g line"),  # the column is remembered
        ("abcd\nxy\nlon|g line", "k", "abcd\nx|y\nlong line"),
        ("|ab\ncd\nef", "G", "ab\ncd\n|ef"),
        ("ab\ncd\ne|f", "gg", "|ab\ncd\nef"),
        ("|ab\ncd\nef", "2G", "ab\n|cd\nef"),
        ("|ab\ncd\nef", "3gg", "ab\ncd\n|ef"),
        ("|ab\n  cd", "G", "ab\n  |cd"),  # to the first non-blank
        ("ab|c\nx\nlonger", "$jj", "abc\nx\nlonge|r"),
    ],
)
def test_motions(start: str, keys: str, end: str) -> None:
    assert vim(start, keys) == end


# ---------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("start", "keys", "end"),
    [
        ("|foo bar baz", "dw", "|bar baz"),
        ("foo |bar baz qux", "d2w", "foo |qux"),
        ("foo |bar baz", "d2w", "foo| "),  # past the last word: to the end
        ("foo |bar baz qux", "2dw", "foo |qux"),
        ("foo |bar baz qux", "2d2w", "foo| "),  # a count of 4 words runs to the end
        ("foo b|ar\nnext", "dw", "foo |b\nnext"),  # the last word: the line break stays
        ("|foo bar", "de", "| bar"),
        ("foo ba|r", "db", "foo |r"),
        ("foo b|ar", "d0", "|ar"),
        ("foo b|ar", "d$", "foo |b"),
        ("foo b|ar", "D", "foo |b"),
        ("|ab\ncd\nef", "dd", "|cd\nef"),
        ("ab\ncd\ne|f", "dd", "ab\n|cd"),  # the last line takes the break before it
        ("|only", "dd", "|"),
        ("|ab\ncd\nef", "2dd", "|ef"),
        ("|ab\ncd\nef", "dj", "|ef"),
        ("ab\ncd\ne|f", "dk", "|ab"),
        ("ab\n|cd\nef", "dG", "|ab"),
        ("ab\ncd\n|ef", "dgg", "|"),
        ("ab|cd", "x", "ab|d"),
        ("ab|cd", "3x", "a|b"),  # not past the line's end
        ("ab|cd", "X", "a|cd"),
        ("ab|cd", "<Del>", "ab|d"),
        ("|ab", "xp", "b|a"),
    ],
)
def test_deletes(start: str, keys: str, end: str) -> None:
    assert vim(start, keys) == end


@pytest.mark.parametrize(
    ("start", "keys", "end"),
    [
        ("|foo bar", "cwnew<Esc>", "ne|w bar"),  # cw changes to the end of the word
        ("foo |bar baz", "c2wx<Esc>", "foo |x"),
        ("  a|b\ncd", "ccnew<Esc>", "ne|w\ncd"),
        ("foo |bar", "Cend<Esc>", "foo en|d"),
        ("foo |bar", "c$z<Esc>", "foo |z"),
        ("a|b", "iX<Esc>", "a|Xb"),
        ("a|b", "aX<Esc>", "ab|X"),
        ("  a|b", "IX<Esc>", "  |Xab"),
        ("a|b", "AX<Esc>", "ab|X"),
        ("a|b\nc", "oX<Esc>", "ab\n|X\nc"),
        ("ab\n|c", "OX<Esc>", "ab\n|X\nc"),
        ("|", "3ihi<Esc>", "hihih|i"),
        ("a|b", "itwo<C-j>lines<Esc>", "atwo\nline|sb"),
    ],
)
def test_changes_and_inserts(start: str, keys: str, end: str) -> None:
    assert vim(start, keys) == end


@pytest.mark.parametrize(
    ("start", "keys", "end"),
    [
        ("|ab\ncd", "yyp", "ab\n|ab\ncd"),
        ("a|b\ncd", "yyP", "|ab\nab\ncd"),
        ("a|b\ncd", "yy2p", "ab\n|ab\nab\ncd"),
        ("|ab\ncd\nef", "ddp", "cd\n|ab\nef"),  # move a line down
        ("|foo bar", "ywP", "foo| foo bar"),
        ("|foo bar", "yw$p", "foo barfoo| "),
        ("|foo bar", "yej", "|foo bar"),  # a yank does not change the text
        ("f|oo bar", "ye", "f|oo bar"),
        ("foo |bar", "yb", "|foo bar"),  # a yank backwards moves to its start
        ("|ab", "p", "|ab"),  # nothing yanked yet
    ],
)
def test_yank_and_put(start: str, keys: str, end: str) -> None:
    assert vim(start, keys) == end


# ---------------------------------------------------------------------------- repeat


@pytest.mark.parametrize(
    ("start", "keys", "end"),
    [
        ("|a b c d", "dw.", "|c d"),
        ("|abcdef", "x..", "|def"),
        ("|abcdef", "2x.", "|ef"),
        ("|abcdef", "2x3.", "|f"),  # a count given to . replaces the old one
        ("|one two three", "cwX<Esc>w.", "X |X three"),
        ("a|\nb", "A!<Esc>j.", "a!\nb|!"),
        ("|a", "oline<Esc>.", "a\nline\nlin|e"),
        ("|ab\ncd\nef\ngh", "dd.", "|ef\ngh"),
        ("|ab", "ihi<Esc>.", "hh|iiab"),
        ("|", "3ix<Esc>.", "xxxx|xx"),
    ],
)
def test_dot_repeats_the_last_change(start: str, keys: str, end: str) -> None:
    assert vim(start, keys) == end


def test_motions_and_yanks_are_not_repeated_by_dot() -> None:
    assert vim("|a b c", "xwyw.") == " | c"
    assert vim("|abc", "xl.") == "|b"


# ---------------------------------------------------------------------------- undo


def test_u_undoes_a_whole_change_and_ctrl_r_redoes_it() -> None:
    area, keys, _ = setup("|foo bar baz")
    press(area, keys, "cwnew text<Esc>")
    assert area.text == "new text bar baz"
    press(area, keys, "u")
    assert area.text == "foo bar baz"
    press(area, keys, "<C-r>")
    assert area.text == "new text bar baz"
    press(area, keys, "u")
    assert area.text == "foo bar baz"


def test_u_steps_back_one_change_at_a_time() -> None:
    area, keys, _ = setup("|a b c d")
    press(area, keys, "dwdwx")
    assert area.text == " d"
    press(area, keys, "u")
    assert area.text == "c d"
    press(area, keys, "u")
    assert area.text == "b c d"
    press(area, keys, "u")
    assert area.text == "a b c d"
    press(area, keys, "u")  # nothing more to undo
    assert area.text == "a b c d"


def test_u_undoes_what_was_typed_before_the_first_escape() -> None:
    area, keys, _ = setup("|", mode="insert")
    press(area, keys, "hello world<Esc>")
    press(area, keys, "u")
    assert area.text == ""


def test_a_count_before_u_undoes_that_many_changes() -> None:
    area, keys, _ = setup("|abcd")
    press(area, keys, "xxx2u")
    assert area.text == "bcd"


def test_a_new_change_forgets_what_could_be_redone() -> None:
    area, keys, _ = setup("|abc")
    press(area, keys, "xux<C-r>")
    assert area.text == "bc"


# ---------------------------------------------------------------------------- modes


def test_starts_in_insert_mode_and_escape_goes_to_normal_mode() -> None:
    area, keys, modes = setup("ab|", mode="insert")
    assert keys.mode == "insert"
    assert press(area, keys, "c") == [False]  # typed by the text area
    assert press(area, keys, "<Esc>") == [True]
    assert keys.mode == "normal"
    assert modes == ["normal"]
    assert shown(area) == "ab|c"  # the cursor steps back onto the last character
    press(area, keys, "i")
    assert modes == ["normal", "insert"]


def test_normal_mode_takes_every_printable_key_and_types_nothing() -> None:
    area, keys, _ = setup("a|b")
    assert press(area, keys, "zq!") == [True, True, True]
    assert area.text == "ab"


def test_keys_normal_mode_leaves_to_the_app() -> None:
    area, keys, _ = setup("a|b")
    # Enter sends, Escape (nothing pending) cancels or goes back, arrows move: not vim's.
    assert press(area, keys, "<Enter><Esc><Up><Left>") == [False, False, False, False]


def test_escape_cancels_a_half_typed_command() -> None:
    area, keys, _ = setup("|foo bar")
    assert press(area, keys, "d2<Esc>") == [True, True, True]
    press(area, keys, "w")  # only moves now
    assert shown(area) == "foo |bar"


def test_an_unknown_motion_after_an_operator_does_nothing() -> None:
    assert vim("|foo bar", "dqw") == "foo |bar"


def test_backspace_while_inserting_is_repeated_by_dot() -> None:
    assert vim("|", "iabc<BS>d<Esc>.") == "abab|dd"


def test_moving_in_insert_mode_ends_what_dot_repeats() -> None:
    area, keys, _ = setup("|", mode="normal")
    press(area, keys, "xiab<Left>c<Esc>")
    assert area.text == "acb"
    before = keys.last_change
    assert before is None or before.inserted != ["a", "b", "c"]
