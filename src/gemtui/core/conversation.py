"""A chat: the turns so far and how the next request continues them.

Two ways to continue a conversation (``shared/interactions-api.md`` 2.3 and 2.9):

* **stateful** (default): the server keeps the history; each request names the last stored
  interaction in ``previous_interaction_id``.
* **stateless**: nothing is stored (``store: false``); each request resends the whole history
  as steps, exactly as the server sent them, because thought signatures must come back
  unchanged.

Tools, system instruction and generation config are per interaction on this API (they are not
inherited through ``previous_interaction_id``), so every request carries the settings in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.models import TERMINAL_STATUSES, WAITING_STATUSES, FunctionCallStep, Usage
from gemtui.core.assembler import InteractionState, assembled_interaction, new_state

Outcome = Literal[
    "pending", "streaming", "completed", "requires_action", "incomplete", "cancelled",
    "interrupted", "failed",
]  # fmt: skip

#: Outcomes after which the turn's interaction is stored server-side and can be chained onto.
CHAINABLE_OUTCOMES = frozenset({"completed", "requires_action", "incomplete"})


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
    background: bool = False
    #: Where an agent runs (``interactions-api.md`` 2.8): ``"remote"`` (a fresh sandbox), an
    #: environment id, or a config object; ``None`` continues the chat's environment.
    environment: str | dict[str, Any] | None = None

    @property
    def mode_label(self) -> str:
        return "stateful" if self.stateful else "stateless"


@dataclass
class Turn:
    """One prompt and the interaction that answers it."""

    prompt: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: How each attachment is shown (``name · kind · size``), for a resend to show it alike.
    attachment_labels: list[str] = field(default_factory=list)
    state: InteractionState = field(default_factory=new_state)
    outcome: Outcome = "pending"
    error: Exception | None = None
    #: Extra input steps sent with this turn (function results), already in wire form.
    extra_input: list[dict[str, Any]] = field(default_factory=list)
    #: Error results for calls the previous turn left unanswered, sent before this turn's input
    #: (set by :meth:`Conversation.build_request`).
    closing_results: list[dict[str, Any]] = field(default_factory=list)
    #: The create body as sent (kept for recordings and the timeline; it never holds the key).
    request: dict[str, Any] = field(default_factory=dict)
    #: Played back from a recording: nothing of it happens again (no local tool runs for it).
    replayed: bool = False
    #: Where the chain stood when this turn started (the interaction it continued and how many
    #: stateless history steps came before it): what :meth:`Conversation.rewind` goes back to.
    chained_from: str | None = None
    history_before: int = 0
    open_calls_before: list[dict[str, str]] = field(default_factory=list)
    #: Its row in the history store and the row it follows (a branch starts from the latter).
    stored_id: int | None = None
    stored_parent: int | None = None

    @property
    def user_input_step(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = [*self.attachments]
        if self.prompt:
            content.append({"type": "text", "text": self.prompt})
        return {"type": "user_input", "content": content}

    @property
    def usage(self) -> Usage | None:
        return self.state.interaction.usage

    def settle(self) -> None:
        """Set the outcome from the final interaction status once the stream has ended."""
        status = self.state.status
        if self.state.error is not None and status not in TERMINAL_STATUSES | WAITING_STATUSES:
            self.outcome = "failed"
        elif status in ("completed", "requires_action", "incomplete", "cancelled", "failed"):
            self.outcome = status
        elif status == "requires_continuation":
            self.outcome = "incomplete"
        elif self.state.completed:
            self.outcome = "completed"
        else:
            self.outcome = "interrupted"


@dataclass
class Conversation:
    """The turns of one chat plus what chains the next request onto them."""

    settings: ChatSettings = field(default_factory=ChatSettings)
    turns: list[Turn] = field(default_factory=list)
    #: Id of the last stored interaction (stateful mode).
    previous_interaction_id: str | None = None
    #: The wire steps resent in stateless mode, exactly as received.
    history: list[dict[str, Any]] = field(default_factory=list)
    #: The agent environment the server last reported (``environment_id``).
    environment_id: str | None = None
    #: False once a stateful turn has gone by: ``history`` then lacks it, and is rebuilt from
    #: the turns in memory before the next stateless request.
    history_current: bool = True
    #: Tokens of earlier turns that are not in ``turns`` (a long stored chat loads lazily).
    unloaded_tokens: int = 0
    #: Function calls (``{"call_id", "name"}``) the chained interaction still waits for.
    open_calls: list[dict[str, str]] = field(default_factory=list)

    def start_turn(self, prompt: str, attachments: list[dict[str, Any]] | None = None) -> Turn:
        turn = Turn(
            prompt=prompt,
            attachments=list(attachments or []),
            chained_from=self.previous_interaction_id,
            history_before=len(self.history),
            open_calls_before=list(self.open_calls),
        )
        self.turns.append(turn)
        return turn

    def rewind(self, turn_index: int) -> list[Turn]:
        """Go back to just before ``turns[turn_index]``, to send something else from there.

        That turn and every later one leave ``turns`` (they are returned); the chain is put back
        as it was when that turn started, so the next request branches from the same point:
        stateful, chained onto the interaction the dropped turn continued; stateless, with the
        history that came before it.
        """
        dropped = self.turns[turn_index:]
        if dropped:
            first = dropped[0]
            self.previous_interaction_id = first.chained_from
            self.open_calls = list(first.open_calls_before)
            del self.history[first.history_before :]
            self.history_current = False  # rebuilt from the turns left, if it is needed
            del self.turns[turn_index:]
        return dropped

    def build_request(self, turn: Turn) -> dict[str, Any]:
        """The create body for ``turn`` under the settings in force now."""
        settings = self.settings
        body: dict[str, Any] = {}
        if settings.agent:
            body["agent"] = settings.agent
            # Chained agent turns must name their environment too (interactions-api.md 2.7).
            body["environment"] = settings.environment or self.environment_id or "remote"
        else:
            body["model"] = settings.model
            if settings.generation_config:
                body["generation_config"] = dict(settings.generation_config)
        turn.closing_results = self._closing_results(turn)
        new_steps = [*turn.closing_results]
        if turn.prompt or turn.attachments:
            new_steps.append(turn.user_input_step)
        new_steps += turn.extra_input
        if not settings.stateful and not self.history_current:
            # Switched from stateful: what the server kept must now be resent.
            self.history = self._history_of_turns(until=turn)
            self.history_current = True
            turn.history_before = len(self.history)
        if settings.stateful and self.previous_interaction_id:
            body["input"] = new_steps
            body["previous_interaction_id"] = self.previous_interaction_id
        elif settings.stateful:
            # The first stored turn, or the first after stateless ones: it carries the history.
            body["input"] = [*self.history, *new_steps]
        else:
            body["input"] = [*self.history, *new_steps]
            body["store"] = False
        if settings.system_instruction:
            body["system_instruction"] = settings.system_instruction
        if settings.tools:
            body["tools"] = list(settings.tools)
        if settings.response_format is not None:
            body["response_format"] = settings.response_format
        if settings.background and settings.stateful:
            body["background"] = True
        return body

    def _history_of_turns(self, until: Turn) -> list[dict[str, Any]]:
        """The wire history of the chained turns before ``until``, as finish_turn builds it.

        Only turns in memory count: a reopened chat whose older turns are not loaded yet
        resends what is loaded.
        """
        history: list[dict[str, Any]] = []
        for earlier in self.turns:
            if earlier is until:
                break
            if earlier.outcome in CHAINABLE_OUTCOMES:
                history += turn_history(earlier)
        return history

    def _closing_results(self, turn: Turn) -> list[dict[str, Any]]:
        """Error results for the open calls ``turn`` does not answer itself.

        A function call must be answered before the conversation goes on, so when the user
        denies nothing but simply writes a new prompt (or stopped a running tool), each open
        call gets a result that says it was not run.
        """
        answered = {step.get("call_id") for step in turn.extra_input}
        return [
            {
                "type": "function_result",
                "call_id": call["call_id"],
                "name": call["name"],
                "result": "Not run: the user went on without running this call.",
                "is_error": True,
            }
            for call in self.open_calls
            if call["call_id"] not in answered
        ]

    def finish_turn(self, turn: Turn) -> None:
        """Chain the next request onto ``turn`` if it produced a usable interaction.

        A failed, cancelled or interrupted turn is left out of the chain, so the next prompt
        continues from the last good answer rather than from a broken one.
        """
        if turn.outcome not in CHAINABLE_OUTCOMES:
            return
        self.environment_id = turn.state.interaction.environment_id or self.environment_id
        steps = assembled_interaction(turn.state).steps or []
        self.open_calls = (
            [
                {"call_id": step.id or "", "name": step.name or ""}
                for step in steps
                if isinstance(step, FunctionCallStep)
            ]
            if turn.outcome == "requires_action"
            else []
        )
        if self.settings.stateful:
            if turn.state.interaction.id:
                self.previous_interaction_id = turn.state.interaction.id
            self.history_current = False
        else:
            # Nothing of this turn is stored at the server: a stateful turn after it must
            # resend the history rather than chain onto an interaction that lacks it.
            self.previous_interaction_id = None
            self.history.extend(turn_history(turn))

    def total_tokens(self) -> int:
        """Tokens used by the whole conversation so far (as the server counted them)."""
        loaded = sum((turn.usage.total_tokens or 0) for turn in self.turns if turn.usage)
        return self.unloaded_tokens + loaded


def turn_history(turn: Turn) -> list[dict[str, Any]]:
    """What a chained turn adds to the stateless history: its input, then its output."""
    steps = [*turn.closing_results]
    if turn.prompt or turn.attachments:
        steps.append(turn.user_input_step)
    steps += turn.extra_input
    steps += [step.to_wire() for step in assembled_interaction(turn.state).steps or []]
    return steps
