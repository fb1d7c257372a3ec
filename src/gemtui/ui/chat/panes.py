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
from gemtui.api.models import ErrorDetail
from gemtui.core import start_up_gc
from gemtui.core.assembler import assembled_interaction
from gemtui.core.heap import release_freed_memory
from gemtui.core.run_errors import BUDGET_HINT, BUDGET_MESSAGE, failure_report
from gemtui.core.safety import redact_secrets
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import Notice
from gemtui.ui.chat.messages import TurnChanged
from gemtui.ui.chat.turn_items import TurnPresenter, asked_items, caught_up, finished_items
from gemtui.ui.render.chat_items import ChatItem, NoticeItem, UserItem
from gemtui.ui.widgets.conversation import ConversationView
from gemtui.ui.widgets.status_bar import StatusBar
from gemtui.ui.widgets.step_detail import StepDetail
from gemtui.ui.widgets.timeline import StepTimeline

#: How often the waiting indicator ticks; it runs only while a request is waiting.
SPINNER_INTERVAL = 0.2
#: Escape on a run opened by id while it runs: the watching stops, the run does not.
WATCHING_STOPPED = "Stopped following the run: it goes on at the server (nothing was cancelled)."
#: A background run read back before its answer was fetched (not a stream cut off).
BACKGROUND_MESSAGE = "Started in the background: its answer is kept at the server."
BACKGROUND_HINT = (
    "F5 fetches it (waiting while it runs); a prompt sent now fetches it first. F4 lists the runs."
)
#: The same run, just started from this chat (not one of its turns: F5 has nothing to fetch).
BACKGROUND_LIVE_HINT = "F4 lists the runs: Enter there opens its answer once it is done."

OUTCOME_NOTICES = {
    "cancelled": ("Cancelled. The partial answer is kept.", "", "warning"),
    "incomplete": (
        "The answer is incomplete: it reached max_output_tokens.",
        "Raise max_output_tokens in the settings (F2), or ask the model to go on.",
        "warning",
    ),
}


def mid_stream(error: ErrorDetail) -> str:
    """An error event the server sent in the middle of the answer, in a sentence."""
    return f"The server reported an error mid-stream: {error.message} ({error.code})"


