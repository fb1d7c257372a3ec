"""The one owner of a turn: build the request, get the events, fold them, record them, end.

Every way a turn happens goes through :class:`TurnRunner`: a prompt typed in the TUI, a
question of ``gemtui ask``, the tool rounds that follow a ``requires_action``, an interaction
opened by id (or a finished background run), a recording played back, and the create of a
background run; and an exchange another program had with the API, captured by the inspector
proxy (:meth:`TurnRunner.capture`). Each one:

1. builds its request from the conversation (:meth:`Conversation.build_request`), reading the
   older turns of a stored chat first when the request needs them;
2. tells the sink the turn started, and writes its row through :class:`ChatHistory`;
3. folds each event with the assembler, records the change and hands it to the sink;
4. ends with one outcome (completed, requires_action, incomplete, interrupted, cancelled,
   failed), written to the history and told to the sink.

Tool rounds run here too: the calls go to an ``approve`` callback (the TUI's dialog; the
allow-list in ``gemtui ask``), the approved ones run, and their results go back as the next
turn, until the model answers. When a chained request gets a 404 because the server does not
know the interaction (a chat reopened against another server, a recording), the conversation is
resent from its stored steps instead, once.

Pure: no Textual. The front ends differ only in their :class:`TurnSink` and ``approve``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from gemtui.api.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    GemtuiApiError,
    StreamInterrupted,
)
from gemtui.api.models import (
    RUNNING_STATUSES,
    EventBase,
    Interaction,
    InteractionCompletedEvent,
    parse_event,
)
from gemtui.api.timing import RequestTimings
from gemtui.core.agent_options import runs_in_background
from gemtui.core.assembler import Change, apply, new_state
from gemtui.core.attachments import MISSING_HINT, missing_message
from gemtui.core.blobs import missing_files
from gemtui.core.chat_history import ChatHistory
from gemtui.core.compress import SUMMARY_LABEL, summary_request
from gemtui.core.conversation import Conversation
from gemtui.core.jobs import WAITING_POLL, PollPolicy, poll_until_settled
from gemtui.core.recording import Recording
from gemtui.core.reopen_state import interaction_events, prompt_from_input
from gemtui.core.replay import event_size, paced_events
from gemtui.core.store import StoreError
from gemtui.core.store_recorder import TurnRecorder
from gemtui.core.tools import FunctionTool, ToolCall, answer_call, denied_result, pending_calls
from gemtui.core.turn import Asked, Turn
from gemtui.core.usage import merge_usages

if TYPE_CHECKING:  # the client's module loads httpx: not needed to import this one
    from gemtui.api.client import EventStream, InteractionsClient

__all__ = ["MAX_TOOL_ROUNDS", "Approver", "Notice", "TurnRunner", "TurnSink"]

#: Rounds of function calls answered in a row before the runner stops and says so.
MAX_TOOL_ROUNDS = 10
#: Longest the runner folds events of a burst before it lets the front end run (seconds).
FOLD_SLICE = 0.01
#: The opening of a step's text, its first lines: until a step has this many characters,
#: the runner lets the front end run after each of its events (and the TUI's sink shows them
#: line by line), so the first lines show as they arrive, not after a slice of a burst is
#: folded. Kept short: each line shown costs a render of the answer.
OPENING_CHARS = 500
#: Continuation hops of one answer before the runner stops (the SDK stops only at a hop that
#: hands back its own token; a bound keeps a misbehaving server from looping for ever).
MAX_HOPS = 64
#: What to do when a turn's function calls were left without results.
UNANSWERED = "The function calls of this turn are unanswered; send a prompt to go on."
#: How the timeline names a turn that sends function results, or plays back a recording.
RESULTS_LABEL = "function results"
RECORDING_LABEL = "recording"
STREAM_UNAVAILABLE = (
    "The events of this interaction could not be streamed again ({reason}); "
    "its steps come from GET, without receive times."
)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the runner tells the user. ``detail``: progress worth showing only to those
    who asked for details (``gemtui ask -v``)."""

    text: str
    hint: str = ""
    level: Literal["info", "warning", "error"] = "info"
    detail: bool = False


