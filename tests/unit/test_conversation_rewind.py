"""The chain of a conversation, computed from its turns: going back to an earlier turn to branch
from it, switching modes, and a stored chat whose older turns are not read yet.

Nothing of the chain is kept beside the turns, so a rewind leaves the next request exactly as it
was when the dropped turn started (stateful: the interaction it continued; stateless: the
history before it), and a lazily loaded chat reads its older turns when a request needs them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from support.stored import answer, write_chat

from gemtui.core.branching import branch_tips, leaf_holding
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn


def answered(conversation: Conversation, prompt: str, outcome: str = "completed") -> Turn:
    """A turn started, sent under the settings in force and answered."""
    turn = conversation.start_turn(Asked(prompt=prompt))
    conversation.build_request(turn)
    return answer(turn, len(conversation.turns), outcome)


def prompts(turns: list[Turn]) -> list[str]:
    return [turn.asked.prompt for turn in turns]


def test_stateful_rewind_chains_onto_the_interaction_before_the_turn():
    conversation = Conversation()
    for prompt in ("one", "two", "three"):
        answered(conversation, prompt)
    dropped = conversation.rewind(2)
    assert prompts(dropped) == ["three"]
    assert prompts(conversation.turns) == ["one", "two"]
    assert conversation.previous_interaction_id == "v1_turn2"
    branch = conversation.start_turn(Asked(prompt="three again"))
    assert conversation.build_request(branch)["previous_interaction_id"] == "v1_turn2"
    conversation.rewind(0)
    assert conversation.turns == []
    assert "previous_interaction_id" not in conversation.build_request(Turn(Asked("first")))


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
    turn = conversation.start_turn(Asked(prompt="two, edited"))
    body = conversation.build_request(turn)
    assert body["input"] == [*after_first, turn.asked.user_input_step]
    assert body["store"] is False


def test_rewind_past_the_end_changes_nothing():
    conversation = Conversation()
    answered(conversation, "one")
    assert conversation.rewind(5) == []
    assert conversation.previous_interaction_id == "v1_turn1"


def test_switching_modes_carries_the_whole_conversation_either_way():
    conversation = Conversation()
    answered(conversation, "one")
    conversation.settings.stateful = False
    stateless = conversation.build_request(conversation.start_turn(Asked(prompt="two")))
    assert "previous_interaction_id" not in stateless
    assert prompts_sent(stateless) == ["one", "two"]
    answer(conversation.turns[-1], 2)
    conversation.settings.stateful = True
    stateful = conversation.build_request(conversation.start_turn(Asked(prompt="three")))
    # The server does not have turn two: the history goes once, and nothing chains.
    assert "previous_interaction_id" not in stateful and "store" not in stateful
    assert prompts_sent(stateful) == ["one", "two", "three"]


def prompts_sent(body: dict) -> list[str]:
    return [
        block["text"]
        for step in body["input"]
        if step["type"] == "user_input"
        for block in step["content"]
    ]


def test_a_lost_chain_is_resent_from_the_stored_steps():
    conversation = Conversation()
    answered(conversation, "one")
    answered(conversation, "two")
    turn = conversation.start_turn(Asked(prompt="three"))
    assert conversation.build_request(turn)["previous_interaction_id"] == "v1_turn2"
    conversation.chained_turn(turn).reply.chain_lost = True
    body = conversation.build_request(turn)
    assert "previous_interaction_id" not in body
    assert prompts_sent(body) == ["one", "two", "three"]


def stored_chat(tmp_path: Path, stateful: bool, count: int = 6) -> tuple[Conversation, Store, int]:
    store = Store(tmp_path / "history.sqlite3")
    live, cid = write_chat(store, [f"prompt {n}" for n in range(1, count + 1)], stateful=stateful)
    return live, store, cid


@pytest.mark.parametrize("stateful", [True, False], ids=["stateful", "stateless"])
def test_stored_turns_chain_like_the_live_ones(tmp_path: Path, stateful: bool):
    live, store, cid = stored_chat(tmp_path, stateful)
    with store:
        opened = ChatHistory(store).open(cid, batch=2).conversation
        # Only the newest two are read; the older ones come when asked for.
        assert prompts(opened.turns) == ["prompt 5", "prompt 6"]
        assert opened.has_older
        assert opened.needs_older() is not stateful
        opened.load_older(None)
    assert prompts(opened.turns) == prompts(live.turns)
    assert opened.previous_interaction_id == live.previous_interaction_id
    assert opened.history == live.history
    opened.rewind(1)
    live.rewind(1)
    assert opened.previous_interaction_id == live.previous_interaction_id
    assert opened.history == live.history


def test_a_lazily_loaded_chat_switched_to_stateless_needs_every_stored_turn(tmp_path: Path):
    _live, store, cid = stored_chat(tmp_path, stateful=True)
    with store:
        opened = ChatHistory(store).open(cid, batch=2).conversation
        assert not opened.needs_older()  # stateful: it chains onto the last interaction
        opened.settings.stateful = False
        assert opened.needs_older()
        read = opened.load_older(None)
        body = opened.build_request(opened.start_turn(Asked(prompt="prompt 7")))
    assert prompts(read) == ["prompt 1", "prompt 2", "prompt 3", "prompt 4"]
    assert prompts_sent(body) == [f"prompt {n}" for n in range(1, 8)]
    assert not opened.has_older


def test_a_new_turn_follows_the_turn_before_it_in_the_tree(tmp_path: Path):
    _live, store, cid = stored_chat(tmp_path, stateful=True, count=3)
    with store:
        history = ChatHistory(store)
        conversation = history.open(cid, batch=10).conversation
        second = conversation.turns[1]
        conversation.rewind(2)
        turn = conversation.start_turn(Asked(prompt="prompt 3, again"))
        conversation.build_request(turn)
        history.begin(conversation, turn)
        assert turn.stored is not None and second.stored is not None
        assert turn.stored.parent_id == second.stored.turn_id
        tips = branch_tips(store.turn_tree(cid), store.get_conversation(cid).head_turn_id)
    assert sorted(tip.label for tip in tips) == ["prompt 3", "prompt 3, again"]
    assert [tip.leaf_id for tip in tips if tip.is_head] == [turn.stored.turn_id]


class TreeWriter:
    """A stored conversation to grow a tree of turns in by hand."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = ChatSettings()
        self.cid = store.create_conversation(self.settings)

    def __call__(self, prompt: str, parent: int | None) -> int:
        """Write a turn after ``parent``; its id. The newest turn becomes the head."""
        turn = Turn(Asked(prompt))
        return self.store.start_turn(self.cid, turn, self.settings, parent_turn_id=parent)


