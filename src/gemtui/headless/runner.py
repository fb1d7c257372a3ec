"""The network part of ``gemtui ask``: run a turn (and its tool rounds), start a background run,
or wait for one, all through the core :class:`~gemtui.core.turn_runner.TurnRunner`.

Imported only once the command line has been checked, because it pulls in httpx and pydantic.
This module is the headless *sink* of the runner: answer text on stdout as it streams, events
as JSON Lines with ``-o stream-json``, tool activity and progress on stderr. Every path ends in
:func:`conclude`, which prints the result in the chosen format and maps the outcome to an exit
code (see :mod:`gemtui.headless.exits`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.api.errors import ApiStatusError, GemtuiApiError
from gemtui.api.models import Interaction
from gemtui.core.assembler import Change, assembled_interaction
from gemtui.core.attachments import chip_text
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.interaction_text import output_text
from gemtui.core.jobs import WAITING_POLL, poll_until_settled
from gemtui.core.recording import RecordingWriter
from gemtui.core.tools import (
    FunctionTool,
    ToolCall,
    computer_action_not_run,
    offers_computer_use,
)
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import Notice, TurnRunner
from gemtui.core.wording import plural
from gemtui.headless import exits
from gemtui.headless.functions import allow_listed
from gemtui.headless.inputs import AskRequest
from gemtui.headless.output import AnswerPrinter, CleanWriter, Messages, print_json, short
from gemtui.headless.uploads import prepare_attachments
from gemtui.headless.view import TurnView

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
    #: Called with the id of an interaction worth continuing from (``--continue``), and
    #: ``unfinished=True`` when it may still run at the server.
    remember: Callable[..., None]
    #: Where each turn is saved (its store is ``None`` with ``--no-history``).
    history: ChatHistory
    #: The function tools of the config file, by name (only allow-listed ones ever run).
    functions: Mapping[str, FunctionTool] = field(default_factory=dict)
    #: Where the answer's media are written (``--save-media``); ``None``: not written.
    save_media: Path | None = None


def make_client(
    *, api_key: str | None, base_url: str | None, retries: int, api_version: str = "v1"
) -> InteractionsClient:
    return InteractionsClient(
        api_key=api_key,
        base_url=base_url,
        api_version=api_version,
        retry=RetryPolicy(max_attempts=retries + 1),
    )


def conversation_for(request: AskRequest) -> Conversation:
    """The conversation the question is the next turn of."""
    settings = ChatSettings(
        agent=request.agent,
        system_instruction=request.system,
        tools=request.tools,
        generation_config=request.generation_settings(),
        response_format=request.response_format,
        stateful=request.store,
        response_modalities=list(request.response_modalities),
        service_tier=request.service_tier,
        safety_settings=list(request.safety_settings),
        labels=dict(request.labels),
        environment=request.environment,
        agent_config=request.agent_config,
    )
    if request.model:
        settings.model = request.model
    return Conversation(settings=settings, continues=request.previous_id)


class HeadlessSink:
    """What ``gemtui ask`` shows of a running turn."""

    def __init__(
        self,
        session: Session,
        recording: RecordingWriter | None,
        *,
        read_to_the_end: bool = False,
    ) -> None:
        self.session = session
        self.recording = recording
        #: stdout's reader went away (`gemtui ask … | head`): nothing more is written there.
        self.reader_gone = False
        #: Go on folding the events once the reader has gone (``--wait``: the run is over at
        #: the server and its events come at once, so its history row is completed rather
        #: than left cut off); else the broken pipe ends the turn.
        self.read_to_the_end = read_to_the_end
        text = session.output_format == "text"
        self.view = TurnView(
            session.answer if text else None, session.messages, save_media=session.save_media
        )

    def turns_loaded(self, turns: list[Turn]) -> None:
        pass

    def turn_started(self, turn: Turn) -> None:
        if self.recording is not None:
            self.recording.start({**turn.asked.request, "stream": True})

    def request_sent(self, turn: Turn) -> None:
        pass

    def request_accepted(self, turn: Turn) -> None:
        pass

    def turn_resumed(self, turn: Turn) -> None:
        self.session.messages.say("the stream was cut off; resuming it where it stopped.")

    def turn_replaced(self, turn: Turn) -> None:
        pass  # ask resumes only from an event: the partial answer is printed already

    # Both write to stdout, once per event: a plain try costs nothing until the pipe breaks.

    def event_received(self, turn: Turn, offset: float, raw: str | dict[str, Any]) -> None:
        if self.recording is not None:
            try:
                self.recording.event(offset, raw)
            except BrokenPipeError:
                self.reader_gone = True
                raise

    def turn_changed(self, turn: Turn, change: Change) -> None:
        if self.reader_gone:
            return  # only with read_to_the_end: the events are folded, not shown
        try:
            self.view.on_change(turn.reply.state, change)
        except BrokenPipeError:
            self.reader_gone = True
            if not self.read_to_the_end:
                raise

    def turn_ended(self, turn: Turn) -> None:
        interaction_id = turn.interaction_id
        # A reader that stopped early has what it wanted; the server finishes the answer, so
        # --continue goes on from it, in its conversation.
        if turn.asked.stateful and interaction_id and (turn.chainable or self.reader_gone):
            # Left mid-stream by its reader, the answer goes on at the server.
            cut = self.reader_gone and (turn.reply.live or turn.reply.outcome == "interrupted")
            self.session.remember(interaction_id, unfinished=cut)
        if self.recording is not None and not self.reader_gone:
            try:
                self.recording.finish()
            except BrokenPipeError:
                self.reader_gone = True
        # A cut-off turn may be resumed: ask() ends its line.
        if turn.reply.outcome != "interrupted" and not self.reader_gone:
            self.session.answer.end_line()

    def notice(self, notice: Notice) -> None:
        messages = self.session.messages
        if notice.detail:
            label, _, text = notice.text.partition(": ")
            messages.detail(label, text)
        elif notice.level == "error":
            messages.error(notice.text, notice.hint)
        else:
            messages.say(f"{notice.text} {notice.hint}".strip())

    def tool_running(self, call: ToolCall | None) -> None:
        if call is not None:
            self.session.messages.detail("run", f"{call.name} {short(call.arguments)}")

    def tool_finished(self, call: ToolCall, result: dict[str, Any]) -> None:
        label = "function_error" if result.get("is_error") else "function_result"
        self.session.messages.detail(label, short(result["result"]))


def runner_for(
    session: Session,
    conversation: Conversation,
    recording: RecordingWriter | None = None,
    *,
    read_to_the_end: bool = False,
) -> TurnRunner:
    return TurnRunner(
        conversation,
        client=lambda: session.client,
        sink=HeadlessSink(session, recording, read_to_the_end=read_to_the_end),
        history=session.history,
        tools=lambda: session.functions,
        approve=allow_listed(session.functions),
    )


async def ask(session: Session, request: AskRequest) -> int:
    """Send the question; stream the answer, or (``--background``) print the new id.

    Calls to allow-listed function tools are run and answered, turn after turn, until the
    model answers; any other call ends the run.
    """
    conversation = conversation_for(request)
    try:
        await prepare_attachments(session.client, request, session.messages)
    except GemtuiApiError as error:
        return conclude(session, None, "failed", error)
    asked = Asked(
        prompt=request.prompt,
        attachments=request.content_items,
        # Kept with the turn: a chat read back in the TUI names the files as it would have.
        attachment_labels=[chip_text(attachment) for attachment in request.files],
    )
    if request.background:
        return await _start_background(session, conversation, asked)
    recording = None
    if session.output_format == "stream-json":
        recording = RecordingWriter(session.out, session.secrets)  # type: ignore[arg-type]
    runner = runner_for(session, conversation, recording)
    if request.previous_may_run and request.previous_id:
        await _wait_for_previous(session, request.previous_id)
    turn = await runner.send(asked)
    if turn.reply.outcome == "interrupted" and runner.can_resume(turn):
        turn = await runner.resume(turn)  # once: a second cut is reported
    session.answer.end_line()
    reply = turn.reply
    interaction = assembled_interaction(reply.state) if reply.state.events else None
    code = conclude(
        session,
        interaction,
        reply.outcome,
        reply.error,
        reply.state.error,
        computer_use=offers_computer_use(request.tools),
    )
    sink = runner.sink
    if code == exits.OK and isinstance(sink, HeadlessSink) and sink.view.unsaved_media:
        code = exits.API_ERROR  # the answer came, but a file it was asked for was not written
    if (
        code == exits.OK
        and interaction is not None
        and not _follows_schema(session, request, interaction)
    ):
        code = exits.API_ERROR
    if (
        isinstance(reply.error, ApiStatusError)
        and reply.error.status == 404
        and request.previous_id_given
    ):
        session.messages.say(
            f"(continuing from {request.previous_id}: if that was meant as the prompt, "
            "put the prompt before --continue)"
        )
    if reply.outcome == "interrupted" and request.store and turn.interaction_id:
        session.messages.say(
            f"fetch the finished answer with: gemtui ask --wait {turn.interaction_id}"
        )
    return code


def _follows_schema(session: Session, request: AskRequest, interaction: Interaction) -> bool:
    """With ``--schema``: whether the answer is JSON that follows it (a script reads it
    next); else says what is wrong on stderr. True without a schema."""
    from gemtui.core.structured import check_structured, json_schema_of

    schema = json_schema_of(request.response_format)
    text = output_text(interaction.steps or [])
    media_asked = any(kind != "text" for kind in request.response_modalities)
    if schema is None or (text is None and media_asked):
        return True  # an answer that is only the picture or document asked for has no JSON
    check = check_structured(text or "", schema)
    if check.verdict == "unchecked":
        session.messages.say(f"the answer was not checked against the schema: {check.detail}")
    if check.verdict in ("valid", "unchecked"):
        return True
    if check.verdict == "not_json":
        said = f"the answer is not JSON: {check.detail}"
    else:
        said = f"the answer does not follow the schema ({plural(check.error_count, 'error')})"
    session.messages.error(said, "; ".join(check.errors))
    return False


async def _wait_for_previous(session: Session, interaction_id: str) -> None:
    """Wait while the interaction ``--continue`` goes on from still runs at the server: the
    ask that made it stopped reading early, and the API refuses to chain onto it until it is
    done (a 400 that read like a billing problem). A failed GET leaves it to the request."""
    client = session.client
    first = True

    def waiting(interaction: Interaction | None, _error: Exception | None, pause: float) -> None:
        nonlocal first
        if first and interaction is not None:
            session.messages.say(f"waiting for {interaction_id} to finish at the server…")
            first = False

    with contextlib.suppress(GemtuiApiError):
        await poll_until_settled(lambda: client.get(interaction_id), WAITING_POLL, on_poll=waiting)


async def _start_background(session: Session, conversation: Conversation, asked: Asked) -> int:
    runner = runner_for(session, conversation)
    try:
        _turn, interaction = await runner.start_background(asked)
    except GemtuiApiError as error:
        return conclude(session, None, "failed", error)
    # Kept pending in the history (by the runner): the ``--wait`` that fetches it completes it.
    if interaction.id:
        session.remember(interaction.id)
    if session.output_format == "json":
        print_json(session.out, interaction.to_wire())
    else:
        session.answer.write(f"{interaction.id}\n")
    session.messages.detail("status", interaction.status or "?")
    return exits.OK


async def wait(session: Session, interaction_id: str) -> int:
    """Poll until the interaction leaves ``in_progress``/``queued``; print its result.

    The run is written into the row the history already holds for it (the pending row of
    ``--background``, or that of an earlier ``--wait``), and completed there even when the
    reader stops early (``| head -1``): one conversation per run, however often it is waited
    for."""
    runner = runner_for(session, Conversation(), read_to_the_end=True)
    session.history.reopens_stored = True
    try:
        turn = await runner.open(interaction_id, wait=True)
    except GemtuiApiError as error:
        return conclude(session, None, "failed", error)
    sink = runner.sink
    if isinstance(sink, HeadlessSink) and sink.reader_gone:
        raise BrokenPipeError  # run_ask stops quietly, as for any reader gone
    reply = turn.reply
    return conclude(
        session, assembled_interaction(reply.state), reply.outcome, reply.error, reply.state.error
    )


def conclude(
    session: Session,
    interaction: Interaction | None,
    outcome: str,
    error: Exception | None = None,
    stream_error: Any = None,
    *,
    computer_use: bool = False,
) -> int:
    """Print the result in the chosen format, explain any shortfall, return the exit code.

    ``computer_use``: the request offered it, so calls to functions not declared are its
    actions, which nothing here carries out (not tools to allow-list)."""
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
        _explain_requires_action(session, interaction, computer_use=computer_use)
    else:
        status = interaction.status if interaction is not None else None
        key = status if status in _UNFINISHED else outcome
        messages.say(_UNFINISHED.get(key, f"the interaction ended with status {outcome}."))
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
    if interaction is None:
        messages.error("the interaction failed without saying why.", "Run the command again.")
        return
    from gemtui.core.run_errors import failure_report  # only a failed run needs it (issue 20)

    report = failure_report(interaction, again="run the command again")
    reasons = "; ".join(report.reasons) or "no reason given"
    messages.error(f"the interaction failed: {reasons}.", report.hint)


def _explain_requires_action(
    session: Session, interaction: Interaction | None, *, computer_use: bool
) -> None:
    """Why the run waits for the client, and what to do: computer-use actions are not
    carried out by gemtui; a function call is run only when allow-listed."""
    messages = session.messages
    steps = (interaction.steps if interaction else None) or ()
    names = [s.name for s in steps if s.type == "function_call" and getattr(s, "name", None)]
    where = f" (interaction {interaction.id})" if interaction and interaction.id else ""
    actions = [name for name in names if computer_use and name not in session.functions]
    functions = [name for name in names if name not in actions]
    if actions:
        said = computer_action_not_run(", ".join(dict.fromkeys(actions)), where)
        messages.error(
            said[0].lower() + said[1:],  # stderr's lines start lower case (gemtui ask: the …)
            "Computer use needs a program of your own that carries out each action and sends "
            "back its result with previous_interaction_id set to that id; drop --tool "
            "computer_use to have the model answer without it.",
        )
    if functions:
        messages.error(
            f"the model asked to call {', '.join(dict.fromkeys(functions))}{where}, but "
            "headless mode does not run function tools that are not allow-listed.",
            "Set allow = true in its [[functions]] entry of the config file to let gemtui ask "
            "run it; or send its result with previous_interaction_id set to that id.",
        )
    if not names:
        messages.say(f"the interaction is waiting for input (status requires_action){where}.")
