"""The history side of a chat: where each turn is written, and how a stored chat is reopened.

Both front ends write through :class:`ChatHistory` (the turn runner calls it), so they share
one rule: **the history never stops a chat.** The first :class:`StoreError` is reported once
through ``on_failure`` (the TUI shows a notice, ``gemtui ask`` a line on stderr) and the
history is off from then on; the chat goes on.

Where a turn goes in the tree of turns is not tracked separately: it follows the turn before
it in the conversation (:meth:`Conversation.parent_row`), which is the head of the branch in
use, or the point a rewind went back to.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from gemtui.api.models import Interaction
from gemtui.core.conversation import Conversation
from gemtui.core.store import Store, StoredRow, StoreError
from gemtui.core.store_recorder import TurnRecorder
from gemtui.core.store_records import ConversationSummary, StoredTurn
from gemtui.core.turn import StoredAt, Turn


@dataclass
class StoredOlderTurns:
    """The turns of a stored chat's branch in use before those in memory (lazy loading)."""

    store: Store
    conversation_id: int
    #: Turns with an ordinal below this are not read yet (0: none left).
    before: int
    unloaded_tokens: int = 0
    #: How many turns are not read yet.
    count: int = 0

    @property
    def remaining(self) -> bool:
        return self.before > 0

    def load(self, limit: int | None) -> list[Turn]:
        """Read the newest ``limit`` of them (all with ``None``), oldest first."""
        if not self.before:
            return []
        stored = self.store.load_turns(
            self.conversation_id, self.before, None if limit is None else limit + 1
        )
        more = limit is not None and len(stored) > limit
        if limit is not None:
            stored = stored[-limit:]
        self.before = stored[0].ordinal if more and stored else 0
        turns = [item.turn for item in stored]
        arrived = sum((turn.usage.total_tokens or 0) for turn in turns if turn.usage)
        self.unloaded_tokens = 0 if not self.before else max(0, self.unloaded_tokens - arrived)
        self.count = 0 if not self.before else max(0, self.count - len(turns))
        return turns


@dataclass
class OpenedChat:
    """A stored conversation ready to continue: its newest turns are in ``conversation``."""

    summary: ConversationSummary
    conversation: Conversation


