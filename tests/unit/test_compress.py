"""Compress: a summary turn is the root the chain of later requests starts from.

The chain is computed from the turns, so these tests build turns and read the requests the
conversation builds: right after a completed summary the request chains onto nothing and sends
the summary as its history; the turn after that chains as usual; a summary that did not complete
is no root. Then the runner against the emulator, and the summary read back from the history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.sinks import RecordingSink
from support.stored import answer

from gemtui.api.client import InteractionsClient
from gemtui.api.models import Interaction, parse_step
from gemtui.core.assembler import StepState
from gemtui.core.chat_history import ChatHistory
from gemtui.core.compress import SUMMARY_PREFIX, SUMMARY_REQUEST, is_chain_root, summary_request
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import TurnRunner

SEARCH = [{"type": "google_search"}]


def answered(conversation: Conversation, asked: Asked, outcome: str = "completed") -> Turn:
    turn = conversation.start_turn(asked)
    conversation.build_request(turn)
    return answer(turn, len(conversation.turns), outcome)


def summarized(conversation: Conversation, text: str, outcome: str = "completed") -> Turn:
    """A summary turn whose answer is ``text``."""
    turn = conversation.start_turn(Asked(prompt=summary_request(), kind="summary"))
    conversation.build_request(turn)
    state = turn.reply.state
    state.interaction = Interaction.model_validate({"id": "v1_summary", "status": outcome})
    wire = {"type": "model_output", "content": [{"type": "text", "text": text}]}
    state.steps.append(StepState(0, 0.0, done=True, _model=parse_step(wire)))
    turn.reply.outcome = outcome  # type: ignore[assignment]
    return turn


def next_request(conversation: Conversation, prompt: str) -> dict:
    turn = conversation.start_turn(Asked(prompt=prompt))
    return conversation.build_request(turn)


def chat(stateful: bool = True) -> Conversation:
    conversation = Conversation(settings=ChatSettings(stateful=stateful, tools=SEARCH))
    for prompt in ("one", "two"):
        answered(conversation, Asked(prompt=prompt))
    return conversation


def test_the_summary_request_continues_the_chain_without_tools():
    conversation = chat()
    turn = summarized(conversation, "S")
    body = turn.asked.request
    assert body["previous_interaction_id"] == "v1_turn2"  # the model sees the whole chat
    assert "tools" not in body  # a plain text answer
    assert body["input"][0]["content"][0]["text"] == SUMMARY_REQUEST


@pytest.mark.parametrize("stateful", [True, False])
def test_after_a_summary_the_next_request_starts_from_it(stateful):
    conversation = chat(stateful)
    summarized(conversation, "We counted to two.")
    body = next_request(conversation, "three")
    assert "previous_interaction_id" not in body
    summary_step, prompt_step = body["input"]
    assert summary_step["type"] == "user_input"
    assert summary_step["content"][0]["text"] == SUMMARY_PREFIX + "We counted to two."
    assert prompt_step["content"][0]["text"] == "three"
    assert body["tools"] == SEARCH  # the settings in force again
    # The old turns are still in the chat, only no longer sent.
    assert [t.asked.prompt for t in conversation.turns[:2]] == ["one", "two"]


def test_the_turn_after_the_first_one_chains_as_usual():
    conversation = chat()
    summarized(conversation, "S")
    answered(conversation, Asked(prompt="three"))
    body = next_request(conversation, "four")
    assert body["previous_interaction_id"] == "v1_turn4"
    assert [s["content"][0]["text"] for s in body["input"]] == ["four"]


def test_stateless_history_after_a_summary_holds_only_what_came_after_it():
    conversation = chat(stateful=False)
    summarized(conversation, "S")
    answered(conversation, Asked(prompt="three"))
    body = next_request(conversation, "four")
    texts = [
        content.get("text")
        for step in body["input"]
        for content in step.get("content", [])
        if content.get("type") == "text"
    ]
    assert texts == [SUMMARY_PREFIX + "S", "three", "answer 4", "four"]


@pytest.mark.parametrize("outcome", ["failed", "cancelled", "incomplete"])
def test_a_summary_that_did_not_complete_is_no_root(outcome):
    conversation = chat()
    summary = summarized(conversation, "half a summ", outcome)
    assert not is_chain_root(summary)
    body = next_request(conversation, "three")
    if outcome == "incomplete":  # stored and chainable: the chain simply goes on through it
        assert body["previous_interaction_id"] == "v1_summary"
    else:
        assert body["previous_interaction_id"] == "v1_turn2"


def test_a_later_summary_replaces_an_earlier_one():
    conversation = chat()
    summarized(conversation, "first")
    answered(conversation, Asked(prompt="three"))
    summarized(conversation, "second")
    body = next_request(conversation, "four")
    assert body["input"][0]["content"][0]["text"] == SUMMARY_PREFIX + "second"


def test_rewinding_past_the_summary_goes_back_to_the_old_chain():
    conversation = chat()
    summarized(conversation, "S")
    conversation.rewind(2)
    assert next_request(conversation, "three")["previous_interaction_id"] == "v1_turn2"


# ---------------------------------------------------------------------------- with a server


@pytest.fixture
async def client(emulator, api_key) -> AsyncIterator[InteractionsClient]:
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as opened:
        yield opened


async def test_the_runner_compresses_and_goes_on_from_the_summary(client, tmp_path):
    store = Store(tmp_path / "history.sqlite3")
    conversation = Conversation()
    history = ChatHistory(store)
    runner = TurnRunner(conversation, client=lambda: client, sink=RecordingSink(), history=history)
    await runner.send(Asked(prompt="Tell me about owls"))
    second = await runner.send(Asked(prompt="And bats?"))
    summary = await runner.compress("keep it short")
    assert summary.asked.kind == "summary" and summary.reply.outcome == "completed"
    assert summary.asked.prompt.endswith("Also: keep it short")
    assert summary.asked.request["previous_interaction_id"] == second.interaction_id
    after = await runner.send(Asked(prompt="What was it about?"))
    sent = after.asked.request
    assert "previous_interaction_id" not in sent
    assert sent["input"][0]["content"][0]["text"].startswith(SUMMARY_PREFIX)
    assert "Tell me about owls" in sent["input"][0]["content"][0]["text"]  # the emulator's summary
    # Read back from the history, the summary is still the root.
    assert history.conversation_id is not None
    reopened = ChatHistory(store).open(history.conversation_id, 10).conversation
    assert [turn.asked.kind for turn in reopened.turns] == ["prompt", "prompt", "summary", "prompt"]
    body = reopened.build_request(reopened.start_turn(Asked(prompt="next")))
    assert body["previous_interaction_id"] == after.interaction_id
    reopened.rewind(3)
    body = reopened.build_request(reopened.start_turn(Asked(prompt="again")))
    assert "previous_interaction_id" not in body
    assert body["input"][0]["content"][0]["text"].startswith(SUMMARY_PREFIX)
    store.close()


async def test_a_stateless_chat_opened_on_its_last_turns_reads_none_before_the_summary(
    client, tmp_path
):
    store = Store(tmp_path / "history.sqlite3")
    conversation = Conversation(settings=ChatSettings(stateful=False))
    history = ChatHistory(store)
    runner = TurnRunner(conversation, client=lambda: client, sink=RecordingSink(), history=history)
    for prompt in ("a", "b", "c"):
        await runner.send(Asked(prompt=prompt))
    await runner.compress()
    await runner.send(Asked(prompt="d"))
    assert history.conversation_id is not None
    opened = ChatHistory(store).open(history.conversation_id, 2).conversation
    opened.settings.stateful = False
    assert opened.has_older and not opened.needs_older()
    store.close()
