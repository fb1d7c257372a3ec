"""The view goes to a new answer and follows it, whatever message was selected before; the
status bar's "▼ N new lines below (End)" always shows whole at 80 columns; End in the prompt
goes to the newest output."""

from __future__ import annotations

from support.chat_driver import finish, make_app, send, until
from textual import events
from textual.pilot import Pilot

from gemtui.ui.app import GemtuiApp

LONG = "!slow 30 !size 3 tell me everything"


def at_bottom(app: GemtuiApp) -> bool:
    view = app.view
    return view.scroll_y >= view.max_scroll_y - 1


def status_line(app: GemtuiApp) -> str:
    """The status bar as painted."""
    return app.status.render_line(0).text


async def chat_of_three(pilot: Pilot) -> None:
    for word in ("one", "two", "three"):
        await send(pilot, f"prompt {word}")


async def test_sending_after_selecting_an_older_message_follows_the_new_answer(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await chat_of_three(pilot)
        await pilot.press("ctrl+l", "home")
        await pilot.pause()
        assert app.view.selected == 0 and not at_bottom(app)
        await pilot.press("escape")
        await send(pilot, "prompt four")
        assert at_bottom(app)
        assert app.view.selected is None
        last = len(app.view.items) - 1
        # Back in the messages, Up starts at the newest message, not next to the old one: the
        # selection does not pull the view back up.
        await pilot.press("ctrl+l", "up")
        await pilot.pause()
        assert app.view.selected == last
        assert app.view.scroll_y > app.view.max_scroll_y - app.view.size.height


async def test_the_view_follows_a_streaming_answer_sent_after_scrolling_up(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await chat_of_three(pilot)
        await pilot.press("ctrl+l", "home", "escape")
        await pilot.pause()
        await send(pilot, LONG, wait=False)
        await until(pilot, lambda: len(app.view.items) > 8 and app.view.max_scroll_y > 60, "text")
        assert app.status.info.new_below == 0
        await until(pilot, lambda: not app.busy, "the end of the answer")
        await finish(pilot)
        assert at_bottom(app) and app.status.info.new_below == 0


async def test_new_lines_below_show_whole_at_80_columns_and_end_in_the_prompt_goes_there(
    emulator,
):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await chat_of_three(pilot)
        # A busy status bar: tools, background runs, an edit, big token counts.
        app.status.set(extras="search+code+url+system+schema", jobs_running=2)
        await send(pilot, LONG, wait=False)
        await until(pilot, lambda: len(app.view.items) > 8, "the answer")
        # The reader scrolls up while it streams: the view stops following.
        app.post_message(events.Key("ctrl+l", None))
        await until(pilot, lambda: app.view.has_focus, "the messages")
        app.post_message(events.Key("home", None))
        await until(pilot, lambda: app.status.info.new_below > 0, "new lines below")
        await pilot.pause()
        shown = status_line(app)
        count = app.status.info.new_below
        assert f"▼ {count} new line" in shown and "below (End)" in shown, shown
        assert len(shown.rstrip()) <= 80
        await until(pilot, lambda: not app.busy, "the end of the answer")
        await finish(pilot)
        assert not at_bottom(app)
        shown = status_line(app)
        assert f"▼ {app.status.info.new_below} new lines below (End)" in shown, shown
        # End from the prompt (empty, or with the cursor at the end of its line) goes there.
        await pilot.press("escape")
        app.composer.load_text("draft")
        app.composer.move_cursor((0, 2))
        await pilot.press("end")
        assert app.composer.cursor_location == (0, 5) and not at_bottom(app)
        await pilot.press("end")
        await pilot.pause()
        assert at_bottom(app)
        assert app.status.info.new_below == 0
        assert app.focused is app.composer and app.composer.text == "draft"


async def test_the_newest_lines_stay_in_view_when_the_prompt_grows(emulator):
    """Ctrl+J in the prompt made the pane shorter, and the answer's last lines went out of
    view below, with nothing saying so."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await chat_of_three(pilot)
        assert at_bottom(app)
        height = app.view.size.height
        await pilot.press("a", "ctrl+j", "ctrl+j", "ctrl+j", "b")
        await pilot.pause()
        assert app.view.size.height < height
        assert at_bottom(app)
        # A reader scrolled up stays where they are.
        app.view.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        await pilot.press("ctrl+u")  # the prompt shrinks back
        await pilot.pause()
        assert app.view.scroll_y == 0


async def test_up_and_down_read_through_a_message_taller_than_the_view(emulator):
    """Down on the last message, taller than the view, flipped the view between its start
    and its end; Up now reads a tall message back to its start before going on."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first")
        await send(pilot, "tell me all of it")
        view = app.view
        last = len(view.items) - 1
        top, height = view._offsets[last], view._heights[last]
        assert height > view.scrollable_content_region.height + 10
        await pilot.press("ctrl+l", "up")  # the newest message, shown at its end
        seen = []
        for _ in range(4):
            await pilot.press("down")
            seen.append((view.selected, view.scroll_y))
        assert seen == [(last, view.max_scroll_y)] * 4
        while view.selected == last:
            await pilot.press("up")
            seen.append((view.selected, view.scroll_y))
        reading = [y for selected, y in seen[4:] if selected == last]
        assert reading == sorted(reading, reverse=True) and len(set(reading)) == len(reading)
        assert reading[-1] == top  # read back to its start, a page at a time
        assert view.selected == last - 1
        await pilot.press("down")  # back to it: its start shows
        assert (view.selected, view.scroll_y) == (last, top)


async def test_ctrl_end_in_the_messages_goes_to_the_newest_output(emulator):
    """The README gives Ctrl+End from the messages as from the prompt; it did nothing there."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await chat_of_three(pilot)
        await pilot.press("ctrl+l", "home")
        await pilot.pause()
        assert not at_bottom(app)
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert at_bottom(app)
