"""Lines of parts parted by " · " in a narrow width (the timeline's turn headings)."""

from __future__ import annotations

from gemtui.ui.widgets.status_fit import LinePart, fit_parts

TOKENS = [
    LinePart("tokens in 247", 6),
    LinePart("out 255", 6),
    LinePart("thought 24", 3),
    LinePart("cached 0", 2),
    LinePart("tool 0", 1),
    LinePart("total 526", 7),
]


def test_parts_go_whole_the_least_needed_first_with_an_ellipsis_in_their_place():
    whole = "tokens in 247 · out 255 · thought 24 · cached 0 · tool 0 · total 526"
    assert fit_parts(TOKENS, 80) == whole.ljust(80)
    assert fit_parts(TOKENS, 60).rstrip() == "tokens in 247 · out 255 · thought 24 · … · total 526"
    # A part less needed does not come back where a more needed one could not.
    assert fit_parts(TOKENS, 50).rstrip() == "tokens in 247 · out 255 · … · total 526"
    assert fit_parts(TOKENS, 30).rstrip() == "tokens in 247 · … · total 526"
    for width in range(1, 80):
        assert len(fit_parts(TOKENS, width)) == width


def test_words_may_be_cut_short_but_figures_never():
    parts = [LinePart("▸ Turn 1", 9), LinePart("total 948.7ms", 7), LinePart("«owls»", 0)]
    assert fit_parts(parts, 28).rstrip() == "▸ Turn 1 · total 948.7ms · …"
    title = [*parts[:2], LinePart("«a long title about owls»", 0, cut=True)]
    assert fit_parts(title, 36).rstrip() == "▸ Turn 1 · total 948.7ms · «a long…"
    # Too little room for a useful piece of it: the title goes whole.
    assert fit_parts(title, 30).rstrip() == "▸ Turn 1 · total 948.7ms · …"
