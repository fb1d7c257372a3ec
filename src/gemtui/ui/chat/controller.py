"""The chat behind the panes: its conversation, the runner of its turns, what is being edited.

Not a widget, and it never touches one: the app asks it to do something (send, regenerate,
edit an earlier prompt, open a stored chat, read older turns) and shows the result; what a
running turn reports comes to the app as messages (:mod:`gemtui.ui.chat.messages`) through
the runner's sink. Starting a turn gives back a coroutine, which the app runs as its one turn
worker, so Escape cancels it and no second turn starts meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from gemtui.api.errors import ApiStatusError, GemtuiApiError
from gemtui.core.chat_history import ChatHistory, OpenedChat
from gemtui.core.compress import is_chain_root
from gemtui.core.context_window import ContextUse, ModelLimits, context_used
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.jobs import Job, JobBoard
from gemtui.core.recording import Recording
from gemtui.core.safety import one_line
from gemtui.core.tools import FunctionTool
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import Approver, Notice, TurnRunner, settle_background_run
from gemtui.ui.chat.live_turn import LiveTurn

if TYPE_CHECKING:  # the client's module loads httpx: not needed to import this one
    from gemtui.api.client import InteractionsClient

#: Turns read per batch, when a stored chat opens and each time the reader nears the top.
HISTORY_BATCH = 10
#: How much of an edited prompt the status bar shows.
LABEL_LIMIT = 24


@dataclass(frozen=True, slots=True)
class EditState:
    """An earlier prompt loaded into the composer: its turn, and the draft it displaced."""

    turn: Turn
    draft: str
    label: str


class ChatController:
    """One chat at a time (a new or opened one replaces it); background runs for the session."""

    def __init__(
        self,
        *,
        settings: ChatSettings,
        client: Callable[[], InteractionsClient],
        history: ChatHistory,
        post: Callable[[Message], object],
        approve: Approver,
        tools: Callable[[], Mapping[str, FunctionTool]],
    ) -> None:
        self._client = client
        self.history = history
        self._sink = LiveTurn(post)
        self._approve = approve
        self._tools = tools
        self.conversation = Conversation(settings=settings)
        self.runner = self._runner()
        #: An earlier prompt being edited (sending it branches the chat from before it).
        self.editing: EditState | None = None
        #: Background runs of this session (F4), polled with whichever client is current.
        self.jobs = JobBoard(client)
        #: Background runs whose answers are being fetched into their rows, by id.
        self._settling: dict[str, asyncio.Task[tuple[int, int] | None]] = {}
        #: Input token limits per model (the context window), fetched when asked.
        self.limits = ModelLimits()
        #: Compress before a request once the chat fills this percentage of the window.
        self.compress_at: Callable[[], float | None] = lambda: None

    def _runner(self) -> TurnRunner:
        return TurnRunner(
            self.conversation,
            client=self._client,
            sink=self._sink,
            history=self.history,
            tools=self._tools,
            approve=self._approve,
        )

    def _use(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.runner = self._runner()
        self.editing = None

    # ------------------------------------------------------------------ which chat

    def new_chat(self, settings: ChatSettings | None = None) -> None:
        """An empty chat with ``settings`` (by default the settings in force)."""
        self.history.new_chat()
        self._use(Conversation(settings=settings or self.conversation.settings))

    def open_stored(self, conversation_id: int) -> OpenedChat:
        """Continue a stored chat (its newest turns in memory). Raises the store's error,
        and then the chat in use stays."""
        opened = self.history.open(conversation_id, HISTORY_BATCH)
        self._use(opened.conversation)
        return opened

    def use(self, conversation: Conversation, conversation_id: int | None = None) -> None:
        """Show and continue ``conversation``, made elsewhere (a capture of the inspector, a
        fork of one); its turns are stored as conversation ``conversation_id`` (``None``: a
        new one is made when the first turn is written)."""
        self.history.new_chat()
        self.history.conversation_id = conversation_id
        self._use(conversation)

    @property
    def conversation_id(self) -> int | None:
        """The chat's row in the history (``None``: nothing saved yet, or history off)."""
        return self.history.conversation_id

    def load_older(self, *, everything: bool = False) -> list[Turn]:
        """Read the next batch of older turns (``everything``: all of them) in front of the
        others (raises the store's error)."""
        return self.conversation.load_older(None if everything else HISTORY_BATCH)

    def index_of(self, turn: Turn) -> int | None:
        for index, candidate in enumerate(self.conversation.turns):
            if candidate is turn:
                return index
        return None

    # ------------------------------------------------------------------ turns

    def send(
        self, prompt: str, attachments: list[dict[str, Any]], labels: list[str]
    ) -> Coroutine[Any, Any, Turn]:
        """The turn for ``prompt``, to run as the app's turn worker."""
        asked = Asked(prompt=prompt, attachments=attachments, attachment_labels=labels)
        if self.wants_compress():
            return self._compressed_send(asked)
        return self.runner.send(asked)

    def retry(self) -> Coroutine[Any, Any, Turn] | None:
        """Send the last turn's input again after it failed or was cut off (``None``: the
        last turn went well, or there is none)."""
        turns = self.conversation.turns
        if not turns or turns[-1].reply.outcome in ("completed", "requires_action"):
            return None
        last = turns[-1].asked
        if last.kind not in ("prompt", "results", "summary"):
            return None
        return self.runner.send(last.again())

    def can_resume(self) -> bool:
        """Whether the last turn can go on where it stopped (a cut-off stream of a stored
        interaction, an answer left at the per-request decode limit)."""
        turns = self.conversation.turns
        runner = self.runner
        return bool(turns) and (runner.can_resume(turns[-1]) or runner.can_fetch_whole(turns[-1]))

    def resume(self) -> Coroutine[Any, Any, Turn]:
        """The last turn, going on where it stopped (check :meth:`can_resume` first): from
        its last event, or fetched whole when there is no event to go on after."""
        turn = self.conversation.turns[-1]
        if self.runner.can_resume(turn):
            return self.runner.resume(turn)
        return self.runner.fetch_whole(turn)

    async def fetch_answer(self, turn: Turn) -> Turn:
        """``turn``'s answer fetched whole (a background run read back before it ended),
        waiting while it runs; unlike F5 it never sends the prompt again: a failure is told."""
        failure = await self.runner.fetch_answer(turn)
        if failure is not None:
            hint = "F5 tries again, or sends the prompt again if the server has no answer."
            self._sink.notice(Notice(f"The run's answer was not fetched ({failure}).", hint))
        return turn

    def start_background(
        self, prompt: str, attachments: list[dict[str, Any]], labels: list[str] | None = None
    ) -> Coroutine[Any, Any, Job]:
        """A background run of ``prompt`` on the job board (raises what the create raised);
        ``labels`` name its attachments in its row, as a sent turn's do."""
        asked = Asked(prompt=prompt, attachments=attachments, attachment_labels=labels or [])
        return self.jobs.start(self.runner.start_background(asked))

    def settling(self, interaction_id: str) -> bool:
        """Whether the answer of this background run is being fetched into its row now."""
        return interaction_id in self._settling

    async def settle_background_run(self, interaction_id: str) -> tuple[int, int] | None:
        """Fetch a background run the history keeps pending into its own row (waiting while
        it runs), not into the chat shown; returns its conversation and row, to open it there.
        A failed GET is told as a notice (``None`` then). A run being fetched already (it
        ended, and Enter in F4 came at once) is waited for, not fetched twice."""
        task = self._settling.get(interaction_id)
        if task is None:
            task = asyncio.ensure_future(self._settle(interaction_id))
            self._settling[interaction_id] = task
            task.add_done_callback(lambda _done: self._settling.pop(interaction_id, None))
        return await asyncio.shield(task)

    async def _settle(self, interaction_id: str) -> tuple[int, int] | None:
        history = ChatHistory(self.history.store, self.history.on_failure)
        # A prompt sent in the run's chat may have fetched it first (TurnRunner.send): its
        # row is then completed, and this fetch writes into it again, not into a new chat.
        history.reopens_stored = True
        try:
            turn = await settle_background_run(interaction_id, client=self._client, history=history)
        except GemtuiApiError as error:
            hint = getattr(error, "hint", "") or ""
            self._sink.notice(Notice(f"The background run was not fetched: {error}", hint, "error"))
            return None
        if history.conversation_id is None or turn.stored is None:
            return None
        return history.conversation_id, turn.stored.turn_id

    async def open_interaction(self, interaction_id: str) -> Turn | None:
        """Add a stored interaction (one opened by id, a finished background run) as a turn;
        the chat then continues from it. A failed GET is told as a notice."""
        try:
            return await self.runner.open(interaction_id)
        except GemtuiApiError as error:
            self._sink.notice(Notice(str(error), getattr(error, "hint", "") or "", "error"))
            return None

    def replay(self, recording: Recording, speed: float) -> Coroutine[Any, Any, Turn]:
        return self.runner.replay(recording, speed)

    # ------------------------------------------------------------------ branching

    def rewind(self, turn: Turn) -> int | None:
        """Drop ``turn`` and the turns after it (they stay in the history as a branch);
        returns where it was, or ``None`` if it is not in this chat."""
        index = self.index_of(turn)
        if index is not None:
            self.conversation.rewind(index)
        return index

    def last_prompt_turn(self) -> Turn | None:
        """The last turn, if it sent a prompt (what F8 regenerates; a summary is asked for
        again with compress, not sent as a prompt)."""
        turns = self.conversation.turns
        last = turns[-1] if turns else None
        return last if last and last.asked.has_user_input and last.asked.kind != "summary" else None

    def begin_edit(self, turn: Turn, draft: str) -> EditState:
        """Edit ``turn``'s prompt; ``draft`` (what the composer held) comes back after."""
        if self.editing is not None:
            draft = self.editing.draft
        words = one_line(turn.asked.prompt)  # cleaned first: a removed ESC left two spaces
        label = words if len(words) <= LABEL_LIMIT else words[: LABEL_LIMIT - 1] + "…"
        self.editing = EditState(turn, draft, label)
        return self.editing

    def leave_edit(self) -> EditState | None:
        editing, self.editing = self.editing, None
        return editing

    # ------------------------------------------------------------------ the context window

    def context_use(self) -> ContextUse | None:
        """How much of the model's input window the chat fills (``None``: nothing reported
        yet); the limit is there once :meth:`fetch_limit` found it (never for an agent)."""
        used = context_used(self.conversation)
        if used is None:
            return None
        settings = self.conversation.settings
        return ContextUse(used, None if settings.agent else self.limits.get(settings.model))

    async def fetch_limit(self, model: str) -> int | None:
        """The input token limit of ``model``, from the cache or the models endpoint (``None``
        when the endpoint does not know the model). Raises the request's other errors."""
        client = self._client()

        async def ask(name: str) -> int | None:
            try:
                return (await client.get_model(name)).input_token_limit
            except ApiStatusError as error:
                if error.status == 404:
                    return None
                raise

        return await self.limits.fetch(model, ask)

    def can_compress(self) -> bool:
        """Whether there is a chain to compress: a finished turn after the last summary."""
        for turn in reversed(self.conversation.turns):
            if is_chain_root(turn):
                return False
            if turn.chainable:
                return True
        return False

    def compress(self, instructions: str = "") -> Coroutine[Any, Any, Turn] | None:
        """The summary turn that compresses the chat, to run as the app's turn worker
        (``None``: nothing to compress). ``instructions``: what the summary should also do."""
        if not self.can_compress():
            return None
        return self.runner.compress(instructions)

    def wants_compress(self) -> bool:
        """Whether the next request should compress first (``compress_at`` reached)."""
        threshold = self.compress_at()
        use = self.context_use()
        share = use.share if use is not None else None
        return (
            threshold is not None
            and share is not None
            and share * 100 >= threshold
            and (self.can_compress())
        )

    async def _compressed_send(self, asked: Asked) -> Turn:
        """Compress, then send ``asked`` (from the summary if it came, else as it was)."""
        await self.runner.compress()
        return await self.runner.send(asked)
