"""Which typed ids are refused before a request (``gemtui show``, "Open an interaction by id")."""

from __future__ import annotations

import pytest
from support.stored import answer

from gemtui.api.models import Interaction
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import Conversation
from gemtui.core.interaction_ids import makes_api_ids, refused_id
from gemtui.core.store import Store
from gemtui.core.turn import Asked


@pytest.mark.parametrize("good", ["v1_ChdoRkJnYV9", "v2_a-b_c", "v1_turn3"])
def test_ids_of_the_apis_shape_pass(good):
    assert refused_id(good, demo=True, base_url=None, store=None) is None


@pytest.mark.parametrize("bad", ["notanid", "v1_", "v1 abc", "V1_abc", "12", "v1_a/b"])
def test_other_words_are_refused_saying_what_an_id_looks_like(bad):
    said = refused_id(bad, demo=False, base_url=None, store=None)
    assert said is not None and "ids look like v1_ChdoRkJn" in said


def test_a_line_break_or_escape_in_the_id_is_not_repeated():
    said = refused_id("a\nb\x1b[2J", demo=True, base_url=None, store=None)
    assert said is not None and "\n" not in said and "\x1b" not in said


@pytest.mark.parametrize(
    ("base_url", "demo", "known"),
    [
        (None, False, True),
        ("https://generativelanguage.googleapis.com", False, True),
        ("https://GenerativeLanguage.googleapis.com/proxy/", False, True),
        ("http://127.0.0.1:8080", True, True),  # the demo emulator makes the API's ids
        ("http://127.0.0.1:8080", False, False),
        ("https://llm.example.com/gemini", False, False),
    ],
)
def test_only_googles_endpoint_and_the_demo_have_a_known_id_shape(base_url, demo, known):
    assert makes_api_ids(base_url, demo=demo) is known
    said = refused_id("int-42", demo=demo, base_url=base_url, store=None)
    assert (said is not None) is known


def test_an_id_the_history_holds_is_never_refused(tmp_path):
    """A chat made on another server (its ids of another shape), opened on Google's."""
    with Store(tmp_path / "history.sqlite3") as store:
        history = ChatHistory(store)
        live = Conversation()
        turn = live.start_turn(Asked(prompt="hello"))
        live.build_request(turn)
        recorder = history.begin(live, turn)
        answer(turn, 1)
        turn.reply.state.interaction = Interaction.model_validate(
            {"id": "int-42", "status": "completed"}
        )
        history.finish(recorder, turn)
        assert refused_id("int-42", demo=False, base_url=None, store=store) is None
        assert refused_id("int-43", demo=False, base_url=None, store=store) is not None
