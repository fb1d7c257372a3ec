"""Which conversation ``--continue`` and ``--resume ID`` open (``gemtui.core.resume``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.stored import write_chat

from gemtui.core.resume import (
    NothingToResume,
    ResumeTarget,
    find_conversation,
    last_conversation,
)
from gemtui.core.store import Store


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3") as opened:
        yield opened


def test_nothing_to_continue_in_an_empty_history(store: Store) -> None:
    with pytest.raises(NothingToResume, match="nothing to continue"):
        last_conversation(store)


def test_continue_takes_the_conversation_updated_last(store: Store) -> None:
    write_chat(store, ["one"])
    _, second = write_chat(store, ["two"])
    assert last_conversation(store) == ResumeTarget(second)


def test_resume_by_number_or_interaction_id(store: Store) -> None:
    conversation, number = write_chat(store, ["one", "two"])
    assert find_conversation(store, str(number)) == ResumeTarget(number)
    turn = conversation.turns[0]
    assert turn.interaction_id and turn.stored
    assert find_conversation(store, turn.interaction_id) == ResumeTarget(
        number, turn.stored.turn_id
    )


@pytest.mark.parametrize(
    ("reference", "says"),
    [("99", "no conversation 99"), ("v1_nothing", "no interaction v1_nothing"),
     ("last\x1b[2J", "neither")],
)  # fmt: skip
def test_what_names_nothing_is_said(store: Store, reference: str, says: str) -> None:
    write_chat(store, ["one"])
    with pytest.raises(NothingToResume, match=says) as raised:
        find_conversation(store, reference)
    assert "\x1b" not in str(raised.value)
