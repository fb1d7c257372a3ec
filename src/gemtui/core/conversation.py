"""A chat: its turns, and how the next request continues them.

Two ways to continue a conversation (``shared/interactions-api.md`` 2.3 and 2.9):

* **stateful** (default): the server keeps the history; each request names the last stored
  interaction in ``previous_interaction_id``.
* **stateless**: nothing is stored (``store: false``); each request resends the whole history
  as steps, exactly as the server sent them, because thought signatures must come back
  unchanged.

The list of turns is the only state. Where the chain stands (the interaction to chain onto,
the stateless history, the function calls still open, the agent's environment) is computed
from the turns each time a request is built, so rewinding to branch, switching modes mid-chat,
or loading older turns of a stored chat can never leave a cached copy behind.

Tools, system instruction and generation config are per interaction on this API (they are not
inherited through ``previous_interaction_id``), so every request carries the settings in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from gemtui.api.models import FunctionCallStep
from gemtui.core.assembler import assembled_interaction
from gemtui.core.compress import is_chain_root, summary_history
from gemtui.core.turn import ENDED_OUTCOMES, Asked, Turn

#: What a function call left unanswered is answered with when the chat goes on without it.
NOT_RUN = "Not run: the user went on without running this call."


@dataclass
class ChatSettings:
    """What the next request is made with; changes apply from the next turn on."""

    model: str = "gemini-3.6-flash"
    agent: str | None = None
    system_instruction: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    generation_config: dict[str, Any] = field(default_factory=dict)
    response_format: dict[str, Any] | list[dict[str, Any]] | None = None
    stateful: bool = True
    #: Send prompts as background runs (a front-end choice: see ``build_request``).
    background: bool = False
    #: Continue an answer that stops at a per-request decode limit (``requires_continuation``)
    #: automatically, as the official SDK does; off, the turn stops there and the user decides.
    auto_continue: bool = True
    #: Where an agent runs (``interactions-api.md`` 2.8): ``"remote"`` (a fresh sandbox), an
    #: environment id, or a config object; ``None`` continues the chat's environment.
    environment: str | dict[str, Any] | None = None
    #: Output kinds no response format names (a document), see core.request_options.
    response_modalities: list[str] = field(default_factory=list)
    service_tier: str | None = None
    safety_settings: list[dict[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    #: ``agent_config`` of agent requests (``interactions-api.md`` 2.7), typed by its ``type``.
    agent_config: dict[str, Any] | None = None

    @property
    def mode_label(self) -> str:
        return "stateful" if self.stateful else "stateless"


class OlderTurns(Protocol):
    """Turns of the branch in use that come before those in memory (a stored chat opens on
    its last turns). ``load`` returns the newest ``limit`` of them (all with ``None``), oldest
    first, and moves past them; it may raise the store's error."""

    @property
    def remaining(self) -> bool: ...

    @property
    def unloaded_tokens(self) -> int: ...

    @property
    def count(self) -> int: ...

    def load(self, limit: int | None) -> list[Turn]: ...


@dataclass(frozen=True, slots=True)
class OpenCall:
    """A function call the chained interaction still waits for."""

    call_id: str
    name: str