class TurnSink(Protocol):
    """What a front end is told while turns run (called in the runner's task, in order)."""

    def turns_loaded(self, turns: list[Turn]) -> None:
        """Older turns were read in front of the others (a request needed them)."""

    def turn_started(self, turn: Turn) -> None:
        """A turn is in the conversation; its request is built (``turn.asked.request``)."""

    def request_sent(self, turn: Turn) -> None:
        """The turn's request is written out whole. Until then the front end holds back work
        of its own that is not urgent (drawing the new turn), so the request leaves first."""

    def request_accepted(self, turn: Turn) -> None:
        """The server took the request (the stream is open): the draft may go."""

    def turn_resumed(self, turn: Turn) -> None:
        """An ended turn goes on (a resumed stream, a continued answer) with more events."""

    def turn_replaced(self, turn: Turn) -> None:
        """An ended turn's answer was replaced whole, out of the sink's sight (its events
        were not told one by one): show it anew."""

    def event_received(self, turn: Turn, offset: float, raw: str | dict[str, object]) -> None:
        """An event arrived ``offset`` seconds after the request, as sent (before folding)."""

    def turn_changed(self, turn: Turn, change: Change) -> None:
        """One event was folded into ``turn.reply.state``."""

    def turn_ended(self, turn: Turn) -> None:
        """``turn.reply.outcome`` is final."""

    def notice(self, notice: Notice) -> None: ...

    def tool_running(self, call: ToolCall | None) -> None:
        """A local function tool runs now (``None``: none runs any more)."""

    def tool_finished(self, call: ToolCall, result: dict[str, object]) -> None: ...


#: Said before a prompt that goes on from a background run read back unfetched.
FETCH_FIRST = "Fetching the background run's answer first: the next turn goes on from it."
NOT_FETCHED = "The background run's answer could not be fetched ({reason}); sending without it."


class QuietSink:
    """A sink that is told nothing: a turn run out of sight (a captured exchange the
    headless proxy prints once it ends, a background run fetched into its history row)."""

    def turns_loaded(self, turns: list[Turn]) -> None: ...
    def turn_started(self, turn: Turn) -> None: ...
    def request_sent(self, turn: Turn) -> None: ...
    def request_accepted(self, turn: Turn) -> None: ...
    def turn_resumed(self, turn: Turn) -> None: ...
    def turn_replaced(self, turn: Turn) -> None: ...
    def event_received(self, turn: Turn, offset: float, raw: str | dict[str, object]) -> None: ...
    def turn_changed(self, turn: Turn, change: Change) -> None: ...
    def turn_ended(self, turn: Turn) -> None: ...
    def notice(self, notice: Notice) -> None: ...
    def tool_running(self, call: ToolCall | None) -> None: ...
    def tool_finished(self, call: ToolCall, result: dict[str, object]) -> None: ...


#: Decides which of the calls of a ``requires_action`` turn run: one flag per call (``False``:
#: answered as denied), or ``None`` to run none and end there with the calls open.
Approver = Callable[[list[ToolCall]], Awaitable[list[bool] | None]]


