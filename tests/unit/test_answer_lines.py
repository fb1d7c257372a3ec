"""A long answer's lines: each block has a height (estimated until it is rendered), only blocks
that are new or seen get rendered, and only a bounded number of rendered lines is kept; the
sequence the pane reads is the same line for line as the answer rendered whole."""

from __future__ import annotations

import gc
import weakref

from rich.console import Console
from rich.style import Style
from textual.strip import Strip

from gemtui.core.markdown_blocks import split_blocks
from gemtui.ui.render import answer_lines
from gemtui.ui.render.answer_lines import (
    BLANK_LINE,
    AnswerLines,
    BlockLayout,
    plain_height,
    plain_lines,
)
from gemtui.ui.render.chat_items import AnswerItem
from gemtui.ui.render.lines import RenderContext, markdown, render_lines, trim_blank

WIDTH = 60


def context(rows: int = 0) -> RenderContext:
    return RenderContext(
        console=Console(width=WIDTH, color_system=None),
        code_theme="monokai",
        style=lambda _name: Style(),
        rows=rows,
    )


def rendered(block: str) -> list[Strip]:
    ctx = context()
    return trim_blank(render_lines(markdown(block, ctx), WIDTH, ctx))


def report(sections: int) -> str:
    """A long Markdown answer: headings, paragraphs that wrap, lists and code."""
    parts = []
    for n in range(sections):
        parts.append(f"## Section {n}")
        parts.append(f"Paragraph {n} " + "with words that wrap across lines " * 4)
        parts.append(f"- point {n}.a\n- point {n}.b")
        parts.append(f"```\ncode {n}\n```")
    return "\n\n".join(parts)


