"""Which theme the app starts with."""

from __future__ import annotations


def test_sixteen_colour_terminals_get_the_ansi_theme_unless_one_was_chosen():
    from gemtui.config import DEFAULT_THEME
    from gemtui.ui.app import pick_theme

    assert pick_theme(DEFAULT_THEME, "standard") == "ansi-dark"
    assert pick_theme(DEFAULT_THEME, "truecolor") == DEFAULT_THEME
    assert pick_theme("nord", "standard") == "nord"
