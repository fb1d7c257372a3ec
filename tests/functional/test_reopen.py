"""Reopening in the real app: a recording replayed, an interaction opened by id, and errors."""

from __future__ import annotations

from pathlib import Path

from support.chat_driver import answers, detail_text, make_app, notices, open_id, replay, send
from support.cli_env import FAKE_KEY
from support.rawserver import ScriptedServer, reply, sse_event, stream

from gemtui.api.client import InteractionsClient
from gemtui.core.assembler import assembled_interaction
from gemtui.core.conversation import ChatSettings
from gemtui.core.recording import load_recording
from gemtui.emulator.run import RunningEmulator
from gemtui.ui.app import Connection, GemtuiApp, recordings_dir
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.reopen_launch import ReopenApp

SEARCH = ChatSettings(tools=[{"type": "google_search"}])


def conversation_items(app: GemtuiApp) -> list[tuple[str, str]]:
    return [(type(item).__name__, item.copy_text()) for item in app.view.items]


def timeline_rows(app: GemtuiApp, turn: int = 0) -> list[tuple[str, list[str]]]:
    """Each step row's type with the labels of its events, as the timeline built them."""
    return [
        (row.type_name, [event.label for event in row.events])
        for row in app.timeline.rows.step_rows(turn)
    ]


async def stored_interaction_id(emulator: RunningEmulator, prompt: str) -> str:
    """A stored interaction made on the emulator by a live turn of the app."""
    app = make_app(emulator)
    async with app.run_test() as pilot:
        await send(pilot, prompt)
        interaction_id = app.conversation.turns[0].reply.state.interaction.id
    assert interaction_id
    return interaction_id


async def test_a_recording_replays_to_the_same_items_and_timeline_as_the_live_run(emulator):
    live = make_app(emulator, settings=SEARCH)
    async with live.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Who won the match?")
        await pilot.press("ctrl+s")
        live_items = conversation_items(live)
        live_rows = timeline_rows(live)
        live_turn = live.conversation.turns[0]
    (saved,) = recordings_dir().glob("*.jsonl")
    recording = load_recording(saved)

    replayed = make_app(emulator)
    async with replayed.run_test(size=(120, 40)) as pilot:
        turn = await replay(pilot, recording)
        assert conversation_items(replayed) == live_items
        assert timeline_rows(replayed) == live_rows
        assert "google_search_call" in [kind for kind, _events in live_rows]
        assert replayed.timeline.turn_at(0).title == "Who won the match?"
        assert turn.reply.outcome == live_turn.reply.outcome == "completed"
        assert (
            assembled_interaction(turn.reply.state).to_wire()
            == assembled_interaction(live_turn.reply.state).to_wire()
        )
        # The replayed turn is a turn like any other: the chat goes on from it.
        assert replayed.conversation.previous_interaction_id == live_turn.interaction_id


async def test_a_paced_replay_started_with_the_app_fills_the_panes(emulator, tmp_path):
    live = make_app(emulator)
    async with live.run_test() as pilot:
        await send(pilot, "Tell me a story")
        await pilot.press("ctrl+s")
        live_items = conversation_items(live)
    (saved,) = recordings_dir().glob("*.jsonl")
    recording = load_recording(saved)

    app = ReopenApp(live.connection, opener=lambda app: app.replay(recording, 1000))
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert conversation_items(app) == live_items
        assert app.conversation.turns[0].reply.outcome == "completed"
        assert not app.busy


async def test_show_by_id_shows_the_prompt_the_answer_and_the_event_timeline(emulator):
    interaction_id = await stored_interaction_id(emulator, "What is a step timeline?")
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        turn = await open_id(pilot, interaction_id)
        assert turn is not None and turn.reply.outcome == "completed"
        user = [item for item in app.view.items if isinstance(item, UserItem)]
        assert [item.prompt for item in user] == ["What is a step timeline?"]
        (answer,) = answers(app)
        assert answer.final and answer.copy_text().strip()
        assert not notices(app)
        shown = app.timeline.turn_at(0)
        state, timings = shown.reply.state, shown.reply.timings
        assert shown.title == "What is a step timeline?"
        assert timings is not None and timings.status_code == 200
        kinds = [kind for kind, _events in timeline_rows(app)]
        assert kinds == ["thought", "model_output"]
        answer_events = timeline_rows(app)[1][1]
        assert answer_events[0] == "step.start model_output"
        assert "step.delta text" in answer_events and answer_events[-1] == "step.stop"
        assert state.events[0].event_type == "interaction.created"
        assert app.conversation.previous_interaction_id == interaction_id
        # Its times are the fetch's, and say so; the run's own span comes from the server's.
        await pilot.press("ctrl+t")
        await pilot.pause()
        facts = detail_text(app)
        assert "fetched by id: HTTP 200" in " ".join(facts.split())
        assert "at the server (created" in " ".join(facts.split())


async def test_show_started_with_the_app_opens_the_interaction(emulator):
    interaction_id = await stored_interaction_id(emulator, "Open me at start")

    base = make_app(emulator)
    app = ReopenApp(base.connection, opener=lambda app: app.open_interaction(interaction_id))
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.view.items[0], UserItem)
        assert app.view.items[0].prompt == "Open me at start"
        assert answers(app)
        assert app.composer.has_focus


