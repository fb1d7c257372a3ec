"""Fill the app's panes from an interaction fetched by id, or from a recording, like a live turn.

Both go through what :meth:`GemtuiApp.send` and its stream worker use: a turn in the
conversation, the prompt as a :class:`UserItem`, a :class:`TurnPresenter` for the answer's items,
a timeline section fed by the assembler, the app's batched flush (about 20 Hz) and its end of
turn (outcome notices, status bar, chaining). So a replay or a reopened interaction shows the
same items and timeline rows as the live run did, and the user can go on chatting from it.

It uses the app's turn API (``attach_turn``, ``stream_opened``, ``take_event``, ``note_change``,
``end_turn``, ``run_as_turn``, ``show_error``) rather than copying what those do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from textual.worker import Worker

from gemtui.api.errors import GemtuiApiError, StreamInterrupted
from gemtui.core.conversation import Turn
from gemtui.core.recording import Recording
from gemtui.core.reopen_state import apply_interaction, prompt_from_input
from gemtui.core.replay import replay_paced
from gemtui.core.store_recorder import TurnRecorder
from gemtui.ui.app import GemtuiApp
from gemtui.ui.chat_items import NoticeItem, UserItem

__all__ = ["show_interaction", "show_recording", "start_reopen"]

#: The timeline label of a recording whose request has no prompt text.
RECORDING_LABEL = "recording"
STREAM_UNAVAILABLE = (
    "The events of this interaction could not be streamed again ({reason}); "
    "its steps come from GET, without receive times."
)


def start_reopen(app: GemtuiApp, job: Coroutine[Any, Any, object]) -> Worker[object] | None:
    """Run ``job`` (``show_recording(…)`` or ``show_interaction(…)``) as the app's turn.

    As the turn, Escape cancels it and no prompt starts while it runs; ``None`` (and a notice)
    when a turn is already running.
    """
    if app.busy:
        job.close()
        app.notify("A turn is still running: Escape cancels it.", severity="warning")
        return None
    return app.run_as_turn(job)


async def show_recording(app: GemtuiApp, recording: Recording, speed: float = 0.0) -> Turn:
    """Replay ``recording`` into the panes at its recorded pace divided by ``speed`` (0: at once).

    The prompt comes from the recorded request; the turn's state is the replay's own, so the
    timeline section is added when the first event has been applied (or at the end, if none).
    """
    prompt = prompt_from_input(recording.request.get("input"))
    turn = app.conversation.start_turn(prompt)
    turn.request = recording.request
    turn.replayed = True
    if prompt:
        app.view.add_item(UserItem(prompt))
    attached = False
    try:
        async for state, change in replay_paced(recording, speed):
            if not attached:
                turn.state, attached = state, True
                app.attach_turn(turn, prompt or RECORDING_LABEL)
                turn.outcome = "streaming"
            app.note_change(change)
        turn.settle()
    except asyncio.CancelledError:
        turn.outcome = "cancelled"
        raise
    finally:
        if not attached:
            app.attach_turn(turn, prompt or RECORDING_LABEL)
        app.end_turn(turn)
    return turn


async def show_interaction(app: GemtuiApp, interaction_id: str) -> Turn | None:
    """Open a stored interaction: GET for its steps and prompt, then its events by stream GET.

    The events go through the assembler as a live stream's do, so the timeline has timings.
    When they cannot be streamed (an error before any step), the steps from GET are shown
    instead. ``None`` when the GET fails: its error and hint are shown as a notice.
    """
    try:
        interaction = await app.client.get(interaction_id)
    except GemtuiApiError as error:
        app.show_error(error)
        return None
    prompt = prompt_from_input([step.to_wire() for step in interaction.steps or ()])
    turn = app.conversation.start_turn(prompt)
    if prompt:
        app.view.add_item(UserItem(prompt))
    app.attach_turn(turn, prompt or interaction_id)
    turn.outcome = "streaming"
    # Saved like a live turn: the chat that goes on from it (a background run's result, an
    # interaction opened by id) reads back whole from the history.
    recorder = app.start_recorder(turn)
    try:
        failure = await _stream_events(app, turn, interaction_id, recorder)
        if not turn.state.steps:
            reason = failure or turn.state.error
            if reason is not None:
                text = getattr(reason, "message", None) or str(reason)
                app.view.add_item(NoticeItem(STREAM_UNAVAILABLE.format(reason=text)))
            for change in apply_interaction(turn.state, interaction):
                app.note_change(change)
                if recorder is not None:
                    recorder.on_change(change)
            failure = None
        if isinstance(failure, StreamInterrupted):
            turn.outcome, turn.error = "interrupted", failure
        elif failure is not None:
            turn.outcome, turn.error = "failed", failure
        else:
            turn.settle()
    except asyncio.CancelledError:
        turn.outcome = "cancelled"
        raise
    finally:
        app.end_turn(turn, recorder)
    return turn


async def _stream_events(
    app: GemtuiApp, turn: Turn, interaction_id: str, recorder: TurnRecorder | None
) -> GemtuiApiError | None:
    """Apply the interaction's events from stream GET to ``turn``; the error that ended it."""
    try:
        async with app.client.stream_get(interaction_id) as stream:
            app.stream_opened(stream.timings)
            started = stream.timings.started_at
            async for received in stream:
                app.take_event(turn, received, started, recorder)
    except GemtuiApiError as error:
        return error
    return None
