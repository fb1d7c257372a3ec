"""The timeline detail folds its title and facts between words, its JSON anywhere."""

from __future__ import annotations

from itertools import pairwise

from gemtui.ui.widgets.step_detail import word_wrap_offsets


def lines(text: str, width: int) -> list[str]:
    cuts = [0, *word_wrap_offsets(text, width), len(text)]
    return [text[start:end] for start, end in pairwise(cuts)]


def test_a_line_folds_before_the_word_that_does_not_fit() -> None:
    fact = "id v1_abc · status completed · gemini-3.6-flash"
    assert lines(fact, 20) == ["id v1_abc · status ", "completed · ", "gemini-3.6-flash"]
    assert all(len(line.rstrip()) <= 20 for line in lines(fact, 20))


def test_a_word_longer_than_a_line_is_cut_where_it_fills_one() -> None:
    assert lines("id abcdefghij ok", 4) == ["id ", "abcd", "efgh", "ij ", "ok"]


def test_short_and_empty_text_stays_on_one_line() -> None:
    assert word_wrap_offsets("", 5) == [] and word_wrap_offsets("1 step", 6) == []


def test_wide_characters_count_as_two_cells() -> None:
    assert lines("漢字漢字 ab", 8) == ["漢字漢字 ", "ab"]
