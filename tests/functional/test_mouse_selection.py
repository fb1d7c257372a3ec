"""Selecting text with the mouse in the conversation and the step detail, and copying it with
Ctrl+C: the real app on the loopback emulator, real mouse events from the pilot, and the OSC 52
bytes the copy writes. Lines are painted without the styles that carry Textual's selection
offsets (a memory cost, see ``gemtui.ui.widgets.line_view``); Textual still finds them."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from support.chat_driver import answers, last_notification, make_app, send
from support.clipboard_capture import bare_terminal, capture
from support.stored import write_chat
from textual.geometry import Offset, Region
from textual.strip import Strip

from gemtui.core.store import Store
from gemtui.core.wording import format_size
from gemtui.ui.widgets.conversation import GUTTER, ConversationView
from gemtui.ui.widgets.line_view import LineView

PROMPT = "Pick the 日本語 words out of this line, please"


@pytest.fixture(autouse=True)
def _bare_terminal(monkeypatch) -> None:
    bare_terminal(monkeypatch)


@asynccontextmanager
async def chat_after(emulator, prompt: str, size: tuple[int, int] = (80, 24)):
    """The app with ``prompt`` answered, its pilot, and what it copies from then on."""
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=size) as pilot:
        await send(pilot, prompt)
        yield app, pilot, copied


def painted(view: LineView) -> list[Strip]:
    """The pane's rows as a paint draws them."""
    return view.render_lines(Region(0, 0, view.size.width, view.size.height))


def shown(view: LineView) -> list[str]:
    return [strip.text for strip in painted(view)]


def text_rows(view: LineView, first: int = 0) -> list[int]:
    """Rows of the pane, from ``first``, that show some text."""
    rows = shown(view)
    return [y for y in range(first, len(rows)) if rows[y][GUTTER:].strip()]


async def drag(pilot, view: LineView, start: tuple[int, int], end: tuple[int, int]) -> None:
    await pilot.mouse_down(view, offset=start)
    await pilot.hover(view, offset=end)
    await pilot.mouse_up(view, offset=end)
    await pilot.pause()


def selection_background(view: LineView):
    return view.screen.get_component_rich_style("screen--selection").bgcolor


def selected_cells(strip: Strip, background) -> str:
    return "".join(
        segment.text for segment in strip if segment.style and segment.style.bgcolor == background
    )


async def test_a_drag_over_an_answer_copies_what_it_covers_and_shows_it_selected(emulator):
    async with chat_after(emulator, "Tell me about search !size 2") as (app, pilot, copied):
        view = app.view
        top = view._offsets[view.items.index(answers(app)[-1])]
        view.scroll_to(y=top, animate=False)
        await pilot.pause()
        first, second = text_rows(view)[:2]
        rows = shown(view)
        await drag(pilot, view, (GUTTER + 3, first), (GUTTER + 12, second))
        # The character under the pointer where the drag ends is in the selection.
        middle = [row[GUTTER:].rstrip() for row in rows[first + 1 : second]]
        expected = "\n".join(
            [rows[first][GUTTER + 3 :].rstrip(), *middle, rows[second][GUTTER : GUTTER + 13]]
        )
        assert app.screen.get_selected_text() == expected
        # Shown as selected: the rest of the first row, the start of the second.
        background = selection_background(view)
        strips = painted(view)
        rest = selected_cells(strips[first], background)  # to the end of the text's column
        assert rest.rstrip() == rows[first][GUTTER + 3 :].rstrip() and rest.endswith(" ")
        assert selected_cells(strips[second], background) == rows[second][GUTTER : GUTTER + 13]
        await pilot.press("ctrl+c")
        assert copied == [expected]
        assert last_notification(app) == (
            f"Selection: Copied {format_size(len(expected.encode()))} to the clipboard via OSC 52"
        )


async def test_painted_lines_carry_no_offsets_and_the_mouse_still_finds_them(emulator):
    async with chat_after(emulator, "hello") as (app, _, _):
        view = app.view
        for strip in painted(view):
            assert all(segment.style is None or segment.style.meta == {} for segment in strip)
        row = text_rows(view)[0]
        x, y = view.content_region.x + GUTTER + 4, view.content_region.y + row
        widget, offset = app.screen.get_widget_and_offset_at(x, y)
        assert widget is view
        assert offset == Offset(GUTTER + 4, view.scroll_offset.y + row)


async def test_wide_characters_are_selected_and_copied_whole(emulator):
    async with chat_after(emulator, PROMPT) as (app, pilot, copied):
        view = app.view
        view.scroll_home(animate=False)
        await pilot.pause()
        rows = shown(view)
        row = next(y for y, text in enumerate(rows) if "日本語" in text)
        # What comes before is narrow, so its characters are its cells; the three wide ones
        # take six cells, and the drag ends on the first cell of the third.
        column = rows[row].index("日")
        await drag(pilot, view, (column, row), (column + 4, row))
        assert app.screen.get_selected_text() == "日本語"
        assert selected_cells(painted(view)[row], selection_background(view)) == "日本語"
        await pilot.press("ctrl+c")
        assert copied == ["日本語"]


async def test_a_drag_over_the_step_detail_copies_its_json(emulator):
    async with chat_after(emulator, "hello", (100, 40)) as (app, pilot, copied):
        await pilot.press("ctrl+t", "home", "down")  # the first event: its JSON
        await pilot.pause()
        detail = app.step_detail
        rows = shown(detail)
        brace = next(y for y, text in enumerate(rows) if text.strip() == "{")
        await drag(pilot, detail, (0, brace), (8, brace + 2))
        lines = [rows[brace].rstrip(), rows[brace + 1].rstrip(), rows[brace + 2][:9]]
        expected = "\n".join(lines)
        assert app.screen.get_selected_text() == expected
        await pilot.press("ctrl+c")
        assert copied == [expected]


async def test_a_click_without_a_drag_copies_nothing_and_ctrl_c_keeps_its_other_job(emulator):
    async with chat_after(emulator, "hello") as (app, pilot, copied):
        view = app.view
        await pilot.click(view, offset=(GUTTER + 2, text_rows(view)[0]))
        await pilot.pause()
        assert not app.screen.selections
        await pilot.press("ctrl+c")
        assert copied == []
        assert isinstance(app.focused, ConversationView)
        assert "quit" in last_notification(app)  # with no turn running: how to quit


async def test_a_double_click_copies_every_message_as_its_markdown(emulator):
    async with chat_after(emulator, "first question") as (app, pilot, copied):
        await send(pilot, "second question")
        view = app.view
        await pilot.double_click(view, offset=(GUTTER + 2, text_rows(view)[0]))
        await pilot.pause()
        await pilot.press("ctrl+c")
        first, second = (answer.copy_text().strip() for answer in answers(app))
        assert copied == [f"first question\n\n{first}\n\nsecond question\n\n{second}"]


async def test_older_turns_read_in_above_drop_the_selection_they_would_shift(emulator, tmp_path):
    with Store(tmp_path / "history.sqlite3") as store:
        _, conversation_id = write_chat(store, [f"question {n}" for n in range(200)], tokens=10)
        app = make_app(emulator, store=store)
        copied = capture(app)
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_stored(conversation_id)
            await pilot.pause()
            view = app.view
            row = text_rows(view)[-1]
            await drag(pilot, view, (GUTTER, row), (GUTTER + 8, row))
            assert app.screen.get_selected_text()
            items = len(view.items)
            await pilot.press("ctrl+l", "home")  # to the top: older turns are read in above
            await pilot.pause()
            assert len(view.items) > items
            assert not app.screen.selections
            await pilot.press("ctrl+c")
            assert copied == []
