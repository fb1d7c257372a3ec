"""From the proxy's notes to captures: each Interactions API exchange becomes a turn.

The collector runs on the event loop of whoever shows the captures (the TUI's, or the headless
proxy's main loop), never on the proxy's own: :meth:`Collector.take` is called there with each
note, in order. For an exchange with the Interactions API (a create, a get or a resumed stream,
a cancel, a delete) it runs :meth:`TurnRunner.capture`, which folds the events with the
assembler, writes the turn to the history (``source`` ``proxy``, the client, the request as
sent) and tells a sink, as for any turn. A streamed response's events are folded as the chunks
pass, so the turn grows while the program still reads it; a whole response is turned into
events once it has arrived (:func:`gemtui.core.capture.response_events`). Other exchanges (the
models list, file uploads) are kept as plain exchanges: facts and a preview of both bodies.

Every captured exchange gets a conversation of its own, which joins the stored conversation of
the interaction it continues (``previous_interaction_id``, or the id a GET names), so a chain of
captured turns reads as one chat in the history.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.errors import StreamInterrupted
from gemtui.api.sse import DONE, iter_sse
from gemtui.api.timing import RequestTimings
from gemtui.core.capture import asked_from_request, response_events, settings_from_request
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import Conversation
from gemtui.core.replay import event_size
from gemtui.core.safety import REDACTED, redact_secrets
from gemtui.core.store import Store, StoreError
from gemtui.core.turn import Exchange, Turn
from gemtui.core.turn_runner import QuietSink, TurnRunner, TurnSink
from gemtui.proxy.wire import BodyDecoder, Note, Wire

#: Bodies up to this size are parsed to make a turn; a larger one is kept as a plain exchange.
MAX_FOLD_BYTES = 64 * 1024 * 1024
#: How much of a plain exchange's bodies is kept to show.
PREVIEW_BYTES = 64 * 1024

OperationKind = Literal["create", "get", "cancel", "delete"]
_INTERACTIONS = re.compile(
    r"/(?P<version>v\d[0-9a-z]*)/interactions(?:/(?P<id>[^/]+?)(?P<cancel>/cancel|:cancel)?)?/?$"
)

ChangeKind = Literal["begin", "head", "turn", "end"]


@dataclass(frozen=True, slots=True)
class Operation:
    """What an exchange does with the Interactions API."""

    kind: OperationKind
    interaction_id: str | None = None


def operation_of(method: str, path: str) -> Operation | None:
    """The Interactions API operation of ``method path`` (query left out), or ``None``."""
    match = _INTERACTIONS.search(path.split("?", 1)[0])
    if match is None:
        return None
    interaction_id, cancel = match.group("id"), match.group("cancel")
    if interaction_id is None:
        return Operation("create") if method == "POST" else None
    if cancel:
        return Operation("cancel", interaction_id) if method == "POST" else None
    if method == "GET":
        return Operation("get", interaction_id)
    if method == "DELETE":
        return Operation("delete", interaction_id)
    return None


@dataclass(eq=False)
class Capture:
    """One exchange seen by the proxy: its facts, and for an Interactions API exchange its
    turn (in its own :class:`Conversation`)."""

    wire: Wire
    exchange: Exchange
    operation: Operation | None
    timings: RequestTimings
    #: A conversation of its own, holding the capture's one turn (Interactions API only).
    conversation: Conversation | None = None
    #: Where that conversation is written (its id in the history, once written).
    history: ChatHistory | None = None
    task: asyncio.Task[Turn] | None = None
    #: The request body as JSON (creates), redacted.
    request: dict[str, Any] = field(default_factory=dict)
    #: Plain exchanges: the start of each body as text, redacted.
    request_preview: str = ""
    response_preview: str = ""
    #: The events folded, as ``(offset, raw)``, for recordings.
    events: list[tuple[float, str | dict[str, Any]]] = field(default_factory=list)
    done: bool = False

    @property
    def number(self) -> int:
        return self.wire.number

    @property
    def turn(self) -> Turn | None:
        """The captured turn, once the runner has started it."""
        conversation = self.conversation
        return conversation.turns[0] if conversation is not None and conversation.turns else None

    @property
    def plain(self) -> bool:
        return self.operation is None

    @property
    def owner(self) -> str:
        """The model or agent: the interaction's, else the request's."""
        if self.turn is not None:
            interaction = self.turn.reply.state.interaction
            if interaction.model or interaction.agent:
                return interaction.model or interaction.agent or ""
        value = self.request.get("model") or self.request.get("agent")
        return value if isinstance(value, str) else ""

    @property
    def tokens(self) -> int | None:
        usage = self.turn.usage if self.turn is not None else None
        return usage.total_tokens if usage is not None else None

    @property
    def status_text(self) -> str:
        """The HTTP status, or what the exchange is doing or why it has none."""
        wire = self.wire
        if wire.status is None:
            return "cut" if self.done else "…"
        if self.done and wire.error and not wire.gateway:
            return f"{wire.status} cut"
        return str(wire.status)

    @property
    def problem(self) -> str:
        """What went wrong, in a few words (``""``: nothing did): on the way (upstream
        unreachable, a cut), or in the answer though its HTTP status was 200 (an error
        event, a failed run, a run that ended short of completed)."""
        if self.exchange.error:
            return self.exchange.error
        turn = self.turn
        if turn is None or not self.done:
            return ""
        state = turn.reply.state
        if state.error is not None:
            return f"{state.error.code}: {state.error.message}"
        status = state.status
        return status if status in SHORT_OF_AN_ANSWER else ""

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.wire.secrets


#: Final statuses of a run that did not give the answer asked for (``requires_action`` did:
#: it asks for function results, as it should).
SHORT_OF_AN_ANSWER = frozenset(
    {"failed", "cancelled", "incomplete", "budget_exceeded", "requires_continuation"}
)


def _no_client() -> Any:
    raise RuntimeError("a captured turn sends nothing")


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    """The key values out of ``text`` (cheap: the shapes are redacted again where stored)."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _decoded(spool_bytes: bytes, encoding: str) -> bytes:
    decoder = BodyDecoder(encoding)
    return decoder.decode(spool_bytes) + decoder.flush()


