"""Background runs in the app against the loopback emulator: Ctrl+B, the jobs screen (F4),
opening a finished run into the conversation, cancelling one, and a create that fails."""

from __future__ import annotations

import asyncio

import pytest
from support.chat_driver import (
    FAKE_KEY,
    answers,
    finish,
    last_notification,
    make_app,
    notices,
    notifications,
    send,
    until,
)
from support.clipboard_capture import bare_terminal, capture
from textual import events
from textual.geometry import Region

from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings
from gemtui.core.jobs import PollPolicy
from gemtui.core.store import Store
from gemtui.core.turn_runner import TurnRunner
from gemtui.ui.app import GemtuiApp
from gemtui.ui.chat.panes import BACKGROUND_MESSAGE
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.screens.jobs import JobsScreen


def fast_polls(app: GemtuiApp) -> None:
    """Poll every few milliseconds; tests wait for the board's events, never for a time."""
    app.jobs.poll = PollPolicy(first=0.005, ceiling=0.05)


def posts(emulator) -> list[dict]:
    return [r for r in emulator.received_requests() if r["method"] == "POST"]


def row(screen: JobsScreen, number: int) -> list[str]:
    return [str(cell) for cell in screen.table.get_row(str(number))]


async def background(pilot, prompt: str) -> None:
    """Type ``prompt`` and send it with Ctrl+B; return once the create has been answered."""
    app = pilot.app
    app.composer.load_text(prompt)
    await pilot.press("ctrl+b")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def run_left_pending(
    emulator, store: Store, prompt: str, before: str = ""
) -> tuple[str, int]:
    """Send ``before`` (if any), start ``prompt`` as a background run, quit: the run's id and
    its chat's row, the run still pending in the history."""
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        if before:
            await send(pilot, before)
        await background(pilot, prompt)
        (job,) = app.jobs.jobs
        chat = app.conversation_id
    assert chat is not None
    return job.id, chat


async def test_ctrl_b_runs_the_draft_in_background_and_enter_opens_the_answer(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        await background(pilot, "Explain binary search")
        assert app.composer.text == ""
        (job,) = app.jobs.jobs
        assert posts(emulator)[-1]["body"]["background"] is True
        # A run is not a turn of the chat until it is opened.
        assert app.conversation.turns == []
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        await app.jobs.wait(job)
        await pilot.pause()
        short, prompt, owner, status, _elapsed = row(screen, 1)
        assert (short, prompt, owner, status) == (
            "…" + job.id[-8:],
            "Explain binary se…",
            "gemini-3.6-flash",
            "completed",
        )
        assert any(m.startswith("Background run completed: Explain") for m in notifications(app))
        assert app.status.info.jobs_running == 0
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, JobsScreen)
        (turn,) = app.conversation.turns
        assert turn.asked.prompt == "Explain binary search" and turn.reply.outcome == "completed"
        assert turn.reply.state.interaction.id == job.id
        assert "binary search" in answers(app)[-1].source.lower()
        # The chat goes on from the run.
        await send(pilot, "and in a linked list?")
        assert posts(emulator)[-1]["body"]["previous_interaction_id"] == job.id


