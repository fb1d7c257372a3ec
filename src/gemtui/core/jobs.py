"""Background runs: start them, poll them until they finish, cancel them.

A background create (``background: true``, stored) answers at once with ``in_progress`` and an
id; the run goes on at the server, and GET shows how far it got (``interactions-api.md`` 5.7).
:class:`JobBoard` keeps one :class:`Job` per such run and tells listeners about every change,
so the UI only renders what it is told.

One asyncio task per running job, rather than one loop over all of them: a sleeping task costs
one timer entry, so twenty jobs cost twenty timers whichever way it is done, while separate
tasks keep a slow or failing GET of one job from delaying the polls of the others, give each
job its own backoff, and make "stop polling this job" a plain task cancel. Polls start at
``interval`` seconds (the API docs poll every 2 to 5 s) and stretch while nothing finishes, so
a long run costs fewer requests the longer it takes. A failed poll is counted and shown on the
job, never raised: the next poll may well succeed (a dropped connection, a 503).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from gemtui.api.client import InteractionsClient
from gemtui.api.models import RUNNING_STATUSES, Interaction

__all__ = ["Job", "JobBoard", "JobChange", "next_delay"]

log = logging.getLogger(__name__)

#: First pause between polls of a job, in seconds.
POLL_INTERVAL = 2.0
#: Longest pause between polls, however long the run or the failures last.
MAX_POLL_INTERVAL = 15.0
#: How much the pause grows after a poll that found the run still going, and after a failure.
GROWTH_RUNNING = 1.25
GROWTH_FAILED = 2.0

JobChange = Literal["started", "updated", "finished"]


def next_delay(delay: float, *, failed: bool, ceiling: float = MAX_POLL_INTERVAL) -> float:
    """The pause before the next poll: a failure backs off faster than a run still going."""
    return min(ceiling, delay * (GROWTH_FAILED if failed else GROWTH_RUNNING))


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
    screenshot can show fixed figures); ``interval`` and ``max_interval`` pace the polls.
    """

    def __init__(
        self,
        client: Callable[[], InteractionsClient],
        *,
        interval: float = POLL_INTERVAL,
        max_interval: float = MAX_POLL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.interval = interval
        self.max_interval = max_interval
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

    async def start(self, request: dict[str, Any], prompt: str) -> Job:
        """Create ``request`` as a background run and start polling it.

        Raises what the create raised (a :class:`~gemtui.api.errors.GemtuiApiError`): nothing
        was started, so the caller keeps the draft and shows the error.
        """
        if request.get("store") is False:
            raise ValueError("a background run must be stored (store: false cannot be polled)")
        body = {**request, "background": True}
        body.pop("stream", None)
        started = self.clock()
        interaction = await self._client().create(body)
        if not interaction.id:
            raise ValueError("the server answered a background create without an id")
        job = Job(
            number=len(self.jobs) + 1,
            id=interaction.id,
            prompt=prompt,
            owner=str(body.get("agent") or body.get("model") or ""),
            request=body,
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

    def _poll_later(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self._poll(job), name=f"poll {job.id}")
        self._tasks[job] = task

    async def _stop_polling(self, job: Job) -> None:
        task = self._tasks.pop(job, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _poll(self, job: Job) -> None:
        delay = self.interval
        try:
            while not job.finished:
                await asyncio.sleep(delay)
                job.polls += 1
                try:
                    interaction = await self._client().get(job.id)
                except Exception as error:  # counted and shown; the next poll may succeed
                    job.poll_errors += 1
                    job.last_error = str(error) or type(error).__name__
                    delay = next_delay(delay, failed=True, ceiling=self.max_interval)
                    self._emit(job, "updated")
                    continue
                self._update(job, interaction)
                delay = next_delay(delay, failed=False, ceiling=self.max_interval)
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
