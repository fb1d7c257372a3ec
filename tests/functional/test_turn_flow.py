"""One turn, one owner: in the real app every turn is one turn everywhere (conversation,
timeline, history), whatever made it, and a running turn reports through typed messages."""

from __future__ import annotations

import re
from pathlib import Path

from support.chat_driver import FAKE_KEY, answers, finish, make_app, notices, replay, send
from support.endpoints import closed_port_url
from textual.message import Message
from textual.pilot import Pilot

from gemtui.api.client import InteractionsClient
from gemtui.core.assembler import InteractionState
from gemtui.core.recording import load_recording
from gemtui.core.store import Store
from gemtui.ui.chat.messages import RequestAccepted, TurnChanged, TurnEnded, TurnStarted
from gemtui.ui.render.chat_items import UserItem

FIXTURES = Path(__file__).parent.parent / "fixtures"


def timeline_heading(app, section: int) -> str:
    """The first heading line of a turn in the timeline, as drawn."""
    for line, (row, inner) in enumerate(app.timeline.rows.rows()):
        if type(row).__name__ == "TurnRow" and row.turn == section and inner == 0:
            return app.timeline.list.render_line(line - round(app.timeline.list.scroll_y)).text
    raise AssertionError(f"no heading for turn {section}")


async def test_a_replay_without_prompt_text_then_a_prompt_are_two_turns_everywhere(emulator):
    recording = load_recording(FIXTURES / "doc_text_with_thinking.jsonl")
    recording.request = {k: v for k, v in recording.request.items() if k != "input"}
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        replayed = await replay(pilot, recording)
        assert replayed.asked.prompt == "" and replayed.asked.kind == "replayed"
        await send(pilot, "hello")
        turns = app.conversation.turns
        hello = turns[-1]
        assert [t.asked.prompt for t in turns] == ["", "hello"]
        starts = [i for i, item in enumerate(app.view.items) if isinstance(item, UserItem)]
        assert [app.view.items[i].turn for i in starts] == turns
        assert app.timeline.rows.turn_count == 2
        assert [app.timeline.turn_at(i) for i in range(2)] == turns
        # The recording's interaction is unknown here: said once, sent with the history.
        assert hello.reply.outcome == "completed"
        assert "previous_interaction_id" not in hello.asked.request
        assert [n for n in notices(app) if "does not know" in n.message]
        # Selecting "hello" moves the timeline to its turn, not to the replay's.
        app.view.focus()
        app.view.select(starts[1])
        await pilot.pause()
        assert app.timeline.list.selected is app.timeline.rows.turn_row(1)
        # F8 regenerates it: still two turns, the new "hello" chained onto the fallback turn's
        # predecessor point (nothing was lost), and no 404.
        await pilot.press("f8")
        await finish(pilot)
        assert len(app.conversation.turns) == 2 and app.conversation.turns[-1] is not hello
        again = app.conversation.turns[-1]
        assert again.asked.prompt == "hello" and again.reply.outcome == "completed"
        assert app.timeline.rows.turn_count == 2
        starts = [i for i, item in enumerate(app.view.items) if isinstance(item, UserItem)]
        assert [app.view.items[i].turn for i in starts] == app.conversation.turns


async def test_cancelled_and_interrupted_turns_say_so_in_the_timeline_heading(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "!fault drop-after 6 tell me a story")
        await send(pilot, "!slow 100 tell me another story", wait=False)
        while not app.conversation.turns[-1].reply.state.events:
            await pilot.pause(0.02)
        await pilot.press("escape")
        await finish(pilot)
        outcomes = [t.reply.outcome for t in app.conversation.turns]
        assert outcomes == ["interrupted", "cancelled"]
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert " interrupted " in timeline_heading(app, 0)
        assert " cancelled " in timeline_heading(app, 1)
        assert "in_progress" not in timeline_heading(app, 0) + timeline_heading(app, 1)