async def test_ctrl_b_shows_the_prompt_and_where_its_answer_goes(emulator):
    """The composer cleared and only a toast said why: the prompt was nowhere in the chat,
    though the same chat read back shows it with "Started in the background"."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        await background(pilot, "!slow 300 where is my prompt")
        assert app.composer.text == ""
        users = [item for item in app.view.items if isinstance(item, UserItem)]
        assert [item.prompt for item in users] == ["!slow 300 where is my prompt"]
        assert notices(app)[-1].message == BACKGROUND_MESSAGE
        assert "F4 lists the runs" in notices(app)[-1].hint
        assert app.conversation.turns == []  # still no turn of the chat: it does not wait


@pytest.mark.parametrize("size", [(40, 15), (80, 24), (120, 30)])
async def test_f4s_detail_lines_give_the_model_and_the_whole_prompt_at_every_width(emulator, size):
    """At 40 columns the model column is left out and the prompt cut to "!slow 2…", but the
    detail line under the table had only the id: the model and the rest of the prompt were
    nowhere. Now it names the model beside the id, and the prompt on one line, cut to fit."""
    prompt = "!slow 2 a run whose prompt is\nlonger than any screen's prompt column " + "x" * 90
    app = make_app(emulator)
    async with app.run_test(size=size) as pilot:
        fast_polls(app)
        await background(pilot, prompt)
        (job,) = app.jobs.jobs
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        await pilot.pause()
        detail = str(screen.query_one("#jobs-detail").render())
        assert detail.startswith(f"{job.id} · {job.owner}") and job.owner == "gemini-3.6-flash"
        line = screen.query_one("#jobs-prompt")
        (shown,) = [strip.text for strip in line.render_lines(Region(0, 0, *line.size))]
        flat = " ".join(prompt.split())
        assert line.size.width < len(flat)
        assert shown.rstrip().endswith("…") and len(shown) == line.size.width
        assert flat.startswith(shown.rstrip()[:-1])
        assert len(shown.rstrip()) > len(row(screen, 1)[0])  # more than the table's cell
        await app.jobs.wait(job)


async def test_f4_at_40_columns_keeps_the_status_and_elapsed_time_in_sight(emulator):
    """At 40x15 the status and elapsed columns were cut off: was the run done? The model
    and the id (whole on the detail line) make room; back at 80 columns they return."""
    app = make_app(emulator)
    async with app.run_test(size=(40, 15)) as pilot:
        fast_polls(app)
        await background(pilot, "a run seen on a narrow screen")
        (job,) = app.jobs.jobs
        await app.jobs.wait(job)
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        await pilot.pause()
        table = screen.table
        assert [str(column.label) for column in table.ordered_columns] == [
            "prompt", "status", "elapsed",
        ]  # fmt: skip
        assert sum(column.get_render_width(table) for column in table.ordered_columns) <= 36
        _prompt, status, elapsed = row(screen, 1)
        assert status == "completed" and elapsed.endswith("s")
        assert job.id in str(screen.query_one("#jobs-detail").render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert len(table.ordered_columns) == 5 and row(screen, 1)[3] == "completed"


async def test_the_status_bar_counts_running_jobs_and_c_cancels_one_at_the_server(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        await background(pilot, "!fault never-complete dig deep")
        (job,) = app.jobs.jobs
        assert app.status.info.jobs_running == 1
        assert "1 in background" in str(app.status.render())
        # Escape keeps its meaning: it does not touch background runs.
        await pilot.press("escape")
        assert not job.finished
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        await pilot.press("enter")
        assert app.screen is screen and notifications(app)[-1].startswith("Still running")
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert job.status == "cancelled"
        assert row(screen, 1)[3] == "cancelled"
        assert posts(emulator)[-1]["path"].endswith(f"/interactions/{job.id}/cancel")
        assert app.status.info.jobs_running == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, JobsScreen)


async def test_a_failed_create_keeps_the_draft_and_shows_the_error(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!fault 400 hello")
        assert app.composer.text == "!fault 400 hello"
        assert app.jobs.jobs == []
        assert notices(app)[-1].message.startswith("The background run was not started:")
        assert notices(app)[-1].level == "error"


async def test_with_the_background_setting_enter_sends_in_background(emulator):
    app = make_app(emulator, settings=ChatSettings(background=True))
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        assert "background" in app.status.info.extras
        app.composer.load_text("a long job")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        (job,) = app.jobs.jobs
        assert app.conversation.turns == [] and app.composer.text == ""
        await app.jobs.wait(job)
        assert job.status == "completed"


async def test_a_stateless_chat_refuses_a_background_run_and_keeps_the_draft(emulator):
    app = make_app(emulator, settings=ChatSettings(stateful=False, background=True))
    async with app.run_test(size=(80, 24)) as pilot:
        mark = emulator.received_count()
        assert "background" not in app.status.info.extras
        await background(pilot, "keep me")
        assert app.composer.text == "keep me" and app.jobs.jobs == []
        assert "stateless" in notifications(app)[-1]
        assert emulator.requests_since(mark) == []


async def test_a_stateless_chat_refuses_deep_research_before_sending(emulator):
    """The agent runs in the background, which the API refuses unstored, with a 400 that
    said nothing of the chat's mode (Ctrl+B said it already)."""
    settings = ChatSettings(stateful=False, agent="deep-research-preview-04-2026", model="")
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        mark = emulator.received_count()
        await pilot.press(*"research owls", "enter")
        await pilot.pause()
        assert app.composer.text == "research owls" and app.conversation.turns == []
        said = notifications(app)[-1]
        assert "runs in the background" in said and "stateless" in said and "F6" in said
        assert emulator.requests_since(mark) == []


