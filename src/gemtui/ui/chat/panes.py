"""Keep the conversation, the timeline, the step detail and the status bar showing the chat.

The chat's list of turns is the only source of truth. The conversation's items each know their
turn and the timeline has one section per turn, in the same order, so neither keeps a list of
positions of its own: a turn's first item is found among the items, a turn's section is its
position in the list of turns. Whatever changes the list (a turn started, older turns read, a
rewind, another chat) changes the panes through here, and from nowhere else.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from textual.timer import Timer

from gemtui.api.errors import StreamIdleTimeout, StreamInterrupted
from gemtui.core.safety import redact_secrets
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import Notice
from gemtui.ui.chat.messages import TurnChanged
from gemtui.ui.chat.turn_items import TurnPresenter, asked_items, finished_items
from gemtui.ui.render.chat_items import ChatItem, NoticeItem
from gemtui.ui.widgets.conversation import ConversationView
from gemtui.ui.widgets.status_bar import StatusBar
from gemtui.ui.widgets.step_detail import StepDetail
from gemtui.ui.widgets.timeline import StepTimeline

#: How often the waiting indicator ticks; it runs only while a request is waiting.
SPINNER_INTERVAL = 0.2

OUTCOME_NOTICES = {
    "cancelled": ("Cancelled. The partial answer is kept.", "", "warning"),
    "interrupted": (
        "The stream was cut off. The partial answer is kept.",
        "Press F5 to send the prompt again.",
        "error",
    ),
    "incomplete": (
        "The answer is incomplete (the output token limit was reached).",
        "Raise max_output_tokens in the settings, or ask the model to continue.",
        "warning",
    ),
}


def interrupted_notice(error: BaseException) -> tuple[str, str]:
    """What to say when a stream is cut off, each thing once: the error's own words already
    say "interrupted", and its hint's "retry the turn" is what F5 does."""
    if isinstance(error, StreamInterrupted):
        text = f"The stream was cut off after {error.events_received} events: {error.reason}"
    else:
        text = f"The stream was cut off: {error}"
    hint = "The partial answer is kept. Press F5 to send the prompt again."
    if isinstance(error, StreamIdleTimeout):
        hint = f"The stream stalled (a slow link may need a longer [network] idle_timeout). {hint}"
    return text, hint


def items_of(turns: list[Turn]) -> list[ChatItem]:
    """The items of finished turns, in order."""
    return [item for turn in turns for item in finished_items(turn)]