async def test_a_step_a_cancel_cut_off_says_so_in_the_timeline_and_its_detail(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "!slow 100 tell me a story", wait=False)
        state = app.conversation.turns[-1].reply.state
        while len(state.steps) < 2 or not state.steps[1].event_seqs:
            await pilot.pause(0.02)
        await pilot.press("ctrl+t")
        app.timeline.select(0, 1)  # the model_output step, still streaming
        await pilot.pause()
        detail = app.step_detail

        def status_fact() -> str:
            lines = (detail.line_text(line) for line in range(5))
            return next(line for line in lines if line.startswith("status "))

        def step_row(position: int) -> str:
            """The step's row as drawn, after its two columns of cursor gutter."""
            line = app.timeline.rows.line_of(app.timeline.rows.step_rows(0)[position])
            list_ = app.timeline.list
            return list_.render_line(line - round(list_.scroll_y)).text[2:]

        assert status_fact().startswith("status streaming")
        assert step_row(1).startswith("… ")
        app.composer.focus()
        await pilot.press("escape")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        assert status_fact().startswith("status cut off")
        assert step_row(1).startswith("- ")
        assert step_row(0).startswith("✓ ")  # the thought had stopped
        # Sent from the timeline, the next turn leaves the cut-off step shown, and as it was
        # (showing it made its JSON anew: a long answer's, at every flush, before).
        wire = detail._wire
        app.timeline.focus()
        app.send("!slow 20 and now a poem")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert detail._wire is wire and status_fact().startswith("status cut off")


async def streaming(pilot: Pilot, prompt: str) -> InteractionState:
    """Send ``prompt`` and come back once its answer streams (five events in)."""
    await send(pilot, prompt, wait=False)
    state = pilot.app.conversation.turns[-1].reply.state
    while len(state.events) < 5:
        await pilot.pause(0.02)
    return state


async def test_a_turn_shown_while_it_streams_shows_its_end_in_the_detail(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        state = await streaming(pilot, "!slow 40 tell me a story")
        await pilot.press("ctrl+t")  # the detail shows the running turn's heading

        def facts() -> str:
            """The detail's first lines, joined (the pane wraps them)."""
            return "".join(app.step_detail.line_text(line) for line in range(1, 8))

        await pilot.pause()
        assert "status in_progress" in facts()
        await finish(pilot)
        assert "status completed" in facts()
        assert f"{len(state.events)} events" in facts() and "total –" not in facts()


def detail_facts(app) -> str:
    """The detail's first lines as one line (folded lines joined, spaces collapsed)."""
    return " ".join(" ".join(app.step_detail.line_text(n) for n in range(1, 12)).split())


async def test_a_cancelled_turns_detail_says_its_status_was_the_last_before_the_cancel(
    emulator,
):
    """It read "status in_progress" beside a row saying cancelled."""
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await streaming(pilot, "!slow 60 tell me a story")
        await pilot.press("escape")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "status in_progress when cancelled" in detail_facts(app)


async def test_retries_and_a_resumed_stream_show_in_the_turns_timing(emulator):
    """The timeline said "attempts 1" after a resumed stream, with no sign of the cut (the
    outage read as a slow step), and a total that left out the waits between retries."""
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "!fault 503x2 a story")
        turn = app.conversation.turns[-1]
        timings = turn.reply.timings
        assert timings is not None and timings.attempts == 3 and timings.retried_s > 0
        assert timings.total_s is not None and timings.total_s > timings.retried_s
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "attempts 3 (" in detail_facts(app) and " before the last)" in detail_facts(app)
        await pilot.press("ctrl+t")
        await send(pilot, "!fault drop-after 6 another story")
        await pilot.press("f5")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "completed"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert " · resumed · " in timeline_heading(app, 1)
        assert "stream cut off, taken up again at +" in detail_facts(app)


