"""What the app keeps: every turn in the history store, and recordings that replay the same."""

from __future__ import annotations

from support.chat_driver import FAKE_KEY, make_app, send

from gemtui.core.recording import load_recording
from gemtui.core.replay import replay_instant
from gemtui.core.store import Store
from gemtui.ui.app import recordings_dir


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
    loaded = store.load_conversation(summary.id)
    live = app.conversation.turns
    assert [t.turn.outcome for t in loaded.turns] == ["completed", "completed", "interrupted"]
    for stored, turn in zip(loaded.turns, live, strict=True):
        assert [s.step.to_wire() for s in stored.turn.state.steps] == [
            s.step.to_wire() for s in turn.state.steps
        ]
    # The chain continues from the last good interaction.
    assert loaded.conversation.previous_interaction_id == live[1].state.interaction.id
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
        live = app.conversation.turns[0].state
        replayed = replay_instant(recording)
        assert [s.step.to_wire() for s in replayed.steps] == [s.step.to_wire() for s in live.steps]
        assert replayed.interaction.usage == live.interaction.usage
        assert FAKE_KEY not in saved[0].read_text()
