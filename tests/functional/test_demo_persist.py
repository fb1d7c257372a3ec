"""The bug of issue 16 (item 3) in the real app: a chat of an earlier ``--demo`` run, reopened
with Ctrl+O on a new demo emulator, goes on instead of failing with 404."""

from __future__ import annotations

from support.chat_driver import FAKE_KEY, answers, make_app, notices, send

from gemtui.core.data_dir import data_dir
from gemtui.core.store import Store
from gemtui.emulator.persist import DEMO_FILE
from gemtui.ui.screens.history_list import ConversationListScreen


async def test_a_chat_of_an_earlier_demo_run_reopens_and_goes_on(emulator_factory, tmp_path):
    kept = data_dir() / DEMO_FILE
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    first = emulator_factory(persist=kept)
    async with make_app(first, store=store).run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
    first.stop()

    second = emulator_factory(persist=kept)
    app = make_app(second, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ConversationListScreen)
        await pilot.press("enter")
        await pilot.pause()
        await send(pilot, "What is my name?")
        assert [n.level for n in notices(app) if n.level == "error"] == []
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert "My name is Ada" in answers(app)[-1].source
    store.close()