async def test_a_running_turn_reports_through_typed_messages(emulator):
    seen: list[Message] = []

    def hook(message: Message) -> None:
        if isinstance(message, TurnStarted | RequestAccepted | TurnChanged | TurnEnded):
            seen.append(message)

    app = make_app(emulator)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await send(pilot, "Hello!")
        (turn,) = app.conversation.turns
    kinds = [type(message).__name__ for message in seen]
    assert kinds[:2] == ["TurnStarted", "RequestAccepted"]
    assert kinds[-1] == "TurnEnded" and kinds.count("TurnEnded") == 1
    changed = [m for m in seen if isinstance(m, TurnChanged)]
    assert changed and set(kinds[2:-1]) == {"TurnChanged"}
    assert all(message.turn is turn for message in seen)
    # Changes are batched (about 20 a second), not one message per event.
    assert len(changed) < len(turn.reply.state.events)
    fragments = [text for m in changed for step in m.steps.values() for text in step.texts]
    shown = " ".join(
        block.text
        for state in turn.reply.state.steps
        for block in [
            *(getattr(state.step, "content", None) or ()),
            *(getattr(state.step, "summary", None) or ()),
        ]
    )
    assert fragments and all(fragment in shown for fragment in fragments)


async def test_an_answer_in_hops_shows_as_one_answer_and_one_turn(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "tell me about owls")
        whole = answers(app)[-1].copy_text()
        await pilot.press("ctrl+n")
        await send(pilot, "tell me about owls !hops 3")
        (hopped,) = app.conversation.turns
        assert len(hopped.reply.hops) == 3
        kinds = [type(item).__name__ for item in app.view.items if item.turn is hopped]
        assert kinds == ["UserItem", "ThoughtItem", "AnswerItem"]
        assert answers(app)[-1].copy_text() == whole and answers(app)[-1].final
        assert app.timeline.rows.turn_count == 1


async def test_f5_resumes_a_cut_stream_in_the_same_turn(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "a story")
        whole = answers(app)[-1].copy_text()
        await pilot.press("ctrl+n")
        await send(pilot, "!fault drop-after 6 a story")
        (cut,) = app.conversation.turns
        assert cut.reply.outcome == "interrupted"
        assert "F5 to resume" in notices(app)[-1].hint
        await pilot.press("f5")
        await finish(pilot)
        assert app.conversation.turns == [cut] and cut.reply.outcome == "completed"
        (answer,) = answers(app)
        assert answer.copy_text() == whole and answer.final
        assert app.timeline.rows.turn_count == 1
        # "Cut off, press F5 to resume it" stood under the finished answer.
        assert not [n for n in notices(app) if "cut off" in n.message]


async def test_f5_while_the_server_is_unreachable_leaves_the_cut_turn_to_resume(emulator):
    """The failed resume made the turn "failed", and the next F5, with the server back, sent
    the prompt again as a new turn (paid for twice) though the server had finished it."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "!fault drop-after 6 a story")
        (cut,) = app.conversation.turns
        reachable = app.client
        app.client = InteractionsClient(api_key=FAKE_KEY, base_url=closed_port_url())
        await pilot.press("f5")
        await finish(pilot)
        assert app.conversation.turns == [cut] and cut.reply.outcome == "interrupted"
        said = notices(app)[-1]
        # With the time it was tried: pressed again, the same words said nothing new.
        assert re.search(r"could not be resumed \(\d\d:\d\d:\d\d\): ", said.message)
        assert "F5 to resume" in said.hint
        assert cut.reply.resumed_at == []  # tried, not taken up
        app.client = reachable
        mark = emulator.received_count()
        await pilot.press("f5")
        await finish(pilot)
        assert app.conversation.turns == [cut] and cut.reply.outcome == "completed"
        assert len(cut.reply.resumed_at) == 1
        sent = emulator.requests_since(mark)
        assert sent and all(r["method"] == "GET" for r in sent)  # resumed: nothing created


async def test_quitting_mid_stream_is_no_cancel_read_back_f5_fetches_the_answer(emulator, tmp_path):
    """Quit mid-stream, the turn was kept "Cancelled", and F5 at the next start sent the
    prompt again, though the server had finished the answer."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "!slow 30 a long story", wait=False)
            turn = app.conversation.turns[-1]
            while len(turn.reply.state.events) < 8:
                await pilot.pause(0.02)
            conversation_id = app.conversation_id
            app.exit()
            await pilot.pause()
        assert turn.reply.outcome == "interrupted"
        reopened = make_app(emulator, store=store)
        async with reopened.run_test(size=(100, 30)) as pilot:
            reopened.open_stored(conversation_id)
            await pilot.pause()
            (notice,) = notices(reopened)
            assert notice.message.startswith("The stream was cut off after ")
            assert "gemtui quit while it streamed" in notice.message
            (cut,) = reopened.conversation.turns
            mark = emulator.received_count()
            await pilot.press("f5")
            await finish(pilot)
            # Polled while the server still writes it; nothing is created again.
            methods = {r["method"] for r in emulator.requests_since(mark)}
            assert methods == {"GET"}
            assert reopened.conversation.turns == [cut] and cut.reply.outcome == "completed"


