"""The step timeline inside the real app: Ctrl+T, live rows, detail of the selected row."""

from __future__ import annotations

import json

from support.chat_driver import make_app, send

from gemtui.core.conversation import ChatSettings


async def test_ctrl_t_shows_the_turns_steps_and_their_json(emulator):
    settings = ChatSettings(tools=[{"type": "google_search"}])
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Who won the match?")
        pane = app.query_one("#timeline-pane")
        assert not pane.display
        await pilot.press("ctrl+t")
        assert pane.display
        assert app.timeline.has_focus_within
        label, state, timings = app.timeline.turn_entry(0)
        assert label == "Who won the match?"
        assert state is app.conversation.turns[0].state
        assert timings is not None and timings.status_code == 200
        types = [step.step.type for step in state.steps]
        assert "google_search_call" in types and "google_search_result" in types
        # Walk down until the detail shows the search call's JSON.
        for _ in range(12):
            await pilot.press("down")
            text = app.step_detail.copy_text()
            if '"google_search_call"' in text:
                break
        data = json.loads(text)
        assert data["type"] == "google_search_call"
        assert data["arguments"]["queries"]
        await pilot.press("ctrl+t")
        assert not pane.display
        assert app.composer.has_focus


async def test_new_conversation_empties_the_timeline(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+t")
        assert app.step_detail.copy_text() == ""
        await send(pilot, "again")
        assert app.timeline.turn_entry(0).label == "again"