class Unset(enum.Enum):
    """A parameter not given (``None`` is a value: a row at the root)."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


class ChatHistory:
    """Writes one chat's turns to the store (``store`` ``None``: history is off)."""

    def __init__(
        self, store: Store | None, on_failure: Callable[[StoreError], None] = lambda _e: None
    ) -> None:
        self.store = store
        self.on_failure = on_failure
        #: The chat's row in the store (``None``: nothing written yet).
        self.conversation_id: int | None = None
        #: An interaction opened by id that the history holds already is written again into
        #: its newest row (``gemtui ask --wait`` run twice), not into a new conversation.
        self.reopens_stored = False
        #: Where this chat's requests go (``core.jobs.endpoint_of``), kept with each
        #: background run it starts: F4 lists only the runs of the server in use.
        self.endpoint: str | None = None

    def new_chat(self) -> None:
        """The next turn starts a new conversation in the store."""
        self.conversation_id = None

    def failed(self, error: StoreError) -> None:
        """Say once why the history stops, and stop it."""
        if self.store is not None:
            self.store = None
            self.on_failure(error)

    # ------------------------------------------------------------------ writing turns

    def begin(
        self, conversation: Conversation, turn: Turn, *, parent: int | Unset | None = UNSET
    ) -> TurnRecorder | None:
        """Write ``turn``'s row (its request is built) and return what records its steps.

        An interaction opened by id that ``gemtui ask --background`` left pending is completed
        in its own row (with ``reopens_stored``, the newest row holding it is written anew); a
        chat that continues a stored interaction (``ask --continue``) joins that
        interaction's conversation. ``parent``: the row it follows, when that is not the
        row of the turn before it in memory.
        """
        store = self.store
        if store is None:
            return None
        try:
            pending = self._row_to_reopen(store, turn)
            if pending is not None:
                self.conversation_id = pending.conversation_id
                turn.stored = StoredAt(pending.turn_id, pending.parent_id)
                return TurnRecorder(store, pending.turn_id, turn.reply.state)
            if isinstance(parent, Unset):
                parent = conversation.parent_row(turn)
            if self.conversation_id is None:
                self.conversation_id, parent = self._conversation_for(conversation, parent)
            recorder = TurnRecorder.start(
                store,
                self.conversation_id,
                turn,
                conversation.settings,
                parent_turn_id=parent,
                previous_interaction_id=turn.asked.request.get("previous_interaction_id"),
            )
        except StoreError as error:
            self.failed(error)
            return None
        turn.stored = StoredAt(recorder.turn_id, parent)
        return recorder

    def _row_to_reopen(self, store: Store, turn: Turn) -> StoredRow | None:
        """The row an opened interaction is written into instead of a new one: its pending
        row, or (``reopens_stored``) its newest row, whose steps so far go."""
        interaction_id = turn.interaction_id
        if turn.asked.kind != "opened" or not interaction_id:
            return None
        found = store.find_pending(interaction_id)
        if found is None and self.reopens_stored:
            found = store.find_stored(interaction_id)
            if found is not None:
                store.clear_steps(found.turn_id)
        return found

    def _conversation_for(
        self, conversation: Conversation, parent: int | None
    ) -> tuple[int, int | None]:
        assert self.store is not None
        if parent is None and conversation.continues:
            found = self.store.find_interaction(conversation.continues)
            if found is not None:
                return found
        return self.store.create_conversation(conversation.settings), parent

    def resume(self, turn: Turn) -> TurnRecorder | None:
        """Record more of a turn already written (a resumed stream, a continued answer)."""
        if self.store is None or turn.stored is None:
            return None
        return TurnRecorder(self.store, turn.stored.turn_id, turn.reply.state)

    def replace(self, turn: Turn) -> TurnRecorder | None:
        """Record a turn already written again from its first step (its answer was fetched
        whole from the server): the steps stored so far go."""
        if self.store is None or turn.stored is None:
            return None
        try:
            self.store.clear_steps(turn.stored.turn_id)
        except StoreError as error:
            self.failed(error)
            return None
        return TurnRecorder(self.store, turn.stored.turn_id, turn.reply.state)

    def finish(self, recorder: TurnRecorder | None, turn: Turn) -> None:
        """Write what is left of the turn and how it ended."""
        if recorder is None or self.store is None:
            return
        recorder.finish(turn)
        if recorder.error is not None:
            self.failed(recorder.error)

    def started_in_background(
        self, recorder: TurnRecorder | None, interaction: Interaction
    ) -> None:
        """A background run was accepted: keep its row pending with its id, so the process
        that fetches the result (``ask --wait``) completes it."""
        if recorder is None or self.store is None:
            return
        try:
            self.store.finish_turn(
                recorder.turn_id,
                "pending",
                interaction_id=interaction.id,
                status=interaction.status,
                endpoint=self.endpoint,
            )
        except StoreError as error:
            self.failed(error)

    # ------------------------------------------------------------------ reading a chat back

    def open(self, conversation_id: int, batch: int) -> OpenedChat:
        """The stored conversation with its newest ``batch`` turns in memory; older ones load
        through ``conversation.older``. Raises :class:`StoreError` (the caller says why)."""
        store = self.store
        if store is None:
            raise StoreError("History is off for this session.")
        summary = store.get_conversation(conversation_id)
        if summary is None:
            raise StoreError(f"no conversation {conversation_id} in the history.")
        stored: list[StoredTurn] = store.load_turns(conversation_id, limit=batch + 1)
        has_older = len(stored) > batch
        stored = stored[-batch:]
        turns = [item.turn for item in stored]
        older = StoredOlderTurns(
            store, conversation_id, before=stored[0].ordinal if has_older and stored else 0
        )
        if has_older:
            loaded_tokens = sum((turn.usage.total_tokens or 0) for turn in turns if turn.usage)
            count, tokens = store.branch_totals(conversation_id)
            older.count = max(0, count - len(turns))
            older.unloaded_tokens = max(0, tokens - loaded_tokens)
        conversation = Conversation(
            settings=store.conversation_settings(conversation_id),
            turns=turns,
            base_row=stored[0].parent_turn_id if stored else None,
            older=older,
        )
        self.conversation_id = conversation_id
        return OpenedChat(summary, conversation)