@pytest.fixture
def write(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3") as store:
        yield TreeWriter(store)


def test_branch_tips_name_each_leaf_by_where_it_went_its_own_way(write: TreeWriter):
    first = write("Hello", None)
    second = write("Tell me about owls", first)
    third = write("And their eyes?", second)
    edited = write("Tell me about bats", first)
    regenerated = write("Hello", None)
    head = write.store.get_conversation(write.cid).head_turn_id
    tips = branch_tips(write.store.turn_tree(write.cid), head)
    by_leaf = {tip.leaf_id: tip for tip in tips}
    assert set(by_leaf) == {third, edited, regenerated}
    assert by_leaf[third].label == "Tell me about owls"
    assert by_leaf[third].turn_count == 3
    assert by_leaf[edited].label == "Tell me about bats"
    assert by_leaf[regenerated].label == "Hello"
    assert [tip.leaf_id for tip in tips if tip.is_head] == [regenerated]
    assert tips[0].leaf_id == regenerated


def test_the_leaf_to_open_for_a_turn_is_none_on_the_branch_in_use_else_its_newest(
    write: TreeWriter,
):
    first = write("Hello", None)
    owls = write("Tell me about owls", first)
    eyes = write("And their eyes?", owls)
    ears = write("And their ears?", owls)  # a regenerated answer: newer than eyes
    bats = write("Tell me about bats", first)  # the head
    tree = write.store.turn_tree(write.cid)
    assert leaf_holding(tree, bats, first) is None
    assert leaf_holding(tree, bats, bats) is None
    assert leaf_holding(tree, bats, owls) == ears
    assert leaf_holding(tree, bats, eyes) == eyes
    assert leaf_holding(tree, ears, 999) is None