class ChatPanes:
    """The panes of one app; ``turns()`` is the chat's list of turns, ``secrets`` what error
    messages must never show."""

    def __init__(
        self,
        view: ConversationView,
        timeline: StepTimeline,
        detail: StepDetail,
        status: StatusBar,
        *,
        turns: Callable[[], list[Turn]],
        secrets: list[str],
    ) -> None:
        self.view = view
        self.timeline = timeline
        self.detail = detail
        self.status = status
        self._turns = turns
        self._secrets = secrets
        self._presenter: TurnPresenter | None = None
        self._wait_started: float | None = None
        self._spinner: Timer | None = None

    # ------------------------------------------------------------------ where turns are

    def first_item_of(self, turn: Turn) -> int | None:
        """Where ``turn`` starts in the conversation (``None``: it is not shown)."""
        for index, item in enumerate(self.view.items):
            if item.turn is turn:
                return index
        return None

    def section_of(self, turn: Turn | None) -> int | None:
        """The timeline section of ``turn``."""
        for index, candidate in enumerate(self._turns()):
            if candidate is turn:
                return index
        return None

    # ------------------------------------------------------------------ the list changed

    def show_all(self) -> None:
        """Show the chat's turns instead of what was shown (a new or an opened chat)."""
        self._presenter = None
        self.view.clear()
        turns = self._turns()
        for item in items_of(turns):
            self.view.add_item(item)
        self.timeline.set_turns(turns)
        self.detail.clear()

    def prepend(self, older: list[Turn]) -> None:
        """Older turns were read in front of the others."""
        if older:
            self.view.prepend_items(items_of(older))
            self.timeline.set_turns(self._turns())

    def drop_from(self, index: int | None) -> None:
        """The turns from the view's item ``index`` on left the chat (a rewind)."""
        if index is not None:
            self.view.remove_from(index)
        self.timeline.set_turns(self._turns())

    # ------------------------------------------------------------------ a running turn

    def turn_started(self, turn: Turn) -> None:
        for item in asked_items(turn):
            self.view.add_item(item)
        self.timeline.add_turn(turn)
        self._presenter = TurnPresenter(self.view, turn)
        self._begin_wait()

    def turn_changed(self, message: TurnChanged) -> None:
        presenter = self._presenter
        if presenter is None or presenter.turn is not message.turn:
            return
        if self._wait_started is not None:
            self._end_wait("streaming")
        presenter.apply(message)
        self._refresh_section(message.turn)
        self.detail.refresh_live()

    def turn_ended(self, turn: Turn, total_tokens: int, environment: str) -> None:
        presenter = self._presenter
        if presenter is not None and presenter.turn is turn:
            presenter.close()
            self._presenter = None
        self.view.follow_now()
        self._refresh_section(turn)
        self._end_wait("ready")
        self._say_outcome(turn)
        # A finished turn's objects live as long as the chat: moved out of the collector's
        # sight, they no longer make each full collection slower (a 120-turn chat paused up
        # to 230 ms per full collection before; bench/gc_pauses.py). ``release`` undoes it.
        gc.freeze()
        reply = turn.reply
        usage = turn.usage
        self.status.set(
            state="ready" if reply.outcome in ("completed", "requires_action") else reply.outcome,
            last_tokens=usage.total_tokens if usage else None,
            total_tokens=total_tokens,
            environment=environment,
        )

    @staticmethod
    def release() -> None:
        """The chat's turns may go: let the collector see them again."""
        gc.unfreeze()

    def _refresh_section(self, turn: Turn) -> None:
        section = self.section_of(turn)
        if section is not None and section < self.timeline.rows.turn_count:
            self.timeline.refresh_turn(section)

    def notice(self, notice: Notice, turn: Turn | None) -> None:
        self.add_notice(notice.text, notice.hint, notice.level, turn)

    def add_notice(self, text: str, hint: str, level: str, turn: Turn | None = None) -> None:
        item = NoticeItem(redact_secrets(text, self._secrets), hint, level=level)
        item.turn = turn
        self.view.add_item(item)

    def _say_outcome(self, turn: Turn) -> None:
        reply = turn.reply
        outcome, error = reply.outcome, reply.error
        if outcome == "failed" and error is not None:
            self.add_notice(str(error), getattr(error, "hint", "") or "", "error", turn)
        elif outcome == "failed" and reply.state.error is not None:
            stream_error = reply.state.error
            self.add_notice(
                f"The server reported an error mid-stream: {stream_error.message} "
                f"({stream_error.code})",
                "The partial answer is kept. Press F5 to send the prompt again.",
                "error",
                turn,
            )
        elif outcome == "interrupted" and error is not None:
            self.add_notice(*interrupted_notice(error), "error", turn)
        elif outcome in OUTCOME_NOTICES:
            message, hint, level = OUTCOME_NOTICES[outcome]
            self.add_notice(message, hint, level, turn)

    # ------------------------------------------------------------------ waiting indicator

    def _begin_wait(self) -> None:
        self._wait_started = time.monotonic()
        self.status.set(state="waiting", elapsed=0.0)
        if self._spinner is None:
            self._spinner = self.status.set_interval(SPINNER_INTERVAL, self._tick_wait)

    def _tick_wait(self) -> None:
        if self._wait_started is not None:
            self.status.set(elapsed=time.monotonic() - self._wait_started)

    def _end_wait(self, state: str) -> None:
        self._wait_started = None
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        self.status.set(state=state, elapsed=None)
