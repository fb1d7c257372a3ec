"""What ``gemtui ask`` keeps in the history: each question as a turn, unless ``--no-history``.

A run that continues an earlier interaction (``--continue``) becomes the next turn of the
conversation that interaction belongs to, so a scripted chat reads as one conversation in the
TUI. A ``--background`` run is saved as a pending turn and completed by the ``--wait`` that
fetches its result.

The history is a convenience here, never a reason to fail: if it cannot be opened or written,
the run goes on and one line on stderr says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from gemtui.api.models import Interaction
from gemtui.core.assembler import StepState
from gemtui.core.conversation import Conversation, Turn
from gemtui.core.store import Store, StoreError
from gemtui.core.store_recorder import TurnRecorder
from gemtui.headless.output import Messages


class AskHistory:
    """The store, opened for one ``gemtui ask`` run."""

    def __init__(self, store: Store, messages: Messages) -> None:
        self.store = store
        self._messages = messages
        #: The conversation this run writes to and its last turn's row: a stateless run
        #: (``--no-store``) has no interaction id to find them by between tool rounds.
        self._written: tuple[Conversation, int, int] | None = None

    @classmethod
    def open(cls, secrets: Iterable[str], messages: Messages) -> AskHistory | None:
        try:
            return cls(Store.open_default(secrets=secrets), messages)
        except StoreError as error:
            cls._warn(messages, error)
            return None

    def close(self) -> None:
        self.store.close()

    def begin(self, conversation: Conversation, turn: Turn) -> TurnRecorder | None:
        """Write the turn's prompt; the recorder then writes its steps as they stop."""
        previous = conversation.previous_interaction_id
        try:
            found = self.store.find_interaction(previous) if previous else None
            if found is None and self._written and self._written[0] is conversation:
                found = self._written[1:]
            if found is None:
                conversation_id = self.store.create_conversation(conversation.settings)
                parent = None
            else:
                conversation_id, parent = found
            recorder = TurnRecorder.start(
                self.store,
                conversation_id,
                turn,
                conversation.settings,
                parent_turn_id=parent,
                previous_interaction_id=previous,
            )
            self._written = (conversation, conversation_id, recorder.turn_id)
            return recorder
        except StoreError as error:
            self._warn(self._messages, error)
            return None

    def finish(self, recorder: TurnRecorder, turn: Turn) -> None:
        recorder.finish(turn)
        if recorder.error is not None:
            self._warn(self._messages, recorder.error)

    def started_in_background(self, recorder: TurnRecorder, interaction: Interaction) -> None:
        """A background run was accepted: keep its id so ``--wait`` can complete the turn."""
        try:
            self.store.finish_turn(
                recorder.turn_id,
                "pending",
                interaction_id=interaction.id,
                status=interaction.status,
            )
        except StoreError as error:
            self._warn(self._messages, error)

    def complete_waited(self, interaction: Interaction) -> None:
        """``--wait`` fetched a run this history started: store its steps and outcome."""
        try:
            found = self.store.find_interaction(interaction.id) if interaction.id else None
            if found is None:
                return
            turn_id = found[1]
            outputs = [s for s in interaction.steps or () if s.type != "user_input"]
            for position, step in enumerate(outputs):
                self.store.record_step(
                    turn_id, StepState(index=position, started_at=0.0, done=True, _model=step),
                    position,
                )  # fmt: skip
            status = interaction.status or "completed"
            outcome = status if status in _OUTCOMES else "completed"
            self.store.finish_turn(
                turn_id, outcome, interaction.usage, interaction.id, status=interaction.status
            )
        except StoreError as error:
            self._warn(self._messages, error)

    @staticmethod
    def _warn(messages: Messages, error: StoreError) -> None:
        hint = f" {error.hint}" if error.hint else ""
        messages.say(f"the history was not saved: {error}{hint}")


_OUTCOMES = frozenset({"completed", "requires_action", "incomplete", "cancelled", "failed"})
