"""Write one streaming turn to the history as it arrives: the glue between the assembler's
:class:`~gemtui.core.assembler.Change` records and :class:`~gemtui.core.store.Store`.

:class:`~gemtui.core.chat_history.ChatHistory` drives it for the turn runner: ``start`` before
the request, ``on_change`` after every ``apply``, ``finish`` once the stream has ended. A step
is written at the event loop's next turn after its ``step.stop`` arrives, so a crash loses at
most the steps in flight; ``finish`` also writes steps that never stopped (a cut-off stream),
marked not done.

Recording never interrupts a chat: the first :class:`~gemtui.core.store.StoreError` is kept in
:attr:`TurnRecorder.error` for the caller to show, and the recorder writes nothing more.
"""

from __future__ import annotations

import asyncio
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
        #: Stopped steps not written yet, and the loop's call that writes them.
        self._unwritten: list[int] = []
        self._writing: asyncio.Handle | None = None

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
                self._unwritten.append(position)
                self._write_soon()

    def _write_soon(self) -> None:
        """Write the stopped steps at the loop's next turn, not inside the event that stopped
        one. The next step's first text, read in the same burst, is shown first: the first
        write of a step type builds pydantic's serializer for it, milliseconds that came
        before the answer's first text (``bench/startup.py``)."""
        if self._writing is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # driven without a loop: write at once
            self._write_stopped()
            return
        self._writing = loop.call_soon(self._write_stopped)

    def _write_stopped(self) -> None:
        self._writing = None
        unwritten, self._unwritten = self._unwritten, []
        for position in unwritten:
            self._guard(self.store.record_step, self.turn_id, self._state.steps[position], position)

    def finish(self, turn: Turn) -> None:
        """Write the steps still open and the turn's outcome, usage and error."""
        if self._writing is not None:
            self._writing.cancel()
        self._write_stopped()
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
            errors=[error.to_wire() for error in interaction.errors or ()],
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
