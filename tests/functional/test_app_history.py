"""What the app keeps: every turn in the history store, and recordings that replay the same."""

from __future__ import annotations

import json
import stat

from support.chat_driver import (
    FAKE_KEY,
    answers,
    finish,
    last_notification,
    make_app,
    notifications,
    send,
    until,
)

from gemtui.core.chat_history import ChatHistory
from gemtui.core.recording import load_recording
from gemtui.core.replay import replay_instant
from gemtui.core.store import Store
from gemtui.ui.app import data_dir, recordings_dir
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.screens.history_list import ConversationListScreen
from gemtui.ui.screens.history_search import SearchScreen


async def test_turns_are_saved_and_load_back_as_sent(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        await send(pilot, "What is my name?")
        await send(pilot, "!fault drop-after 9 and now?")
    summary = store.list_conversations()[0]
    assert summary.title == "My name is Ada"
    assert summary.turn_count == 3
    loaded = ChatHistory(store).open(summary.id, batch=50).conversation
    live = app.conversation.turns
    assert [t.reply.outcome for t in loaded.turns] == ["completed", "completed", "interrupted"]
    for stored, turn in zip(loaded.turns, live, strict=True):
        assert [s.step.to_wire() for s in stored.reply.state.steps] == [
            s.step.to_wire() for s in turn.reply.state.steps
        ]
    # The chain continues from the last good interaction.
    assert loaded.previous_interaction_id == live[1].interaction_id
    store.close()
    assert FAKE_KEY.encode() not in (tmp_path / "history.sqlite3").read_bytes()


async def test_saved_recording_replays_to_the_same_interaction(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Record this")
        await pilot.press("ctrl+s")
        saved = sorted(recordings_dir().glob("*.jsonl"))
        assert len(saved) == 1
        recording = load_recording(saved[0])
        assert recording.request["input"][0]["content"][0]["text"] == "Record this"
        live = app.conversation.turns[0].reply.state
        replayed = replay_instant(recording)
        assert [s.step.to_wire() for s in replayed.steps] == [s.step.to_wire() for s in live.steps]
        assert replayed.interaction.usage == live.interaction.usage
        assert FAKE_KEY not in saved[0].read_text()
        # It holds the prompts and answers: readable by its owner only, as an export is.
        assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600
        # Again with nothing new: no second copy. After a refused turn: says whose it saves.
        await pilot.press("ctrl+s")
        assert " events: saved already, nothing new since: " in last_notification(app)
        assert len(sorted(recordings_dir().glob("*.jsonl"))) == 1
        await send(pilot, "!fault 400 refused")
        await pilot.press("ctrl+s")
        assert last_notification(app).startswith("The last turn has no stream; «Record this»'s")


async def test_ctrl_s_while_the_answer_streams_says_the_recording_stops_there(emulator):
    """It said "Saved 15 events" as if the stream were whole; its replay ends mid-answer."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!slow 200 a long story", wait=False)
        await until(pilot, lambda: len(app.conversation.turns[-1].reply.state.events) > 3, "events")
        app.action_save_recording()
        said = last_notification(app)
        assert "so far" in said and "still streaming" in said
        assert sorted(recordings_dir().glob("*.jsonl"))
        await pilot.press("escape")  # the stream ends before the app does
        await until(pilot, lambda: not app.busy, "the cancel")


async def test_reopened_conversation_continues_its_chain(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        await send(pilot, "Tell me a joke")
        first_view = [type(item).__name__ for item in app.view.items]
        await pilot.press("ctrl+n")
        await send(pilot, "An unrelated chat")
        await pilot.press("ctrl+o")
        screen = app.screen
        assert isinstance(screen, ConversationListScreen)
        titles = [summary.title for summary in screen.shown]
        assert titles == ["An unrelated chat", "My name is Ada"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [type(item).__name__ for item in app.view.items] == first_view
        assert app.timeline.turn_at(1).title == "Tell me a joke"
        await pilot.press("ctrl+s")  # read back: steps kept, events not, and it says so
        assert last_notification(app).startswith("No stream to save: a turn read back")
        await send(pilot, "What is my name?")
        assert "My name is Ada" in answers(app)[-1].source
    counts = {summary.title: summary.turn_count for summary in store.list_conversations()}
    assert counts == {"My name is Ada": 3, "An unrelated chat": 1}
    store.close()


async def test_search_says_which_hit_is_the_cancelled_prompt(emulator, tmp_path):
    """A prompt cancelled and sent again gave two search rows alike."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!slow 50 tell me about penguins", wait=False)
        while not app.conversation.turns[-1].reply.state.events:
            await pilot.pause(0.02)
        await pilot.press("escape")
        await finish(pilot)
        await send(pilot, "!slow 50 tell me about penguins")
        await pilot.press("ctrl+r", *"penguins")
        results = app.screen.query_one("OptionList")
        for _ in range(200):
            await pilot.pause(0.01)
            if results.option_count >= 2:
                break
        heads = [str(results.get_option_at_index(n).prompt.renderables[0]) for n in range(2)]
        assert [head.endswith(" · cancelled") for head in heads] == [False, True]
    store.close()


async def test_search_opens_the_turn_it_found(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Where do penguins live?")
        await send(pilot, "And polar bears?")
        await pilot.press("ctrl+n", "ctrl+r")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"penguins")
        for _ in range(200):
            await pilot.pause(0.01)
            if app.screen.query("OptionList") and app.screen.query_one("OptionList").option_count:
                break
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        selected = app.view.items[app.view.selected]
        assert isinstance(selected, UserItem)
        assert selected.prompt == "Where do penguins live?"
    store.close()


async def test_export_from_the_palette_writes_the_conversation(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Export me")
        await app.run_action("export('md')")
        await app.run_action("export('json')")
        exports = data_dir() / "exports"
        (exports / "conversation-1.md").write_text("kept")
        # Exported again: a new file beside the first, named in the notification.
        await app.run_action("export('md')")
        assert notifications(app)[-1] == f"Exported to {exports / 'conversation-1-2.md'}"
        # A folder named that is not there is not made.
        await app.run_action(f"export('md', {str(tmp_path / 'nowhere' / 'x.md')!r})")
        assert "there is no folder" in notifications(app)[-1]
        assert not (tmp_path / "nowhere").exists()
    assert (exports / "conversation-1.md").read_text() == "kept"
    markdown = (exports / "conversation-1-2.md").read_text()
    assert "Export me" in markdown
    data = json.loads((exports / "conversation-1.json").read_text())
    assert "Export me" in json.dumps(data)
    assert (exports / "conversation-1-2.md").stat().st_mode & 0o777 == 0o600
    store.close()
