"""Drafts survive: the prompt and its attachments are saved per conversation as they are typed,
come back when that conversation starts again, and go when they are sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from support.chat_driver import FAKE_KEY, make_app, send
from textual.pilot import Pilot

from gemtui.core.drafts import drafts_dir
from gemtui.core.store import Store
from gemtui.ui.app import GemtuiApp
from gemtui.ui.chat.drafts import DraftKeeper
from gemtui.ui.screens.history_list import ConfirmDeleteScreen, ConversationListScreen


def saved_files() -> dict[str, dict]:
    """The draft files on disk by slot."""
    directory = drafts_dir()
    if not directory.exists():
        return {}
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def keeper(app: GemtuiApp) -> DraftKeeper:
    assert app.drafts is not None
    return app.drafts


async def typed_and_saved(pilot: Pilot, text: str) -> None:
    """Type ``text`` key by key and wait for the save of the last change (no clock)."""
    await pilot.press(*text)
    await settled(pilot)


async def settled(pilot: Pilot) -> None:
    """Wait until the last change of the draft is saved."""
    drafts = keeper(pilot.app)
    await pilot.pause()
    saved = asyncio.Event()
    drafts.on_saved = lambda _slot: saved.set()
    if drafts.unsaved:
        await asyncio.wait_for(saved.wait(), timeout=30)
    assert not drafts.unsaved


async def test_a_typed_draft_is_saved_privately_and_comes_back_on_the_next_start(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await typed_and_saved(pilot, f"half a thought {FAKE_KEY}")
    assert saved_files() == {"new": {"version": 1, "text": "half a thought ***", "attachments": []}}
    assert FAKE_KEY not in (drafts_dir() / "new.json").read_text(encoding="utf-8")
    assert oct((drafts_dir() / "new.json").stat().st_mode & 0o777) == "0o600"
    again = make_app(emulator)
    async with again.run_test(size=(80, 24)):
        assert again.composer.text == "half a thought ***"
        assert again.composer.cursor_location == again.composer.document.end


async def test_quitting_at_once_keeps_the_draft_without_asking(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"typed just now")
        await pilot.press("ctrl+q")  # before the save timer: the quit writes it
    assert saved_files()["new"]["text"] == "typed just now"


async def test_attachments_come_back_by_their_source(emulator, tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("some notes", encoding="utf-8")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.attachment_bar.add(str(notes))
        await typed_and_saved(pilot, "see the file")
    assert saved_files()["new"]["attachments"] == [str(notes.resolve())]
    again = make_app(emulator)
    async with again.run_test(size=(80, 24)):
        assert [a.name for a in again.attachment_bar.attachments] == ["notes.txt"]
        assert again.composer.attachments_pending


async def test_a_sent_draft_is_removed_and_the_chat_keeps_its_own_slot(emulator, tmp_path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await typed_and_saved(pilot, "first prompt")
            assert list(saved_files()) == ["new"]
            await pilot.press("enter")
            await pilot.app.workers.wait_for_complete()
            number = app.conversation_id
            assert number is not None
            await typed_and_saved(pilot, "next one")
            # The chat got its row with its first turn: the draft moved with it.
            assert saved_files() == {
                f"conversation-{number}": {"version": 1, "text": "next one", "attachments": []}
            }
            # Another chat: this one's draft stays in its slot, the new chat has its own.
            await pilot.press("ctrl+n")
            assert app.composer.text == ""
            await typed_and_saved(pilot, "for the new chat")
            app.open_stored(number)
            await pilot.pause()
            assert app.composer.text == "next one"
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert app.composer.text == "for the new chat"
            app.open_stored(number)
            await pilot.pause()
            await pilot.press("enter")  # sending it empties its slot
            await pilot.app.workers.wait_for_complete()
            await settled(pilot)
            assert f"conversation-{number}" not in saved_files()
            assert saved_files()["new"]["text"] == "for the new chat"


async def test_while_editing_an_earlier_prompt_the_displaced_draft_is_kept(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "an earlier prompt")
        await typed_and_saved(pilot, "my real draft")
        await pilot.press("ctrl+l", "home", "e")
        assert app.composer.text == "an earlier prompt"
        await typed_and_saved(pilot, " edited")
        assert saved_files()["new"]["text"] == "my real draft"


async def test_deleting_the_open_chat_says_so_and_its_draft_stays_in_the_new_chat(
    emulator, tmp_path: Path
):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await send(pilot, "a chat to delete")
            number = app.conversation_id
            await typed_and_saved(pilot, "my unsent draft")
            assert f"conversation-{number}" in saved_files()
            await pilot.press("ctrl+o")
            assert isinstance(app.screen, ConversationListScreen)
            await pilot.press("d")
            assert isinstance(app.screen, ConfirmDeleteScreen)
            question = str(app.screen.query_one("#confirm-question").render())
            assert "It is the chat open now: a new chat takes its place." in question
            assert "Its unsent draft stays in the prompt." in question
            await pilot.press("y", "escape")
            await settled(pilot)
            assert app.conversation_id is None and not app.conversation.turns
            assert app.composer.text == "my unsent draft"
            # Kept in the new chat's slot; the deleted chat's own file went with it.
            assert saved_files() == {
                "new": {"version": 1, "text": "my unsent draft", "attachments": []}
            }
