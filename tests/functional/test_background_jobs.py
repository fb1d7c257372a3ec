"""Background runs in the app against the loopback emulator: Ctrl+B, the jobs screen (F4),
opening a finished run into the conversation, cancelling one, and a create that fails."""

from __future__ import annotations

from support.chat_driver import FAKE_KEY, answers, make_app, notices, notifications, send

from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.app import GemtuiApp
from gemtui.ui.screens.jobs import JobsScreen


def fast_polls(app: GemtuiApp) -> None:
    """Poll every few milliseconds; tests wait for the board's events, never for a time."""
    app.jobs.interval = 0.005
    app.jobs.max_interval = 0.05


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
