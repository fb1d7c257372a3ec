"""Write one streaming turn to the history as it arrives: the glue between the assembler's
:class:`~gemtui.core.assembler.Change` records and :class:`~gemtui.core.store.Store`.

:class:`~gemtui.core.chat_history.ChatHistory` drives it for the turn runner: ``start`` before
the request, ``on_change`` after every ``apply``, ``finish`` once the stream has ended. A step
is written when its ``step.stop`` arrives, so a crash loses at most the step in flight;
``finish`` also writes steps that never stopped (a cut-off stream), marked not done.

Recording never interrupts a chat: the first :class:`~gemtui.core.store.StoreError` is kept in
:attr:`TurnRecorder.error` for the caller to show, and the recorder writes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gemtui.core.assembler import Change, InteractionState
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store, StoreError
from gemtui.core.turn import Turn


class TurnRecorder:
    """Records one turn of one conversation into the store."""

    def __init__(self, store: Store, turn_id: int, state: InteractionState) -> None:
        self.store = store
        self.turn_id = turn_id
        self.error: StoreError | None = None
        self._state = state
        self._stopped: set[int] = set()

    @classmethod
    def start(
        cls,
        store: Store,
        conversation_id: int,
        turn: Turn,
        settings: ChatSettings,
        *,
        parent_turn_id: int | None,
        previous_interaction_id: str | None = None,
    ) -> TurnRecorder:
        """Write the turn's row (prompt, attachments, settings) and record into it.

        Raises :class:`StoreError` if even that fails: the caller decides whether to go on
        without history.
        """
        turn_id = store.start_turn(
            conversation_id,
            turn,
            settings,
            parent_turn_id=parent_turn_id,
            previous_interaction_id=previous_interaction_id,
        )
        return cls(store, turn_id, turn.reply.state)

    def on_change(self, change: Change) -> None:
        """Call after each ``apply``: keeps the interaction id, writes each stopped step."""
        if self.error is not None:
            return
        if change.kind == "created" and self._state.interaction.id:
            self._guard(self.store.mark_created, self.turn_id, self._state.interaction.id)
        elif change.kind == "step_stopped":
            position = _position(self._state, change.step_index)
            if position is not None:
                self._stopped.add(position)
                self._guard(
                    self.store.record_step, self.turn_id, self._state.steps[position], position
                )

    def finish(self, turn: Turn) -> None:
        """Write the steps still open and the turn's outcome, usage and error."""
        if self.error is not None:
            return
        for position, step in enumerate(self._state.steps):
            if position not in self._stopped:
                self._guard(self.store.record_step, self.turn_id, step, position)
        interaction = self._state.interaction
        reply = turn.reply
        self._guard(
            self.store.finish_turn,
            self.turn_id,
            reply.outcome,
            interaction.usage,
            interaction.id,
            reply.error if reply.error is not None else _stream_error(self._state),
            status=interaction.status,
            exchange=turn.asked.exchange,
        )

    def _guard(self, write: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        if self.error is not None:
            return
        try:
            write(*args, **kwargs)
        except StoreError as error:
            self.error = error


def _position(state: InteractionState, index: int | None) -> int | None:
    """Where in ``state.steps`` the latest step with this wire index is."""
    for position in range(len(state.steps) - 1, -1, -1):
        if state.steps[position].index == index:
            return position
    return None


def _stream_error(state: InteractionState) -> str | None:
    error = state.error
    if error is None:
        return None
    return f"{error.message or 'error'} ({error.code})" if error.code else error.message
