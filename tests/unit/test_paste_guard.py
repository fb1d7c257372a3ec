"""Terminal input with bracketed pastes, fed in chunks as a terminal's reads cut it."""

from __future__ import annotations

import pytest
from textual import events

from gemtui.ui.paste_guard import PASTE_END, PASTE_START, PasteCleaner, PasteGuardParser

PASTE = f"a{PASTE_START}line1 \x1b[32mgreen\x1b[0m\rline2{PASTE_END}b\x1b"


def test_a_paste_comes_out_cleaned_and_the_rest_as_it_came() -> None:
    assert PasteCleaner().feed(PASTE) == f"a{PASTE_START}line1 green\nline2{PASTE_END}b\x1b"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_chunks_cut_anywhere_give_the_same(size: int) -> None:
    cleaner = PasteCleaner()
    chunks = [PASTE[i : i + size] for i in range(0, len(PASTE), size)]
    assert "".join(cleaner.feed(chunk) for chunk in chunks) == PasteCleaner().feed(PASTE)


def test_a_lone_escape_outside_a_paste_is_not_held() -> None:
    assert PasteCleaner().feed("\x1b") == "\x1b"


def test_the_parser_reads_one_paste_in_place_and_no_keys_from_inside_it() -> None:
    parser = PasteGuardParser()
    tokens = []
    for chunk in (PASTE[:9], PASTE[9:20], PASTE[20:]):
        tokens += list(parser.feed(chunk))
    tokens += list(parser.feed(""))
    kinds = [
        ("paste", t.text) if isinstance(t, events.Paste) else ("key", t.key)
        for t in tokens
        if isinstance(t, events.Paste | events.Key)
    ]
    assert kinds == [("key", "a"), ("paste", "line1 green\nline2"), ("key", "b"), ("key", "escape")]
