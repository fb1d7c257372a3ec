"""One turn of a chat, in three parts: what was asked, what came back, and where it is stored.

They change at different times and are read by different people: :class:`Asked` is fixed
once the request has gone (the prompt, its attachments, the results of function calls, the
body as sent); :class:`Reply` grows while the stream runs (the assembler's state) and ends with
one outcome; :class:`StoredAt` is the turn's row in the local history, known once it is
written. Nothing here is derived state: where a turn sits in the chain (which interaction it
continued, what stateless history came before it) is computed from the list of turns by
:class:`~gemtui.core.conversation.Conversation` whenever it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gemtui.api.models import TERMINAL_STATUSES, WAITING_STATUSES, Usage
from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState, new_state

if TYPE_CHECKING:  # gemtui.core.conversation imports this module
    from gemtui.core.conversation import ChatSettings

Outcome = Literal[
    "pending", "streaming", "completed", "requires_action", "incomplete", "cancelled",
    "interrupted", "failed",
]  # fmt: skip

#: How a turn came to be: typed by the user, sent by the tool loop, opened by id (or from a
#: finished background run), played back from a recording, a summary that compresses the chat
#: (the chain starts over from it: :mod:`gemtui.core.compress`), or captured by the inspector
#: proxy from another program's traffic.
TurnKind = Literal["prompt", "results", "opened", "replayed", "summary", "captured"]

#: Outcomes after which the turn's interaction is stored server-side and can be chained onto.
CHAINABLE_OUTCOMES = frozenset({"completed", "requires_action", "incomplete"})
#: Outcomes a turn ends with (the others say it has not ended yet).
ENDED_OUTCOMES = frozenset(
    {"completed", "requires_action", "incomplete", "cancelled", "interrupted", "failed"}
)


@dataclass(eq=False)
class Exchange:
    """The HTTP exchange a captured turn came from, as the inspector proxy saw it.

    Known in part when the request arrives (method, path, client) and completed when the
    response ends (status, sizes, duration, what went wrong). ``path`` holds the query too,
    with any ``key=`` redacted; no header value is kept here, so no key either.
    """

    method: str
    path: str
    #: The calling program, from its user agent (``google-genai-sdk/3.3.0``, ``curl/8.5``).
    client: str = ""
    #: Who captured it (``proxy``): a column of its own in the history.
    source: str = "proxy"
    status: int | None = None
    streaming: bool = False
    request_bytes: int = 0
    response_bytes: int = 0
    #: Seconds from the request's arrival to the response's last byte.
    duration: float | None = None
    #: What went wrong on the way (upstream unreachable, a stream cut), else ``""``.
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "client": self.client,
            "source": self.source,
            "status": self.status,
            "streaming": self.streaming,
            "request_bytes": self.request_bytes,
            "response_bytes": self.response_bytes,
            "duration": self.duration,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Any) -> Exchange:
        """As stored; fields missing or of the wrong type fall back to their defaults."""
        data = data if isinstance(data, dict) else {}

        def text(name: str) -> str:
            value = data.get(name)
            return value if isinstance(value, str) else ""

        def number(name: str) -> int:
            value = data.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        status = data.get("status")
        duration = data.get("duration")
        return cls(
            method=text("method"),
            path=text("path"),
            client=text("client"),
            source=text("source") or "proxy",
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            streaming=data.get("streaming") is True,
            request_bytes=number("request_bytes"),
            response_bytes=number("response_bytes"),
            duration=float(duration) if isinstance(duration, int | float) else None,
            error=text("error"),
        )

    @property
    def label(self) -> str:
        """``POST /v1beta/interactions``: how a captured turn without a prompt is named."""
        return f"{self.method} {self.path}"


@dataclass(eq=False)
class Asked:
    """What the turn sent. ``label`` names a turn that has no prompt text (a recording, an
    interaction opened by id); ``stateful`` says whether it was sent to be kept at the server
    (``previous_interaction_id`` chaining) or with ``store: false``."""

    prompt: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: How each attachment is shown (``name · kind · size``), so a resend shows it alike.
    attachment_labels: list[str] = field(default_factory=list)
    #: Function results this turn answers the previous one's calls with, in wire form.
    results: list[dict[str, Any]] = field(default_factory=list)
    kind: TurnKind = "prompt"
    label: str = ""
    stateful: bool = True
    #: The create body as sent (never holds the key); empty until the request is built.
    request: dict[str, Any] = field(default_factory=dict)
    #: A captured turn's HTTP exchange (``kind == "captured"``), else ``None``.
    exchange: Exchange | None = None
    #: The settings it was sent with, for a turn read back from the history (whose request
    #: is not kept): what rebuilds its request to compare it (Alt+D), not the chat's now.
    sent_with: ChatSettings | None = None

    def again(self) -> Asked:
        """The same input, to send as a new turn (a retry): the request is built anew."""
        return Asked(
            prompt=self.prompt,
            attachments=self.attachments,
            attachment_labels=self.attachment_labels,
            results=self.results,
            kind=self.kind,
            label=self.label,
        )

    @property
    def has_user_input(self) -> bool:
        return bool(self.prompt or self.attachments)

    @property
    def user_input_step(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = [*self.attachments]
        if self.prompt:
            content.append({"type": "text", "text": self.prompt})
        return {"type": "user_input", "content": content}


@dataclass(eq=False)
class Reply:
    """What came back: the assembled interaction, how the turn ended, and the request's
    timings. ``chain_lost`` marks an interaction the current server does not know (a 404 when
    chaining onto it): the conversation then resends its history instead of chaining. The
    receive times of all its events count from the first request (``timings.started_at``),
    however many requests the answer took."""

    state: InteractionState = field(default_factory=new_state)
    outcome: Outcome = "pending"
    error: Exception | None = None
    timings: RequestTimings | None = None
    chain_lost: bool = False
    #: A background run read back from the history before its answer was fetched: it runs
    #: (or ran) at the server, and F5 fetches it (``TurnRunner.fetch_whole``).
    in_background: bool = False
    #: A continuation token the server refused (expired, unknown after a restart): the
    #: answer cannot go on from it, and F5 sends the prompt again instead of asking again.
    refused_token: str | None = None
    #: When its cut-off stream was taken up again (seconds from the turn's start, as event
    #: offsets are), for the timeline: the outage otherwise reads as a slow step.
    resumed_at: list[float] = field(default_factory=list)

    @property
    def live(self) -> bool:
        """Whether the answer may still change: its request is on its way or streaming."""
        return self.outcome in ("pending", "streaming")

    @property
    def hops(self) -> list[str]:
        """Every interaction the answer took, in order: more than one when it came in
        continuation hops (the last is what the conversation chains onto)."""
        ids = (
            getattr(getattr(event, "interaction", None), "id", None)
            for event in self.state.events.of_type("interaction.created")
        )
        return list(dict.fromkeys(i for i in ids if i))

    def settle(self) -> None:
        """Set the outcome from the final interaction status once the stream has ended."""
        state = self.state
        status = state.status
        if state.error is not None and status not in TERMINAL_STATUSES | WAITING_STATUSES:
            self.outcome = "failed"
        elif status in ("completed", "requires_action", "incomplete", "cancelled", "failed"):
            self.outcome = status
        elif status in ("requires_continuation", "budget_exceeded"):
            # A spent budget is what the API now reports as incomplete (OAS, 3.2).
            self.outcome = "incomplete"
        elif state.completed:
            self.outcome = "completed"
        else:
            self.outcome = "interrupted"


@dataclass(frozen=True, slots=True)
class StoredAt:
    """The turn's row in the history store and the row it follows (its parent in the tree)."""

    turn_id: int
    parent_id: int | None


@dataclass(eq=False)
class Turn:
    """One request and the interaction that answers it."""

    asked: Asked = field(default_factory=Asked)
    reply: Reply = field(default_factory=Reply)
    stored: StoredAt | None = None

    @property
    def interaction_id(self) -> str | None:
        return self.reply.state.interaction.id

    @property
    def usage(self) -> Usage | None:
        return self.reply.state.interaction.usage

    @property
    def title(self) -> str:
        """How the turn is named (timeline, detail): its prompt, else its label or id."""
        return self.asked.prompt or self.asked.label or self.interaction_id or ""

    @property
    def status(self) -> str:
        """Where the turn is: its outcome once it has ended, else what the stream says."""
        reply = self.reply
        if reply.outcome == "incomplete" and reply.state.status == "budget_exceeded":
            return "budget_exceeded"
        if reply.outcome in ENDED_OUTCOMES and reply.outcome != "completed":
            return reply.outcome
        if reply.state.error is not None:
            return "error"
        state = reply.state
        return state.status or ("streaming" if state.events else "waiting")

    @property
    def chainable(self) -> bool:
        return self.reply.outcome in CHAINABLE_OUTCOMES
