"""Streaming Markdown into blocks: the blocks are the same whatever pieces the text comes in,
and inside an open code fence no block starts until the fence closes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gemtui.core.markdown_blocks import IncrementalBlocks, split_blocks


def code(count: int) -> str:
    return "".join(f"x_{n} = {n} * 2  # line {n}\n" for n in range(count))


def test_inside_an_open_fence_no_block_starts_until_it_closes():
    blocks = IncrementalBlocks()
    blocks.feed("Intro.\n\n```\n")
    for n in range(300):
        assert blocks.feed(f"# not a heading {n}\n\n- nor a list\n") == []
    assert blocks.feed("```\n\nAfter.\n") != []
    assert blocks.finished[-1].startswith("```") and blocks.finished[-1].endswith("```")
    assert blocks.tail == "After.\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=40))
def test_streamed_in_any_pieces_the_blocks_are_those_of_the_whole_text(cuts):
    from gemtui.emulator.markdown import answer

    text = answer("blocks", size_kb=6) + "\n```python\n" + code(80) + "```\n\nThe end.\n"
    blocks = IncrementalBlocks()
    at = 0
    for size in cuts:
        blocks.feed(text[at : at + size])
        at += size
    blocks.feed(text[at:])
    blocks.close()
    assert blocks.finished == split_blocks(text)
