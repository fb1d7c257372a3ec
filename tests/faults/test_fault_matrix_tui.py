"""Every fault the network or the server can produce, met by the real TUI (Textual pilot).

For each case the app must stay responsive, tell the user the cause and what to do, keep the
draft when the request was never accepted, keep whatever arrived (conversation, timeline,
history store), and let F5 send the prompt again where that can help.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fault_support import (
    SHORT_TIMEOUTS,
    fast_client,
    refusing_endpoint,
)
from support.chat_driver import FAKE_KEY, answers, finish, notices, send
from support.rawserver import ScriptedServer, sse_event, stream
from support.streams import COMPLETED, CREATED, OUTPUT_START, OUTPUT_STOP, STATUS, text_delta
from textual.pilot import Pilot

from gemtui.api.client import InteractionsClient, Timeouts
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render.chat_items import NoticeItem

SIZE = (100, 30)


def fault_app(
    base_url: str,
    *,
    store: Store | None = None,
    settings: ChatSettings | None = None,
    timeouts: Timeouts | None = None,
) -> GemtuiApp:
    """The app against ``base_url`` with the fast-retry client of the fault suites."""
    connection = Connection(base_url=base_url, api_key=FAKE_KEY, demo=True, secrets=[FAKE_KEY])
    app = GemtuiApp(connection, settings, store=store)
    app.client = fast_client(base_url, FAKE_KEY, **({"timeouts": timeouts} if timeouts else {}))
    return app


async def assert_responsive(pilot: Pilot) -> None:
    """A key press is handled after the fault: F6 flips the mode, and back."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    before = app.conversation.settings.stateful
    await pilot.press("f6")
    assert app.conversation.settings.stateful is not before
    await pilot.press("f6")
    assert app.conversation.settings.stateful is before
    assert not app.busy


def last_error(app: GemtuiApp) -> NoticeItem:
    shown = notices(app)
    assert shown, "no notice shown"
    notice = shown[-1]
    assert notice.level == "error"
    return notice


def stored_turns(store: Store):
    conversation_id = store.last_conversation_id()
    assert conversation_id is not None
    return [stored.turn for stored in store.load_turns(conversation_id)]


def wire_steps(state) -> list[dict]:
    return [step.step.to_wire() for step in state.steps]


def assert_kept_everywhere(app: GemtuiApp, store: Store, turn_index: int) -> None:
    """The turn's steps are the same in the conversation, the timeline and the store."""
    turn = app.conversation.turns[turn_index]
    assert app.timeline.turn_at(turn_index) is turn
    stored = stored_turns(store)[turn_index]
    assert stored.reply.outcome == turn.reply.outcome
    assert stored.asked.prompt == turn.asked.prompt
    assert wire_steps(stored.reply.state) == wire_steps(turn.reply.state)


# --------------------------------------------------------------------------- before acceptance


@dataclass(frozen=True)
class Refusal:
    """A fault that fails the request before the server accepted it."""

    name: str
    #: which endpoint: "emulator", "refused", "dns", "tls", "silent" or "retry-after"
    endpoint: str
    prompt: str
    cause: tuple[str, ...]
    remedy: str
    #: whether sending again (F5) gets an answer
    retry_succeeds: bool = False
    timeouts: Timeouts | None = None


def _status(status: int, attempts: int, cause: tuple[str, ...], remedy: str) -> Refusal:
    # The fault is armed for exactly the attempts the client makes, so F5 then succeeds.
    return Refusal(
        f"http-{status}",
        "emulator",
        f"!fault {status}x{attempts} hello",
        (f"HTTP {status}", *cause),
        remedy,
        retry_succeeds=True,
    )


