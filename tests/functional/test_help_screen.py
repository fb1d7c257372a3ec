"""F1 lists the keys in force: the focused pane's own and the app's before the text editor's."""

from __future__ import annotations

from support.chat_driver import make_app, send
from textual.pilot import Pilot

from gemtui.ui.screens.help_screen import HelpScreen


def titles(screen: HelpScreen) -> list[str]:
    return [section.title for section in screen.sections]


async def test_f1_orders_our_keys_before_the_editors_and_toggles(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert titles(screen)[:2] == ["Prompt", "gemtui"]
        assert titles(screen)[-1] == "Text editor"
        app_keys = dict((what, keys) for keys, what in screen.sections[1].rows)
        assert app_keys["Regenerate"] == "f8"
        # Keyboard-scrollable: the table is taller than the screen.
        scroll = screen.query_one("#help-scroll")
        assert scroll.has_focus and scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)

        await send(pilot, "something to select")  # an empty chat keeps the prompt's keys
        await pilot.press("ctrl+l", "f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert titles(screen)[:2] == ["Messages", "gemtui"]
        assert "Text editor" not in titles(screen)
        pane_keys = dict((what, keys) for keys, what in screen.sections[0].rows)
        assert pane_keys["Edit"] == "e"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_f1_over_the_background_runs_names_its_sections_as_a_reader_would(emulator):
    """F1 in F4 said "Jobs Screen" and "Data Table (built in)"."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f4", "f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        shown = titles(screen)
        assert "Background runs" in shown and "List (built in)" in shown
        assert not [title for title in shown if "Screen" in title or "Data Table" in title]


async def test_the_palette_offers_gemtuis_keys_not_textuals_side_panel(emulator):
    """Textual's "Keys" opened a side panel that Escape and F1 did not close."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and "Show keys" in titles


def rows_of(screen: HelpScreen, title: str) -> dict[str, str]:
    """description -> keys, in the section called ``title``."""
    section = next(section for section in screen.sections if section.title == title)
    return {what: keys for keys, what in section.rows}


def every_row(screen: HelpScreen) -> list[tuple[str, str]]:
    return [row for section in screen.sections for row in section.rows]


async def f1_over(pilot: Pilot, *keys: str) -> HelpScreen:
    """Press ``keys`` (to open a pane), then F1; the key list it opened."""
    await pilot.press(*keys, "f1")
    screen = pilot.app.screen
    assert isinstance(screen, HelpScreen)
    return screen


async def test_f1_in_the_find_bar_lists_its_arrows_not_the_fields_scrolling(emulator):
    """The field's ↑↓ "Scroll Up/Down" cannot scroll and pass the keys on to the bar: F1
    listed them (and Enter as "Submit") and left out what the bar does with them."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await f1_over(pilot, "ctrl+f")
        find = rows_of(screen, "Find Bar")
        assert find["Next match"] == "⏎ ↓" and find["Previous match"] == "shift+⏎ ↑"
        descriptions = {what for _, what in every_row(screen)}
        assert not descriptions & {"Scroll Up", "Scroll Down", "Submit"}


async def test_f1_in_the_file_picker_and_templates_lists_the_arrows_that_choose(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await f1_over(pilot, "f3")
        picker = rows_of(screen, "File Picker")
        assert picker["Next"] == "↓" and picker["Previous"] == "↑"
        assert "Scroll Down" not in {what for _, what in every_row(screen)}
        screen = await f1_over(pilot, "escape", "escape", "alt+t")
        assert rows_of(screen, "Template")["Next template"] == "↓"
        assert "Scroll Down" not in {what for _, what in every_row(screen)}


async def test_f1_in_the_prompt_lists_what_the_prompt_does_with_its_keys(emulator):
    """Enter, Ctrl+J, Up/Down at the edges, @, Ctrl+X Ctrl+E and End were missing, and
    Ctrl+C read "Copy" where, with nothing selected, it cancels the running answer."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        prompt = rows_of(screen, "Prompt")
        assert screen.sections[0].rows[0] == ("⏎", "Send (with the attachments)")
        assert prompt["New line"] == "^j"
        assert prompt["At the first line: older prompt"] == "↑"
        assert prompt["At the last line: newer prompt"] == "↓"
        assert prompt["At the end of the line: newest output"] == "end"
        assert prompt["At a word's start: attach a file or URL (as F3)"] == "@"
        assert prompt["The prompt in your editor (as ^g)"] == "^x ^e"
        app_keys = rows_of(screen, "gemtui")
        assert app_keys["Cancel the running answer (idle: how to quit)"] == "^c"
        ctrl_c = {what for keys, what in every_row(screen) if keys.startswith("^c")}
        assert not ctrl_c & {"Copy", "Copy selected text"}  # only with a selection
        await pilot.press("escape", "ctrl+l", "f1")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert rows_of(screen, "gemtui")["Cancel the running answer (idle: how to quit)"] == "^c"