class Counting:
    """A block renderer that counts what it renders."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, block: str) -> list[Strip]:
        self.calls.append(block)
        return rendered(block)


def test_plain_lines_are_as_tall_as_the_estimate() -> None:
    for text in ["", "short", "x" * 150, "a\n\nb" + "y" * 61, "line\n" * 3]:
        assert len(plain_lines(text, WIDTH)) == plain_height(text, WIDTH)


def test_a_block_has_an_estimated_height_until_it_is_rendered() -> None:
    blocks = split_blocks(report(3))
    layout = BlockLayout(WIDTH, Counting())
    layout.sync(blocks)
    assert list(layout.heights) == [plain_height(block, WIDTH) for block in blocks]
    assert not any(layout.exact(n) for n in range(len(blocks)))
    lines = layout.draw(1)
    assert layout.exact(1) and layout.heights[1] == len(lines) == len(rendered(blocks[1]))


def test_starts_handed_out_never_change() -> None:
    blocks = split_blocks(report(2))
    layout = BlockLayout(WIDTH, Counting())
    layout.sync(blocks)
    before = layout.starts
    snapshot = list(before)
    for n in range(len(blocks)):
        layout.draw(n)
    assert (
        list(before) == snapshot
    )  # an earlier AnswerLines still reads the layout it was made from
    after = layout.starts
    assert list(after[1:]) == [sum(layout.heights[: n + 1]) + n + 1 for n in range(len(blocks))]


def test_a_block_seen_plain_is_wanted_and_drawn_first() -> None:
    blocks = split_blocks(report(4))
    renderer = Counting()
    layout = BlockLayout(WIDTH, renderer)
    layout.sync(blocks)
    assert layout.lines_of(2) == plain_lines(blocks[2], WIDTH)
    layout.lines_of(5, keep=False)  # read by find: neither kept nor wanted
    assert layout.wanted == {2}
    layout.fill(until=0.0, newest=range(0), rows=0)  # no time left: one block all the same
    assert renderer.calls == [blocks[2]] and not layout.wanted


def test_only_a_screenful_of_new_blocks_is_rendered() -> None:
    blocks = split_blocks(report(20))
    renderer = Counting()
    layout = BlockLayout(WIDTH, renderer)
    layout.sync(blocks)
    layout.fill(until=float("inf"), newest=range(len(blocks)), rows=12)
    drawn = [n for n in range(len(blocks)) if layout.exact(n)]
    assert drawn and drawn[-1] == len(blocks) - 1  # the newest, newest first
    assert (
        sum(plain_height(blocks[n], WIDTH) + 1 for n in drawn[1:])
        < 12
        <= sum(plain_height(blocks[n], WIDTH) + 1 for n in drawn)
    )


def test_kept_lines_are_bounded_and_let_go_blocks_render_again(monkeypatch) -> None:
    monkeypatch.setattr(answer_lines, "CACHE_LINES", 30)
    blocks = split_blocks(report(15))
    renderer = Counting()
    layout = BlockLayout(WIDTH, renderer)
    layout.sync(blocks)
    for n in range(len(blocks)):
        layout.draw(n)
    kept = sum(len(layout.lines_of(n)) for n in range(len(blocks) - 3, len(blocks)))
    assert kept <= 30
    renderer.calls.clear()
    again = layout.lines_of(0)
    assert renderer.calls == [blocks[0]]  # let go, so rendered again, as tall as before
    assert len(again) == layout.heights[0]


def test_answers_share_the_kept_lines_and_a_gone_answer_is_not_kept_alive(monkeypatch) -> None:
    """Reading a second answer lets go of the first one's lines (one bound for all answers:
    a chat's long answers scrolled away hold nothing), and the lines kept never keep an
    answer that is gone."""
    monkeypatch.setattr(answer_lines, "CACHE_LINES", 40)
    blocks = split_blocks(report(6))
    first_renderer, second_renderer = Counting(), Counting()
    first, second = BlockLayout(WIDTH, first_renderer), BlockLayout(WIDTH, second_renderer)
    first.sync(blocks)
    second.sync(blocks)
    first.draw(0)
    first_renderer.calls.clear()
    first.lines_of(0)
    assert first_renderer.calls == []  # kept
    for n in range(len(blocks)):
        second.draw(n)
    first.lines_of(0)
    assert first_renderer.calls == [blocks[0]]  # the second answer's lines pushed it out
    gone = weakref.ref(second)
    del second
    gc.collect()
    assert gone() is None


def test_the_lines_read_as_the_answer_rendered_whole() -> None:
    blocks = split_blocks(report(5))
    layout = BlockLayout(WIDTH, rendered)
    layout.sync(blocks)
    for n in range(len(blocks)):
        layout.draw(n)
    head, tail = rendered("picture"), rendered("Sources")
    lines = AnswerLines(head, layout, tail)
    expected = [*head, BLANK_LINE]
    for n, block in enumerate(blocks):
        expected += rendered(block) + ([BLANK_LINE] if n < len(blocks) - 1 else [])
    expected += [BLANK_LINE, *tail]
    assert len(lines) == len(expected)
    assert [line.text for line in lines] == [line.text for line in expected]
    assert [lines[n].text for n in range(len(lines))] == [line.text for line in expected]
    assert [line.text for line in lines[-3:]] == [line.text for line in expected[-3:]]


def test_a_line_keeps_its_place_when_a_block_above_gets_its_height() -> None:
    soft = "one\ntwo\nthree"  # three plain lines, one rendered (soft line breaks)
    blocks = [soft, "text", soft, "the last block\nsoftly broken\n\nof two paragraphs"]
    layout = BlockLayout(WIDTH, rendered)
    layout.sync(blocks)
    layout.draw(len(blocks) - 1)
    before = AnswerLines([], layout, [])
    y = before._starts[len(blocks) - 1] + 1  # the second line of the last block
    text = before[y].text
    anchor = before.anchor(y)
    for n in range(len(blocks) - 1):  # heights above change
        layout.draw(n)
    after = AnswerLines([], layout, [])
    moved = after.locate(anchor)
    assert moved is not None and moved != y
    assert after[moved].text == text


def test_a_long_final_answer_renders_only_what_is_seen() -> None:
    item = AnswerItem()
    text = report(400)  # longer than DRAW_ALL_CHARS
    item.feed(text)
    item.finish()
    ctx = context(rows=20)
    lines = item.render(WIDTH, ctx)
    layout = item._layout
    assert layout is not None
    drawn = [n for n in range(len(layout.heights)) if layout.exact(n)]
    assert 0 < len(drawn) < 10
    assert "code 399" in [lines[n].text.strip() for n in range(len(lines) - 3, len(lines))]
    assert not item.pending
    # The top comes into view: drawn plain at first, then wanted and rendered.
    assert lines[0].text.strip() == "## Section 0"
    assert item.pending
    again = item.render(WIDTH, ctx)
    assert "Section 0" in again[0].text and "##" not in again[0].text
    assert not item.pending


def test_a_late_link_definition_ends_in_the_blocks_of_a_whole_parse() -> None:
    item = AnswerItem()
    for piece in ["See [the docs][d] for more.\n\n", "Next paragraph.\n\n", "[d]: https://x.y"]:
        item.feed(piece)
    streamed = list(item.blocks.finished)
    item.finish()
    assert item.blocks.finished == split_blocks(item.source) != [*streamed, "[d]: https://x.y"]


def test_a_short_final_answer_is_drawn_whole_while_idle() -> None:
    item = AnswerItem()
    item.feed(report(40))
    item.finish()
    ctx = context(rows=10)
    item.render(WIDTH, ctx)
    layout = item._layout
    assert layout is not None and layout.rough > 0 and item.pending  # more to draw when idle
    for _ in range(len(layout.heights)):
        if not item.pending:
            break
        item.render(WIDTH, ctx)
    assert layout.rough == 0 and not item.pending
    assert list(layout.heights) == [len(rendered(block)) for block in layout.blocks]