REFUSALS = [
    _status(400, 1, ("invalid argument",), "change what the message names"),
    _status(401, 1, ("API key not valid",), "GEMINI_API_KEY"),
    _status(403, 1, ("permission",), "check its project and permissions"),
    _status(404, 1, ("not found",), "expired"),
    _status(429, 2, ("too_many_requests",), "Rate limited: wait"),
    _status(500, 2, ("internal error",), "retry later"),
    _status(503, 2, ("overloaded",), "retry later"),
    Refusal("refused", "refused", "hello", ("connection refused",), "Nothing is listening"),
    Refusal("dns", "dns", "hello", ("host name not resolved",), "check the host name"),
    Refusal("tls", "tls", "hello", ("TLS handshake failed",), "certificates"),
    Refusal(
        "no-first-byte",
        "silent",
        "hello",
        ("Timed out waiting for the response",),
        "raise the timeout",
        timeouts=SHORT_TIMEOUTS,
    ),
    Refusal("retry-after-too-long", "retry-after", "hello", ("HTTP 429",), "wait 120 s"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda case: case.name)
async def test_refused_request_keeps_draft_and_can_be_sent_again(
    case, emulator_factory, store, self_signed_cert
):
    # A fresh emulator: its 'fail the first N identical requests' counts start at zero.
    emulator = emulator_factory()
    async with refusing_endpoint(case.endpoint, emulator, self_signed_cert) as base_url:
        app = fault_app(base_url, store=store, timeouts=case.timeouts)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, case.prompt)
            turn = app.conversation.turns[-1]
            assert turn.reply.outcome == "failed"
            notice = last_error(app)
            for words in case.cause:
                assert words.lower() in notice.message.lower(), notice.message
            assert case.remedy.lower() in notice.hint.lower(), notice.hint
            assert FAKE_KEY not in notice.message + notice.hint
            # Never accepted: the draft is still there to edit or send again; nothing arrived.
            assert app.composer.text == case.prompt
            assert not answers(app)
            assert not turn.reply.state.steps
            assert_kept_everywhere(app, store, 0)
            await assert_responsive(pilot)

            await pilot.press("f5")
            await finish(pilot)
            assert len(app.conversation.turns) == 2
            retried = app.conversation.turns[-1]
            assert retried.asked.prompt == case.prompt
            if case.retry_succeeds:
                assert retried.reply.outcome == "completed"
                assert answers(app) and answers(app)[-1].final
                assert app.composer.text == ""
            else:
                assert retried.reply.outcome == "failed"
                assert app.composer.text == case.prompt
            assert_kept_everywhere(app, store, 1)
            await assert_responsive(pilot)


# --------------------------------------------------------------------------- after acceptance


@dataclass(frozen=True)
class Breakage:
    """A fault that strikes once the answer is streaming."""

    name: str
    prompt: str
    outcome: str
    #: words the error notice must show (message or hint), or () for no error notice
    cause: tuple[str, ...]
    #: what F5 leaves: the number of turns and the last one's outcome (a cut-off stream of a
    #: stored interaction is resumed in its own turn; anything else is sent again)
    after_f5: tuple[int, str]
    timeouts: Timeouts | None = None


BREAKAGES = [
    Breakage(
        "drop-after",
        "!fault drop-after 12 hello",
        "interrupted",
        ("cut off", "F5 to resume"),
        (1, "completed"),
    ),
    Breakage(
        "stall",
        "!fault stall 5000 hello",
        "interrupted",
        ("stalled", "F5 to resume"),
        (1, "interrupted"),  # the run is still stalled when the stream is resumed
        timeouts=Timeouts(connect=10, first_byte=10, idle=0.3),
    ),
    Breakage(
        "error-event",
        "!fault error-event hello",
        "failed",
        ("mid-stream", "Deadline expired", "F5"),
        (2, "failed"),
    ),
]


