"""A long block that is still streaming is drawn in pieces (issue 20, item 8): the pieces are
cut where nothing before them can change, they read as the whole block does, each finished
piece is rendered once, and the answer once finished is drawn from the whole block."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemtui.core.markdown_blocks import (
    FROZEN_LINES,
    IncrementalBlocks,
    open_block_pieces,
    split_blocks,
)
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render import chat_items
from gemtui.ui.render.chat_items import AnswerItem

WIDTH = 90


def code(count: int) -> str:
    return "".join(f"x_{n} = {n} * 2  # line {n}\n" for n in range(count))


def ordered(count: int) -> str:
    return "".join(f"{n + 1}. Item number {n + 1}, with *some* words\n" for n in range(count))


def bullets(count: int) -> str:
    return "".join(f"- Point {n}, with **some** words\n  and a second line\n" for n in range(count))


def test_an_open_fence_is_cut_every_so_many_complete_lines():
    block = "```python\n" + code(2 * FROZEN_LINES + 10) + "x_last = 1"
    kind, pieces = open_block_pieces(block)
    assert kind == "fence" and len(pieces) == 3
    assert all(p.startswith("```python\n") for p in pieces)
    assert [p.endswith("\n```") for p in pieces] == [True, True, False]  # the last stays open
    assert pieces[-1].endswith("x_last = 1")
    joined = "".join(p.removeprefix("```python\n").removesuffix("```") for p in pieces)
    assert joined == block.removeprefix("```python\n")


def test_a_list_is_cut_between_its_items_and_short_or_closed_blocks_are_not():
    block = ordered(3 * FROZEN_LINES)
    kind, pieces = open_block_pieces(block)
    assert kind == "list" and len(pieces) >= 3
    assert pieces[1].startswith(f"{FROZEN_LINES + 1}. ")  # numbering goes on
    assert "\n".join(pieces) == block.rstrip("\n")
    assert open_block_pieces(ordered(10)) is None
    closed = "```\n" + code(3 * FROZEN_LINES) + "```"
    assert open_block_pieces(closed) is None
    assert open_block_pieces("A paragraph\n" * (2 * FROZEN_LINES)) is None


def test_inside_an_open_fence_no_block_starts_until_it_closes():
    blocks = IncrementalBlocks()
    blocks.feed("Intro.\n\n```\n")
    for n in range(300):
        assert blocks.feed(f"# not a heading {n}\n\n- nor a list\n") == []
    assert blocks.feed("```\n\nAfter.\n") != []
    assert blocks.finished[-1].startswith("```") and blocks.finished[-1].endswith("```")
    assert blocks.tail == "After.\n"


@pytest.fixture(params=["default theme", "monokai"])
async def context(request):
    """The pane's render context; with monokai, code blocks have a background of their own
    (and keep their padding lines), with the default ANSI theme they do not."""
    app = GemtuiApp(Connection(base_url="http://127.0.0.1:9", api_key="k", demo=True))
    async with app.run_test(size=(WIDTH, 30)):
        ctx = app.view.render_context()
        if request.param != "default theme":
            ctx = dataclasses.replace(ctx, code_theme=request.param)
        yield ctx


def streamed(text: str, ctx, step: int = 7) -> tuple[AnswerItem, list[str]]:
    """Feed ``text`` a few lines at a time, rendering after each feed; the last render's
    lines as text."""
    item = AnswerItem()
    lines = text.splitlines(keepends=True)
    shown = []
    for start in range(0, len(lines), step):
        item.feed("".join(lines[start : start + step]))
        shown = [line.text for line in item.render(WIDTH, ctx)]
    return item, shown


@pytest.mark.parametrize(
    "body", ["```python\n" + code(200), bullets(120), ordered(200)], ids=["fence", "list", "1."]
)
async def test_a_long_open_block_reads_as_the_whole_block_does(context, body, monkeypatch):
    monkeypatch.setattr(chat_items, "TAIL_COST_FACTOR", 0.0)  # render on every feed
    _item, in_pieces = streamed("Intro.\n\n" + body, context)
    whole = AnswerItem()
    whole.feed("Intro.\n\n" + body)
    monkeypatch.setattr(chat_items, "open_block_pieces", lambda _block: None)
    at_once = [line.text for line in whole.render(WIDTH, context)]
    if body.startswith("1."):
        # Each piece of an ordered list sets its numbers to the width of its own last one
        # (the final drawing is of the whole list): the same lines, aligned a column apart.
        in_pieces, at_once = [t.strip() for t in in_pieces], [t.strip() for t in at_once]
    assert in_pieces == at_once


async def test_finished_pieces_are_rendered_once_and_the_end_result_is_the_whole_block(
    context, monkeypatch
):
    monkeypatch.setattr(chat_items, "TAIL_COST_FACTOR", 0.0)
    rendered: list[str] = []
    real = chat_items.markdown

    def counting(source, ctx):
        rendered.append(source)
        return real(source, ctx)

    monkeypatch.setattr(chat_items, "markdown", counting)
    body = "```python\n" + code(300)
    item, _shown = streamed(body, context)
    frozen = [s for s in rendered if s.endswith("\n```")]
    assert frozen and len(frozen) == len(set(frozen))  # each finished piece once
    item.feed("```\n")
    item.finish()
    final = [line.text for line in item.render(WIDTH, context)]
    assert rendered[-1] == body + "```"  # drawn from the whole block once it is final
    assert sum(1 for line in final if "x_" in line) == 300


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