async def test_f4_with_no_runs_says_how_to_start_one(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        assert isinstance(app.screen, JobsScreen)
        assert "Ctrl+B" in str(app.screen.query_one("#jobs-detail").render())
        await pilot.press("f4")
        assert not isinstance(app.screen, JobsScreen)


async def test_an_opened_run_is_saved_in_the_history_with_the_chat_that_follows(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            fast_polls(app)
            await background(pilot, "Explain binary search")
            (job,) = app.jobs.jobs
            await app.jobs.wait(job)
            await pilot.press("f4")
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await send(pilot, "and in a linked list?")
        [summary] = store.list_conversations()
        run, follow_up = store.load_turns(summary.id)
        assert run.interaction_id == job.id and run.turn.reply.outcome == "completed"
        assert run.turn.asked.prompt == "Explain binary search"
        assert any(s.step.type == "model_output" for s in run.turn.reply.state.steps)
        assert follow_up.turn.asked.prompt == "and in a linked list?"
        # Reopened later, the chat continues from its last answer.
        loaded = ChatHistory(store).open(summary.id, batch=50)
        assert loaded.conversation.previous_interaction_id == follow_up.interaction_id
    finally:
        store.close()


# ------------------------------------------------------------------ kept in the history


def prompts(store: Store, conversation_id: int | None) -> list[str]:
    assert conversation_id is not None
    return [t.turn.asked.prompt for t in store.load_turns(conversation_id)]


async def test_a_run_opens_in_the_chat_it_was_started_from(emulator, tmp_path):
    """Opened from F4, a run was added to whatever chat was shown (another chat, or after
    turns the server's chain never had); it is kept in its own row, where it started."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        await send(pilot, "first in chat A")
        chat_a = app.conversation_id
        await background(pilot, "belongs to chat A")
        (job,) = app.jobs.jobs
        await pilot.press("ctrl+n")
        await send(pilot, "chat B first")
        chat_b = app.conversation_id
        await app.jobs.wait(job)
        await pilot.press("f4", "enter")  # at once: the row may still be being written
        await until(pilot, lambda: app.conversation_id == chat_a, "chat A opened")
        assert not store.pending_runs()
        assert prompts(store, chat_a) == ["first in chat A", "belongs to chat A"]
        assert prompts(store, chat_b) == ["chat B first"]
        assert [t.asked.prompt for t in app.conversation.turns] == prompts(store, chat_a)
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert app.composer.has_focus  # a word typed now is the next prompt, not keys
        assert "Opened in the chat it was started from." in notifications(app)
        await send(pilot, "go on")
        assert posts(emulator)[-1]["body"]["previous_interaction_id"] == job.id
        assert prompts(store, chat_b) == ["chat B first"]


async def test_a_run_opened_keeps_the_cancelled_turns_before_it_in_view(emulator, tmp_path):
    """The run's row went after the turn it chains onto, so the cancelled turns between
    were left on a branch of their own: opened from F4, the chat lost them from view."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        fast_polls(app)
        await send(pilot, "hello")
        await send(pilot, "!slow 300 cancelled one", wait=False)
        await until(pilot, lambda: app.busy, "the answer to start")
        await pilot.press("escape")
        await finish(pilot)
        await background(pilot, "bg job please")
        (job,) = app.jobs.jobs
        await app.jobs.wait(job)
        await pilot.press("f4", "enter")
        await until(pilot, lambda: app.conversation.turns[-1].interaction_id == job.id, "opened")
        shown = [t.asked.prompt for t in app.conversation.turns]
        assert shown == ["hello", "!slow 300 cancelled one", "bg job please"]
        assert prompts(store, app.conversation_id) == shown
        assert posts(emulator)[-1]["body"]["previous_interaction_id"] == (
            app.conversation.turns[0].interaction_id
        )  # the server's chain still skips the cancelled turn


async def test_a_run_outlives_the_app_and_is_watched_again(emulator, tmp_path):
    """Quitting with a run going lost it: the board was empty at the next start and the
    history had no trace of it."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!slow 20 a run to come back to")
        (job,) = app.jobs.jobs
    assert [run.interaction_id for run in store.pending_runs()] == [job.id]
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: again.jobs.jobs, "the run on the board")
        (adopted,) = again.jobs.jobs
        assert (adopted.id, adopted.prompt, adopted.adopted) == (
            job.id,
            "!slow 20 a run to come back to",
            True,
        )
        await again.jobs.wait(adopted)

        def kept() -> bool:
            (stored,) = store.load_turns(store.last_conversation_id())
            return stored.turn.reply.outcome == "completed"

        await until(pilot, kept, "the answer kept in its row")
        assert not store.pending_runs()


async def test_f4_lists_only_the_runs_of_the_server_in_use(emulator, tmp_path):
    """A run started on one server was put on every gemtui's board, asked for at the server
    in use ("not found"), and came back at every start."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    elsewhere = make_app(emulator, store=store)
    elsewhere.connection.demo = False  # its runs belong to the emulator's URL
    async with elsewhere.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!slow 20 a run on that server")
        (job,) = elsewhere.jobs.jobs
    demo = make_app(emulator, store=store)
    async with demo.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert demo.jobs.jobs == []
    again = make_app(emulator, store=store)
    again.connection.demo = False
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: again.jobs.jobs, "the run on the board")
        assert [adopted.id for adopted in again.jobs.jobs] == [job.id]


async def test_a_pending_run_its_server_has_lost_is_not_adopted_again(emulator, tmp_path):
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!slow 20 a run to lose")
        (job,) = app.jobs.jobs
    lost = "v1_" + job.id[3:][::-1]  # an id the emulator never made
    with store._write() as db:
        db.execute("UPDATE turns SET interaction_id = ? WHERE interaction_id = ?", (lost, job.id))
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        fast_polls(again)
        await until(pilot, lambda: again.jobs.jobs, "the run on the board")
        (adopted,) = again.jobs.jobs
        await again.jobs.wait(adopted)
        await until(pilot, lambda: not store.pending_runs(), "the row no longer pending")
    (stored,) = store.load_turns(store.last_conversation_id())
    assert stored.turn.reply.outcome == "failed"
    assert "no longer knows this background run" in str(stored.turn.reply.error)
    third = make_app(emulator, store=store)
    async with third.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert third.jobs.jobs == []


async def test_a_prompt_after_a_run_read_back_unfetched_goes_on_from_it(
    emulator, tmp_path, monkeypatch
):
    """Read back before its answer was fetched, a run said "The stream was cut off", and a
    prompt sent after it chained onto the turn before it: the model never saw the run."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    job_id, chat = await run_left_pending(emulator, store, "the run itself", "before the run")
    monkeypatch.setattr(GemtuiApp, "_adopt_pending_runs", lambda self: None)
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        again.open_stored(chat, store.find_pending(job_id).turn_id)
        await pilot.pause()
        assert [t.asked.prompt for t in again.conversation.turns][-1] == "the run itself"
        said = notices(again)[-1]
        assert said.message.startswith("Started in the background") and said.level == "info"
        await send(pilot, "and after it?")
        body = posts(emulator)[-1]["body"]
        assert body["previous_interaction_id"] == job_id
        assert not store.pending_runs()
        # The run fetched first ended before the prompt's turn: that brought the sent
        # prompt back into the composer (and its draft file), ready to go a second time.
        assert again.conversation.turns[-1].reply.outcome == "completed"
        assert again.composer.text == ""


async def test_a_prompt_waiting_on_a_run_shows_one_line_of_progress(
    emulator, tmp_path, monkeypatch
):
    """Waiting for a pending run before a prompt added a line at every poll ("status:
    in_progress; next check in 0.38 s", "… 0.56 s", …); one line now says the latest."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    job_id, chat = await run_left_pending(emulator, store, "!fault never-complete the run itself")
    monkeypatch.setattr(GemtuiApp, "_adopt_pending_runs", lambda self: None)
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        again.open_stored(chat, store.find_pending(job_id).turn_id)
        await pilot.pause()
        polls: list[str] = []
        panes_notice = again.panes.notice

        def seen(notice, turn):
            if notice.detail:
                polls.append(notice.text)
            panes_notice(notice, turn)

        monkeypatch.setattr(again.panes, "notice", seen)
        again.composer.focus()
        again.composer.load_text("and after it?")
        again.post_message(events.Key("enter", None))  # its turn waits for the run: no press
        await until(pilot, lambda: len(polls) >= 3, "three polls")
        await pilot.pause()
        shown = [n.message for n in notices(again) if n.message.startswith("status: ")]
        assert shown == [polls[-1]]
        assert notices(again)[-1].message == polls[-1]  # at the end, where the eye is
        await pilot.press("escape")
        await finish(pilot)


async def test_opening_a_run_still_going_by_id_shows_it_and_says_so(emulator, tmp_path):
    """`gemtui show ID` (and Ctrl+P's "Open an interaction by id") of a run still going
    showed an empty chat and said nothing, waiting silently for an end that may never come."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!fault never-complete a long run")
        (job,) = app.jobs.jobs
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        again.open_interaction(job.id)
        await until(pilot, lambda: again.conversation.turns, "the run's chat")
        assert again.conversation.turns[-1].asked.prompt == "!fault never-complete a long run"
        assert notices(again)[-1].message.startswith("Started in the background")
        said = last_notification(again)
        assert said.startswith("Still running at the server (in_progress): F4 watches it")
        assert f"gemtui ask --wait {job.id}" in said


async def test_a_prompt_sent_in_a_run_opened_by_id_keeps_its_chat(emulator, tmp_path, monkeypatch):
    """Opened by id while it ran, a follow-up fetched the run first; then the open's own fetch
    wrote the run into a new conversation and swapped the chat shown for it, the follow-up
    gone from view."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    job_id, chat = await run_left_pending(emulator, store, "!slow 40 a run to follow up")
    # The open's own fetch of the run ends only after the follow-up (as with a slower poll).
    follow_up_done = asyncio.Event()
    real_open = TurnRunner.open

    async def late_open(self, *args, **kwargs):
        await follow_up_done.wait()
        return await real_open(self, *args, **kwargs)

    monkeypatch.setattr(TurnRunner, "open", late_open)
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        fast_polls(again)
        await pilot.pause()
        again.open_interaction(job_id)
        await until(pilot, lambda: again.conversation.turns, "the run's chat")
        assert again.focused is again.composer  # typing goes to the prompt
        await send(pilot, "and a follow-up", wait=False)  # finish() would wait for the open
        follow_up = again.conversation.turns[-1]
        assert follow_up.asked.prompt == "and a follow-up"
        await until(pilot, lambda: follow_up.reply.outcome == "completed", "the follow-up")
        follow_up_done.set()
        await until(pilot, lambda: not again.chat.settling(job_id), "the open's own fetch")
        await pilot.pause(0.2)
        assert again.conversation_id == chat
        assert again.conversation.turns[-1] is follow_up  # not read back again: kept as live
        assert [t.asked.prompt for t in again.conversation.turns] == [
            "!slow 40 a run to follow up",
            "and a follow-up",
        ]
    assert [summary.id for summary in store.list_conversations()] == [chat]


async def test_f4_starts_on_the_newest_run_home_end_move_and_i_copies_the_id(emulator, monkeypatch):
    bare_terminal(monkeypatch)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        copied = capture(app)
        for prompt in ("!fault never-complete one", "!fault never-complete two"):
            await background(pilot, prompt)
        first, second = app.jobs.jobs
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        assert screen.selected_job() is second
        await pilot.press("home")
        assert screen.selected_job() is first
        await pilot.press("end", "i")
        assert screen.selected_job() is second
        assert copied == [second.id]
        for job in (first, second):
            await app.jobs.cancel(job)


async def test_escape_on_a_run_opened_while_it_runs_stops_watching_not_the_run(emulator):
    """Escape on a run opened by id said "Cancelled before any answer came" and offered F5
    to send the prompt again, while the run went on at the server: a second, paid run."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await background(pilot, "!slow 40 watch me work")
        (job,) = app.jobs.jobs
        app.open_interaction(job.id)
        await until(
            pilot,
            lambda: app.conversation.turns and app.conversation.turns[-1].reply.state.steps,
            "the run streaming into the chat",
        )
        await pilot.press("escape")
        await until(pilot, lambda: not app.busy, "the watching to stop")
        (turn,) = app.conversation.turns
        assert notices(app)[-1].message.startswith("Stopped following the run")
        assert not [p for p in posts(emulator) if p["path"].endswith(f"{job.id}/cancel")]
        await pilot.press("f5")
        await until(pilot, lambda: turn.reply.outcome == "completed", "the answer fetched")


async def test_a_run_seen_ending_in_the_chat_shown_is_never_sent_again(emulator, tmp_path):
    """The chat shown ended with a run read back unfetched; once the board saw it end it was
    fetched as F5 does, which sends the prompt again, paid, when the run failed."""
    store = Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "before the run")
        await background(pilot, "!fault failed a run that fails")
        chat = app.conversation_id
    again = make_app(emulator, store=store)
    async with again.run_test(size=(80, 24)) as pilot:
        again.open_stored(chat)
        await until(pilot, lambda: again.jobs.jobs and again.jobs.jobs[0].finished, "the end")
        said = lambda: any("was not fetched" in n.message for n in notices(again))  # noqa: E731
        await until(pilot, said, "the failure told")
        await finish(pilot)
    sent = [p for p in posts(emulator) if "a run that fails" in str(p["body"])]
    assert len(sent) == 1