class TurnRunner:
    """Runs the turns of one conversation.

    ``client`` is called for every request, so a client replaced after a settings change is
    used from then on; ``tools`` gives the local function tools in force.
    """

    def __init__(
        self,
        conversation: Conversation,
        *,
        client: Callable[[], InteractionsClient],
        sink: TurnSink,
        history: ChatHistory,
        tools: Callable[[], Mapping[str, FunctionTool]] = dict,
        approve: Approver | None = None,
    ) -> None:
        self.conversation = conversation
        self._client = client
        self.sink = sink
        self.history = history
        self.tools = tools
        self.approve = approve
        #: Cancels of background runs on their way to the server.
        self._cancelling: set[asyncio.Task[None]] = set()
        #: Set when the front end quits: a background run that streams then (Deep Research)
        #: is not cancelled at the server, but kept pending in the history for the next start;
        #: a stored turn streaming then is kept as cut off, not cancelled.
        self.leave_runs_going = False

    # ------------------------------------------------------------------ kinds of turn

    async def send(self, asked: Asked) -> Turn:
        """Send ``asked`` as the next turn and stream its answer; then answer the model's
        function calls round after round while ``approve`` lets them run. Returns the last
        turn. Cancelling the task ends the running turn as cancelled (and kills a tool).

        A chat whose last turn is a background run read back unfetched goes on from it: its
        answer is fetched first (waiting while it runs). Sent past it, the request chained
        onto the turn before, and the model knew nothing of the run."""
        turns = self.conversation.turns
        last = turns[-1] if turns else None
        if last is not None and last.reply.in_background and self.can_fetch_whole(last):
            self.sink.notice(Notice(FETCH_FIRST))
            failure = await self.fetch_answer(last)
            if failure is not None:
                self.sink.notice(Notice(NOT_FETCHED.format(reason=failure), level="warning"))
        turn = await self._streamed_turn(asked)
        rounds = 0
        while turn.reply.outcome == "requires_action" and self.approve is not None:
            if rounds == MAX_TOOL_ROUNDS:
                self.sink.notice(
                    Notice(
                        f"Stopped after {MAX_TOOL_ROUNDS} rounds of function calls in a row.",
                        "The last calls are unanswered; send a prompt to go on.",
                        "warning",
                    )
                )
                break
            results = await self._answer_calls(turn)
            if results is None:
                break
            rounds += 1
            turn = await self._streamed_turn(
                Asked(results=results, kind="results", label=RESULTS_LABEL)
            )
        return turn

    async def compress(self, instructions: str = "") -> Turn:
        """Ask the model for a summary of the chat so far, as a turn of its own; once it has
        completed, the next requests start from that summary instead of the old chain
        (:mod:`gemtui.core.compress`). ``instructions``: what the summary should also do."""
        asked = Asked(prompt=summary_request(instructions), kind="summary", label=SUMMARY_LABEL)
        return await self._streamed_turn(asked)

    async def start_background(self, asked: Asked) -> tuple[Turn, Interaction]:
        """Create ``asked`` as a background run (the server keeps it going); returns the turn
        it would be and the server's answer. Raises what the create raised; a stateless chat
        cannot do this.

        The turn is not in the conversation in memory, but the history keeps it at once, as
        a pending row after the chat's last turn (where the server chains it): the run is
        found after a restart, and its answer goes into that row when it is fetched
        (:func:`settle_background_run`), never into whatever chat is open then."""
        if not self.conversation.settings.stateful:
            raise ValueError("a background run must be stored (store: false cannot be polled)")
        self._load_older_if_needed()
        turn = Turn(asked=asked)
        body = self.conversation.build_request(turn, background=True)
        interaction = await self._client().create(body)
        after = self.conversation.row_chained_to(body.get("previous_interaction_id"))
        recorder = self.history.begin(self.conversation, turn, parent=after)
        self.history.started_in_background(recorder, interaction)
        return turn, interaction

    async def open(
        self, interaction_id: str, *, wait: bool = False, poll: PollPolicy = WAITING_POLL
    ) -> Turn:
        """Add the stored interaction ``interaction_id`` as a turn: GET for its prompt, then
        its events by stream GET (so the timeline has timings); when they cannot be streamed,
        its steps from GET. ``wait``: first poll until it is no longer running.

        Raises the GET's :class:`GemtuiApiError` (nothing is added then).
        """
        client = self._client()
        if wait:
            interaction = await poll_until_settled(
                lambda: client.get(interaction_id), poll, on_poll=self._waiting
            )
        else:
            interaction = await client.get(interaction_id)
        prompt = prompt_from_input([step.to_wire() for step in interaction.steps or ()])
        turn = self.conversation.start_turn(
            Asked(prompt=prompt, kind="opened", label=interaction_id)
        )
        turn.reply.state.interaction.id = interaction_id
        turn.reply.state.interaction.previous_interaction_id = interaction.previous_interaction_id
        self.sink.turn_started(turn)
        recorder = self.history.begin(self.conversation, turn)
        turn.reply.outcome = "streaming"
        try:
            failure: GemtuiApiError | None = None
            try:
                await self._fold_stream(turn, client.stream_get(interaction_id), recorder)
            except GemtuiApiError as error:
                failure = error
            state = turn.reply.state
            if not state.steps:
                reason = failure or state.error
                if reason is not None:
                    text = getattr(reason, "message", None) or str(reason)
                    self.sink.notice(Notice(STREAM_UNAVAILABLE.format(reason=text)))
                state.error = None  # the interaction from GET is the truth
                for event in interaction_events(interaction):
                    self._take(turn, event, parse_event(event), 0.0, event_size(event), recorder)
                failure = None
            self._settle(turn, failure)
        except asyncio.CancelledError:
            if turn.reply.state.status in RUNNING_STATUSES:
                # Escape stops watching; the run was not asked to stop and goes on there.
                turn.reply.outcome, turn.reply.in_background = "interrupted", True
            else:
                turn.reply.outcome = "cancelled"
            raise
        finally:
            self._end(turn, recorder)
        return turn

    async def replay(self, recording: Recording, speed: float = 0.0) -> Turn:
        """Play ``recording`` back as a turn, at its recorded pace divided by ``speed`` (0: at
        once). Nothing of it happens again: it is not written to the history, and function
        calls it ends with are not run."""
        request = recording.request
        asked = Asked(
            prompt=prompt_from_input(request.get("input")),
            kind="replayed",
            label=RECORDING_LABEL,
            stateful=request.get("store") is not False,
            request=request,
        )
        turn = self.conversation.start_turn(asked)
        self.sink.turn_started(turn)
        turn.reply.outcome = "streaming"
        try:
            async for offset, raw, event, size in paced_events(recording, speed):
                self._take(turn, raw, event, offset, size, None)
            turn.reply.settle()
        except asyncio.CancelledError:
            turn.reply.outcome = "cancelled"
            raise
        finally:
            self._end(turn, None)
        if turn.reply.outcome == "requires_action":
            self.sink.notice(
                Notice("The recording ends with function calls; a replay does not run them.")
            )
        return turn

    async def capture(
        self,
        asked: Asked,
        events: AsyncIterable[tuple[float, str | dict[str, object], int]],
        *,
        timings: RequestTimings | None = None,
        whole: bool = False,
    ) -> Turn:
        """Add an exchange another program had with the API (seen by the inspector proxy) as
        a turn: ``asked`` is its request (``kind="captured"``), ``events`` its events as
        ``(offset, raw, size)`` while they pass, folded and written to the history like any
        stream's. Nothing is sent and no function call is run.

        ``events`` raises :class:`StreamInterrupted` where the stream broke. ``whole``: the
        response came in one piece (not a stream), so it ended well even where its events do
        not end the interaction (a background run's create, a ``DELETE``): it is completed.
        """
        turn = self.conversation.start_turn(asked)
        turn.reply.timings = timings
        self.sink.turn_started(turn)
        recorder = self.history.begin(self.conversation, turn)
        turn.reply.outcome = "streaming"
        self.sink.request_accepted(turn)
        try:
            failure: GemtuiApiError | None = None
            try:
                async for offset, raw, size in events:
                    self._take(turn, raw, parse_event(raw), offset, size, recorder)
            except GemtuiApiError as error:
                failure = error
            self._settle(turn, failure)
            if whole and failure is None and turn.reply.outcome == "interrupted":
                turn.reply.outcome = "completed"
        except asyncio.CancelledError:
            turn.reply.outcome = "cancelled"
            raise
        finally:
            self._end(turn, recorder)
        return turn

    # ------------------------------------------------------------------ one streamed turn

    async def _streamed_turn(self, asked: Asked) -> Turn:
        self._load_older_if_needed()
        turn = self.conversation.start_turn(asked)
        # An agent that runs for minutes is refused in the foreground: it is created in the
        # background and its events are streamed into the turn all the same.
        agent = self.conversation.settings.agent
        self.conversation.build_request(turn, background=bool(agent) and runs_in_background(agent))
        self.sink.turn_started(turn)
        recorder = self.history.begin(self.conversation, turn)
        await self._requests(turn, recorder, self._create_stream)
        return turn

    async def _requests(
        self,
        turn: Turn,
        recorder: TurnRecorder | None,
        first: Callable[[Turn, TurnRecorder | None], Awaitable[None]],
        *,
        continue_always: bool = False,
    ) -> None:
        """Make ``first`` request of the turn (again without chaining if the server lost the
        chain), then its continuation hops; end the turn with its outcome, whatever happens."""
        try:
            try:
                await first(turn, recorder)
            except ApiStatusError as error:
                if not self._chain_was_lost(turn, error):
                    raise
                await self._create_stream(turn, recorder)
            await self._continue_hops(turn, recorder, always=continue_always)
            turn.reply.settle()
        except asyncio.CancelledError:
            if self.leave_runs_going and self.runs_at_server(turn):
                # Kept as a pending background run: watched again at the next start.
                turn.reply.outcome = "pending"
            elif self.leave_runs_going and turn.asked.stateful and turn.interaction_id:
                # The front end quit mid-stream, which is no cancel: the server keeps the
                # interaction and may finish it. Read back as cut off, F5 fetches it whole;
                # as "cancelled", F5 sent the prompt again.
                state = turn.reply.state
                turn.reply.outcome = "interrupted"
                turn.reply.error = StreamInterrupted(
                    "gemtui quit while it streamed",
                    last_event_id=state.last_event_id,
                    interaction_id=turn.interaction_id,
                    events_received=len(state.events),
                )
            else:
                turn.reply.outcome = "cancelled"
                self._cancel_at_server(turn)
            raise
        except StreamInterrupted as error:
            turn.reply.outcome, turn.reply.error = "interrupted", error
        except GemtuiApiError as error:
            turn.reply.outcome, turn.reply.error = "failed", error
        finally:
            self._end(turn, recorder)

    def runs_at_server(self, turn: Turn) -> bool:
        """Whether ``turn`` is a background run (an agent's, say) still running there."""
        return (
            bool(turn.asked.request.get("background"))
            and bool(turn.interaction_id)
            and turn.reply.state.status in RUNNING_STATUSES
        )

    def _cancel_at_server(self, turn: Turn) -> None:
        """A background run goes on at the server (and is billed) unless it is cancelled
        there too: ask, without waiting (the turn is being cancelled); a failure is told."""
        if not self.runs_at_server(turn) or not turn.interaction_id:
            return
        task = asyncio.get_running_loop().create_task(self._cancel(turn.interaction_id))
        self._cancelling.add(task)
        task.add_done_callback(self._cancelling.discard)

    async def _cancel(self, interaction_id: str) -> None:
        try:
            await self._client().cancel(interaction_id)
        except GemtuiApiError as error:
            self.sink.notice(
                Notice(f"The run may go on at the server: {error}", error.hint, "warning")
            )

    async def _create_stream(self, turn: Turn, recorder: TurnRecorder | None) -> None:
        missing = missing_files(turn.asked.request)
        if missing:
            # A stateless history resent from the store whose attachment file was deleted.
            raise GemtuiApiError(missing_message(missing), hint=MISSING_HINT)
        stream = self._client().stream(
            turn.asked.request, on_sent=lambda: self.sink.request_sent(turn)
        )
        await self._fold_stream(turn, stream, recorder)

    # ------------------------------------------------------------------ going on

    def continuation_token(self, turn: Turn) -> str | None:
        """The token ``turn``'s answer goes on from, when it stopped at a per-request decode
        limit (``requires_continuation``) and is a turn the client continues (the server
        continues background and agent runs itself)."""
        state = turn.reply.state
        request = turn.asked.request
        if state.status != "requires_continuation" or len(turn.reply.hops) >= MAX_HOPS:
            return None
        if request.get("background") or request.get("agent") or request.get("agent_config"):
            return None
        token = state.interaction.continuation_token
        return token if token and token != turn.reply.refused_token else None

    async def _continue_hops(
        self, turn: Turn, recorder: TurnRecorder | None, *, always: bool = False
    ) -> None:
        """Continue the answer hop after hop, as the official SDK does, into the same turn:
        stored, chained onto the hop with its token and no input; ``store: false``, the
        original input again with the token. ``always``: also when the setting is off (the
        user asked to continue)."""
        sent: str | None = None
        while always or self.conversation.settings.auto_continue:
            token = self.continuation_token(turn)
            if token is None or token == sent:  # a hop that hands back its own token: stop
                break
            sent = token
            body = {**turn.asked.request, "continuation_token": token}
            if body.get("store") is not False:
                body.pop("input", None)
                body["previous_interaction_id"] = turn.interaction_id
            try:
                await self._fold_stream(turn, self._client().stream(body), recorder)
            except ApiStatusError as error:
                if error.status >= 500 or error.status == 429:
                    raise  # the server's trouble, not the token's: F5 asks for it again
                turn.reply.refused_token = token  # never offered again (F5 looped on it)
                raise GemtuiApiError(
                    f"The answer's next part was refused ({error.summary}: "
                    f"{error.server_message or 'no reason given'}).",
                    hint="The part so far is kept. F5 sends the prompt again.",
                ) from error
            self._sum_hop_usage(turn)

    def _sum_hop_usage(self, turn: Turn) -> None:
        """The turn's usage is the sum of its hops' (each hop's completion carries its own)."""
        # Only the completions are parsed again (see EventLog), not every delta.
        completions = turn.reply.state.events.of_type("interaction.completed")
        usages = [
            event.interaction.usage
            for event in completions
            if isinstance(event, InteractionCompletedEvent)
            and event.interaction is not None
            and event.interaction.usage is not None
        ]
        if len(usages) > 1:
            turn.reply.state.interaction.usage = merge_usages(usages)

    def can_resume(self, turn: Turn) -> bool:
        """Whether ``turn``, the chat's last, can go on where it stopped: an answer left at a
        decode limit, or a stored interaction whose stream was cut off (resumed by stream GET
        after the last event received)."""
        turns = self.conversation.turns
        if not turns or turns[-1] is not turn or turn.asked.kind not in ("prompt", "results"):
            return False
        if self.continuation_token(turn) is not None:
            return True
        state = turn.reply.state
        return (
            turn.reply.outcome == "interrupted"
            and turn.asked.stateful
            and bool(turn.interaction_id)
            and state.last_event_id is not None
        )

    async def resume(self, turn: Turn) -> Turn:
        """Go on with ``turn`` (see :meth:`can_resume`), in the same turn: its stream from
        after the last event received, then any continuation hops. When the server cannot
        resume the stream, the turn's input is sent again as a new turn (and said so)."""
        reply = turn.reply
        stopped_at = reply.outcome
        reply.outcome, reply.error = "streaming", None
        started = reply.timings.started_at if reply.timings is not None else time.monotonic()
        resumed_at, events_before = time.monotonic() - started, len(reply.state.events)
        recorder = self.history.resume(turn)
        self.sink.turn_resumed(turn)
        refused: ApiStatusError | None = None

        async def reconnect(turn: Turn, recorder: TurnRecorder | None) -> None:
            nonlocal refused
            if self.continuation_token(turn) is not None:
                return  # nothing was cut off: the next hop goes on
            state = turn.reply.state
            opening = self._client().stream_get(turn.interaction_id or "", state.last_event_id)
            try:
                await self._fold_stream(turn, opening, recorder)
            except StreamInterrupted:
                raise
            except GemtuiApiError as error:
                if says_nothing_of_the_run(error):
                    # Still cut off, still resumable: a failed turn was sent again at the
                    # next F5, though the server may well have finished it.
                    # The time says it was tried again: the words are the same each time.
                    raise StreamInterrupted(
                        f"it could not be resumed ({time.strftime('%H:%M:%S')}): "
                        f"{error.message or error}",
                        last_event_id=state.last_event_id,
                        interaction_id=turn.interaction_id,
                        events_received=len(state.events),
                    ) from error
                if isinstance(error, ApiStatusError):
                    refused = error
                raise

        await self._requests(turn, recorder, reconnect, continue_always=True)
        if len(reply.state.events) > events_before or reply.outcome == "completed":
            reply.resumed_at.append(resumed_at)  # taken up, not only tried
        if refused is None:
            return turn
        reply.outcome = stopped_at
        return await self._send_again_instead(turn, refused.message or str(refused))

    async def _send_again_instead(self, turn: Turn, reason: str) -> Turn:
        """``turn`` could not go on (``reason``): its input goes again as a new turn."""
        self.sink.notice(
            Notice(
                f"The stream could not be resumed ({reason}).",
                "The prompt is sent again instead.",
                "warning",
            )
        )
        return await self.send(turn.asked.again())

    def can_fetch_whole(self, turn: Turn) -> bool:
        """Whether ``turn``, the chat's last, was cut off with no event to resume its stream
        after, but is stored at the server, which may have finished it: a chat read back
        from the history keeps no events, and a server need not give its events ids. Its
        answer can then be fetched whole (:meth:`fetch_whole`) instead of asked for again."""
        turns = self.conversation.turns
        kinds = ("prompt", "results")
        if turn.reply.in_background:  # an opened run left to go on (Escape) is fetched too
            kinds += ("opened",)
        if not (
            bool(turns)
            and turns[-1] is turn
            and turn.asked.kind in kinds
            and turn.asked.stateful
            and bool(turn.interaction_id)
        ):
            return False
        if turn.reply.outcome == "cancelled":
            # Cancelled here, a stored answer that is not a background run goes on at the
            # server (the API cancels only background runs): F5 fetches it, not pays again.
            return not turn.asked.request.get("background")
        return turn.reply.outcome == "interrupted" and turn.reply.state.last_event_id is None

    async def fetch_whole(self, turn: Turn, *, poll: PollPolicy = WAITING_POLL) -> Turn:
        """Replace ``turn``'s cut-off answer with the interaction as the server holds it
        (waiting while it still runs there), in the turn and in the history; the sink is told
        with ``turn_replaced``. When the server cannot give a finished answer (it does not
        know the interaction, or it failed or was cancelled there), the turn's input is sent
        again as a new turn, and said so: as :meth:`resume` does."""
        failure = await self.fetch_answer(turn, poll)
        if failure is None:
            return turn
        error = turn.reply.error
        if isinstance(error, GemtuiApiError) and says_nothing_of_the_run(error):
            return turn  # still cut off: F5 fetches again once the server answers
        return await self._send_again_instead(turn, failure)

    async def fetch_answer(self, turn: Turn, poll: PollPolicy = WAITING_POLL) -> str | None:
        """:meth:`fetch_whole` without the new request: why it could not be done (``None``:
        the turn holds its whole answer now). What fetches on its own (a background run seen
        ending, a prompt sent after one) uses this: it never pays for the prompt again."""
        reply = turn.reply
        stopped_at = reply.outcome
        interaction_id = turn.interaction_id or ""
        client = self._client()
        reply.outcome, reply.error = "streaming", None
        self.sink.turn_resumed(turn)
        try:
            interaction = await poll_until_settled(
                lambda: client.get(interaction_id), poll, on_poll=self._waiting
            )
        except GemtuiApiError as error:
            reply.outcome, reply.error = stopped_at, error
            self.sink.turn_ended(turn)
            return error.message or str(error)
        except asyncio.CancelledError:
            reply.outcome = stopped_at
            self.sink.turn_ended(turn)
            raise
        if interaction.status not in ("completed", "requires_action", "incomplete"):
            reply.outcome = stopped_at
            self.sink.turn_ended(turn)
            return f"the server holds it as {interaction.status or 'unknown'}"
        reply.state, reply.in_background = new_state(), False
        recorder = self.history.replace(turn)
        for event in interaction_events(interaction):
            # Folded out of the sink's sight: it is told once, with the whole answer.
            change = apply(reply.state, parse_event(event), received_at=0.0, size=event_size(event))
            if recorder is not None:
                recorder.on_change(change)
        reply.settle()
        self.sink.turn_replaced(turn)
        self._end(turn, recorder)
        return None

    def _chain_was_lost(self, turn: Turn, error: ApiStatusError) -> bool:
        """A 404 for the interaction the request chained onto: mark it lost, rebuild the
        request with the conversation's history, and say so (once: the next turns chain onto
        the new interaction). False when that does not apply."""
        conversation = self.conversation
        chained = conversation.chained_turn(turn)
        previous = turn.asked.request.get("previous_interaction_id")
        if error.status != 404 or not previous or chained is None or turn.reply.state.events:
            return False
        chained.reply.chain_lost = True
        self._load_older_if_needed(turn)
        conversation.build_request(turn)
        self.sink.notice(
            Notice(
                f"The server does not know interaction {previous} (a chat from another server, "
                "or one it no longer keeps).",
                "The conversation goes on with its history resent from the stored steps.",
                "warning",
            )
        )
        return True

    async def _fold_stream(
        self,
        turn: Turn,
        opening: AbstractAsyncContextManager[EventStream],
        recorder: TurnRecorder | None,
    ) -> None:
        async with opening as stream:
            reply = turn.reply
            if reply.timings is None:
                reply.timings = stream.timings
            reply.outcome = "streaming"
            self.sink.request_accepted(turn)
            # Every event of the turn counts from its first request, however many it took.
            started = reply.timings.started_at
            pause_at = time.perf_counter() + FOLD_SLICE
            opened: dict[int | None, int] = {}  # characters of text per step so far
            async for received in stream:
                offset = received.received_at - started
                change = self._take(
                    turn, received.raw, received.event, offset, received.size, recorder
                )
                text = change.appended_text
                opening = bool(text) and opened.get(change.step_index, 0) < OPENING_CHARS
                if opening or time.perf_counter() >= pause_at:
                    # A burst (a long answer sent at once) is folded in slices, so that what
                    # came first is shown while the rest is still being read; the opening of
                    # a step's text goes out event by event.
                    if text:
                        opened[change.step_index] = opened.get(change.step_index, 0) + len(text)
                    await asyncio.sleep(0)
                    pause_at = time.perf_counter() + FOLD_SLICE

    def _take(
        self,
        turn: Turn,
        raw: str | dict[str, object],
        event: EventBase,
        offset: float,
        size: int,
        recorder: TurnRecorder | None,
    ) -> Change:
        """Fold one event (``raw`` as received, ``event`` parsed) into the turn, record the
        change, pass it on; returns the change."""
        self.sink.event_received(turn, offset, raw)
        change = apply(turn.reply.state, event, received_at=offset, size=size, raw=raw)
        if recorder is not None:
            recorder.on_change(change)
        self.sink.turn_changed(turn, change)
        return change

    def _settle(self, turn: Turn, failure: GemtuiApiError | None) -> None:
        if isinstance(failure, StreamInterrupted):
            turn.reply.outcome, turn.reply.error = "interrupted", failure
        elif failure is not None:
            turn.reply.outcome, turn.reply.error = "failed", failure
        else:
            turn.reply.settle()

    def _end(self, turn: Turn, recorder: TurnRecorder | None) -> None:
        timings = turn.reply.timings
        if timings is not None:
            # The whole turn, every retry, hop and resumption included.
            timings.total_s = time.monotonic() - timings.started_at + timings.retried_s
        self.history.finish(recorder, turn)
        self.sink.turn_ended(turn)

    def _load_older_if_needed(self, until: Turn | None = None) -> None:
        """Read the older turns of a stored chat when the next request resends them."""
        if not self.conversation.needs_older(until):
            return
        try:
            loaded = self.conversation.load_older(None)
        except StoreError as error:
            self.sink.notice(
                Notice(
                    f"The older turns of this chat could not be read: {error}",
                    "The request resends only the turns shown.",
                    "warning",
                )
            )
            return
        if loaded:
            self.sink.turns_loaded(loaded)

    def _waiting(
        self, interaction: Interaction | None, _error: Exception | None, pause: float
    ) -> None:
        status = interaction.status if interaction is not None else "?"
        self.sink.notice(Notice(f"status: {status}; next check in {pause:.2g} s", detail=True))

    # ------------------------------------------------------------------ tool rounds

    async def _answer_calls(self, turn: Turn) -> list[dict[str, object]] | None:
        """One result per function call of ``turn``, in order, or ``None`` to stop here."""
        calls = pending_calls(turn.reply.state)
        if not calls or self.approve is None:
            return None
        try:
            decisions = await self.approve(calls)
        except asyncio.CancelledError:
            # Ctrl+C over the dialog: the chat ended on the calls with nothing said.
            self.sink.notice(Notice("Cancelled: the function calls did not run.", UNANSWERED,
                                    "warning"))  # fmt: skip
            raise
        if decisions is None:
            return None
        tools = self.tools()
        results = []
        for call, run in zip(calls, decisions, strict=True):
            if not run:
                results.append(denied_result(call))
                continue
            self.sink.tool_running(call)
            try:
                result = await answer_call(tools, call)
            except asyncio.CancelledError:
                self.sink.notice(
                    Notice(
                        f"Stopped {call.name}; its process was killed.",
                        UNANSWERED,
                        "warning",
                    )
                )
                raise
            finally:
                self.sink.tool_running(None)
            self.sink.tool_finished(call, result)
            results.append(result)
        return results


def says_nothing_of_the_run(error: GemtuiApiError) -> bool:
    """Whether a failed resume or fetch leaves the interaction's fate unknown: the server was
    not reached, timed out, or failed on its own (5xx, 429). The turn then stays cut off, to
    be resumed or fetched again, rather than its prompt sent again (and paid for) at once."""
    if isinstance(error, ApiStatusError):
        return error.retryable
    return isinstance(error, ApiConnectionError | ApiTimeoutError)


async def settle_background_run(
    interaction_id: str,
    *,
    client: Callable[[], InteractionsClient],
    history: ChatHistory,
    wait: bool = True,
) -> Turn:
    """Fetch the background run ``interaction_id`` into the row the history keeps pending for
    it (waiting while it runs), out of sight of any chat in memory; returns its turn, whose
    ``stored`` says where it is (its conversation is ``history.conversation_id``). Raises the
    GET's :class:`GemtuiApiError`. ``history`` must be one of its own (a new ChatHistory)."""
    runner = TurnRunner(Conversation(), client=client, sink=QuietSink(), history=history)
    return await runner.open(interaction_id, wait=wait)
