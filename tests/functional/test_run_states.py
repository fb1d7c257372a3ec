"""Failed, queued and budget-exceeded runs in the TUI, and token counts that move while an
answer streams, end to end against the loopback emulator."""

from __future__ import annotations

import asyncio

from support.chat_driver import answers, make_app, notices, send
from textual.message import Message

from gemtui.core.conversation import ChatSettings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.chat.messages import TurnChanged


def timeline_lines(app: GemtuiApp) -> list[str]:
    rows = app.timeline.list
    return [rows.render_line(y).text for y in range(rows.size.height)]


async def test_a_failed_run_shows_the_servers_reasons_in_chat_timeline_and_status(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "!fault failed write a poem")
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "failed"
        said = [(item.message, item.hint) for item in notices(app)]
        assert (
            "The run failed at the server: The model failed while generating the answer. "
            "(api_error)",
            "This was the server's own failure; the partial answer is kept. "
            "Press F5 to send the prompt again.",
        ) in said, said
        shown = [app.view.render_line(y).text for y in range(app.view.size.height)]
        assert any(
            "× The model's output failed: INTERNAL (13): Internal error encountered." in line
            for line in shown
        )
        failed_answer = answers(app)[-1]
        assert failed_answer.error is not None and failed_answer.error.code == 13
        assert answers(app)[-2].source  # the text that came before the failure is kept
        assert app.status.info.state == "failed"
        await pilot.press("ctrl+t")
        await pilot.pause()
        lines = timeline_lines(app)
        assert any("Turn 1 · failed" in line for line in lines)
        assert any(
            "error api_error: The model failed while generating the answer." in line
            for line in lines
        )
        assert any(line.lstrip().startswith("✗") and "model_output" in line for line in lines)
        # F5 sends it again
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        assert len(app.conversation.turns) == 2


async def test_a_failed_background_run_opened_from_the_jobs_board(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.load_text("!fault failed in the background")
        await pilot.press("ctrl+b")
        await app.workers.wait_for_complete()
        (job,) = app.jobs.jobs
        await app.jobs.wait(job)
        assert job.status == "failed"
        app.open_interaction(job.id)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.conversation.turns[-1].reply.outcome == "failed"
        assert any("(api_error)" in item.message for item in notices(app))


async def test_budget_exceeded_is_its_own_state(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "!fault budget a long essay")
        turn = app.conversation.turns[-1]
        assert turn.status == "budget_exceeded"
        assert app.status.info.state == "budget_exceeded"
        assert "budget exceeded" in str(app.status.render())
        assert any("budget_exceeded" in item.message for item in notices(app))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert any("Turn 1 · budget_exceeded" in line for line in timeline_lines(app))


async def test_a_queued_run_shows_queued_in_the_status_bar(emulator):
    queued = asyncio.Event()

    def watch(message: Message) -> None:
        if isinstance(message, TurnChanged) and message.turn.reply.state.status == "queued":
            queued.set()

    app = make_app(emulator)
    async with app.run_test(size=(80, 24), message_hook=watch) as pilot:
        await send(pilot, "!queued 60000 wait your turn", wait=False)
        await asyncio.wait_for(queued.wait(), 30)
        await pilot.pause()
        assert app.status.info.state == "queued"
        assert "queued" in str(app.status.render())
        await pilot.press("escape")  # cancel the wait
        await app.workers.wait_for_complete()
        assert app.conversation.turns[-1].reply.outcome == "cancelled"


async def test_the_flex_tier_is_sent_and_shown(emulator):
    app = make_app(emulator, settings=ChatSettings(service_tier="flex"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "flex" in str(app.status.render())
        await send(pilot, "cheap")
        turn = app.conversation.turns[-1]
        assert turn.asked.request["service_tier"] == "flex"
        assert turn.reply.state.interaction.service_tier == "flex"
        statuses = [
            getattr(record.event, "status", None)
            for record in turn.reply.state.events
            if record.event_type == "interaction.status_update"
        ]
        assert statuses[:2] == ["queued", "in_progress"]


async def test_token_counts_move_while_the_answer_streams(emulator):
    seen: list[int | None] = []
    app = make_app(emulator)

    def watch(message: Message) -> None:
        # The hook runs before the message is handled: this is what the previous batch left.
        if isinstance(message, TurnChanged):
            seen.append(app.status.info.last_tokens)

    async with app.run_test(size=(80, 24), message_hook=watch) as pilot:
        await send(pilot, "!slow 40 count as you go")
        final = app.conversation.turns[-1].usage.total_tokens
        live = [tokens for tokens in seen if tokens is not None]
        assert live, "no token count before the turn ended"
        assert live == sorted(live) and live[0] < final
        assert app.status.info.last_tokens == final