@dataclass
class Conversation:
    """The turns of one chat plus what the next request is made with."""

    settings: ChatSettings = field(default_factory=ChatSettings)
    turns: list[Turn] = field(default_factory=list)
    #: The stored interaction this chat continues before its first turn (``ask --continue``).
    continues: str | None = None
    #: The history row the first turn in memory follows (set when a stored chat is opened).
    base_row: int | None = None
    #: Turns not read yet from the history; ``None`` when every turn is in memory.
    older: OlderTurns | None = None

    # ------------------------------------------------------------------ the list of turns

    def start_turn(self, asked: Asked) -> Turn:
        turn = Turn(asked=asked)
        self.turns.append(turn)
        return turn

    def rewind(self, turn_index: int) -> list[Turn]:
        """Go back to just before ``turns[turn_index]``, to send something else from there.

        That turn and every later one leave the list (they are returned); the next request
        continues from the turns left, so it branches from the same point the dropped turn
        started from, in either mode.
        """
        dropped = self.turns[turn_index:]
        del self.turns[turn_index:]
        return dropped

    @property
    def has_older(self) -> bool:
        return self.older is not None and self.older.remaining

    @property
    def unloaded_turns(self) -> int:
        """How many turns come before those in memory: the first one's number is this + 1."""
        return self.older.count if self.older is not None and self.older.remaining else 0

    def load_older(self, limit: int | None) -> list[Turn]:
        """Read up to ``limit`` older turns (all of them with ``None``) in front of the others;
        returns them, oldest first."""
        if self.older is None or not self.older.remaining:
            return []
        loaded = self.older.load(limit)
        self.turns[:0] = loaded
        if loaded and loaded[0].stored is not None:
            self.base_row = loaded[0].stored.parent_id
        return loaded

    def needs_older(self, until: Turn | None = None) -> bool:
        """Whether the request for ``until`` (or for a new turn) needs turns not read yet:
        a stateless request resends everything, and a stateful one whose last chained turn is
        not a stored interaction resends the history too."""
        if not self.has_older:
            return False
        if self._root_index(until) is not None:
            return False  # the chain starts at a summary in memory
        if not self.settings.stateful:
            return True
        last = self._last_chained(until)
        return last is None or _chain_id(last) is None

    def parent_row(self, turn: Turn) -> int | None:
        """The history row ``turn`` follows: the turn before it in memory (the head of the
        branch in use, or where a rewind branched from)."""
        index = self._index(turn)
        if index == 0:
            return self.base_row
        before = self.turns[index - 1]
        return before.stored.turn_id if before.stored is not None else None

    def row_chained_to(self, interaction_id: str | None) -> int | None:
        """The history row a background run follows: the last turn of the chat that has
        ended, which need not be the last turn: one started while a turn streams goes on from
        the turn before that (its ``previous_interaction_id``). Turns that ended without
        going into the chain (cancelled, failed) stay before it, as the chat showed them:
        put after the turn it chains onto, it left them on a branch of their own, out of
        sight once the run was opened. No turn: where this chat starts."""
        for turn in reversed(self.turns):
            if turn.reply.outcome in ENDED_OUTCOMES or (
                interaction_id and turn.interaction_id == interaction_id
            ):
                return turn.stored.turn_id if turn.stored is not None else None
        return self.base_row

    def _index(self, turn: Turn | None) -> int:
        """Where ``turn`` is in the list; the end for ``None`` or a turn not in it."""
        for index, candidate in enumerate(self.turns):
            if candidate is turn:
                return index
        return len(self.turns)

    # ------------------------------------------------------------------ the chain, computed

    def _root_index(self, until: Turn | None) -> int | None:
        """Where the last completed summary before ``until`` is: the chain of the request for
        ``until`` starts there (see :mod:`gemtui.core.compress`); ``None``: there is none."""
        for index in range(self._index(until) - 1, -1, -1):
            if is_chain_root(self.turns[index]):
                return index
        return None

    def _last_chained(self, until: Turn | None) -> Turn | None:
        for turn in reversed(self.turns[: self._index(until)]):
            if turn.chainable:
                return turn
        return None

    def previous_id_for(self, until: Turn | None = None) -> str | None:
        """The interaction the request for ``until`` (or a new turn) chains onto, if any."""
        last = self._last_chained(until)
        if last is None:
            return None if self.has_older else self.continues
        if is_chain_root(last):
            return None  # its interaction holds the chain the summary replaces
        return _chain_id(last)

    def chained_turn(self, until: Turn | None = None) -> Turn | None:
        """The turn whose interaction the request for ``until`` chains onto (``None``: it
        chains onto nothing, or onto ``continues``)."""
        last = self._last_chained(until)
        if last is None or is_chain_root(last):
            return None
        return last if _chain_id(last) else None

    def open_calls_for(self, until: Turn | None = None) -> list[OpenCall]:
        """The function calls still unanswered before ``until`` (or a new turn)."""
        last = self._last_chained(until)
        return _open_calls(last) if last is not None else []

    def history_for(self, until: Turn | None = None) -> list[dict[str, Any]]:
        """The wire history of the chained turns before ``until`` (or a new turn): each
        one's input, then its output, exactly as sent and received."""
        history: list[dict[str, Any]] = []
        open_calls: list[OpenCall] = []
        for turn in self.turns[self._root_index(until) or 0 : self._index(until)]:
            if is_chain_root(turn):
                history = summary_history(turn)
            elif turn.chainable:
                history += turn_history(turn, open_calls)
                open_calls = _open_calls(turn)
        return history

    @property
    def previous_interaction_id(self) -> str | None:
        return self.previous_id_for()

    @property
    def history(self) -> list[dict[str, Any]]:
        return self.history_for()

    @property
    def environment_id(self) -> str | None:
        """The agent environment the server last reported for this chat."""
        for turn in reversed(self.turns):
            if turn.chainable and turn.reply.state.interaction.environment_id:
                return turn.reply.state.interaction.environment_id
        return None

    # ------------------------------------------------------------------ requests

    def build_request(self, turn: Turn, *, background: bool = False) -> dict[str, Any]:
        """The create body for ``turn`` under the settings in force now (it also becomes
        ``turn.asked.request``). ``background``: a background run, which must be stored."""
        settings = self.settings
        asked = turn.asked
        body: dict[str, Any] = {}
        if settings.agent:
            body["agent"] = settings.agent
            # Chained agent turns must name their environment too (interactions-api.md 2.7).
            body["environment"] = settings.environment or self.environment_id or "remote"
            if settings.agent_config:
                body["agent_config"] = dict(settings.agent_config)
        else:
            body["model"] = settings.model
            if settings.generation_config:
                body["generation_config"] = dict(settings.generation_config)
        new_steps = [*closing_results(self.open_calls_for(turn), asked.results)]
        if asked.has_user_input:
            new_steps.append(asked.user_input_step)
        new_steps += asked.results
        previous = self.previous_id_for(turn) if settings.stateful else None
        if previous:
            body["input"] = new_steps
            body["previous_interaction_id"] = previous
        else:
            # Stateless, or the first stored turn (or the first after stateless ones, or after
            # the server lost the chain): the history goes with it.
            body["input"] = [*self.history_for(turn), *new_steps]
            if not settings.stateful:
                body["store"] = False
        if settings.system_instruction:
            body["system_instruction"] = settings.system_instruction
        summary = asked.kind == "summary"  # a plain text answer: no tool calls, no schema
        if settings.tools and not summary:
            body["tools"] = list(settings.tools)
        if settings.response_format is not None and not summary:
            body["response_format"] = settings.response_format
        for name in ("response_modalities", "service_tier", "safety_settings", "labels"):
            value = getattr(settings, name)
            if value:
                body[name] = value
        if background:
            body["background"] = True
        asked.stateful = settings.stateful
        asked.request = body
        return body

    def total_tokens(self) -> int:
        """Tokens used by the whole conversation so far (as the server counted them)."""
        loaded = sum((turn.usage.total_tokens or 0) for turn in self.turns if turn.usage)
        return loaded + (self.older.unloaded_tokens if self.older is not None else 0)


