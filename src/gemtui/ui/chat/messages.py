"""What a running turn reports to the app, as typed Textual messages.

The turn runner calls its sink in the turn's worker; :class:`~gemtui.ui.chat.live_turn.LiveTurn`
turns those calls into these messages, posted to the app in order, and batches the changes of
a stream so that at most one :class:`TurnChanged` goes out per 50 ms. The conversation, the
timeline, the step detail and the status bar update from them, so a test can watch a turn with
``run_test(message_hook=…)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from gemtui.core.tools import ToolCall
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import Notice


@dataclass(slots=True)
class StepUpdate:
    """What happened to one step since the last batch."""

    #: Text appended by deltas (or the seed of ``step.start``), in order.
    texts: list[str] = field(default_factory=list)
    started: bool = False
    stopped: bool = False


class TurnStarted(Message):
    """A turn is in the conversation and its request is going out."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class RequestAccepted(Message):
    """The server took the turn's request (its stream is open)."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class TurnResumed(Message):
    """An ended turn goes on (a resumed stream, a continued answer): more events will come."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class TurnReplaced(Message):
    """An ended turn's answer was replaced whole (a cut-off answer fetched from the server):
    show the turn anew."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class TurnChanged(Message):
    """Events were folded into the turn since the last message: ``steps`` says which steps
    they touched, by position in ``turn.reply.state.steps`` (-1: the turn itself), in order
    of first touch."""

    def __init__(self, turn: Turn, steps: dict[int, StepUpdate]) -> None:
        super().__init__()
        self.turn = turn
        self.steps = steps


class TurnEnded(Message):
    """The turn has its final outcome (``turn.reply.outcome``, and ``turn.reply.error``)."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class TurnsLoaded(Message):
    """Older turns of a stored chat were read in front of the others (a request needed
    them)."""

    def __init__(self, turns: list[Turn]) -> None:
        super().__init__()
        self.turns = turns


class TurnNotice(Message):
    """Something to tell the user about the running turn (shown in the conversation)."""

    def __init__(self, notice: Notice, turn: Turn | None) -> None:
        super().__init__()
        self.notice = notice
        self.turn = turn


class ToolActivity(Message):
    """A local function tool started (``call``) or none runs any more (``None``)."""

    def __init__(self, call: ToolCall | None) -> None:
        super().__init__()
        self.call = call
