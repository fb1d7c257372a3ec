"""How the chat looks at 80×24, in the default theme and in 16 colours (SVG snapshots).

Update after an intended change of look with `pytest tests/snapshots --snapshot-update`, and
look at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chat_driver import make_app, send
from support.streams import shown_turn

from gemtui.config import DEFAULT_THEME, Settings
from gemtui.core.recording import load_recording
from gemtui.core.replay import replay_instant
from gemtui.ui.app import GemtuiApp, pick_theme


@pytest.fixture(params=["truecolor", "standard"])
def color_system(request) -> str:
    """Textual reads TEXTUAL_COLOR_SYSTEM once, at import, and screenshots are always
    truecolour SVG; so the 16-colour case uses what the app picks for a "standard" console:
    the theme made of the terminal's 16 ANSI colours."""
    return request.param


def app_for(emulator, color_system: str) -> GemtuiApp:
    app = make_app(emulator)
    app.user_settings = Settings.model_validate({"theme": pick_theme(DEFAULT_THEME, color_system)})
    return app


def test_empty_chat(snap_compare, emulator, color_system):
    assert snap_compare(app_for(emulator, color_system), terminal_size=(80, 24))


def test_streamed_answer_with_code_and_table(snap_compare, emulator, color_system):
    async def ask(pilot):
        await send(pilot, "Explain binary search")

    assert snap_compare(app_for(emulator, color_system), terminal_size=(80, 24), run_before=ask)


def test_error_keeps_the_draft(snap_compare, emulator, color_system):
    async def fail(pilot):
        await send(pilot, "!fault 400 hello")

    assert snap_compare(app_for(emulator, color_system), terminal_size=(80, 24), run_before=fail)


FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_timeline_after_a_function_call_turn(snap_compare, emulator, color_system):
    """A recorded function-call turn (fixed offsets, so the times on screen never change)."""
    recording = load_recording(FIXTURES / "function_call.jsonl")

    async def open_timeline(pilot):
        app = pilot.app
        app.timeline.add_turn(
            shown_turn("What is the weather in Paris?", replay_instant(recording))
        )
        await pilot.press("ctrl+t", "down", "down", "down", "down")
        await pilot.pause()

    assert snap_compare(
        app_for(emulator, color_system), terminal_size=(80, 24), run_before=open_timeline
    )


def test_timeline_during_a_function_call_turn(snap_compare, emulator, color_system):
    """The same recording cut while the call's arguments are still streaming."""
    recording = load_recording(FIXTURES / "function_call.jsonl")
    cut = next(
        i
        for i, recorded in enumerate(recording.events)
        if recorded.event.get("delta", {}).get("type") == "arguments_delta"
    )
    recording.events = recording.events[: cut + 1]

    async def open_timeline(pilot):
        app = pilot.app
        app.timeline.add_turn(
            shown_turn("What is the weather in Paris?", replay_instant(recording))
        )
        await pilot.press("ctrl+t", "down", "down", "down", "down")
        await pilot.pause()

    app = app_for(emulator, color_system)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_timeline)


def test_settings_pane(snap_compare, emulator):
    async def open_settings(pilot):
        await pilot.press("f2")
        # The sections below the first screenful come right after the first frame; the
        # snapshot is of the pane once they are there.
        await pilot.app.screen.mount_later_sections()
        # A blinking cursor made the picture depend on when it was taken (it is on or off).
        pilot.app.screen.focused.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=open_settings)


def test_help_panel(snap_compare, emulator):
    assert snap_compare(make_app(emulator), terminal_size=(80, 24), press=["f1"])
