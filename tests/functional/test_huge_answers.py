"""Huge answers end to end against the loopback emulator: one huge open block (a code fence or
a list still streaming) is drawn with its settled pieces frozen, ending exactly as a render of
the whole text at once; a 1 MB answer ends complete and scrollable."""

from __future__ import annotations

import re

import pytest
from support.chat_driver import answers, finish, make_app, send, until

from gemtui.ui.app import GemtuiApp
from gemtui.ui.render.chat_items import AnswerItem
from gemtui.ui.render.lines import markdown, render_lines, trim_blank
from gemtui.ui.widgets.conversation import GUTTER

SIZE = (100, 30)


def content_width(app: GemtuiApp) -> int:
    return app.view.scrollable_content_region.width - GUTTER


def at_once(app: GemtuiApp, source: str) -> list:
    """The lines of ``source`` rendered whole, as one finished block."""
    ctx = app.view.render_context()
    return trim_blank(render_lines(markdown(source.rstrip(), ctx), content_width(app), ctx))


async def streaming_answer(pilot, prompt: str, lines: int) -> AnswerItem:
    """Send ``prompt`` and wait until its answer has ``lines`` lines of text, still open."""
    app = pilot.app
    await send(pilot, prompt, wait=False)
    while not answers(app) or answers(app)[-1].source.count("\n") < lines:
        await pilot.pause(0.01)
    return answers(app)[-1]


@pytest.mark.parametrize("kind", ["code", "list"])
async def test_a_huge_open_block_ends_as_rendered_at_once(emulator_factory, kind):
    emulator = emulator_factory(delay_ms=3, chunk_chars=150)
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        answer = await streaming_answer(pilot, f"!long {kind} 240 one block", 60)
        assert not answer.final and answer.blocks.open_kind == kind.replace("code", "fence")
        await finish(pilot)
        assert answer.final and len(answer.blocks.finished) == 1
        drawn = list(answer.render(content_width(app), app.view.render_context()))
        assert drawn == at_once(app, answer.source)
        assert len(drawn) >= 238  # the fence lines are not drawn


@pytest.mark.parametrize("kind", ["code", "list"])
async def test_frozen_chunks_of_an_open_block_are_not_rendered_again(emulator_factory, kind):
    emulator = emulator_factory(delay_ms=6, chunk_chars=150)
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        answer = await streaming_answer(pilot, f"!long {kind} 400 one block", 80)
        ctx, width = app.view.render_context(), content_width(app)
        # Each render freezes what a time slice allows; with the stream held back (nothing
        # is awaited here) a few renders freeze every settled piece.
        for _ in range(50):
            answer.settle()  # draw the open block now, not when its throttle next allows
            before = list(answer.render(width, ctx))
        grown = answer.source.count("\n") + 60
        while answer.source.count("\n") < grown and not answer.final:
            await pilot.pause(0.01)
        assert not answer.final, "the stream ended before the block grew"
        answer.settle()
        after = list(answer.render(width, ctx))
        assert len(after) > len(before)
        # The lines drawn before are the very same objects now, all but the last chunk's
        # worth (the open rest): frozen, not laid out again.
        kept = next(n for n, (old, new) in enumerate(zip(before, after, strict=False)) if old
                    is not new)  # fmt: skip
        assert kept >= len(before) - 25 >= 50
        await finish(pilot)


async def test_a_1_mb_answer_ends_complete_and_scrollable(emulator_factory):
    emulator = emulator_factory(chunk_chars=8192)
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "!size 1024 a very long report")
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "completed"
        (answer,) = answers(app)
        assert len(answer.copy_text()) >= 1024 * 1024
        # The text is held once: the step's, which the answer shows and its blocks are cut
        # from (a block is a place in it, read when it is drawn).
        (output,) = [
            step.step for step in turn.reply.state.steps if step.step.type == "model_output"
        ]
        assert answer.source is output.content[0].text and answer.blocks.fed is answer.source
        assert answer.blocks.finished[:2] == [
            "## Answer: a very long report",
            "You asked: " + (answer.source.split("You asked: ", 1)[1].split("\n", 1)[0]),
        ]
        view = app.view
        assert view.virtual_size.height > 20_000
        view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
        await pilot.pause()
        middle = [view.render_line(y).text for y in range(view.size.height)]
        assert any("Section" in line or "check" in line or "|" in line for line in middle)
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        bottom = [view.render_line(y).text for y in range(view.size.height)]
        assert any(line.strip() for line in bottom)


def screen(app: GemtuiApp) -> list[str]:
    return [app.view.render_line(y).text for y in range(app.view.size.height)]


async def test_a_long_answer_is_drawn_where_it_is_read_and_the_reader_keeps_their_place(
    emulator_factory,
):
    emulator = emulator_factory(chunk_chars=4096)
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "!size 256 a long report")
        (answer,) = answers(app)
        layout = answer._layout
        assert layout is not None
        drawn = sum(layout.exact(n) for n in range(len(layout.heights)))
        assert drawn < len(layout.heights) // 4  # what was on screen, not the whole report
        view = app.view
        view.scroll_to(y=view.max_scroll_y // 3, animate=False, immediate=True)
        # Not drawn yet there: the Markdown shows plain at first. Put a heading at the top.
        heading = next(y for y, line in enumerate(screen(app)) if line.strip().startswith("###"))
        view.scroll_to(y=view.scroll_y + heading, animate=False, immediate=True)
        top = screen(app)[0].strip()
        assert re.match(r"### Section \d+:", top)
        await pilot.pause(0.3)
        await until(pilot, lambda: not answer.pending, "the blocks on screen drawn")
        after = screen(app)
        assert after[0].strip() == top.removeprefix("### ")  # drawn, and still at the top
        assert not any(line.strip().startswith(("###", "```", "|---")) for line in after)


async def test_a_scroll_by_one_line_paints_one_new_line_on_a_tall_screen(emulator_factory):
    """The painted lines kept grow with the screen (issue 20, item 10: kept small on a small
    one): scrolling a tall pane by a line styles and joins only the line that came into view."""
    emulator = emulator_factory(chunk_chars=4096)
    app = make_app(emulator)
    async with app.run_test(size=(100, 90)) as pilot:
        await send(pilot, "!size 64 a long report")
        view = app.view
        view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
        await pilot.pause()
        [view.render_line(y) for y in range(view.size.height)]  # every line on screen painted
        view.scroll_up(animate=False, immediate=True)
        await pilot.pause()
        misses = view._painted.misses
        lines = [view.render_line(y) for y in range(view.size.height)]
        assert view.size.height > 80 and len(lines) == view.size.height
        assert view._painted.misses - misses <= 1