@pytest.mark.parametrize("case", BREAKAGES, ids=lambda case: getattr(case, "name", None))
async def test_broken_stream_keeps_partial_answer_everywhere(case, emulator, store):
    app = fault_app(emulator.base_url, store=store, timeouts=case.timeouts)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, case.prompt)
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == case.outcome
        # What arrived stays: the answer's text and its steps, on screen, timeline and store.
        assert answers(app) and answers(app)[-1].source
        assert turn.reply.state.steps
        assert_kept_everywhere(app, store, 0)
        notice = last_error(app)
        shown = f"{notice.message} {notice.hint}"
        for words in case.cause:
            assert words.lower() in shown.lower(), shown
        # Accepted: the draft went, the prompt is in the history for F5.
        assert app.composer.text == ""
        await assert_responsive(pilot)
        await pilot.press("f5")
        await finish(pilot)
        count, outcome = case.after_f5
        assert [t.asked.prompt for t in app.conversation.turns] == [turn.asked.prompt] * count
        assert app.conversation.turns[-1].reply.outcome == outcome
        assert_kept_everywhere(app, store, count - 1)


# --------------------------------------------------------------------------- odd, complete streams


async def test_malformed_unknown_and_missing_done_still_complete(emulator, store):
    app = fault_app(emulator.base_url, store=store)
    async with app.run_test(size=SIZE) as pilot:
        for prompt in ("!fault malformed one", "!fault unknown two", "!fault no-done three"):
            await send(pilot, prompt)
            turn = app.conversation.turns[-1]
            assert turn.reply.outcome == "completed", prompt
            assert answers(app)[-1].final
            assert app.composer.text == ""
        assert not [n for n in notices(app) if n.level == "error"]
        malformed, unknown, _ = app.conversation.turns
        # The broken event is kept raw for the timeline, not dropped or fatal.
        raws = [record.event.to_wire() for record in malformed.reply.state.events]
        assert any("unterminated" in json.dumps(raw) for raw in raws)
        # The unknown step type is kept with its raw dict, in the timeline and the store.
        assert any(step.step.type == "emulator_probe" for step in unknown.reply.state.steps)
        for index in range(3):
            assert_kept_everywhere(app, store, index)
        await assert_responsive(pilot)


def _big_stream(text_bytes: int) -> list[bytes]:
    big = "x" * text_bytes
    events = [CREATED, STATUS, OUTPUT_START, text_delta("start "), text_delta(big)]
    events += [text_delta(" end"), OUTPUT_STOP, COMPLETED]
    return [sse_event(event) for event in events] + [b"data: [DONE]\n\n"]


async def test_ten_megabyte_event_arrives_whole(store):
    async with ScriptedServer(stream(_big_stream(10 * 1024 * 1024))) as server:
        app = fault_app(server.base_url, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "big")
            turn = app.conversation.turns[-1]
            assert turn.reply.outcome == "completed"
            source = answers(app)[-1].source
            assert source.startswith("start x") and source.endswith("x end")
            assert len(source) == 10 * 1024 * 1024 + len("start  end")
            # Only the first part is laid out, and the screen says so; copy keeps it all.
            lines = answers(app)[-1].render(76, app.view.render_context())
            assert "KB more of this block not shown" in lines[-1].text
            assert_kept_everywhere(app, store, 0)
            await assert_responsive(pilot)


# --------------------------------------------------------------------------- never completes


async def test_background_run_that_never_completes_is_cancelled(emulator, store):
    """With the background setting on, Enter starts a run the jobs screen (F4) polls; one that
    never completes is cancelled there, at the server, and the app stays usable throughout."""
    app = fault_app(emulator.base_url, store=store, settings=ChatSettings(background=True))
    async with app.run_test(size=SIZE) as pilot:
        app.jobs.interval, app.jobs.max_interval = 0.005, 0.05
        app.composer.load_text("!fault never-complete hello")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        (job,) = app.jobs.jobs
        assert job.id and not job.finished
        assert app.composer.text == ""  # the server took it
        await assert_responsive(pilot)
        await pilot.press("f4")
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert job.status == "cancelled"
        await pilot.press("escape")
        await assert_responsive(pilot)
    # The run itself stopped, not only the polling: it would run (and bill) on.
    async with InteractionsClient(api_key=FAKE_KEY, base_url=emulator.base_url) as client:
        status = (await client.get(job.id)).status
    assert status == "cancelled"
