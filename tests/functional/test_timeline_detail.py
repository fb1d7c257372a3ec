"""The timeline's detail pane in the app: its title is one clean row that repaints whole (a
multi-line prompt left stale characters behind), it shows the selected row as soon as the
timeline opens, and Ctrl+T closes the timeline from the detail too."""

from __future__ import annotations

from support.chat_driver import make_app, send

from gemtui.core.conversation import ChatSettings
from gemtui.core.timeline_rows import StepRow, TurnRow
from gemtui.ui.app import GemtuiApp

PROMPT = "first line of a prompt\n\tsecond line after a tab\nthird"


def detail_rows(app: GemtuiApp) -> list[str]:
    detail = app.step_detail
    return [detail.render_line(y).text for y in range(detail.size.height)]


def assert_clean_rows(app: GemtuiApp) -> None:
    """Every painted row of the detail is exactly as wide as the pane and moves no cursor."""
    detail = app.step_detail
    for y in range(detail.size.height):
        strip = detail.render_line(y)
        assert strip.cell_length == detail.size.width
        assert not any(ch in strip.text for ch in "\n\r\t\x1b"), repr(strip.text)


async def test_the_detail_title_of_a_multi_line_prompt_is_one_clean_row(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, PROMPT)
        await pilot.press("ctrl+t", "home")
        await pilot.pause()
        rows = detail_rows(app)
        assert rows[0].rstrip() == ("turn «first line of a prompt second line after a tab third»")
        assert_clean_rows(app)
        # Down to the next row (an event), back up to the turn: each title replaces the last
        # one whole.
        await pilot.press("down")
        await pilot.pause()
        assert detail_rows(app)[0].startswith("event 0 · interaction.created")
        assert_clean_rows(app)
        await pilot.press("up")
        await pilot.pause()
        assert detail_rows(app)[0].startswith("turn «first line")
        assert_clean_rows(app)


async def test_a_long_prompt_is_cut_in_the_title(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "word " * 60)
        await pilot.press("ctrl+t")
        await pilot.pause()
        title = detail_rows(app)[0].rstrip()
        assert title.startswith("turn «word word") and title.endswith("…»")
        assert detail_rows(app)[1].startswith("id ")  # the title took one row


async def test_the_detail_shows_the_last_turn_when_the_timeline_opens(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "the first prompt")
        await send(pilot, "the second prompt")
        await pilot.press("ctrl+t")
        await pilot.pause()
        selected = app.timeline.list.selected
        assert isinstance(selected, TurnRow) and selected.turn == 1
        assert detail_rows(app)[0].startswith("turn «the second prompt»")
        # The conversation stays where it was (at the newest output): opening is not choosing.
        assert app.view.selected is None
        # A row chosen before is shown again the next time the timeline opens.
        app.timeline.select(1, 0)  # the second turn's first step
        await pilot.pause()
        assert isinstance(app.timeline.list.selected, StepRow)
        chosen = detail_rows(app)[0]
        assert chosen.startswith("step #")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.query_one("#timeline-pane").display
        app.step_detail.clear()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert detail_rows(app)[0] == chosen


async def test_ctrl_t_closes_the_timeline_from_its_detail(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("tab")  # from the list to the detail
        await pilot.pause()
        assert app.focused is app.step_detail
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.query_one("#timeline-pane").display
        assert app.focused is app.composer


async def test_a_turns_facts_count_in_words_and_fold_between_words(emulator):
    """At 80 columns the facts ran into the pane's edge and were cut anywhere ("· sta" /
    "tus completed"); one step read "1 steps"."""
    # A speech model answers in one step (the audio), with no thought before it.
    app = make_app(emulator, settings=ChatSettings(model="gemini-3.8-flash-tts"))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "say hello")
        await pilot.press("ctrl+t", "home")
        await pilot.pause()
        detail = app.step_detail
        rows = [detail.line_text(n) for n in range(detail.virtual_size.height)]
        facts = rows[1 : rows.index("")]
        assert any(row.startswith("1 step · ") for row in facts), facts
        words = " ".join(facts).split()
        for row in facts:  # each row ends and starts with a whole word
            assert all(word in words for word in row.split()), row
