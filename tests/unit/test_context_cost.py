"""The context window in use, the cache of model limits, and the cost of turns."""

from __future__ import annotations

import json

import pytest
from support.stored import answer

from gemtui.api.models import Usage
from gemtui.core.compress import summary_request
from gemtui.core.context_window import (
    LIMIT_MAX_AGE_S,
    ContextUse,
    ModelLimits,
    context_used,
    format_tokens,
)
from gemtui.core.conversation import Conversation
from gemtui.core.cost import (
    Price,
    format_cost,
    format_total,
    model_of,
    total_cost,
    turn_cost,
    usage_cost,
)
from gemtui.core.turn import Asked, Turn


def turn_with(conversation: Conversation, usage: dict, *, kind="prompt", outcome="completed"):
    prompt = summary_request() if kind == "summary" else "q"
    turn = conversation.start_turn(Asked(prompt=prompt, kind=kind))
    conversation.build_request(turn)
    answer(turn, len(conversation.turns), outcome)
    turn.reply.state.interaction.usage = Usage.model_validate(usage)
    return turn


def test_context_used_is_the_last_turns_input_and_output():
    conversation = Conversation()
    assert context_used(conversation) is None
    turn_with(conversation, {"total_input_tokens": 100, "total_output_tokens": 50})
    turn_with(
        conversation,
        {"total_input_tokens": 160, "total_output_tokens": 40, "total_thought_tokens": 900},
    )
    assert context_used(conversation) == 200  # thoughts are not read again
    turn_with(conversation, {"total_input_tokens": 999}, outcome="failed")
    assert context_used(conversation) == 200  # a failed turn holds nothing


def test_a_turn_in_hops_counts_the_context_it_first_read_not_every_read():
    """Each hop reads the context again, and the turn's input sums the reads (1533 for three
    hops of 511): the next request starts with the first read and every output."""
    conversation = Conversation()
    hops = {"total_input_tokens": 1533, "initial_input_tokens": 511, "total_output_tokens": 273}
    turn_with(conversation, hops)
    assert context_used(conversation) == 511 + 273


def test_after_a_summary_only_the_summary_counts():
    conversation = Conversation()
    turn_with(conversation, {"total_input_tokens": 5000, "total_output_tokens": 100})
    turn_with(
        conversation, {"total_input_tokens": 5200, "total_output_tokens": 300}, kind="summary"
    )
    assert context_used(conversation) == 300


@pytest.mark.parametrize(
    ("count", "text"),
    [(950, "950"), (15_234, "15.2k"), (131_072, "131k"), (1_048_576, "1M"), (2_097_152, "2.1M")],
)
def test_format_tokens(count, text):
    assert format_tokens(count) == text


def test_context_labels_and_the_warning():
    assert ContextUse(15_234, 1_048_576).label() == "ctx 15.2k / 1M (1%)"
    assert ContextUse(15_234).label() == "ctx 15.2k"
    # The status bar's form for a full line: the share, none while the limit is unknown.
    assert ContextUse(15_234, 1_048_576).short_label() == "ctx 1%"
    assert ContextUse(15_234).short_label() == ""
    assert not ContextUse(799, 1000).near_limit
    assert ContextUse(800, 1000).near_limit


class Fetcher:
    def __init__(self, answers: dict[str, int | None]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, model: str) -> int | None:
        self.asked.append(model)
        answer = self.answers[model]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_limits_are_fetched_once_and_kept_in_the_state_file(tmp_path):
    path = tmp_path / "limits.json"
    fetch = Fetcher({"m": 1000, "unknown": None})
    limits = ModelLimits(path, clock=lambda: 100.0)
    assert limits.get("m") is None and not path.exists()  # nothing read before the first fetch
    assert await limits.fetch("m", fetch) == 1000
    assert await limits.fetch("m", fetch) == 1000
    assert await limits.fetch("unknown", fetch) is None
    assert await limits.fetch("unknown", fetch) is None
    assert fetch.asked == ["m", "unknown"]
    assert json.loads(path.read_text())["models"] == {
        "m": {"input_token_limit": 1000, "fetched": 100}
    }
    # The next session reads the file instead of asking.
    again = ModelLimits(path, clock=lambda: 100.0 + LIMIT_MAX_AGE_S - 1)
    assert await again.fetch("m", Fetcher({})) == 1000
    # Too old: asked again.
    later = Fetcher({"m": 2000})
    assert await ModelLimits(path, clock=lambda: 101.0 + LIMIT_MAX_AGE_S).fetch("m", later) == 2000
    assert later.asked == ["m"]


async def test_a_failed_fetch_is_not_remembered(tmp_path):
    limits = ModelLimits(tmp_path / "limits.json")
    with pytest.raises(OSError):
        await limits.fetch("m", Fetcher({"m": OSError("down")}))
    assert not limits.knows("m")
    assert await limits.fetch("m", Fetcher({"m": 7})) == 7


async def test_a_damaged_state_file_reads_as_empty(tmp_path):
    path = tmp_path / "limits.json"
    path.write_text("{not json")
    assert await ModelLimits(path).fetch("m", Fetcher({"m": 5})) == 5
    assert json.loads(path.read_text())["models"]["m"]["input_token_limit"] == 5


# ---------------------------------------------------------------------------- cost

PRO = Price(input=1.25, output=10.0)


def test_usage_cost_prices_each_kind_of_token():
    usage = Usage(
        total_input_tokens=1_000_000,
        total_cached_tokens=400_000,
        total_tool_use_tokens=100_000,
        total_output_tokens=200_000,
        total_thought_tokens=300_000,
    )
    # 700k fresh input at 1.25, 400k cached at 1.25 (no cached price), 200k + 300k at 10.
    assert usage_cost(usage, PRO) == pytest.approx(0.875 + 0.5 + 2.0 + 3.0)
    priced = Price(input=1.0, output=2.0, thinking=4.0, cached=0.25)
    assert usage_cost(usage, priced) == pytest.approx(0.7 + 0.1 + 0.4 + 1.2)
    assert usage_cost(None, PRO) is None and usage_cost(usage, None) is None


def test_turns_are_priced_by_the_model_they_were_sent_to():
    conversation = Conversation()
    usage = {"total_input_tokens": 1_000_000, "total_output_tokens": 0}
    first = turn_with(conversation, usage)
    conversation.settings.model = "other"
    second = turn_with(conversation, usage)
    assert (model_of(first), model_of(second)) == ("gemini-3.6-flash", "other")
    prices = {"gemini-3.6-flash": Price(0.3, 2.5)}
    assert turn_cost(first, prices) == pytest.approx(0.3)
    assert turn_cost(second, prices) is None
    total = total_cost(conversation.turns, prices)
    assert total is not None and total.amount == pytest.approx(0.3) and total.partial
    assert format_total(total) == "$0.300+"
    assert total_cost(conversation.turns, {}) is None
    assert total_cost([Turn()], prices) is None


@pytest.mark.parametrize(
    ("amount", "text"), [(0.00123, "$0.0012"), (0.1234, "$0.123"), (12.345, "$12.35")]
)
def test_format_cost(amount, text):
    assert format_cost(amount) == text
