"""The TUI's sink of the turn runner: what a running turn says becomes messages to the app.

A fast stream brings thousands of events a second; repainting per event would spend the CPU on
frames nobody sees. So changes are gathered per step and sent as one :class:`TurnChanged` at
most every ``FLUSH_INTERVAL`` (about 20 Hz, DESIGN.md section 4); everything else (a turn
started or ended, a notice, a tool running) flushes what is pending first, so the app sees
everything in the order it happened.

A new turn is drawn only once its request is written out (``request_sent``), or after
``HOLD_LIMIT`` when that takes longer (a new TLS connection): drawing it is 10-20 ms of work
that would otherwise run while the request waits for its socket, and the request is what the
user is waiting on (issue 20: the request leaves first).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.message import Message

from gemtui.core.assembler import Change, StepState
from gemtui.core.tools import ToolCall
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import OPENING_CHARS, Notice
from gemtui.ui.chat.messages import (
    RequestAccepted,
    StepUpdate,
    ToolActivity,
    TurnChanged,
    TurnEnded,
    TurnNotice,
    TurnReplaced,
    TurnResumed,
    TurnsLoaded,
    TurnStarted,
)

#: Longest pause between repaints of a streaming answer.
FLUSH_INTERVAL = 0.05
#: ... and while the opening of a step's text comes in (about a frame at 60 Hz).
OPENING_INTERVAL = 0.016
#: Text gathered faster than this many characters per FLUSH_INTERVAL is a burst (a reopened
#: or replayed stream, a server far ahead of the screen): it is shown every BURST_INTERVAL
#: instead, since nobody reads 80 KB a second and each repaint of the answer is time taken
#: from folding the rest (issue 20: a burst's last line near the raw terminal's).
BURST_CHARS = 4096
BURST_INTERVAL = 0.15
#: Longest a new turn waits to be drawn for its request to be written out, in seconds.
HOLD_LIMIT = 0.05


def _position(steps: list[StepState], index: int) -> int | None:
    """Where the latest step with wire index ``index`` is (it is nearly always the last)."""
    for position in range(len(steps) - 1, -1, -1):
        if steps[position].index == index:
            return position
    return None


class LiveTurn:
    """Posts what the runner reports through ``post`` (the app's ``post_message``)."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._turn: Turn | None = None
        self._steps: dict[int, StepUpdate] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        #: Characters of text gathered since the last flush (see BURST_CHARS).
        self._gathered = 0
        #: Characters of text posted per step (by place in the turn): the opening of a step's
        #: text goes out at once (see turn_runner.OPENING_CHARS).
        self._opened: dict[int, int] = {}
        #: The start of a turn whose request is not written out yet, and its time limit.
        self._held: TurnStarted | None = None
        self._hold_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ batching

    def _release(self) -> None:
        """Post the held start of a turn, if any (before anything else about the turn)."""
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        if self._held is not None:
            held, self._held = self._held, None
            self._post(held)

    def _flush(self) -> None:
        self._release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._turn is not None and self._steps:
            self._last_flush = time.monotonic()
            self._post(TurnChanged(self._turn, self._steps))
        self._steps = {}
        self._gathered = 0

    def _interval(self) -> float:
        return BURST_INTERVAL if self._gathered >= BURST_CHARS else FLUSH_INTERVAL

    def _flush_when_due(self) -> None:
        """The flush timer: a burst that began since it was set waits for its own interval."""
        self._timer = None
        due = self._interval() - (time.monotonic() - self._last_flush)
        if due > 0:
            self._timer = asyncio.get_running_loop().call_later(due, self._flush_when_due)
        else:
            self._flush()

    def turn_changed(self, turn: Turn, change: Change) -> None:
        if turn is not self._turn:
            self._flush()
            self._turn = turn
            self._opened = {}
        index = change.step_index
        if index is None:
            if change.kind not in ("created", "status", "completed", "error"):
                return
            position = -1  # the turn itself changed: the timeline heading, the status
        else:
            # Keyed by place in the turn's steps: wire indexes start again at each
            # continuation hop, so two steps of one batch can share an index.
            position = _position(turn.reply.state.steps, index)
            if position is None:
                return
        update = self._steps.setdefault(position, StepUpdate())
        if change.kind == "step_started":
            update.started = True
            update.texts = [change.appended_text] if change.appended_text else []
        elif change.kind == "step_stopped":
            update.stopped = True
        elif change.appended_text and change.field in ("text", "summary"):
            update.texts.append(change.appended_text)
        text = change.appended_text
        self._gathered += len(text or "")
        interval = self._interval()
        if text and (opened := self._opened.get(position, 0)) < OPENING_CHARS:
            # A step's first text is shown at once, and the rest of its opening line by line
            # or frame by frame (the runner yields after each of its events), not after the
            # rest of a burst is folded: first text within a frame (issue 20).
            self._opened[position] = opened + len(text)
            interval = OPENING_INTERVAL if opened and "\n" not in text else 0.0
        due = interval - (time.monotonic() - self._last_flush)
        if due <= 0:
            self._flush()
        elif self._timer is None or interval < FLUSH_INTERVAL:
            if self._timer is not None:
                self._timer.cancel()
            flush = self._flush if interval < FLUSH_INTERVAL else self._flush_when_due
            self._timer = asyncio.get_running_loop().call_later(due, flush)

    # ------------------------------------------------------------------ the rest, in order

    def turns_loaded(self, turns: list[Turn]) -> None:
        self._flush()
        self._post(TurnsLoaded(turns))

    def turn_started(self, turn: Turn) -> None:
        self._flush()
        self._turn = turn
        self._opened = {}
        self._held = TurnStarted(turn)
        self._hold_timer = asyncio.get_running_loop().call_later(HOLD_LIMIT, self._release)

    def request_sent(self, turn: Turn) -> None:
        self._release()

    def request_accepted(self, turn: Turn) -> None:
        self._flush()
        self._post(RequestAccepted(turn))

    def turn_resumed(self, turn: Turn) -> None:
        self._flush()
        self._turn = turn
        self._post(TurnResumed(turn))

    def turn_replaced(self, turn: Turn) -> None:
        self._flush()
        self._post(TurnReplaced(turn))

    def event_received(self, turn: Turn, offset: float, raw: str | dict[str, Any]) -> None:
        pass  # the timeline reads the assembled events; raw payloads are for recordings

    def turn_ended(self, turn: Turn) -> None:
        self._flush()
        self._post(TurnEnded(turn))

    def notice(self, notice: Notice) -> None:
        self._flush()
        self._post(TurnNotice(notice, self._turn))

    def tool_running(self, call: ToolCall | None) -> None:
        self._flush()
        self._post(ToolActivity(call))

    def tool_finished(self, call: ToolCall, result: dict[str, Any]) -> None:
        pass  # the results show as the next turn's input
