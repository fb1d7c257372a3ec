"""While a request waits to be sent again, the status bar counts down to it and says why
("retrying in 3 s (HTTP 503 service_unavailable, attempt 2 of 5)"); the countdown goes when the
stream opens or the turn ends. The waits between attempts are held by the test (the client's
``sleep``), and the countdown reads a clock the test moves: no real waiting."""

from __future__ import annotations

import asyncio
import dataclasses

from support.chat_driver import finish, make_app, notices, send, until

from gemtui.core.conversation import ChatSettings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.retry_countdown import retry_forms, retry_text


class HeldWaits:
    """The client's ``sleep``: each wait is kept until the test lets it go."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.gate = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.gate.wait()
        self.gate.clear()


def hold_retries(app: GemtuiApp) -> tuple[HeldWaits, list[float]]:
    waits = HeldWaits()
    app.client.retry = dataclasses.replace(app.client.retry, sleep=waits)
    now = [1000.0]
    assert app.retry_countdown is not None
    app.retry_countdown.clock = lambda: now[0]
    return waits, now


async def first_wait(pilot) -> tuple[HeldWaits, list[float]]:
    """A prompt that meets two 503s, held at its first wait (see :func:`hold_retries`)."""
    waits, now = hold_retries(pilot.app)
    await send(pilot, "!fault 503x2 hello", wait=False)
    await until(pilot, lambda: len(waits.asked) == 1, "the first wait")
    return waits, now


async def test_the_status_bar_counts_down_to_the_next_attempt_and_clears(emulator_factory):
    emulator = emulator_factory(retry_after_seconds=3)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        waits, now = await first_wait(pilot)
        assert waits.asked == [3.0]
        expected = "retrying in 3 s (HTTP 503 service_unavailable, attempt 2 of 5)"
        assert app.status.info.retry[0] == expected
        await pilot.pause()
        # At 80 columns the reason is cut to its first words; the count and attempts stay.
        shown = app.status.render_line(0).text
        assert "· retrying in 3 s (HTTP 503 …, attempt 2 of 5)" in shown, shown
        assert "waiting" not in shown
        now[0] += 1.2
        await until(pilot, lambda: "retrying in 2 s" in app.status.info.retry[0], "a second less")
        now[0] += 2.5
        await until(pilot, lambda: "retrying in 0 s" in app.status.info.retry[0], "the wait's end")
        waits.gate.set()
        await until(pilot, lambda: len(waits.asked) == 2, "the second wait")
        assert app.status.info.retry[0].startswith("retrying in 3 s (HTTP 503")
        assert app.status.info.retry[0].endswith("attempt 3 of 5)")
        waits.gate.set()
        await until(pilot, lambda: not app.busy, "the answer")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert app.status.info.retry == ()
        assert "retrying" not in app.status.render_line(0).text


async def test_the_countdown_goes_when_the_retries_run_out(emulator_factory):
    emulator = emulator_factory(retry_after_seconds=1)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.client.retry = dataclasses.replace(app.client.retry, max_attempts=2)
        waits, _now = hold_retries(app)
        await send(pilot, "!fault 503x5 hello", wait=False)
        await until(pilot, lambda: waits.asked, "the wait")
        assert app.status.info.retry[0].endswith("attempt 2 of 2)")
        waits.gate.set()
        await until(pilot, lambda: not app.busy, "the failure")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "failed"
        assert app.status.info.retry == ()


async def test_a_new_client_after_a_settings_change_counts_down_too(emulator_factory):
    emulator = emulator_factory(retry_after_seconds=2)
    app = make_app(emulator, settings=ChatSettings())
    async with app.run_test(size=(80, 24)) as pilot:
        app._reconnect(app.user_settings)  # as a saved settings change does
        await pilot.pause()
        waits, _now = hold_retries(app)
        await send(pilot, "!fault 429x1 hello", wait=False)
        await until(pilot, lambda: waits.asked, "the wait")
        assert app.status.info.retry[0].startswith("retrying in 2 s (HTTP 429")
        waits.gate.set()
        await until(pilot, lambda: not app.busy, "the answer")
        await finish(pilot)
        assert app.status.info.retry == ()


def test_the_reason_is_one_clean_line_cut_short():
    hostile = "\x1b]52;c;ZXZpbA==\x07HTTP 503\n\x1b[2Jbusy " + "x" * 100
    text = retry_text(4, hostile, 2, 5)
    assert "\x1b" not in text and "\n" not in text and "\x07" not in text
    assert text.startswith("retrying in 4 s (HTTP 503 busy x")
    assert text.endswith("…, attempt 2 of 5)")
    assert retry_text(1, "", 3, 5) == "retrying in 1 s (attempt 3 of 5)"
    assert retry_forms(2, "HTTP 503 service_unavailable", 2, 5) == (
        "retrying in 2 s (HTTP 503 service_unavailable, attempt 2 of 5)",
        "retrying in 2 s (HTTP 503 …, attempt 2 of 5)",
        "retrying in 2 s (attempt 2 of 5)",
        "retrying in 2 s",
    )


async def test_escape_during_the_countdown_cancels_and_says_nothing_came(emulator_factory):
    """The status bar did not say that Escape cancels the wait, and after it the chat said
    "The partial answer is kept" of an answer that never came."""
    emulator = emulator_factory(retry_after_seconds=3)
    app = make_app(emulator)
    async with app.run_test(size=(120, 24)) as pilot:
        await first_wait(pilot)
        await pilot.pause()
        assert "attempt 2 of 5) · Esc cancels" in app.status.render_line(0).text
        await pilot.press("escape")
        await until(pilot, lambda: not app.busy, "the cancel")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        (notice,) = notices(app)
        assert notice.message == "Cancelled before any answer came."
        assert notice.hint == "Press F5 to send the prompt again."
