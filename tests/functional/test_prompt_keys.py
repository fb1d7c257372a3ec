"""Keys of the prompt from other tools: scrolling the conversation without leaving the prompt,
find in the conversation (Ctrl+F), vim keys, and the prompt in an editor when none is set."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from support.chat_driver import make_app, notifications, send, until
from textual.pilot import Pilot

from gemtui.config import LoadedSettings, Settings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.widgets.find_bar import FindBar


async def tall_chat(pilot: Pilot) -> None:
    """Enough answers that the conversation is several screens tall."""
    for number in range(3):
        await send(pilot, f"question {number} !size 2")
    assert pilot.app.view.max_scroll_y > 40


async def test_the_conversation_scrolls_while_the_prompt_keeps_the_focus(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await tall_chat(pilot)
        view = app.view
        bottom = view.max_scroll_y
        assert view.scroll_y == bottom
        await pilot.press("pageup")
        assert view.scroll_y < bottom
        # Blocks that come into view are drawn a moment later, keeping the top line in place.
        await until(pilot, lambda: not any(item.pending for item in view.items), "drawn")
        paged = view.scroll_y
        await pilot.press("shift+up")
        # One line up; the block that comes into view at the top is then drawn and may be a
        # line shorter than its plain text, which keeps the reader in the same block.
        assert paged - 2 <= view.scroll_y < paged
        await pilot.press("shift+down", "pagedown")
        assert view.scroll_y == view.max_scroll_y  # blocks drawn since may have moved it
        await pilot.press("ctrl+home")
        assert view.scroll_y == 0
        await pilot.press("ctrl+end")
        assert view.scroll_y == view.max_scroll_y
        assert app.focused is app.composer  # never left it
        assert app.composer.text == ""


async def test_the_scroll_keys_are_remappable(emulator, tmp_path: Path):
    settings = Settings(keymap={"composer.scroll_page_up": "f12"})
    loaded = LoadedSettings(settings, tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await tall_chat(pilot)
        bottom = app.view.scroll_y
        await pilot.press("f12")
        assert app.view.scroll_y < bottom


def match_styles(app: GemtuiApp) -> tuple[Style, Style]:
    view = app.view
    return (
        view.get_component_rich_style("conversation--match"),
        view.get_component_rich_style("conversation--match-current"),
    )


def highlighted(app: GemtuiApp) -> list[tuple[str, str]]:
    """The marked text on screen, as (``current``/``other``, text), top to bottom."""
    other, current = match_styles(app)
    found = []
    for y in range(app.view.scrollable_content_region.height):
        for segment in app.view.render_line(y):
            style = segment.style
            if style is None or style.bgcolor is None:
                continue
            if style.bgcolor == current.bgcolor and style.bold:
                found.append(("current", segment.text))
            elif style.bgcolor == other.bgcolor and style.underline:
                found.append(("other", segment.text))
    return found


def count(app: GemtuiApp) -> str:
    return str(app.query_one("#find-count").render())


async def test_find_highlights_counts_and_steps_through_what_is_shown(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Explain binary search")
        await send(pilot, "More on Binary trees")
        await pilot.press("ctrl+f")
        bar = app.query_one(FindBar)
        assert app.focused is bar.field
        await pilot.press(*"binary")
        total = len(app.view.finder.matches)
        assert total >= 4  # in both prompts and in the answers quoting them
        assert count(app) == f"1/{total}"
        assert ("current", "binary") in highlighted(app)
        await pilot.press("enter", "enter")
        assert count(app) == f"3/{total}"
        await pilot.press("shift+enter")
        assert count(app) == f"2/{total}"
        # A capital makes the search match case.
        bar.field.value = "Binary"
        await pilot.pause()
        assert 0 < len(app.view.finder.matches) < total
        assert all(text == "Binary" for _kind, text in highlighted(app))
        await pilot.press("escape")
        assert not bar.display
        assert app.view.finder is None
        assert highlighted(app) == []
        assert app.focused is app.composer  # back where it was


async def test_slash_n_and_shift_n_in_the_messages(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Explain binary search")
        await pilot.press("ctrl+l", "slash", *"search")
        total = len(app.view.finder.matches)
        assert total >= 2
        await pilot.press("escape")  # closes the bar; back in the messages
        assert app.focused is app.view
        await pilot.press("n")
        assert "finds text first" in notifications(app)[-1]
        await pilot.press("slash", *"search")
        app.view.focus()
        await pilot.press("n")
        assert count(app) == f"2/{total}"
        await pilot.press("N", "N")
        assert count(app) == f"{total}/{total}"  # wraps around


async def test_find_scrolls_to_each_match(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "needle first")
        for number in range(3):
            await send(pilot, f"filler {number} !size 2")
        await pilot.press("ctrl+f", *"needle")
        view = app.view
        match = view.finder.matches[view.finder.current]
        line = view._offsets[match.item] + match.line
        assert view.scroll_y <= line < view.scroll_y + view.scrollable_content_region.height


async def test_find_command_types_the_query(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Explain binary search")
        app.composer.load_text("/find binary")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(FindBar).field.value == "binary"
        assert count(app).startswith("1/")


async def test_vim_mode_from_the_settings_shows_its_mode_and_leaves_escape_to_the_app(
    emulator, tmp_path: Path
):
    loaded = LoadedSettings(Settings(vim_mode=True), tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.query_one("#composer-box")
        await pilot.pause()
        assert box.border_title == "vim: insert"
        await send(pilot, "an earlier prompt")
        await pilot.press(*"hello world", "escape")
        assert box.border_title == "vim: normal"
        await pilot.press("b", "d", "w")
        assert app.composer.text == "hello "
        await pilot.press("u")
        assert app.composer.text == "hello world"
        # Editing an earlier prompt: Escape in normal mode with nothing pending leaves it.
        await pilot.press("ctrl+l", "home", "e", "i")
        assert app.chat.editing is not None
        await pilot.press("escape")  # insert -> normal
        assert app.chat.editing is not None
        await pilot.press("escape")  # the app's: leave editing
        assert app.chat.editing is None
        assert app.composer.text == "hello world"
        await pilot.press("slash", *"vim", "escape")  # the list closes, then:
        app.composer.load_text("/vim")
        await pilot.press("enter")
        await pilot.pause()
        assert app.composer.vim is None
        assert box.border_title is None


async def test_enter_in_normal_mode_sends(emulator, tmp_path: Path):
    loaded = LoadedSettings(Settings(vim_mode=True), tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"send this", "escape", "enter")
        await pilot.app.workers.wait_for_complete()
        assert app.conversation.turns[-1].asked.prompt == "send this"


async def test_no_editor_set_is_said_and_the_draft_stays(emulator, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"my draft", "ctrl+g")
        assert notifications(app)[-1].startswith("No editor is set")
        assert app.composer.text == "my draft"


async def test_the_editor_cannot_take_over_a_session_without_a_terminal(emulator, monkeypatch):
    """The test driver (like a browser via --serve) cannot hand the terminal over."""
    monkeypatch.setenv("EDITOR", "true")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"my draft", "ctrl+x", "ctrl+e")
        assert "cannot hand the terminal" in notifications(app)[-1]
        assert app.composer.text == "my draft"
        await pilot.press("ctrl+x", "x")  # Ctrl+X then another key: the line is cut
        assert app.composer.text == "x"


async def test_editor_and_vim_keys_are_settings_of_f2(emulator, tmp_path: Path, monkeypatch):
    import tomllib

    from textual.widgets import Input, Switch

    from gemtui.ui.screens.settings import SettingsScreen

    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = make_app(emulator, loaded=LoadedSettings(Settings(), tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        await screen.mount_later_sections()
        screen.query_one("#editor", Input).value = "nano -w"
        screen.query_one("#vim_mode", Switch).toggle()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.user_settings.editor == "nano -w"
        assert app.composer.vim is not None
        assert app.query_one("#composer-box").border_title == "vim: insert"
    written = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    assert (written["editor"], written["vim_mode"]) == ("nano -w", True)


async def test_ctrl_g_while_an_answer_runs_says_to_press_it_again_later(emulator, monkeypatch):
    """It promised "The editor opens once the answer has ended", and nothing opened."""
    monkeypatch.setenv("EDITOR", "true")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!slow 200 take your time", wait=False)
        await until(pilot, lambda: app.busy, "the answer to start")
        await pilot.press(*"draft", "ctrl+g")
        assert notifications(app)[-1].startswith("Not while an answer runs: press Ctrl+G again")
        assert app.composer.text == "draft"
        await pilot.press("escape")