async def test_an_unknown_id_gives_a_clear_error_notice(emulator):
    app = make_app(emulator)
    async with app.run_test() as pilot:
        assert await open_id(pilot, "v1_no-such-interaction") is None
        (notice,) = notices(app)
        assert notice.level == "error"
        assert "not found" in notice.message and "v1_no-such-interaction" in notice.message
        assert "expired" in notice.hint
        assert not app.conversation.turns
        assert app.timeline.rows.turn_count == 0
        # The app is still usable.
        await send(pilot, "still there?")
        assert answers(app)


async def test_when_the_stream_cannot_be_fetched_the_steps_come_from_get(emulator):
    interaction_id = await stored_interaction_id(emulator, "Keep my steps")
    async with InteractionsClient(api_key="k", base_url=emulator.base_url) as client:
        stored = (await client.get(interaction_id)).to_wire()
    not_found = {
        "error": {"code": "not_found", "message": "Failed to get completed interaction."},
        "event_type": "error",
    }
    async with ScriptedServer(reply(200, stored), stream([sse_event(not_found)])) as server:
        app = GemtuiApp(Connection(base_url=server.base_url, api_key=FAKE_KEY))
        async with app.run_test(size=(120, 40)) as pilot:
            turn = await open_id(pilot, interaction_id)
            assert [request.query.get("stream") for request in server.requests] == [None, ["true"]]
            assert turn is not None and turn.reply.outcome == "completed"
            (notice,) = notices(app)
            assert "could not be streamed again" in notice.message
            assert "Failed to get completed interaction." in notice.message
            (answer,) = answers(app)
            output = [step for step in stored["steps"] if step["type"] == "model_output"]
            assert answer.copy_text() == output[0]["content"][0]["text"]
            steps = assembled_interaction(turn.reply.state).to_wire()["steps"]
            assert steps == stored["steps"][1:]
            assert [kind for kind, _events in timeline_rows(app)] == ["thought", "model_output"]
            assert turn.reply.state.interaction.usage.to_wire() == stored["usage"]


async def test_a_second_reopen_waits_for_the_running_turn(emulator):
    interaction_id = await stored_interaction_id(emulator, "one at a time")
    app = make_app(emulator)
    async with app.run_test() as pilot:
        first = app.run_turn(app.chat.open_interaction(interaction_id))
        second = app.run_turn(app.chat.open_interaction(interaction_id))
        assert first is not None and second is None
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.conversation.turns) == 1


async def test_a_replayed_function_call_runs_no_local_tool(emulator, tmp_path):
    """Replaying a recording that ends in a call to a configured tool must not run it."""
    import sys
    from pathlib import Path

    from gemtui.config import LoadedSettings, Settings
    from gemtui.core.tools import FunctionTool
    from gemtui.ui.screens.approval import ApprovalScreen

    ran = tmp_path / "ran"
    tool = FunctionTool(
        name="get_weather",
        command=[sys.executable, "-c", f"open({str(ran)!r}, 'w').write('x')"],
        allow=True,
    )
    recording = load_recording(Path(__file__).parent.parent / "fixtures" / "function_call.jsonl")
    connection = Connection(base_url=emulator.base_url, api_key=FAKE_KEY, demo=True)
    loaded = LoadedSettings(
        settings=Settings.model_validate({"functions": [tool]}), path=tmp_path / "config.toml"
    )
    app = GemtuiApp(connection, loaded=loaded)
    mark = emulator.received_count()
    async with app.run_test(size=(100, 30)) as pilot:
        turn = await replay(pilot, recording)
        assert turn.reply.outcome == "requires_action"
        assert not isinstance(app.screen, ApprovalScreen)
        assert "does not run them" in notices(app)[-1].message
    assert not ran.exists()
    assert emulator.requests_since(mark) == []  # no results turn either


async def test_a_recording_cut_short_says_so_and_offers_no_f5(emulator, tmp_path):
    """It said "The stream was cut off. Press F5 to send the prompt again", and F5 then said
    there was nothing to retry: a recording is all there is."""
    live = make_app(emulator)
    async with live.run_test(size=(80, 24)) as pilot:
        await send(pilot, "tell me a story")
        await pilot.press("ctrl+s")
    (saved,) = recordings_dir().glob("*.jsonl")
    lines = saved.read_text().splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        turn = await replay(pilot, load_recording(cut))
        assert turn.reply.outcome == "interrupted"
        notice = notices(app)[-1]
        assert notice.message == "The recording stops here, before the interaction ended."
        assert "F5" not in notice.hint


def test_a_replay_with_no_key_does_not_say_it_needs_one(tmp_path, monkeypatch):
    """`gemtui replay FILE` opened with "No API key found, so gemtui is running on its
    built-in offline emulator", which reads as if the replay needed one."""
    from gemtui.core.recording import load_recording
    from gemtui.ui.launch import NO_KEY_NOTICE, REPLAY_NO_KEY_NOTICE
    from gemtui.ui.reopen_launch import run_replay

    said: list[str] = []

    class NoticeApp(ReopenApp):
        def run(self, **options):  # type: ignore[override]
            said.append(self.connection.notice)
            return 0

    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("gemtui.ui.reopen_launch.ReopenApp", NoticeApp)
    recording = load_recording(
        Path(__file__).parent.parent / "fixtures" / "doc_text_with_thinking.jsonl"
    )
    assert run_replay([recording], speed=0, demo=False, config=tmp_path / "config.toml") == 0
    assert said == [REPLAY_NO_KEY_NOTICE] and said[0] != NO_KEY_NOTICE
