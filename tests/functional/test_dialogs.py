"""Dialogs open once and give the focus back: every screen key pressed again (and the palette's
commands) never stacks a second copy, F1/F4/F7 close their own screen, and after any dialog
closes the keys typed go where they went before it opened, even when the terminal lost focus
meanwhile."""

from __future__ import annotations

import sys

import pytest
from support.chat_driver import make_app, notifications, palette, send
from support.cli_env import FAKE_KEY
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from gemtui.config import LoadedSettings, Settings
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.tools import FunctionTool
from gemtui.ui.app import GemtuiApp
from gemtui.ui.dialogs import OPEN_BELOW
from gemtui.ui.screens.approval import ApprovalScreen
from gemtui.ui.screens.branch_list import BranchListScreen
from gemtui.ui.screens.file_picker import FilePickerScreen
from gemtui.ui.screens.help_screen import HelpScreen
from gemtui.ui.screens.history_list import ConversationListScreen
from gemtui.ui.screens.history_search import SearchScreen
from gemtui.ui.screens.image_viewer import ImageViewerScreen
from gemtui.ui.screens.jobs import JobsScreen
from gemtui.ui.screens.open_by_id import OpenByIdScreen
from gemtui.ui.screens.settings import SettingsScreen
from gemtui.ui.screens.tools import ToolsScreen
from gemtui.ui.widgets.composer import Composer


def stack(app: GemtuiApp) -> list[type[Screen]]:
    return [type(screen) for screen in app.screen_stack[1:]]


async def close_all(pilot: Pilot) -> None:
    while len(pilot.app.screen_stack) > 1:
        await pilot.press("escape")
        await pilot.pause()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as opened:
        yield opened


# (key, the screen it opens, whether pressing it again closes it)
SCREEN_KEYS = [
    ("f2", SettingsScreen, False),
    ("ctrl+o", ConversationListScreen, False),
    ("ctrl+r", SearchScreen, False),
    ("f3", FilePickerScreen, False),
    ("f1", HelpScreen, True),
    ("f4", JobsScreen, True),
    ("f7", ToolsScreen, True),
]


@pytest.mark.parametrize(
    ("key", "screen", "toggles"), SCREEN_KEYS, ids=[k for k, *_ in SCREEN_KEYS]
)
async def test_a_screen_key_pressed_again_never_stacks_a_second_copy(
    emulator, store, key, screen, toggles
):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press(key)
        await pilot.pause()
        assert stack(app) == [screen]
        await pilot.press(key)
        await pilot.pause()
        assert stack(app) == ([] if toggles else [screen])
        await close_all(pilot)
        assert isinstance(app.focused, Composer)


async def test_palette_commands_do_not_open_a_dialog_that_is_open(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        for title, screen in [
            ("Settings", SettingsScreen),
            ("Conversation history", ConversationListScreen),
            ("Switch branch", BranchListScreen),
            ("Open an interaction by id", OpenByIdScreen),
        ]:
            await palette(pilot, title)
            assert stack(app) == [screen], title
            await palette(pilot, title)
            assert stack(app) == [screen], title
            await close_all(pilot)
        # Ctrl+P inside the palette opens no second palette either.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert len(app.screen_stack) == 2


async def test_a_dialog_open_below_another_is_not_opened_on_top_and_the_user_is_told(
    emulator, store
):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2", "f1")
        await pilot.pause()
        assert stack(app) == [SettingsScreen, HelpScreen]
        await pilot.press("f2")
        await pilot.pause()
        assert stack(app) == [SettingsScreen, HelpScreen]
        assert notifications(app)[-1] == OPEN_BELOW
        # The timeline is a pane of the chat: Ctrl+T over a dialog leaves it alone.
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.query_one("#timeline-pane").display
        await close_all(pilot)
        assert isinstance(app.focused, Composer)


async def test_the_image_viewer_opens_once(emulator):
    app = make_app(emulator, settings=ChatSettings(model="gemini-3-pro-image-preview"))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "a sunset")
        app.view.focus()
        app.view.select(len(app.view.items) - 1)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert stack(app) == [ImageViewerScreen]
        app.view.action_open_image()  # as if a second key reached the message list
        await pilot.pause()
        assert stack(app) == [ImageViewerScreen]


# ------------------------------------------------------------------ focus comes back

#: Dialogs by the action that opens them, as from a key or the palette.
DIALOG_ACTIONS = [
    "settings",
    "tools",
    "history",
    "search_history",
    "jobs",
    "help",
    "attach",
    "open_by_id",
    "switch_branch",
]


