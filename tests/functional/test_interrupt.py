"""Ctrl+C cancels the running turn (as Escape does) instead of Textual's "Do you want to
quit?", from the prompt, the messages or the approval dialog; with nothing running it still
says how to quit."""

from __future__ import annotations

import sys

from support.chat_driver import finish, make_app, notices, notifications, send, until
from textual import events
from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from gemtui.config import LoadedSettings, Settings
from gemtui.core.tools import FunctionTool
from gemtui.ui.app import GemtuiApp
from gemtui.ui.screens.approval import ApprovalScreen


async def streaming(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    await until(pilot, lambda: app.conversation.turns[-1].reply.state.events, "the stream")


def press(app: GemtuiApp, key: str) -> None:
    """A key as the terminal sends it; ``Pilot.press`` waits for the app to go idle, which a
    streaming turn does not until it ends."""
    app.post_message(events.Key(key, None))


async def ended(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    await until(pilot, lambda: not app.busy, "the end of the turn")
    await finish(pilot)


def quit_hints(app: GemtuiApp) -> list[str]:
    return [text for text in notifications(app) if "to quit" in text]


async def test_ctrl_c_while_a_turn_streams_cancels_it_and_keeps_the_partial_answer(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!slow 100 tell me a long story", wait=False)
        await streaming(pilot)
        press(app, "ctrl+c")
        await ended(pilot)
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "cancelled"
        assert turn.reply.state.events
        assert quit_hints(app) == []
        # Nothing runs now: Ctrl+C says how to quit, as Textual does, and the app stays.
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert len(quit_hints(app)) == 1 and "ctrl+q" in quit_hints(app)[0]
        assert app.is_running


async def test_ctrl_c_cancels_from_the_messages_too(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await send(pilot, "!slow 100 another story", wait=False)
        await streaming(pilot)
        press(app, "ctrl+l")
        await until(pilot, lambda: app.view.has_focus, "the messages")
        press(app, "ctrl+c")
        await ended(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        assert quit_hints(app) == []


async def test_ctrl_c_in_the_approval_dialog_closes_it_and_runs_nothing(emulator, tmp_path):
    marker = tmp_path / "ran"
    tool = FunctionTool(
        name="get_weather",
        description="Weather of a place",
        parameters={"type": "object", "properties": {"location": {"type": "string"}}},
        command=[sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x'); print('{{}}')"],
    )
    settings = Settings.model_validate({"functions": [tool]})
    loaded = LoadedSettings(settings=settings, path=tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "weather in Paris?", wait=False)
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the dialog")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: not isinstance(app.screen, ApprovalScreen), "the dialog gone")
        await ended(pilot)
        assert not isinstance(app.screen, ApprovalScreen)
        assert not app.busy
        assert app.conversation.turns[-1].reply.outcome != "completed"
        assert not marker.exists()
        assert quit_hints(app) == []
        # The chat ended on the unanswered calls with nothing said.
        assert [n.message for n in notices(app)][-1] == "Cancelled: the function calls did not run."


async def test_while_a_turn_runs_the_status_bar_says_escape_cancels_and_the_footer_is_still(
    emulator,
):
    """Escape's Cancel is said in the status bar, not the footer: the footer is not rebuilt
    twice a turn (that cost the start of each answer tens of milliseconds)."""
    app = make_app(emulator)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        keys_before = list(footer.query(FooterKey))
        assert keys_before
        assert "Esc cancels" not in str(app.status.render())
        await send(pilot, "!slow 100 a long story", wait=False)
        await streaming(pilot)
        await until(pilot, lambda: "Esc cancels" in str(app.status.render()), "the hint")
        assert "Cancel" not in " ".join(str(key.description) for key in footer.query(FooterKey))
        press(app, "escape")
        await ended(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        assert "Esc cancels" not in str(app.status.render())
        assert list(footer.query(FooterKey)) == keys_before  # the same widgets throughout
