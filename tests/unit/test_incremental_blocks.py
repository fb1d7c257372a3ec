"""The streaming block split: fed in any pieces, it ends with the blocks of a full parse, and
a huge open block is not parsed whole again on every fragment (parsing resumes after its
settled pieces)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemtui.core.markdown_blocks import IncrementalBlocks, split_blocks
from gemtui.emulator.markdown import long_block

TRICKY = (
    "intro\n\n- a\n- b\n-\n---\n- c\n* d\n+ e\n\n  more\n\n        code\n- f\n\n\nnext\n\n"
    "  ```py\n  x = 1\n   y\n  ```\nz\n\n~~~~\na\n~~~\nb\n~~~~~\n"
    "- d\n  ---\n- e\n> q\n- f\n1. g\n- h\n===\n```\n\n\n```\n```py\n    ```\nx\n````\n```"
)
TEXTS = [TRICKY, long_block("code", 120), long_block("list", 120)]


def fed(text: str, cuts: list[int]) -> IncrementalBlocks:
    blocks = IncrementalBlocks()
    start = 0
    for cut in sorted({*cuts, len(text)}):
        blocks.feed(text[start:cut])
        start = cut
    return blocks


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TEXTS), st.lists(st.integers(0, 4000), max_size=200))
def test_any_split_of_the_stream_ends_with_the_full_parse(text, cuts):
    blocks = fed(text, [cut for cut in cuts if cut < len(text)])
    blocks.close()
    assert blocks.finished == split_blocks(text)


def test_an_open_fence_settles_every_complete_line():
    text = long_block("code", 50)
    blocks = fed(text[: text.index("\n", 600) + 3], [])
    lines = blocks.tail.split("\n")
    assert blocks.open_kind == "fence"
    assert blocks.settled == len(lines) - 1  # all but the line still coming


def test_an_open_list_settles_every_item_but_the_last():
    text = long_block("list", 40)
    blocks = fed(text, list(range(0, len(text), 37)))
    assert blocks.open_kind == "list"
    assert blocks.item_starts == list(range(39))
    assert blocks.settled == 39  # the last item may still grow
    assert blocks.finished == []


def test_inside_an_open_fence_no_block_starts_until_it_closes():
    blocks = IncrementalBlocks()
    blocks.feed("Intro.\n\n```\n")
    for n in range(300):
        assert blocks.feed(f"# not a heading {n}\n\n- nor a list\n") == []
    assert blocks.feed("```\n\nAfter.\n") != []
    assert blocks.finished[-1].startswith("```") and blocks.finished[-1].endswith("```")
    assert blocks.tail == "After.\n"


def test_blocks_are_places_in_the_one_text_fed():
    blocks = fed(TRICKY, list(range(0, len(TRICKY), 7)))
    blocks.close()
    assert blocks.fed == TRICKY and blocks.finished == split_blocks(TRICKY)
    assert blocks.finished[-1] == split_blocks(TRICKY)[-1]
    with pytest.raises(IndexError):
        blocks.finished[len(blocks.finished)]
    # The same text held elsewhere (the step's) replaces the copy fed, blocks unchanged.
    final = "".join(list(TRICKY))
    assert final is not blocks.fed
    blocks.adopt(final)
    assert blocks.fed is final and blocks.finished == split_blocks(TRICKY)
    with pytest.raises(ValueError):
        blocks.adopt(TRICKY + "more")


def test_a_whole_text_splits_as_one_parse():
    text = "Intro [d].\n\nMore.\n\n[d]: https://x.y\n"
    whole = IncrementalBlocks.whole(text)
    assert whole.finished == split_blocks(text) and whole.tail == "" and whole.fed is text