@pytest.mark.parametrize("action", DIALOG_ACTIONS)
async def test_focus_returns_to_the_prompt_when_a_dialog_opened_while_the_terminal_was_away(
    emulator, store, action
):
    """The terminal reports losing focus (Textual then clears the focus), a dialog opens
    before it reports getting it back; after the dialog the prompt has the keys again."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        assert isinstance(app.focused, Composer)
        app.post_message(events.AppBlur())
        await pilot.pause()
        await app.run_action(action)
        await pilot.pause()
        assert len(app.screen_stack) == 2
        app.post_message(events.AppFocus())
        await pilot.pause()
        await close_all(pilot)
        assert isinstance(app.focused, Composer)
        await pilot.press("y", "e", "s")
        assert app.composer.text == "yes"
        assert not any("Copied" in text for text in notifications(app))


async def test_focus_returns_to_the_messages_when_they_had_it(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.post_message(events.AppBlur())
        await pilot.pause()
        await app.run_action("tools")
        app.post_message(events.AppFocus())
        await pilot.pause()
        await close_all(pilot)
        assert app.focused is app.view


async def test_focus_returns_to_the_prompt_after_the_approval_dialog_of_a_turn(emulator, tmp_path):
    """The approval dialog opens by itself while the user is in another window."""
    tool = FunctionTool(
        name="get_weather",
        description="Weather of a place",
        parameters={"type": "object", "properties": {"location": {"type": "string"}}},
        command=[sys.executable, "-c", "print('{}')"],
    )
    settings = Settings.model_validate({"functions": [tool]})
    loaded = LoadedSettings(settings=settings, path=tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.focused, Composer)
        app.post_message(events.AppBlur())
        await pilot.pause()
        app.send("weather in Paris?")
        for _ in range(2000):
            if isinstance(app.screen, ApprovalScreen):
                break
            await pilot.pause(0.005)
        assert isinstance(app.screen, ApprovalScreen)
        app.post_message(events.AppFocus())
        await pilot.pause()
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.focused, Composer)
        await pilot.press("y")
        assert app.composer.text == "y"


# ------------------------------------------------------------------ keys typed right behind


def burst(app: GemtuiApp, *keys: str) -> None:
    """Keys as a terminal sends them in one write (over SSH, tmux send-keys): all queued at
    once, none waiting for the one before to be handled."""
    named = {"space": " ", "slash": "/"}
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else named.get(key)))


async def test_keys_typed_right_behind_ctrl_r_go_into_the_search_not_the_prompt(emulator, store):
    """Ctrl+R acted only once it came back up from the prompt, after the keys behind it: they
    went into the prompt, and Enter sent "monad" as a prompt."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "what is a monad")
        burst(app, "ctrl+r", "m", "o", "n", "a", "d")
        await pilot.pause()
        await pilot.pause()
        assert stack(app) == [SearchScreen]
        assert app.screen.query_one(Input).value == "monad"
        assert app.composer.text == "" and len(app.conversation.turns) == 1


async def test_keys_typed_right_behind_ctrl_l_move_in_the_messages(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        burst(app, "ctrl+l", "up")
        await pilot.pause()
        assert app.focused is app.view and app.view.selected is not None
        assert app.composer.text == ""  # not the prompt's history


async def test_ctrl_r_in_vim_normal_mode_is_vims_redo(emulator, tmp_path):
    loaded = LoadedSettings(Settings(vim_mode=True), tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hello world", "escape", "b", "d", "w", "u")
        assert app.composer.text == "hello world"
        await pilot.press("ctrl+r")
        assert stack(app) == []
        assert app.composer.text == "hello "


async def test_keys_typed_right_behind_ctrl_f_go_into_the_find_bar(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        burst(app, "ctrl+f", "h", "e", "l")
        await pilot.pause()
        await pilot.pause()
        assert app.find_bar is not None and app.find_bar.field.value == "hel"
        assert app.composer.text == ""


async def test_keys_typed_right_behind_slash_in_the_messages_go_into_the_find_bar(emulator, store):
    """The messages' own keys act as they come back up to the App, after the keys behind them
    were handed to the messages too: those came back unhandled and were lost."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+l")
        burst(app, "slash", "h", "e", "l")
        await pilot.pause()
        await pilot.pause()
        assert app.find_bar is not None and app.find_bar.field.value == "hel"


async def test_keys_typed_right_behind_slash_in_the_timeline_go_into_its_filter(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+t")
        burst(app, "slash", "t", "h")
        await pilot.pause()
        await pilot.pause()
        assert app.timeline.filter_input.value == "th"
        assert app.timeline.rows.filter == "th"


async def test_ctrl_r_words_and_enter_in_one_burst_open_the_first_result(emulator, store):
    """Enter came before the results of what was typed, and did nothing."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "what is a monad")
        await pilot.press("ctrl+n")
        burst(app, "ctrl+r", "m", "o", "n", "a", "d", "enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert stack(app) == []
        assert [turn.asked.prompt for turn in app.conversation.turns] == ["what is a monad"]


async def test_editing_keys_in_a_burst_act_in_the_order_typed(emulator, store):
    """The prompt's own bindings (Left, Ctrl+U) acted once they came back up to the App, after
    the letters behind them: Left then X put the X at the end, Ctrl+U deleted what followed."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "a", "b", "left", "X")
        await pilot.pause()
        await pilot.pause()
        assert app.composer.text == "aXb"
        burst(app, "end", "ctrl+u", "f", "i", "r", "s", "t")
        await pilot.pause()
        await pilot.pause()
        assert app.composer.text == "first"


async def test_keys_typed_right_behind_e_on_a_prompt_go_into_the_prompt(emulator, store):
    """``e`` asks for the edit with a message, one step after the letters behind it."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+l", "home")  # the prompt "hello"
        burst(app, "e", "space", "t", "h", "e", "r", "e")
        for _ in range(3):
            await pilot.pause()
        assert app.chat.editing is not None
        assert app.composer.text == "hello there"


async def test_a_paste_between_keys_of_a_burst_lands_between_them(emulator, store):
    """A bracketed paste was handed on at once, ahead of keys still waiting in front of it:
    ``a``, Left, ``b`` and a paste gave "abX" instead of "bXa"."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "a", "left", "b")
        app.post_message(events.Paste("X"))
        burst(app, "end", "c")
        for _ in range(3):
            await pilot.pause()
        assert app.composer.text == "bXac"


async def test_keys_typed_right_behind_escape_of_a_dialog_go_into_the_prompt(emulator, store):
    """Escape closes the dialog, and the field it was handed to goes with it: the letters
    behind it wait for that, then go to the prompt, which has the focus again."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_open_by_id()
        await pilot.pause()
        assert stack(app) == [OpenByIdScreen]
        burst(app, "x", "escape", "h", "i")
        await pilot.pause(0.6)
        await pilot.pause()
        assert stack(app) == []
        assert app.composer.text == "hi"