async def test_f5_after_a_cancel_fetches_the_answer_the_server_went_on_with(emulator):
    """The API cancels only background runs: a stored answer cancelled here goes on at the
    server. The chat said only "Cancelled", and F5 sent the prompt again (paid twice)."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "!slow 30 a long story", wait=False)
        turn = app.conversation.turns[-1]
        while len(turn.reply.state.events) < 8:
            await pilot.pause(0.02)
        await pilot.press("escape")
        await finish(pilot)
        assert turn.reply.outcome == "cancelled"
        said = notices(app)[-1]
        assert said.message == "Cancelled here. The partial answer is kept."
        assert said.hint.endswith("F5 fetches its answer.")
        mark = emulator.received_count()
        await pilot.press("f5")
        await finish(pilot)
        assert {r["method"] for r in emulator.requests_since(mark)} == {"GET"}
        assert app.conversation.turns == [turn] and turn.reply.outcome == "completed"


async def test_a_cut_turn_read_back_says_so_and_f5_fetches_its_answer_whole(emulator, tmp_path):
    """Read back, the cut answer stood with nothing under it, and F5 sent the prompt again:
    the history keeps no events, which a resumed stream starts after. The server holds the
    interaction, finished: F5 now fetches it whole, into the same turn and into the history,
    and asks for nothing again."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "a story")
            whole = answers(app)[-1].copy_text()
            await pilot.press("ctrl+n")
            await send(pilot, "!fault drop-after 6 a story")
            conversation_id = app.conversation_id
        reopened = make_app(emulator, store=store)
        async with reopened.run_test(size=(100, 30)) as pilot:
            reopened.open_stored(conversation_id)
            await pilot.pause()
            (notice,) = notices(reopened)
            (cut,) = reopened.conversation.turns
            # Said as it was live, without the long id the stored error holds.
            assert notice.message.startswith("The stream was cut off after 6 events: ")
            assert cut.interaction_id not in notice.message
            assert notice.hint.endswith("Press F5 to resume it.")
            # Unreachable, F5 leaves the turn cut off: it was sent again as a new turn.
            reachable = reopened.client
            reopened.client = InteractionsClient(api_key=FAKE_KEY, base_url=closed_port_url())
            await pilot.press("f5")
            await finish(pilot)
            assert reopened.conversation.turns == [cut] and cut.reply.outcome == "interrupted"
            reopened.client = reachable
            mark = emulator.received_count()
            await pilot.press("f5")
            await finish(pilot)
            assert [(r["method"], r["path"]) for r in emulator.requests_since(mark)] == [
                ("GET", f"/v1/interactions/{cut.interaction_id}")
            ]
            assert reopened.conversation.turns == [cut] and cut.reply.outcome == "completed"
            (answer,) = answers(reopened)
            assert answer.copy_text() == whole
            assert notices(reopened) == []
            rows = reopened.timeline.rows
            assert rows.turn_count == 1
            assert [row.state for row in rows.step_rows(0)] == cut.reply.state.steps
            await send(pilot, "and a poem")  # the chat goes on from the fetched turn
            assert reopened.conversation.turns[-1].asked.request["previous_interaction_id"] == (
                cut.interaction_id
            )
        again = make_app(emulator, store=store)
        async with again.run_test(size=(100, 30)) as pilot:
            again.open_stored(conversation_id)
            await pilot.pause()
            assert answers(again)[0].copy_text() == whole
            assert notices(again) == []


