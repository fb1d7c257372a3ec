"""Background runs: start them, poll them until they finish, cancel them.

A background create (``background: true``, stored) answers at once with ``in_progress`` and an
id; the run goes on at the server, and GET shows how far it got (``interactions-api.md`` 5.7).
:class:`JobBoard` keeps one :class:`Job` per such run and tells listeners about every change,
so the UI only renders what it is told.

One asyncio task per running job, rather than one loop over all of them: a sleeping task costs
one timer entry, so twenty jobs cost twenty timers whichever way it is done, while separate
tasks keep a slow or failing GET of one job from delaying the polls of the others, give each
job its own backoff, and make "stop polling this job" a plain task cancel. Polls follow a
:class:`PollPolicy` (shared with ``gemtui ask --wait``), stretching while nothing finishes. A
failed poll is counted and shown on the
job, never raised: the next poll may well succeed (a dropped connection, a 503).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gemtui.api.base_url import GOOGLE_HOST
from gemtui.api.models import RUNNING_STATUSES, Interaction
from gemtui.core.turn import Turn

if TYPE_CHECKING:  # the client's module loads httpx: not needed to import this one
    from gemtui.api.client import InteractionsClient

__all__ = ["Job", "JobBoard", "JobChange", "PollPolicy", "poll_until_settled"]

log = logging.getLogger(__name__)

JobChange = Literal["started", "updated", "finished"]


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often a running interaction is polled: the first pause, how much it grows after a
    poll that found the run still going and after a failed poll, and the longest pause. The
    API docs poll every 2 to 5 s; a long run costs fewer requests the longer it takes."""

    first: float = 2.0
    growth_running: float = 1.25
    growth_failed: float = 2.0
    ceiling: float = 15.0

    def next_delay(self, delay: float, *, failed: bool) -> float:
        """The pause before the next poll: a failure backs off faster than a run going on."""
        growth = self.growth_failed if failed else self.growth_running
        return min(self.ceiling, delay * growth)


#: The HTTP status of a GET for an interaction the server does not know.
NOT_FOUND = 404
#: A job's status when the server does not know its run (not one of the API's statuses).
UNKNOWN_RUN = "not found"
#: The endpoint of runs started on ``--demo``'s emulator, whose port changes at every start.
DEMO_ENDPOINT = "demo"

#: Someone waits at a prompt for the result (``gemtui ask --wait``): look sooner.
WAITING_POLL = PollPolicy(first=0.25, growth_running=1.5, growth_failed=2.0, ceiling=5.0)


async def poll_until_settled(
    get: Callable[[], Awaitable[Interaction]],
    policy: PollPolicy,
    *,
    on_poll: Callable[[Interaction | None, Exception | None, float], None] = lambda *_: None,
    tolerate_errors: bool = False,
    wait_first: bool = False,
) -> Interaction:
    """GET (``get()``) until the interaction is no longer running; return the last one.

    ``on_poll(interaction, error, next_pause)`` is told of every poll that did not settle it.
    A failed GET is raised unless ``tolerate_errors`` (a board of jobs keeps polling: the next
    poll may well succeed after a dropped connection or a 503). ``wait_first``: pause before
    the first GET (the run was created a moment ago).
    """
    delay = policy.first
    if wait_first:
        await asyncio.sleep(delay)
    while True:
        try:
            interaction = await get()
        except Exception as error:
            if not tolerate_errors or getattr(error, "status", None) == NOT_FOUND:
                raise  # a server that does not know the run will not know it next time
            delay = policy.next_delay(delay, failed=True)
            on_poll(None, error, delay)
        else:
            if (interaction.status or "completed") not in RUNNING_STATUSES:
                return interaction
            delay = policy.next_delay(delay, failed=False)
            on_poll(interaction, None, delay)
        await asyncio.sleep(delay)


@dataclass(eq=False)
class Job:
    """One background run as this client knows it."""

    #: Position on the board (1, 2, ...): a stable handle before and after the id is known.
    number: int
    id: str
    prompt: str
    #: The model or agent it runs on.
    owner: str
    #: The create body as sent.
    request: dict[str, Any]
    status: str
    started_at: float
    finished_at: float | None = None
    #: The latest interaction the server returned (from create, GET or cancel).
    interaction: Interaction | None = None
    polls: int = 0
    poll_errors: int = 0
    last_error: str = ""
    #: Started before this session (:meth:`JobBoard.adopt`), not from this board.
    adopted: bool = False
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.status not in RUNNING_STATUSES

    def elapsed(self, now: float) -> float:
        """Seconds from the create to the end of the run (or to ``now`` while it runs)."""
        end = self.finished_at if self.finished_at is not None else now
        return max(0.0, end - self.started_at)


Listener = Callable[[Job, JobChange], None]


