"""Managed agents (environment out, environment id in the status bar), the per-conversation tools
checklist (F7 and the palette toggles) and interaction ids (``i`` and the palette), against the
loopback emulator, reading what it received."""

from __future__ import annotations

import pytest
from support.chat_driver import FAKE_KEY, last_notification, make_app, open_id, send, until
from support.clipboard_capture import bare_terminal, capture
from textual.widgets import Input

from gemtui.api.client import InteractionsClient
from gemtui.config import Settings, load_settings
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.chat.commands import OFF, set_agent
from gemtui.ui.launch import DEMO_NOTICE
from gemtui.ui.render.chat_items import NoticeItem, UserItem
from gemtui.ui.screens.tools import ToolsScreen

AGENT = "deep-research-preview-04-2026"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture(autouse=True)
def _bare_terminal(monkeypatch) -> None:
    bare_terminal(monkeypatch)


def creates(emulator) -> list[dict]:
    return [
        r["body"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]


# ---------------------------------------------------------------------------------- agents


async def test_agent_turns_carry_an_environment_and_the_status_bar_shows_its_id(emulator):
    app = make_app(emulator, settings=ChatSettings(agent=AGENT))
    async with app.run_test(size=(100, 24)) as pilot:
        await send(pilot, "look around the sandbox")
        first = creates(emulator)[-1]
        assert first["agent"] == AGENT and "model" not in first
        assert first["environment"] == "remote"
        turn = app.conversation.turns[-1]
        environment = turn.reply.state.interaction.environment_id
        assert environment.startswith("env_")
        assert app.status.info.environment == environment
        assert environment in str(app.status.render())
        # The chained turn continues in the same environment.
        await send(pilot, "and now list the files")
        second = creates(emulator)[-1]
        assert second["previous_interaction_id"] == turn.reply.state.interaction.id
        assert second["environment"] == environment
        # With the agent off, model turns have no environment: the status bar says none.
        set_agent(app, OFF)  # /agent off
        await pilot.pause()
        assert app.status.info.environment == ""
        await send(pilot, "a plain model turn")
        assert app.status.info.environment == ""
        await pilot.press("ctrl+n")
        assert app.status.info.environment == ""


async def test_a_configured_environment_is_sent_as_is(emulator):
    settings = load_settings(environ={"GEMTUI_AGENT": AGENT, "GEMTUI_ENVIRONMENT": "env_mine"})
    assert settings.problems == []
    app = make_app(emulator, settings=settings.settings.to_chat_settings())
    async with app.run_test(size=(100, 24)) as pilot:
        await send(pilot, "work in my sandbox")
        assert creates(emulator)[-1]["environment"] == "env_mine"
        assert app.status.info.environment == "env_mine"


def test_the_environment_round_trips_through_the_settings():
    chat = Settings(agent=AGENT, environment="env_1").to_chat_settings()
    assert chat.environment == "env_1"
    assert Settings().with_chat_settings(chat).environment == "env_1"
    assert Settings(environment="").environment is None


async def test_model_requests_carry_no_environment(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "plain question")
        assert "environment" not in creates(emulator)[-1]
        assert app.status.info.environment == ""


# ---------------------------------------------------------------------------------- tools


async def test_f7_toggles_the_next_requests_tools_of_this_conversation_only(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        assert isinstance(app.screen, ToolsScreen)
        await pilot.press("space", "down", "down", "space", "escape")
        assert not isinstance(app.screen, ToolsScreen)
        assert app.conversation.settings.tools == [
            {"type": "google_search"},
            {"type": "url_context"},
        ]
        assert app.status.info.extras == "search+url"
        await send(pilot, "what is new today?")
        assert creates(emulator)[-1]["tools"] == [
            {"type": "google_search"},
            {"type": "url_context"},
        ]
        # The user's settings (what the config file holds) did not change.
        assert not app.user_settings.tools.google_search
        await pilot.press("f7", "space", "f7")
        await send(pilot, "and now?")
        assert creates(emulator)[-1]["tools"] == [{"type": "url_context"}]


async def test_function_tools_in_force_are_listed_and_can_be_switched_off_and_on(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "code_execution"}, WEATHER]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        screen = app.screen
        assert isinstance(screen, ToolsScreen)
        assert [choice.key for choice in screen.choices] == [
            "google_search", "code_execution", "url_context", "google_maps", "file_search",
            "computer_use", "retrieval", "function:get_weather",
        ]  # fmt: skip
        await pilot.press("end", "space", "escape")
        assert app.conversation.settings.tools == [{"type": "code_execution"}]
        # Switched off, it is still offered, and comes back whole.
        await pilot.press("f7", "end", "space", "escape")
        assert app.conversation.settings.tools == [{"type": "code_execution"}, WEATHER]


async def test_palette_toggles_a_built_in_tool(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("toggle_tool('code_execution')")
        await pilot.pause()
        assert last_notification(app) == "Code execution is on for this conversation."
        assert "code" in app.status.info.extras
        await send(pilot, "compute 2**100")
        assert creates(emulator)[-1]["tools"] == [{"type": "code_execution"}]
        await app.run_action("toggle_tool('code_execution')")
        assert app.conversation.settings.tools == [] and app.status.info.extras == ""


# ---------------------------------------------------------------------------------- ids


async def test_i_copies_the_interaction_id_of_the_selected_messages_turn(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first question")
        await send(pilot, "second question")
        first, second = (turn.reply.state.interaction.id for turn in app.conversation.turns)
        assert first != second
        await pilot.press("ctrl+l", "end", "i")
        assert copied == [second]
        assert last_notification(app) == (
            f"Interaction {second}: Copied {len(second)} B to the clipboard via OSC 52"
        )
        prompts = [i for i, item in enumerate(app.view.items) if isinstance(item, UserItem)]
        app.view.select(prompts[0])
        await pilot.press("i")
        app.view.select(prompts[0] + 1)
        await pilot.press("i")
        assert copied == [second, first, first]


async def test_a_turn_the_server_refused_has_no_id_to_copy(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault 400 refused")
        await pilot.press("ctrl+l", "end", "i")
        assert copied == []
        assert last_notification(app).startswith("No interaction id here")
        await app.run_action("copy_last_id")
        await pilot.pause()
        assert copied == []
        assert last_notification(app).startswith("No interaction id yet")
        app.view.add_item(NoticeItem(DEMO_NOTICE, level="info"))  # as --demo starts
        app.view.select(len(app.view.items) - 1)  # a message of no turn at all
        await pilot.press("i")
        assert last_notification(app) == "No interaction id here: this message belongs to no turn."


async def test_palette_copies_the_last_interaction_id(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await send(pilot, "!fault 400 refused")
        await app.run_action("copy_last_id")
        assert copied == [app.conversation.turns[0].reply.state.interaction.id]


async def test_the_settings_pane_sets_the_environment_of_the_next_agent_turn(emulator):
    app = make_app(emulator, settings=ChatSettings(agent=AGENT))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        app.screen.query_one("#environment", Input).value = "env_from_pane"
        await pilot.press("ctrl+s")
        assert app.conversation.settings.environment == "env_from_pane"
        await send(pilot, "carry on")
        assert creates(emulator)[-1]["environment"] == "env_from_pane"


def cancels(emulator) -> list[str]:
    return [
        r["path"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and r["path"].endswith("/cancel")
    ]


async def test_quitting_leaves_a_deep_research_run_going_and_escape_cancels_it(emulator, tmp_path):
    """Ctrl+Q while Deep Research streamed cancelled the run at the server, unasked: its
    work was lost. It now goes on there, kept pending for the next start; Escape, asked for,
    still cancels it."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, settings=ChatSettings(agent=AGENT), store=store)
    async with app.run_test(size=(100, 24)) as pilot:
        await send(pilot, "!slow 300 research the tides", wait=False)
        await until(pilot, lambda: app.conversation.turns and app.conversation.turns[-1]
                    .interaction_id, "the run to start")  # fmt: skip
        running = app.conversation.turns[-1].interaction_id
        before = len(cancels(emulator))
        app.exit()
        await pilot.pause()
    assert app.left_running == running
    assert len(cancels(emulator)) == before
    assert [run.interaction_id for run in store.pending_runs()] == [running]
    again = make_app(emulator, settings=ChatSettings(agent=AGENT))
    async with again.run_test(size=(100, 24)) as pilot:
        await send(pilot, "!slow 300 research the moon", wait=False)
        await until(pilot, lambda: again.conversation.turns and again.conversation.turns[-1]
                    .interaction_id, "the run to start")  # fmt: skip
        moon = again.conversation.turns[-1].interaction_id
        await pilot.press("escape")
        await until(pilot, lambda: any(moon in path for path in cancels(emulator)), "a cancel")


async def test_at_80_columns_the_status_bar_still_says_tools_are_on(emulator):
    """With three tools and a schema on, the part that says so was the first to go."""
    more = [{**WEATHER, "name": name} for name in ("failing_tool", "slow_tool")]
    settings = ChatSettings(
        tools=[WEATHER, *more],
        response_format={"type": "text", "mime_type": "application/json", "schema": {}},
    )
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.status.set(last_tokens=1234, total_tokens=56789)
        await pilot.pause()
        line = app.status.render_line(0).text
        assert "· get_weather+3 ·" in line, line
    wide = make_app(emulator, settings=settings)
    async with wide.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        line = wide.status.render_line(0).text
        assert "get_weather+failing_tool+slow_tool+schema" in line, line


async def test_a_prompt_read_back_from_the_server_is_copied_without_control_sequences(
    emulator, monkeypatch
):
    """A prompt another program sent holds what it likes: copied raw, its ESCs would run in
    the terminal it is pasted into (and ``ESC [201~`` ends a bracketed paste early)."""
    bare_terminal(monkeypatch)
    hostile = "inject \x1b[31mRED\x1b[0m \x1b]52;c;aGVsbG8=\x07 end\x1b[201~ \u202eafter\x08"
    async with InteractionsClient(api_key=FAKE_KEY, base_url=emulator.base_url) as client:
        stored = await client.create({"model": "gemini-3.6-flash", "input": hostile})
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        assert stored.id and await open_id(pilot, stored.id) is not None
        prompt = next(i for i, item in enumerate(app.view.items) if isinstance(item, UserItem))
        await pilot.press("ctrl+l")
        app.view.select(prompt)
        await pilot.press("y", "end", "y")
        assert copied[0] == "inject RED  end after"
        assert not any(set(text) & {"\x1b", "\x07", "\x08", "\u202e"} for text in copied)
        app.view.select(prompt)
        await pilot.press("e")  # the status bar names it cleaned, on one line
        assert app.chat.editing is not None and app.chat.editing.label == "inject RED end after"
