"""Going back to an earlier turn to branch from it: the chain is put back exactly as it stood
when that turn started (stateful: the interaction it continued; stateless: the history before
it), for live turns and for turns read back from the store."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gemtui.api.models import Interaction, parse_step
from gemtui.core.assembler import InteractionState, StepState
from gemtui.core.branching import branch_tips, place_stored_turns
from gemtui.core.conversation import ChatSettings, Conversation, Turn
from gemtui.core.store import Store


def answer(turn: Turn, number: int, outcome: str = "completed") -> Turn:
    """Give a started turn the answer the emulator sends (a thought, then text)."""
    turn.state = InteractionState(interaction=Interaction(id=f"v1_turn{number}", status=outcome))
    for index, wire in enumerate(
        [
            {"type": "thought", "signature": f"sig{number}", "summary": []},
            {"type": "model_output", "content": [{"type": "text", "text": f"answer {number}"}]},
        ]
    ):
        turn.state.steps.append(StepState(index, 0.0, done=True, _model=parse_step(wire)))
    turn.outcome = outcome  # type: ignore[assignment]
    return turn


def answered(conversation: Conversation, prompt: str, outcome: str = "completed") -> Turn:
    """A turn started, answered and finished (chained if it completed)."""
    turn = conversation.start_turn(prompt)
    answer(turn, len(conversation.turns), outcome)
    conversation.finish_turn(turn)
    return turn


def test_stateful_rewind_chains_onto_the_interaction_before_the_turn():
    conversation = Conversation()
    for prompt in ("one", "two", "three"):
        answered(conversation, prompt)
    dropped = conversation.rewind(2)
    assert [t.prompt for t in dropped] == ["three"]
    assert [t.prompt for t in conversation.turns] == ["one", "two"]
    assert conversation.previous_interaction_id == "v1_turn2"
    branch = conversation.start_turn("three again")
    assert conversation.build_request(branch)["previous_interaction_id"] == "v1_turn2"
    conversation.rewind(0)
    assert conversation.turns == []
    assert "previous_interaction_id" not in conversation.build_request(Turn("first"))


def test_a_failed_turn_is_skipped_as_it_was_when_sent():
    conversation = Conversation()
    answered(conversation, "one")
    answered(conversation, "two", outcome="failed")
    answered(conversation, "three")
    conversation.rewind(2)
    # "three" continued from turn 1: the failed turn 2 was never part of the chain.
    assert conversation.previous_interaction_id == "v1_turn1"


def test_stateless_rewind_cuts_the_history_back_to_before_the_turn():
    conversation = Conversation(settings=ChatSettings(stateful=False))
    answered(conversation, "one")
    after_first = copy.deepcopy(conversation.history)
    answered(conversation, "two")
    answered(conversation, "three")
    assert len(conversation.history) == 9
    conversation.rewind(1)
    assert conversation.history == after_first
    turn = conversation.start_turn("two, edited")
    body = conversation.build_request(turn)
    assert body["input"] == [*after_first, turn.user_input_step]
    assert body["store"] is False


def test_rewind_past_the_end_changes_nothing():
    conversation = Conversation()
    answered(conversation, "one")
    assert conversation.rewind(5) == []
    assert conversation.previous_interaction_id == "v1_turn1"


@pytest.mark.parametrize("stateful", [True, False], ids=["stateful", "stateless"])
def test_stored_turns_rewind_like_the_live_ones(tmp_path: Path, stateful: bool):
    """Turns read back from the store get the same chain points as the live turns had."""
    live = Conversation(settings=ChatSettings(stateful=stateful))
    with Store(tmp_path / "history.sqlite3") as store:
        cid = store.create_conversation(live.settings)
        for prompt in ("one", "two", "three", "four"):
            turn = live.start_turn(prompt)
            turn_id = store.start_turn(
                cid, turn, live.settings, previous_interaction_id=live.previous_interaction_id
            )
            answer(turn, len(live.turns))
            live.finish_turn(turn)
            store.save_turn(turn_id, turn)
        loaded = store.load_conversation(cid, limit=2)
        # Only the newest two are read; the older ones come later (lazy loading).
        place_stored_turns(loaded.turns, len(loaded.conversation.history))
        older = store.load_turns(cid, before_ordinal=loaded.turns[0].ordinal, limit=None)
        place_stored_turns(older, loaded.turns[0].turn.history_before)
    stored_turns = [s.turn for s in older + loaded.turns]
    for stored, turn in zip(stored_turns, live.turns, strict=True):
        assert (stored.chained_from, stored.history_before) == (
            turn.chained_from,
            turn.history_before,
        )
    conversation = loaded.conversation
    conversation.turns[:0] = [s.turn for s in older]
    conversation.rewind(1)
    live.rewind(1)
    assert conversation.previous_interaction_id == live.previous_interaction_id
    assert conversation.history == live.history


def test_branch_tips_name_each_leaf_by_where_it_went_its_own_way(tmp_path: Path):
    settings = ChatSettings()
    with Store(tmp_path / "history.sqlite3") as store:
        cid = store.create_conversation(settings)
        first = store.start_turn(cid, Turn("Hello"), settings)
        second = store.start_turn(cid, Turn("Tell me about owls"), settings)
        store.start_turn(cid, Turn("And their eyes?"), settings)
        edited = store.start_turn(cid, Turn("Tell me about bats"), settings, parent_turn_id=first)
        regenerated = store.start_turn(cid, Turn("Hello"), settings, parent_turn_id=None)
        head = store.get_conversation(cid).head_turn_id
        tips = branch_tips(store.load_turns(cid, limit=None, all_branches=True), head)
    by_leaf = {tip.leaf_id: tip for tip in tips}
    assert set(by_leaf) == {second + 1, edited, regenerated}
    assert by_leaf[second + 1].label == "Tell me about owls"
    assert by_leaf[second + 1].turn_count == 3
    assert by_leaf[edited].label == "Tell me about bats"
    assert by_leaf[regenerated].label == "Hello"
    assert [tip.leaf_id for tip in tips if tip.is_head] == [regenerated]
    assert tips[0].leaf_id == regenerated