class JobBoard:
    """The background runs of this session.

    ``client`` is called for every request, so a client replaced after a settings change is
    used from then on. ``clock`` gives the times elapsed is computed from (injectable so a
    screenshot can show fixed figures); ``poll`` paces the polls.
    """

    def __init__(
        self,
        client: Callable[[], InteractionsClient],
        *,
        poll: PollPolicy = PollPolicy(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.poll = poll
        self.clock = clock
        self.jobs: list[Job] = []
        self._listeners: list[Listener] = []
        self._tasks: dict[Job, asyncio.Task[None]] = {}

    # ------------------------------------------------------------------ listeners

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(job, change)`` on every change; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, job: Job, change: JobChange) -> None:
        if change == "finished":
            job._done.set()
        for listener in list(self._listeners):
            try:
                listener(job, change)
            except Exception:
                # One broken view must not stop the polls or the other listeners.
                log.exception("job listener failed")

    # ------------------------------------------------------------------ queries

    @property
    def running(self) -> int:
        return sum(1 for job in self.jobs if not job.finished)

    def find(self, interaction_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == interaction_id), None)

    async def wait(self, job: Job) -> Job:
        """Return once ``job`` has finished (completed, failed, cancelled, ...)."""
        await job._done.wait()
        return job

    # ------------------------------------------------------------------ operations

    async def start(self, launch: Awaitable[tuple[Turn, Interaction]]) -> Job:
        """Await ``launch`` (the create of a background run:
        :meth:`~gemtui.core.turn_runner.TurnRunner.start_background`) and poll the run.

        Raises what the create raised (a :class:`~gemtui.api.errors.GemtuiApiError`): nothing
        was started, so the caller keeps the draft and shows the error.
        """
        started = self.clock()
        turn, interaction = await launch
        request = turn.asked.request
        if not interaction.id:
            raise ValueError("the server answered a background create without an id")
        job = Job(
            number=len(self.jobs) + 1,
            id=interaction.id,
            prompt=turn.asked.prompt,
            owner=str(request.get("agent") or request.get("model") or ""),
            request=request,
            status=interaction.status or "in_progress",
            started_at=started,
            interaction=interaction,
        )
        self.jobs.append(job)
        self._emit(job, "started")
        if job.finished:
            self._finish(job)
        else:
            self._poll_later(job)
        return job

    def adopt(self, interaction_id: str, prompt: str, owner: str, started: float) -> Job:
        """Watch a run started before this session (the history keeps it pending), from
        ``started`` (seconds since the epoch); a run on the board already is left as it is."""
        found = self.find(interaction_id)
        if found is not None:
            return found
        job = Job(
            number=len(self.jobs) + 1,
            id=interaction_id,
            prompt=prompt,
            owner=owner,
            request={},
            status="in_progress",
            started_at=self.clock() - max(0.0, time.time() - started),
            adopted=True,
        )
        self.jobs.append(job)
        self._emit(job, "started")
        self._poll_later(job, wait_first=False)  # it may have ended long ago
        return job

    async def cancel(self, job: Job) -> Job:
        """Cancel ``job`` at the server (``POST …/cancel``).

        Raises what the cancel raised; polling then goes on, and shows the real outcome (a run
        that finished just before the cancel arrived, for one).
        """
        if job.finished:
            return job
        await self._stop_polling(job)
        try:
            interaction = await self._client().cancel(job.id)
        except Exception:
            if not job.finished:
                self._poll_later(job)
            raise
        self._update(job, interaction)
        if not job.finished:  # the server may take a moment to stop the run
            self._poll_later(job)
        return job

    async def close(self) -> None:
        """Stop every poll (the runs go on at the server)."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ polling

    def _poll_later(self, job: Job, *, wait_first: bool = True) -> None:
        task = asyncio.get_running_loop().create_task(
            self._poll(job, wait_first), name=f"poll {job.id}"
        )
        self._tasks[job] = task

    async def _stop_polling(self, job: Job) -> None:
        task = self._tasks.pop(job, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _poll(self, job: Job, wait_first: bool = True) -> None:
        def polled(interaction: Interaction | None, error: Exception | None, _pause: float) -> None:
            job.polls += 1
            if error is not None:  # counted and shown; the next poll may succeed
                job.poll_errors += 1
                job.last_error = str(error) or type(error).__name__
                self._emit(job, "updated")
            elif interaction is not None:
                self._update(job, interaction)

        try:
            try:
                final = await poll_until_settled(
                    lambda: self._client().get(job.id),
                    self.poll,
                    on_poll=polled,
                    tolerate_errors=True,
                    wait_first=wait_first,
                )
            except Exception as error:
                if getattr(error, "status", None) != NOT_FOUND:
                    raise
                # No poll will ever find it.
                job.polls += 1
                job.last_error = str(error) or type(error).__name__
                job.status = UNKNOWN_RUN
                self._finish(job)
                return
            job.polls += 1
            self._update(job, final)
        finally:
            if self._tasks.get(job) is asyncio.current_task():
                del self._tasks[job]

    def _update(self, job: Job, interaction: Interaction) -> None:
        """Take the server's view of the run; say what changed."""
        job.interaction = interaction
        status = interaction.status or job.status
        if status == job.status:
            return
        job.status = status
        if job.finished:
            self._finish(job)
        else:
            self._emit(job, "updated")

    def _finish(self, job: Job) -> None:
        job.finished_at = self.clock()
        self._emit(job, "finished")


def endpoint_of(base_url: str | None, *, demo: bool) -> str:
    """Which server a background run belongs to, as the history keeps it: F4 lists only the
    runs of the server in use (``demo`` for the emulator, else the base URL, Google's when
    none is set)."""
    if demo:
        return DEMO_ENDPOINT
    return (base_url or f"https://{GOOGLE_HOST}").rstrip("/")
