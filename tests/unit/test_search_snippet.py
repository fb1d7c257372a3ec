"""``search_snippet``: the words shown under a history search hit, placed and highlighted."""

from __future__ import annotations

from gemtui.core.search_snippet import SNIPPET_WORDS, fold, snippet
from gemtui.core.store_records import split_snippet


def shown(text: str, query: str) -> tuple[str, list[str]]:
    """The snippet as the search screen shows it, and its highlighted parts."""
    plain, spans = split_snippet(snippet(text, query.split()))
    return plain, [plain[start:end] for start, end in spans]


def test_a_short_text_is_shown_whole_with_its_matches_highlighted() -> None:
    assert shown("The heron waits by the river.", "heron river") == (
        "The heron waits by the river.",
        ["heron", "river"],
    )


def test_a_long_text_is_cut_where_the_query_words_meet() -> None:
    text = "heron " + "filler " * 200 + "a grey heron stands in the river at dawn " + "end " * 50
    plain, highlighted = shown(text, "heron river")
    assert plain.startswith("…") and plain.endswith("…")
    assert "a grey heron stands in the river at dawn" in plain
    assert highlighted == ["heron", "river"]
    assert len(plain.strip("…").split()) == SNIPPET_WORDS


def test_the_last_word_is_a_prefix_the_others_whole_words() -> None:
    """As the query is: results follow typing, so the word being typed may be unfinished."""
    plain, highlighted = shown("A category of cats: binary cat search.", "cat bin")
    assert highlighted == ["bin", "cat"]
    assert "binary" in plain


def test_case_and_accents_fold_as_the_index_does() -> None:
    plain, highlighted = shown("Her RÉSUMÉ lists Zürich and São Paulo.", "resume zurich sao")
    assert plain == "Her RÉSUMÉ lists Zürich and São Paulo."
    assert highlighted == ["RÉSUMÉ", "Zürich", "São"]


def test_folding_keeps_every_offset() -> None:
    text = "İstanbul ß Æsir ﬁle Ångström"
    assert len(fold(text)) == len(text)
    assert fold("ÉCOLE Ångström") == "ecole angstrom"


def test_an_answer_holding_the_word_everywhere_gives_one_short_snippet() -> None:
    """FTS5's own snippet() took minutes on this (see the module)."""
    plain, highlighted = shown("word " * 200_000, "word")
    assert plain.endswith("…") and not plain.startswith("…")
    assert highlighted == ["word"] * SNIPPET_WORDS


def test_markup_and_escapes_in_the_text_stay_text() -> None:
    plain, highlighted = shown("[bold]heron[/bold] \x1b[31mred\x1b[0m", "heron")
    assert "\x1b" not in plain
    assert highlighted == ["heron"]


def test_no_word_found_shows_the_start() -> None:
    plain, highlighted = shown("Nothing here matches. " * 20, "zebra")
    assert plain.startswith("Nothing here") and plain.endswith("…")
    assert highlighted == []