async def test_f5_on_a_cut_turn_the_server_does_not_know_sends_the_prompt_again(
    emulator, emulator_factory, tmp_path
):
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "!fault drop-after 6 a story")
            conversation_id = app.conversation_id
        elsewhere_server = emulator_factory()  # another server: it does not know the turn
        elsewhere = make_app(elsewhere_server, store=store)
        async with elsewhere.run_test(size=(100, 30)) as pilot:
            elsewhere.open_stored(conversation_id)
            await pilot.pause()
            (cut,) = elsewhere.conversation.turns
            mark = elsewhere_server.received_count()
            await pilot.press("f5")
            await finish(pilot)
            assert [r["method"] for r in elsewhere_server.requests_since(mark)] == ["GET", "POST"]
            turns = elsewhere.conversation.turns
            assert len(turns) == 2 and turns[0] is cut and cut.reply.outcome == "interrupted"
            assert turns[1].asked.prompt == cut.asked.prompt  # its fault directive cuts it again
            said = [n.message for n in notices(elsewhere)]
            assert any("could not be resumed" in text for text in said)
            assert len(answers(elsewhere)) == 2  # the partial answer is kept


async def test_with_continuation_off_f5_continues_the_answer(emulator):
    from gemtui.core.conversation import ChatSettings

    app = make_app(emulator, settings=ChatSettings(auto_continue=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "tell me about owls !hops 2")
        (turn,) = app.conversation.turns
        assert turn.reply.state.status == "requires_continuation"
        assert "F5 to continue" in notices(app)[-1].hint
        await pilot.press("f5")
        await finish(pilot)
        assert app.conversation.turns == [turn] and turn.reply.outcome == "completed"
        (answer,) = answers(app)
        assert answer.final
        assert not [n for n in notices(app) if "output limit" in n.message]


async def test_deep_research_streams_into_the_chat_from_the_background(emulator):
    from gemtui.core.conversation import ChatSettings

    app = make_app(emulator, settings=ChatSettings(agent="deep-research-pro-preview-12-2025"))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "!slow 20 the history of TPUs", wait=False)
        turn = app.conversation.turns[-1]
        while not turn.reply.state.steps:
            await pilot.pause(0.02)
        await pilot.pause(0.1)
        # A run of minutes: its clock keeps running while the steps come in.
        assert app.status.info.state == "running" and app.status.info.elapsed is not None
        await finish(pilot)
        assert turn.asked.request["background"] is True and turn.reply.outcome == "completed"
        kinds = [type(item).__name__ for item in app.view.items if item.turn is turn]
        assert kinds.count("ToolItem") == 6 and kinds[-1] == "AnswerItem"
        assert answers(app)[-1].sources
        assert app.status.info.elapsed is None


async def test_the_timeline_heading_counts_the_interactions_of_an_answer_in_hops(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "tell me about owls !hops 3")
        await pilot.press("ctrl+t")
        await pilot.pause()
        heading = timeline_heading(app, 0)
        assert "3 interactions" in heading and " completed " in heading
        starts = [r for r in app.conversation.turns[0].reply.state.events
                  if r.event_type == "interaction.created"]  # fmt: skip
        assert len(starts) == 3
