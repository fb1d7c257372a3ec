"""F1 lists the keys in force: the focused pane's own and the app's before the text editor's."""

from __future__ import annotations

from support.chat_driver import make_app

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