def interrupted_notice(error: BaseException, again: str) -> tuple[str, str]:
    """What to say when a stream is cut off, each thing once: the error's own words already
    say "interrupted", and its hint's "retry the turn" is what F5 does (``again`` says how:
    resume the stream or send the prompt again)."""
    if isinstance(error, StreamInterrupted):
        text = f"The stream was cut off after {error.events_received} events: {error.reason}"
    else:
        text = f"The stream was cut off: {error}"
    hint = f"The partial answer is kept. {again}"
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
        turns_before: Callable[[], int] = lambda: 0,
        secrets: list[str],
    ) -> None:
        """``turns_before``: how many of the chat's turns come before ``turns()`` (not read
        yet from the history)."""
        self.view = view
        self.timeline = timeline
        self.detail = detail
        self.status = status
        self._turns = turns
        self._turns_before = turns_before
        self._secrets = secrets
        self._presenter: TurnPresenter | None = None
        #: The line of progress shown last (``status: in_progress; next check in …``): the
        #: next such line of its turn updates it instead of adding one per poll.
        self._progress: NoticeItem | None = None
        self._wait_started: float | None = None
        self._spinner: Timer | None = None
        self._long_run = False
        #: The conversation's tokens before the running turn (its own are added live).
        self._tokens_before = 0
        self._live_tokens: int | None = None

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

    def show_all(self, *, resumable: bool = False) -> None:
        """Show the chat's turns instead of what was shown (a new or an opened chat).

        A chat read back says how its last turn ended, as that turn said when it ended: a
        stream cut off showed a cut answer with nothing under it, and F5 then sent the prompt
        again. ``resumable``: F5 can go on with that turn (see ``TurnRunner.can_resume``)."""
        self._presenter = None
        self.view.clear()
        turns = self._turns()
        for item in items_of(turns):
            self.view.add_item(item)
        if turns and turns[-1].asked.kind in ("prompt", "results"):
            self._say_outcome(turns[-1], resumable)
        elif turns and turns[-1].asked.kind == "captured":
            self._say_captured_outcome(turns[-1])
        self.timeline.set_turns(turns, before=self._turns_before())
        self.detail.clear()
        self.timeline.point_at_last_turn()

    def follow_live(self, turn: Turn) -> None:
        """``turn``, the chat's last, is still streaming (a capture shown mid-stream): show it
        as a running turn, so the batches that follow keep updating it."""
        index = self.first_item_of(turn)
        if index is not None:
            self.view.remove_from(index)
        for item in asked_items(turn):
            self.view.add_item(item)
        presenter = self._presenter = TurnPresenter(self.view, turn)
        presenter.apply(TurnChanged(turn, caught_up(turn)))
        self._refresh_section(turn)

    def prepend(self, older: list[Turn]) -> None:
        """Older turns were read in front of the others."""
        if older:
            self.view.prepend_items(items_of(older))
            self.timeline.prepend(self._turns(), len(older), before=self._turns_before())

    def drop_from(self, index: int | None) -> None:
        """The turns from the view's item ``index`` on left the chat (a rewind)."""
        if index is not None:
            self.view.remove_from(index)
        self.timeline.set_turns(self._turns(), before=self._turns_before())

    # ------------------------------------------------------------------ a running turn

    def turn_started(self, turn: Turn) -> None:
        for item in asked_items(turn):
            self.view.add_item(item)
        section = self.timeline.add_turn(turn)
        if not self.timeline.has_focus_within:
            # Sent from the prompt: the reader looks at the new turn. A reader in the
            # timeline (F5 there) keeps the row they are on.
            self.timeline.follow_new_turn(section)
        self._presenter = TurnPresenter(self.view, turn)
        self._tokens_before, self._live_tokens = self.status.info.total_tokens, None
        self._begin_wait()
        # A background run (Deep Research) takes minutes: its clock runs until it ends.
        self._long_run = bool(turn.asked.request.get("background"))

    def turn_resumed(self, turn: Turn) -> None:
        """An ended turn goes on: its items take the new events. What it said when it ended
        (cut off, "Press F5 to resume it") no longer holds: those notices go, and the
        resumed turn says how it ends anew. Left, they stood under the finished answer."""
        items = self.view.items
        first = len(items)
        while first and isinstance(items[first - 1], NoticeItem) and items[first - 1].turn is turn:
            first -= 1
        if first < len(items):
            self.view.remove_from(first)
        shown = [item for item in self.view.items if item.turn is turn]
        self._presenter = TurnPresenter(self.view, turn, shown)
        self.view.follow_now(force=True)
        self._begin_wait()

    def turn_changed(self, message: TurnChanged) -> None:
        presenter = self._presenter
        if presenter is None or presenter.turn is not message.turn:
            return
        if message.turn.reply.state.status == "queued":
            self.status.set(state="queued")  # the wait goes on, with its clock
        elif self._long_run:
            self.status.set(state="running")
        elif self._wait_started is not None:
            self._end_wait("streaming")
        self._show_live_usage(message.turn)
        presenter.apply(message)
        self._refresh_section(message.turn)
        self.detail.refresh_live()

    def turn_ended(
        self, turn: Turn, total_tokens: int, environment: str, *, resumable: bool = False
    ) -> None:
        presenter = self._presenter
        if presenter is not None and presenter.turn is turn:
            presenter.close()
            self._presenter = None
        self._end_wait("ready")
        if self.section_of(turn) is None:
            # A turn of a chat left while it ran (Ctrl+N, another chat opened): the chat shown
            # now says nothing of it, and its objects are not frozen (``release`` let that
            # chat go).
            return
        self.view.follow_now()
        self._refresh_section(turn)
        self.detail.refresh_live()  # a step shown mid-stream may have been cut off
        self._say_outcome(turn, resumable)
        # A finished turn's objects live as long as the chat: moved out of the collector's
        # sight, they no longer make each full collection slower (a 120-turn chat paused up
        # to 230 ms per full collection before; bench/gc_pauses.py). ``release`` undoes it.
        # The turn's cyclic garbage goes first, or it would be frozen with them and kept until
        # the next chat: a collection walks only what is not frozen yet, about one turn's
        # objects, so it costs a few milliseconds however long the chat is. What the turn
        # freed on the C heap (a long answer's growing strings) goes back to the system last.
        gc.collect()
        gc.freeze()
        release_freed_memory()
        reply = turn.reply
        usage = turn.usage
        self.status.set(
            state="ready" if reply.outcome in ("completed", "requires_action") else turn.status,
            last_tokens=usage.total_tokens if usage else None,
            total_tokens=total_tokens,
            environment=environment,
        )

    def _show_live_usage(self, turn: Turn) -> None:
        """Token counts move while the answer streams, from the usage the server sends on
        the way (``status_update`` usage, a delta's ``metadata.total_usage``)."""
        usage = turn.usage
        tokens = usage.total_tokens if usage is not None else None
        if tokens is not None and tokens != self._live_tokens:
            self._live_tokens = tokens
            self.status.set(last_tokens=tokens, total_tokens=self._tokens_before + tokens)

    @staticmethod
    def set_aside_start_up() -> None:
        """What start-up made (modules, schemas, the client) lives as long as the app: frozen
        once it is built, the first turn's collection (see ``turn_ended``) walks only that
        turn's objects instead of everything (bench/gc_pauses.py: 108 ms before). The
        collector, held still while the app started, runs again from here."""
        start_up_gc.release(freeze=True)

    @staticmethod
    def release() -> None:
        """The chat's turns may go: let the collector see them again."""
        gc.unfreeze()

    def _refresh_section(self, turn: Turn) -> None:
        section = self.section_of(turn)
        if section is not None and section < self.timeline.rows.turn_count:
            self.timeline.refresh_turn(section)

    def notice(self, notice: Notice, turn: Turn | None) -> None:
        """Show what the runner says; progress (``detail``) right behind progress of the same
        turn replaces it: waiting on a background run added a line at every poll."""
        if notice.detail and self._update_progress(notice, turn):
            return
        self.add_notice(notice.text, notice.hint, notice.level, turn)
        self._progress = self.view.items[-1] if notice.detail else None

    def _update_progress(self, notice: Notice, turn: Turn | None) -> bool:
        """Put ``notice`` in the progress line if it is the chat's last item; whether it was."""
        item, items = self._progress, self.view.items
        if item is None or not items or items[-1] is not item or item.turn is not turn:
            return False
        item.message = redact_secrets(notice.text, self._secrets)
        item.hint = notice.hint
        item.touch()
        self.view.item_changed(item)
        return True

    def background_started(self, prompt: str, labels: list[str]) -> None:
        """A run sent with Ctrl+B shows its prompt and what became of it, as the chat read
        back shows its pending row: the prompt had vanished with only a toast to say why. It
        is no turn of this chat (the chat goes on without waiting for it), so no item's."""
        self.view.add_item(UserItem(prompt, labels))
        self.add_notice(BACKGROUND_MESSAGE, BACKGROUND_LIVE_HINT, "info")

    def add_notice(self, text: str, hint: str, level: str, turn: Turn | None = None) -> None:
        item = NoticeItem(redact_secrets(text, self._secrets), hint, level=level)
        item.turn = turn
        self.view.add_item(item)

    def _say_captured_outcome(self, turn: Turn) -> None:
        """A captured exchange that went wrong says how, as a chat turn would: a 400 or a
        failed run showed only the prompt. Nothing is offered to send again: the request was
        another program's."""
        reply = turn.reply
        stream_error = reply.state.error
        exchange = turn.asked.exchange
        status = exchange.status if exchange is not None else None
        if reply.outcome == "failed" and reply.error is not None:
            text = str(reply.error)
        elif stream_error is not None and status is not None and status >= 400:
            text = f"HTTP {status} {stream_error.code}: {stream_error.message}"
        elif stream_error is not None:
            text = mid_stream(stream_error)
        elif reply.outcome == "failed":
            text = failure_report(assembled_interaction(reply.state)).message
        elif reply.outcome == "interrupted" and reply.error is not None:
            text = interrupted_notice(reply.error, "")[0]
        elif reply.outcome == "interrupted":
            text = "The stream was cut off before it ended."
        else:
            return
        self.add_notice(text, "", "error", turn)

    def _say_outcome(self, turn: Turn, resumable: bool) -> None:
        reply = turn.reply
        outcome, error = reply.outcome, reply.error
        again = "Press F5 to resume it." if resumable else "Press F5 to send the prompt again."
        if outcome == "failed" and error is not None:
            hint = getattr(error, "hint", "") or ""
            if getattr(error, "retryable", False):  # given up after the retries: F5 tries again
                hint = f"{hint} F5 sends it again.".strip()
            self.add_notice(str(error), hint, "error", turn)
        elif outcome == "failed" and reply.state.error is not None:
            stream_error = reply.state.error
            self.add_notice(
                mid_stream(stream_error),
                "The partial answer is kept. Press F5 to send the prompt again.",
                "error",
                turn,
            )
        elif outcome == "failed":
            report = failure_report(
                assembled_interaction(reply.state), again="press F5 to send the prompt again"
            )
            self.add_notice(report.message, report.hint, "error", turn)
            # Further errors[] entries; a failed step's error shows in its answer already.
            for reason in report.reasons[1 : report.run_reasons]:
                self.add_notice(reason, "", "error", turn)
        elif turn.status == "budget_exceeded":
            self.add_notice(BUDGET_MESSAGE, BUDGET_HINT, "warning", turn)
        elif reply.in_background and turn.asked.kind == "opened":
            self.add_notice(WATCHING_STOPPED, "F5 fetches its answer (waiting while it runs).",
                            "info", turn)  # fmt: skip
        elif reply.in_background:
            self.add_notice(BACKGROUND_MESSAGE, BACKGROUND_HINT, "info", turn)
        elif outcome == "interrupted" and error is not None:
            self.add_notice(*interrupted_notice(error, again), "error", turn)
        elif outcome == "interrupted" and turn.asked.kind == "replayed":
            # Nothing to send again or resume: the file is all there is.
            self.add_notice("The recording stops here, before the interaction ended.", "",
                            "warning", turn)  # fmt: skip
        elif outcome == "interrupted":
            self.add_notice("The stream was cut off. The partial answer is kept.", again,
                            "error", turn)  # fmt: skip
        elif reply.state.status == "requires_continuation":
            self.add_notice(
                "The answer stopped at the per-request output limit (requires_continuation).",
                "Press F5 to continue it from where it stopped.",
                "warning",
                turn,
            )
        elif outcome == "cancelled" and not reply.state.steps:
            # Nothing had come: there is no partial answer to keep.
            self.add_notice("Cancelled before any answer came.", again, "warning", turn)
        elif outcome == "cancelled" and resumable:
            # It said "Cancelled", and the server went on with it (and billed it) unseen.
            self.add_notice(
                "Cancelled here. The partial answer is kept.",
                "The server may finish it all the same (the API cancels only background "
                "runs): F5 fetches its answer.",
                "warning",
                turn,
            )
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