class Collector:
    """Makes captures of the proxy's notes (call :meth:`take` on this loop with each one).

    ``sink_for(capture)`` is the sink of a capture's turn; ``on_change(capture, kind)`` hears
    of each capture as it begins, gets its response head, changes its turn's list entry
    (``turn``: started or ended) and ends; ``on_done(capture)`` once it is over (recorded,
    printed). ``keep``: finished captures kept in :attr:`captures` (the oldest go first).
    """

    def __init__(
        self,
        *,
        store: Store | None,
        sink_for: Callable[[Capture], TurnSink] = lambda _capture: QuietSink(),
        on_change: Callable[[Capture, ChangeKind], None] = lambda _c, _k: None,
        on_done: Callable[[Capture], None] = lambda _capture: None,
        on_history_failure: Callable[[StoreError], None] = lambda _error: None,
        keep: int = 1000,
    ) -> None:
        self.store = store
        self.sink_for = sink_for
        self.on_change = on_change
        self.on_done = on_done
        self.on_history_failure = on_history_failure
        self.keep = keep
        self.captures: list[Capture] = []
        self._live: dict[int, tuple[Capture, asyncio.Queue[Any]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ notes in

    def take(self, note: Note) -> None:
        kind, wire, payload = note
        if kind == "begin":
            self._begin(wire)
            return
        live = self._live.get(wire.number)
        if live is None:
            return
        capture, queue = live
        if kind == "chunk":
            queue.put_nowait(payload)
        elif kind == "head":
            self._head(capture, queue)
        elif kind == "end":
            self._end(capture, queue)

    def _begin(self, wire: Wire) -> None:
        exchange = Exchange(method=wire.method, path=wire.path, client=wire.client)
        timings = RequestTimings(started_at=wire.started_at)
        capture = Capture(wire, exchange, operation_of(wire.method, wire.path), timings)
        self.captures.append(capture)
        self._live[wire.number] = (capture, asyncio.Queue())
        self.on_change(capture, "begin")

    def _head(self, capture: Capture, queue: asyncio.Queue[Any]) -> None:
        wire, exchange, timings = capture.wire, capture.exchange, capture.timings
        exchange.status = timings.status_code = wire.status
        exchange.streaming = wire.streaming
        exchange.request_bytes = wire.request.size
        if wire.first_byte_at is not None:
            timings.first_byte_s = wire.first_byte_at - wire.started_at
        if capture.operation is not None:
            self._start_turn(capture, queue)
        self.on_change(capture, "head")

    def _end(self, capture: Capture, queue: asyncio.Queue[Any]) -> None:
        wire, exchange, timings = capture.wire, capture.exchange, capture.timings
        if wire.status is None and capture.operation is not None and capture.task is None:
            self._start_turn(capture, queue)  # no response at all: the turn says why
        exchange.request_bytes = wire.request.size
        exchange.response_bytes = timings.bytes_received = wire.response_bytes
        exchange.duration = wire.duration
        exchange.error = wire.error
        timings.total_s = wire.duration
        queue.put_nowait(None)
        if capture.task is None:
            self._finish(capture)

    # ------------------------------------------------------------------ turns

    def _start_turn(self, capture: Capture, queue: asyncio.Queue[Any]) -> None:
        wire = capture.wire
        body: Any = None
        if wire.method in ("POST", "PUT", "PATCH") and 0 < wire.request.size <= MAX_FOLD_BYTES:
            text = _redact(wire.request.read().decode("utf-8", "replace"), wire.secrets)
            try:
                body = json.loads(text)
            except ValueError:
                body = None
        capture.request = body if isinstance(body, dict) else {}
        operation = capture.operation
        assert operation is not None
        continues = capture.request.get("previous_interaction_id")
        if operation.kind != "create":
            continues = operation.interaction_id
        capture.conversation = Conversation(
            settings=settings_from_request(capture.request),
            continues=continues if isinstance(continues, str) else None,
        )
        capture.history = ChatHistory(self.store, self._history_failed)
        runner = TurnRunner(
            capture.conversation,
            client=_no_client,
            sink=self.sink_for(capture),
            history=capture.history,
        )
        asked = asked_from_request(capture.request, capture.exchange)
        whole = not wire.streaming
        task = asyncio.ensure_future(
            runner.capture(
                asked, self._events(capture, queue), timings=capture.timings, whole=whole
            )
        )
        capture.task = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._turn_done(capture, done))

    def _turn_done(self, capture: Capture, task: asyncio.Task[Turn]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a failure shows in the turn, not as a loop warning
        self._finish(capture)

    async def _events(
        self, capture: Capture, queue: asyncio.Queue[Any]
    ) -> AsyncIterator[tuple[float, str | dict[str, object], int]]:
        """The events of the exchange's response as they can be had: a stream's as its
        chunks pass, a whole response's once it has all arrived."""
        wire = capture.wire
        if wire.streaming:
            async for item in self._stream_events(capture, queue):
                yield item
        else:
            while await queue.get() is not None:
                pass
            body = b""
            if wire.response.size <= MAX_FOLD_BYTES:
                body = _decoded(wire.response.read(), wire.content_encoding)
            offset = (wire.ended_at or wire.started_at) - wire.started_at
            events = response_events(wire.status, body) if wire.status is not None else []
            for event in events:
                if wire.secrets:
                    event = json.loads(_redact(json.dumps(event), wire.secrets))
                capture.events.append((offset, event))
                yield offset, event, event_size(event)
        if wire.error and not wire.gateway:
            raise StreamInterrupted(
                wire.error,
                last_event_id=None,
                interaction_id=capture.turn.interaction_id if capture.turn else None,
                events_received=len(capture.events),
            )

    async def _stream_events(
        self, capture: Capture, queue: asyncio.Queue[Any]
    ) -> AsyncIterator[tuple[float, str, int]]:
        wire = capture.wire
        decoder = BodyDecoder(wire.content_encoding)
        arrived = [wire.started_at]

        async def chunks() -> AsyncIterator[bytes]:
            while (item := await queue.get()) is not None:
                arrived[0], data = item
                decoded = decoder.decode(data)
                if decoded:
                    yield decoded
            tail = decoder.flush()
            if tail:
                yield tail

        async for sse in iter_sse(chunks()):
            data = sse.data
            if not data or data.startswith(DONE):
                continue
            if wire.secrets:
                data = _redact(data, wire.secrets)
            offset = arrived[0] - wire.started_at
            capture.events.append((offset, data))
            yield offset, data, len(data.encode("utf-8"))
        if decoder.failed:
            capture.exchange.error = capture.exchange.error or decoder.failed

    def _history_failed(self, error: StoreError) -> None:
        if self.store is not None:
            self.store = None
            self.on_history_failure(error)

    # ------------------------------------------------------------------ the end

    def _finish(self, capture: Capture) -> None:
        wire = capture.wire
        self._live.pop(wire.number, None)
        if capture.plain or not capture.request:  # not a JSON object: shown as it came
            capture.request_preview = _preview(wire.request.read(PREVIEW_BYTES), "", wire)
        if capture.plain or (wire.status or 0) >= 400:
            # An error's body is what explains it, for the Interactions API too.
            capture.response_preview = _preview(
                wire.response.read(PREVIEW_BYTES), wire.content_encoding, wire
            )
        wire.request.close()
        wire.response.close()
        capture.done = True
        self.on_change(capture, "end")
        self.on_done(capture)
        finished = [c for c in self.captures if c.done]
        for old in finished[: max(0, len(finished) - self.keep)]:
            self.captures.remove(old)

    async def drain(self) -> None:
        """Wait for the turns still being folded (call before closing the store)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel(self) -> None:
        """Stop folding (the proxy is going away); the turns end as cancelled."""
        for task in list(self._tasks):
            task.cancel()


def _preview(data: bytes, encoding: str, wire: Wire) -> str:
    text = _decoded(data, encoding).decode("utf-8", "replace") if data else ""
    return redact_secrets(text, wire.secrets)
