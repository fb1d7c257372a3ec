"""The background-run board against the loopback emulator (and a scripted server for a poll
that fails once): start, poll to the end, cancel, keep polling through errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from support.rawserver import ScriptedServer, reply
from support.sinks import RecordingSink

from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.api.errors import InvalidRequestError
from gemtui.api.models import ModelOutputStep
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.jobs import UNKNOWN_RUN, Job, JobBoard, PollPolicy
from gemtui.core.store import Store
from gemtui.core.turn import Asked
from gemtui.core.turn_diff import answer_text
from gemtui.core.turn_runner import TurnRunner, settle_background_run

MODEL = "gemini-3.6-flash"
#: Fast polls: the tests wait for the board's own events, never for a fixed time.
FAST = 0.005


FAST_POLLS = PollPolicy(first=FAST, ceiling=FAST)


def launch(client: InteractionsClient, prompt: str, *, stateful: bool = True):
    """The create of a background run, as the app makes it (through the turn runner)."""
    conversation = Conversation(settings=ChatSettings(model=MODEL, stateful=stateful))
    runner = TurnRunner(
        conversation, client=lambda: client, sink=RecordingSink(), history=ChatHistory(None)
    )
    return runner.start_background(Asked(prompt=prompt))


@pytest.fixture
async def client(emulator, api_key) -> AsyncIterator[InteractionsClient]:
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as client:
        yield client


@pytest.fixture
async def board(client) -> AsyncIterator[JobBoard]:
    board = JobBoard(lambda: client, poll=FAST_POLLS)
    yield board
    await board.close()


def record_changes(board: JobBoard) -> list[tuple[int, str, str]]:
    seen: list[tuple[int, str, str]] = []
    board.subscribe(lambda job, change: seen.append((job.number, change, job.status)))
    return seen


async def test_a_background_run_is_polled_until_it_completes(board, client, emulator):
    seen = record_changes(board)
    job = await board.start(launch(client, "write a haiku"))
    assert job.status == "in_progress" and job.id.startswith("v1_")
    assert board.running == 1
    await board.wait(job)
    assert job.status == "completed" and job.finished_at is not None
    assert board.running == 0
    assert seen[0] == (1, "started", "in_progress")
    assert seen[-1] == (1, "finished", "completed")
    assert any(isinstance(step, ModelOutputStep) for step in job.interaction.steps)
    sent = [r for r in emulator.received_requests() if r["method"] == "POST"][-1]["body"]
    assert sent["background"] is True and "stream" not in sent
    polls = [
        r for r in emulator.received_requests() if r["method"] == "GET" and job.id in r["path"]
    ]
    assert len(polls) == job.polls >= 1


async def test_cancel_stops_a_running_job_at_the_server(board, client, emulator):
    job = await board.start(launch(client, "!fault never-complete dig deep"))
    finished: list[Job] = []
    board.subscribe(lambda j, change: change == "finished" and finished.append(j))
    await board.cancel(job)
    assert job.status == "cancelled" and finished == [job]
    assert board.running == 0
    last = emulator.received_requests()[-1]
    assert last["method"] == "POST" and last["path"].endswith(f"{job.id}/cancel")


async def test_cancel_of_a_finished_run_at_the_server_is_raised_and_polling_tells_the_truth(
    client,
):
    # The first poll waits a minute: the board cannot learn the run ended before the cancel.
    board = JobBoard(lambda: client, poll=PollPolicy(first=60, ceiling=60))
    job = await board.start(launch(client, "quick one"))
    # Finish it at the server behind the board's back: the board still thinks it runs.
    async with client.stream_get(job.id) as stream:
        async for _ in stream:
            pass
    board.poll = FAST_POLLS  # the polls after the refused cancel find the truth at once
    with pytest.raises(InvalidRequestError, match="still running"):
        await board.cancel(job)
    await board.wait(job)
    assert job.status == "completed"
    await board.close()


async def test_many_jobs_poll_independently(board, client):
    jobs = [await board.start(launch(client, f"job {n}")) for n in range(5)]
    assert [job.number for job in jobs] == [1, 2, 3, 4, 5]
    assert len({job.id for job in jobs}) == 5
    await asyncio.gather(*(board.wait(job) for job in jobs))
    assert {job.status for job in jobs} == {"completed"}


async def test_a_failed_create_starts_nothing(board, client):
    with pytest.raises(InvalidRequestError):
        await board.start(launch(client, "!fault 400 nope"))
    assert board.jobs == []


async def test_a_stateless_request_is_refused_before_sending(board, client):
    with pytest.raises(ValueError, match="stored"):
        await board.start(launch(client, "x", stateful=False))


async def test_a_run_the_server_does_not_know_ends_as_not_found(board, client):
    """A run deleted at the server: its GET is a 404, which no later poll would change (it
    was polled for good, counting errors); the job ends, saying so, and is never raised."""
    job = await board.start(launch(client, "!fault never-complete vanish"))
    await client.delete(job.id)
    await board.wait(job)
    assert (job.status, job.finished, board.running) == (UNKNOWN_RUN, True, 0)
    assert "vanish" not in job.last_error and job.id in job.last_error


async def test_a_poll_that_fails_once_recovers(api_key):
    """A scripted server: the create, one 503 for the first GET, then the finished run."""
    running = {"id": "v1_job", "object": "interaction", "status": "in_progress", "model": MODEL}
    done = {**running, "status": "completed", "steps": []}
    unavailable = {"error": {"code": "unavailable", "message": "The service is overloaded."}}
    async with (
        ScriptedServer(reply(200, running), reply(503, unavailable), reply(200, done)) as server,
        InteractionsClient(
            api_key=api_key, base_url=server.base_url, retry=RetryPolicy(max_attempts=1)
        ) as client,
    ):
        board = JobBoard(lambda: client, poll=FAST_POLLS)
        updates: list[tuple[str, int]] = []
        board.subscribe(lambda job, change: updates.append((change, job.poll_errors)))
        job = await board.start(launch(client, "x"))
        await board.wait(job)
        await board.close()
    assert updates == [("started", 0), ("updated", 1), ("finished", 1)]
    assert job.status == "completed" and "overloaded" in job.last_error
    assert [r.method for r in server.requests] == ["POST", "GET", "GET"]


async def test_elapsed_comes_from_the_injected_clock(client):
    now = [100.0]
    board = JobBoard(lambda: client, poll=FAST_POLLS, clock=lambda: now[0])
    job = await board.start(launch(client, "time me"))
    now[0] = 103.5
    assert job.elapsed(now[0]) == 3.5
    await board.wait(job)
    now[0] = 200.0
    assert job.elapsed(now[0]) == 3.5
    await board.close()


def test_poll_pause_stretches_and_is_capped():
    policy = PollPolicy()
    assert policy.next_delay(2.0, failed=False) == 2.5
    assert policy.next_delay(2.0, failed=True) == 4.0
    assert policy.next_delay(policy.ceiling, failed=True) == policy.ceiling


# ------------------------------------------------------------------ kept in the history


async def test_a_background_run_is_kept_pending_where_it_chains_then_settled_in_its_row(
    board, client, tmp_path
):
    """A run started from a chat has a pending row after the turn it chains onto, at once,
    and its answer goes into that row, not into whatever chat is open when it is fetched."""
    store = Store(tmp_path / "history.sqlite3")
    conversation = Conversation(settings=ChatSettings(model=MODEL))
    history = ChatHistory(store)
    runner = TurnRunner(conversation, client=lambda: client, sink=RecordingSink(), history=history)
    first = await runner.send(Asked(prompt="the first question"))
    job = await board.start(runner.start_background(Asked(prompt="a long job")))
    (run,) = store.pending_runs()
    assert (run.interaction_id, run.prompt, run.owner) == (job.id, "a long job", MODEL)
    assert store.find_pending(job.id).parent_id == first.stored.turn_id
    # Another chat is open meanwhile; the run is fetched into its own row all the same.
    other = ChatHistory(store)
    other.new_chat()
    await board.wait(job)
    turn = await settle_background_run(job.id, client=lambda: client, history=ChatHistory(store))
    assert turn.reply.outcome == "completed" and store.pending_runs() == []
    stored = store.load_turns(history.conversation_id)
    assert [t.turn.asked.prompt for t in stored] == ["the first question", "a long job"]
    assert "a long job" in answer_text(stored[-1].turn)
    assert len(store.list_conversations()) == 1


async def test_a_run_started_before_this_session_is_adopted_and_polled_at_once(board, client):
    job = await board.start(launch(client, "started elsewhere"))
    await board.wait(job)
    later = JobBoard(lambda: client, poll=PollPolicy(first=60.0, ceiling=60.0))
    adopted = later.adopt(job.id, "started elsewhere", MODEL, time.time() - 90)
    assert adopted.adopted and later.adopt(job.id, "x", MODEL, 0).number == adopted.number
    await asyncio.wait_for(later.wait(adopted), 10)  # no 60 s pause before the first poll
    assert adopted.status == "completed" and adopted.elapsed(later.clock()) >= 89
    unknown = later.adopt("v1_nothing_here", "gone", MODEL, time.time())
    await asyncio.wait_for(later.wait(unknown), 10)
    assert unknown.status == UNKNOWN_RUN
    await later.close()
