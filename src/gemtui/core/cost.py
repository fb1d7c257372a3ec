"""Money from tokens: the price table of the config file (``[prices."MODEL"]``) applied to the
usage the API reports for each turn.

Prices are per million tokens. How the API's counts are priced:

* input: ``total_input_tokens`` minus the cached part, plus ``total_tool_use_tokens`` (what a
  tool such as Google Search gave the model to read is billed as input);
* cached: the cached part of the input, at ``cached`` (the input price when not set);
* output: ``total_output_tokens``;
* thinking: ``total_thought_tokens``, at ``thinking`` (the output price when not set: Gemini
  bills thinking as output).

A turn is priced by the model (or agent) its request named, so a chat that switched models is
priced turn by turn. A turn of a model with no price has no cost, and nothing is shown for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gemtui.api.models import Usage
from gemtui.core.turn import Turn

PER = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """Prices per million tokens, in US dollars (as Google lists them)."""

    input: float
    output: float
    thinking: float | None = None
    cached: float | None = None


Prices = Mapping[str, Price]


def usage_cost(usage: Usage | None, price: Price | None) -> float | None:
    """The cost of one turn's ``usage`` at ``price`` (``None``: nothing to price)."""
    if usage is None or price is None:
        return None
    cached = usage.total_cached_tokens or 0
    fresh = max((usage.total_input_tokens or 0) - cached, 0) + (usage.total_tool_use_tokens or 0)
    thinking = price.thinking if price.thinking is not None else price.output
    cached_price = price.cached if price.cached is not None else price.input
    total = (
        fresh * price.input
        + cached * cached_price
        + (usage.total_output_tokens or 0) * price.output
        + (usage.total_thought_tokens or 0) * thinking
    )
    return total / PER


def model_of(turn: Turn) -> str:
    """The model or agent the turn was sent to (its request, else the interaction)."""
    request = turn.asked.request
    name = request.get("agent") or request.get("model")
    if not name:
        interaction = turn.reply.state.interaction
        name = interaction.agent or interaction.model
    return str(name or "").removeprefix("models/")


def turn_cost(turn: Turn, prices: Prices) -> float | None:
    """What ``turn`` cost, when its model has a price and the API reported usage."""
    if not prices:
        return None
    return usage_cost(turn.usage, prices.get(model_of(turn)))


@dataclass(frozen=True, slots=True)
class Total:
    """The cost of several turns; ``partial`` when some of them used tokens that have no
    price (another model), or when older turns are not read yet."""

    amount: float
    partial: bool = False


def total_cost(turns: Iterable[Turn], prices: Prices, *, more: bool = False) -> Total | None:
    """The cost of ``turns`` (``None``: none of them has one); ``more``: there are turns not
    in ``turns`` (older ones of a stored chat), so the figure is a lower bound."""
    amount, priced, partial = 0.0, False, more
    for turn in turns:
        cost = turn_cost(turn, prices)
        if cost is None:
            partial = partial or turn.usage is not None
            continue
        amount += cost
        priced = True
    return Total(amount, partial) if priced else None


def format_cost(amount: float) -> str:
    """``$0.0012``, ``$0.123``, ``$12.34``: enough digits to see a single turn move it."""
    if amount < 0.1:
        return f"${amount:.4f}"
    if amount < 10:
        return f"${amount:.3f}"
    return f"${amount:,.2f}"


def format_total(total: Total) -> str:
    """A total, with ``+`` when it is a lower bound."""
    return format_cost(total.amount) + ("+" if total.partial else "")