def _chain_id(turn: Turn) -> str | None:
    """The id to chain onto after ``turn``: only a stored interaction the server still has."""
    if not turn.asked.stateful or turn.reply.chain_lost:
        return None
    return turn.interaction_id


def _open_calls(turn: Turn) -> list[OpenCall]:
    if turn.reply.outcome != "requires_action":
        return []
    return [
        OpenCall(step.id or "", step.name or "")
        for step in assembled_interaction(turn.reply.state).steps or []
        if isinstance(step, FunctionCallStep)
    ]


def closing_results(
    open_calls: list[OpenCall], results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Error results for the open calls that ``results`` do not answer.

    A function call must be answered before the conversation goes on, so when the user
    denies nothing but simply writes a new prompt (or stopped a running tool), each open call
    gets a result that says it was not run.
    """
    answered = {step.get("call_id") for step in results}
    return [
        {
            "type": "function_result",
            "call_id": call.call_id,
            "name": call.name,
            "result": NOT_RUN,
            "is_error": True,
        }
        for call in open_calls
        if call.call_id not in answered
    ]


def turn_history(turn: Turn, open_calls: list[OpenCall]) -> list[dict[str, Any]]:
    """What a chained turn adds to the stateless history: its input (with the closing results
    for the ``open_calls`` it left unanswered), then its output."""
    asked = turn.asked
    steps = closing_results(open_calls, asked.results)
    if asked.has_user_input:
        steps.append(asked.user_input_step)
    steps += asked.results
    steps += [step.to_wire() for step in assembled_interaction(turn.reply.state).steps or []]
    return steps
