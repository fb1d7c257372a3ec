"""The network part of ``gemtui ask``: stream a turn, start a background run, or wait for one.

Imported only once the command line has been checked, because it pulls in httpx and pydantic.
Every path ends in :func:`conclude`, which prints the result in the chosen format and maps the
outcome to an exit code (see :mod:`gemtui.headless.exits`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.api.errors import ApiStatusError, GemtuiApiError, StreamInterrupted
from gemtui.api.models import RUNNING_STATUSES, Interaction
from gemtui.core.assembler import apply, assembled_interaction, output_text
from gemtui.core.conversation import ChatSettings, Conversation, Turn
from gemtui.core.recording import RecordingWriter
from gemtui.core.tools import FunctionTool
from gemtui.headless import exits
from gemtui.headless.functions import MAX_TOOL_ROUNDS, run_allowed
from gemtui.headless.inputs import AskRequest
from gemtui.headless.output import AnswerPrinter, CleanWriter, Messages, print_json
from gemtui.headless.view import TurnView

if TYPE_CHECKING:
    from gemtui.core.store_recorder import TurnRecorder
    from gemtui.headless.history import AskHistory

#: Polling of ``--wait``: first pause, growth per poll, longest pause (docs poll every 2-5 s).
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.25, 1.5, 5.0

#: Statuses that end a run short of an answer, and what to tell the user about each.
_UNFINISHED = {
    "incomplete": "the answer is incomplete (status incomplete), e.g. the output token limit "
    "was reached.",
    "requires_continuation": "the answer is incomplete (status requires_continuation): the "
    "decode limit was reached.",
    "budget_exceeded": "the run used up its budget (status budget_exceeded).",
    "cancelled": "the interaction was cancelled.",
}


@dataclass
class Session:
    """What every path needs: the client, where output goes and how it is shaped."""

    client: InteractionsClient
    out: IO[str] | CleanWriter
    messages: Messages
    answer: AnswerPrinter
    output_format: str
    secrets: list[str]
    #: Called with the id of an interaction worth continuing from (``--continue``).
    remember: Callable[[str], None]
    #: Where each turn is saved; ``None`` with ``--no-history`` or when it cannot be opened.
    history: AskHistory | None = None
    #: The function tools of the config file, by name (only allow-listed ones ever run).
    functions: Mapping[str, FunctionTool] = field(default_factory=dict)


def make_client(*, api_key: str | None, base_url: str | None, retries: int) -> InteractionsClient:
    return InteractionsClient(
        api_key=api_key, base_url=base_url, retry=RetryPolicy(max_attempts=retries + 1)
    )


def conversation_for(request: AskRequest) -> Conversation:
    """The one-turn conversation whose ``build_request`` makes the create body."""
    settings = ChatSettings(
        agent=request.agent,
        system_instruction=request.system,
        tools=request.tools,
        response_format=request.response_format,
        stateful=request.store,
        background=request.background,
    )
    if request.model:
        settings.model = request.model
    return Conversation(settings=settings, previous_interaction_id=request.previous_id)


async def ask(session: Session, request: AskRequest) -> int:
    """Send the question; stream the answer, or (``--background``) print the new id.

    Calls to allow-listed function tools are run and answered, turn after turn, until the
    model answers (at most ``MAX_TOOL_ROUNDS`` rounds); any other call ends the run.
    """
    conversation = conversation_for(request)
    turn = conversation.start_turn(request.prompt, request.content_items)
    if request.background:
        body = conversation.build_request(turn)
        recorder = session.history.begin(conversation, turn) if session.history else None
        return await _start_background(session, body, turn, recorder)
    recording = None
    if session.output_format == "stream-json":
        recording = RecordingWriter(session.out, session.secrets)  # type: ignore[arg-type]
    view = TurnView(session.answer if session.output_format == "text" else None, session.messages)
    for _ in range(MAX_TOOL_ROUNDS):
        await _stream_turn(session, conversation, turn, view, recording)
        results = await run_allowed(session.functions, turn, session.messages)
        if results is None:
            break
        turn = conversation.start_turn("")
        turn.extra_input = results
    else:
        session.messages.say(f"stopped after {MAX_TOOL_ROUNDS} rounds of function calls.")
    received_any = bool(turn.state.events)
    interaction = assembled_interaction(turn.state) if received_any else None
    code = conclude(session, interaction, turn.outcome, turn.error, turn.state.error)
    if (
        isinstance(turn.error, ApiStatusError)
        and turn.error.status == 404
        and request.previous_id_given
    ):
        session.messages.say(
            f"(continuing from {request.previous_id}: if that was meant as the prompt, "
            "put the prompt before --continue)"
        )
    if turn.outcome == "interrupted" and request.store and turn.state.interaction.id:
        session.messages.say(
            f"fetch the finished answer with: gemtui ask --wait {turn.state.interaction.id}"
        )
    return code


async def _stream_turn(
    session: Session,
    conversation: Conversation,
    turn: Turn,
    view: TurnView,
    recording: RecordingWriter | None,
) -> None:
    """Send ``turn``, show and record its events, and chain the conversation onto it."""
    body = conversation.build_request(turn)
    recorder = session.history.begin(conversation, turn) if session.history else None
    if recording is not None:
        recording.start({**body, "stream": True})
    try:
        async with session.client.stream(body) as stream:
            started = stream.timings.started_at if stream.timings else 0.0
            async for received in stream:
                offset = received.received_at - started
                if recording is not None:
                    recording.event(offset, received.raw)
                change = apply(turn.state, received.event, received_at=offset, size=received.size)
                view.on_change(turn.state, change)
                if recorder is not None:
                    recorder.on_change(change)
        turn.settle()
    except StreamInterrupted as error:
        turn.outcome, turn.error = "interrupted", error
    except GemtuiApiError as error:
        turn.outcome, turn.error = "failed", error
    finally:
        session.answer.end_line()
        if recorder is not None and session.history is not None:
            session.history.finish(recorder, turn)
    before = conversation.previous_interaction_id
    conversation.finish_turn(turn)
    stored = conversation.settings.stateful
    if stored and conversation.previous_interaction_id not in (None, before):
        session.remember(conversation.previous_interaction_id)


async def _start_background(
    session: Session, body: dict[str, Any], turn: Turn, recorder: TurnRecorder | None
) -> int:
    history = session.history if recorder is not None else None
    try:
        interaction = await session.client.create(body)
    except GemtuiApiError as error:
        if history is not None and recorder is not None:
            turn.outcome, turn.error = "failed", error
            history.finish(recorder, turn)
        return conclude(session, None, "failed", error)
    if history is not None and recorder is not None:
        history.started_in_background(recorder, interaction)
    if interaction.id:
        session.remember(interaction.id)
    if session.output_format == "json":
        print_json(session.out, interaction.to_wire())
    else:
        session.answer.write(f"{interaction.id}\n")
    session.messages.detail("status", interaction.status or "?")
    return exits.OK


async def wait(session: Session, interaction_id: str) -> int:
    """Poll ``GET`` until the interaction leaves ``in_progress``/``queued``; print its result."""
    pause = POLL_FIRST
    while True:
        try:
            interaction = await session.client.get(interaction_id)
        except GemtuiApiError as error:
            return conclude(session, None, "failed", error)
        if interaction.status not in RUNNING_STATUSES:
            break
        session.messages.detail("status", f"{interaction.status}; next check in {pause:.2g} s")
        await asyncio.sleep(pause)
        pause = min(pause * POLL_GROWTH, POLL_MAX)
    view = TurnView(session.answer if session.output_format == "text" else None, session.messages)
    for step in interaction.steps or ():
        view.report_step(step)
    if session.output_format == "text":
        session.answer.write(output_text(interaction.steps or ()) or "")
        session.answer.end_line()
    outcome = interaction.status or "completed"
    if outcome in ("completed", "requires_action", "incomplete") and interaction.id:
        session.remember(interaction.id)
    if session.history is not None:
        session.history.complete_waited(interaction)
    return conclude(session, interaction, outcome)


def conclude(
    session: Session,
    interaction: Interaction | None,
    outcome: str,
    error: Exception | None = None,
    stream_error: Any = None,
) -> int:
    """Print the result in the chosen format, explain any shortfall, return the exit code."""
    messages = session.messages
    if session.output_format == "json" and interaction is not None:
        print_json(session.out, interaction.to_wire())
    if interaction is not None:
        usage = interaction.usage
        messages.detail("interaction", f"{interaction.id} {interaction.status}")
        if usage is not None and usage.total_tokens is not None:
            messages.detail(
                "usage",
                f"{usage.total_tokens} tokens (input {usage.total_input_tokens or 0}, "
                f"output {usage.total_output_tokens or 0}, "
                f"thought {usage.total_thought_tokens or 0})",
            )
    if error is not None:
        messages.error(str(error), getattr(error, "hint", "") or "")
        return exits.UNFINISHED if outcome == "interrupted" else exits.API_ERROR
    if outcome == "completed":
        return exits.OK
    if outcome == "failed":
        _explain_failure(messages, interaction, stream_error)
        return exits.API_ERROR
    if outcome == "requires_action":
        _explain_requires_action(messages, interaction)
    else:
        messages.say(_UNFINISHED.get(outcome, f"the interaction ended with status {outcome}."))
    return exits.UNFINISHED


def _explain_failure(
    messages: Messages, interaction: Interaction | None, stream_error: Any
) -> None:
    if stream_error is not None:
        messages.error(
            f"the server reported an error mid-stream: {stream_error.message} "
            f"({stream_error.code})",
            "The partial answer (if any) was printed; run the command again.",
        )
        return
    details = [e for e in (interaction.errors if interaction else None) or () if e.message]
    reason = "; ".join(f"{e.message} ({e.code})" for e in details) or "no reason given"
    messages.error(f"the interaction failed: {reason}", "Run the command again.")


def _explain_requires_action(messages: Messages, interaction: Interaction | None) -> None:
    steps = (interaction.steps if interaction else None) or ()
    names = [s.name for s in steps if s.type == "function_call" and getattr(s, "name", None)]
    where = f" (interaction {interaction.id})" if interaction and interaction.id else ""
    if names:
        messages.error(
            f"the model asked to call {', '.join(dict.fromkeys(names))}{where}, but headless "
            "mode does not run function tools that are not allow-listed.",
            "Set allow = true in its [[functions]] entry of the config file to let gemtui ask "
            "run it; or send its result with previous_interaction_id set to that id.",
        )
    else:
        messages.say(f"the interaction is waiting for input (status requires_action){where}.")
