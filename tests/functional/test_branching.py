"""Regenerate the last answer, edit an earlier prompt, switch branch: what the emulator receives
and what the history keeps, in both ways of continuing a chat."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.chat_driver import FAKE_KEY, finish, make_app, notifications, send

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.screens.branch_list import BranchListScreen


def creates(emulator: Any, since: int) -> list[dict[str, Any]]:
    """The create request bodies the emulator received after ``since`` (its received_count)."""
    return [
        item["body"]
        for item in emulator.requests_since(since)
        if item["method"] == "POST" and isinstance(item["body"], dict) and "input" in item["body"]
    ]


def prompts(app) -> list[str]:
    return [item.prompt for item in app.view.items if isinstance(item, UserItem)]


def text_of(step: dict[str, Any]) -> str:
    return json.dumps(step["content"]) if step.get("type") == "user_input" else ""


@pytest.fixture
def emulator(emulator_factory):
    """An emulator of this test's own: its request log (which keeps only the last requests)
    then holds this test's requests alone."""
    return emulator_factory()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as opened:
        yield opened


async def test_regenerate_stateful_chains_onto_the_turn_before(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        await send(pilot, "Tell me a joke")
        first, old_last = app.conversation.turns
        since = emulator.received_count()
        await pilot.press("f8")
        await finish(pilot)
        (body,) = creates(emulator, since)
        assert body["previous_interaction_id"] == first.reply.state.interaction.id
        assert [text_of(step) for step in body["input"]] == [
            json.dumps([{"type": "text", "text": "Tell me a joke"}])
        ]
        assert prompts(app) == ["My name is Ada", "Tell me a joke"]
        new_last = app.conversation.turns[-1]
        assert new_last is not old_last and new_last.reply.outcome == "completed"
        assert app.conversation.previous_interaction_id == new_last.interaction_id
        assert app.timeline.rows.turn_count == 2
    (summary,) = store.list_conversations()
    every = store.load_turns(summary.id, limit=None, all_branches=True)
    assert [t.turn.asked.prompt for t in every] == [
        "My name is Ada",
        "Tell me a joke",
        "Tell me a joke",
    ]
    assert every[1].parent_turn_id == every[2].parent_turn_id == every[0].id
    assert summary.head_turn_id == every[2].id


async def test_regenerate_stateless_resends_the_history_without_the_last_turn(emulator, store):
    app = make_app(emulator, store=store, settings=ChatSettings(stateful=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        history_after_first = list(app.conversation.history)
        await send(pilot, "Tell me a joke")
        since = emulator.received_count()
        await pilot.press("f8")
        await finish(pilot)
        (body,) = creates(emulator, since)
        assert body["store"] is False
        assert "previous_interaction_id" not in body
        assert body["input"][:-1] == history_after_first
        assert body["input"][-1] == {
            "type": "user_input",
            "content": [{"type": "text", "text": "Tell me a joke"}],
        }
        assert prompts(app) == ["My name is Ada", "Tell me a joke"]


async def send_owls_chat(pilot) -> None:
    """The three prompts whose second the branching tests edit."""
    for prompt in ("My name is Ada", "Tell me about owls", "And their eyes?"):
        await send(pilot, prompt)


async def test_edit_an_earlier_prompt_branches_and_the_old_branch_is_reachable(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send_owls_chat(pilot)
        first = app.conversation.turns[0]
        app.composer.load_text("a draft in progress")
        await pilot.press("ctrl+l")
        app.view.select(prompts_at(app)[1])
        await pilot.press("e")
        assert app.composer.text == "Tell me about owls"
        assert "Tell me about owls" in app.status.info.editing
        # Escape leaves editing and gives the draft back.
        await pilot.press("escape")
        assert app.chat.editing is None and app.composer.text == "a draft in progress"
        assert app.status.info.editing == ""
        await pilot.press("ctrl+l")
        app.view.select(prompts_at(app)[1])
        await pilot.press("e")
        app.composer.load_text("Tell me about bats")
        since = emulator.received_count()
        await pilot.press("enter")
        await finish(pilot)
        (body,) = creates(emulator, since)
        assert body["previous_interaction_id"] == first.reply.state.interaction.id
        assert prompts(app) == ["My name is Ada", "Tell me about bats"]
        assert len(app.conversation.turns) == 2
        assert app.composer.text == "a draft in progress"
        assert app.status.info.editing == ""

        await app.run_action("switch_branch")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BranchListScreen)
        labels = {tip.label: tip for tip in screen.tips}
        assert set(labels) == {"Tell me about owls", "Tell me about bats"}
        assert labels["Tell me about bats"].is_head
        assert labels["Tell me about owls"].turn_count == 3
        await pilot.press("down" if screen.tips[0].is_head else "up", "enter")
        await pilot.pause()
        assert prompts(app) == ["My name is Ada", "Tell me about owls", "And their eyes?"]
        # The branch switched to is the one that goes on.
        since = emulator.received_count()
        await send(pilot, "What colour are they?")
        (body,) = creates(emulator, since)
        assert (
            body["previous_interaction_id"] == app.conversation.turns[2].reply.state.interaction.id
        )


async def test_resume_after_reopen_continues_the_head_branch(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        await send(pilot, "Tell me about owls")
        await pilot.press("f8")
        await finish(pilot)
        head_interaction = app.conversation.turns[-1].reply.state.interaction.id
        conversation_id = app.conversation_id
    reopened = make_app(emulator, store=store)
    async with reopened.run_test(size=(80, 24)) as pilot:
        reopened.open_stored(conversation_id)
        await pilot.pause()
        assert prompts(reopened) == ["My name is Ada", "Tell me about owls"]
        since = emulator.received_count()
        await send(pilot, "What is my name?")
        (body,) = creates(emulator, since)
        assert body["previous_interaction_id"] == head_interaction
        # Regenerating a reopened turn branches from its stored parent too.
        await pilot.press("f8")
        await finish(pilot)
    summary = store.get_conversation(conversation_id)
    every = store.load_turns(conversation_id, limit=None, all_branches=True)
    assert [t.turn.asked.prompt for t in every].count("What is my name?") == 2
    assert every[-1].parent_turn_id == every[-2].parent_turn_id
    assert summary.head_turn_id == every[-1].id


def prompts_at(app) -> list[int]:
    return [i for i, item in enumerate(app.view.items) if isinstance(item, UserItem)]


async def test_a_search_hit_on_a_branch_left_by_an_edit_opens_that_branch(emulator, store):
    """The chat opened on the branch in use, and the turn found was in no branch shown."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send_owls_chat(pilot)
        await pilot.press("ctrl+l")
        app.view.select(prompts_at(app)[1])
        await pilot.press("e")
        app.composer.load_text("Tell me about bats")
        await pilot.press("enter")
        await finish(pilot)
        assert prompts(app) == ["My name is Ada", "Tell me about bats"]
        await pilot.press("ctrl+n", "ctrl+r", *"owls")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert prompts(app) == ["My name is Ada", "Tell me about owls", "And their eyes?"]
        selected = app.view.items[app.view.selected]
        assert isinstance(selected, UserItem) and selected.prompt == "Tell me about owls"
        assert any("branch that holds this turn" in message for message in notifications(app))
        # The branch opened is the one that goes on.
        since = emulator.received_count()
        await send(pilot, "What colour are they?")
        (body,) = creates(emulator, since)
        eyes = app.conversation.turns[2].reply.state.interaction.id
        assert body["previous_interaction_id"] == eyes
