"""The chat pane end to end: the real app, keys through Textual's pilot, the loopback emulator."""

from __future__ import annotations

import gc
import weakref

from support.chat_driver import answers, finish, make_app, notices, notifications, send, until
from textual.command import CommandList

from gemtui.core import start_up_gc
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.render.chat_items import ThoughtItem, UserItem


async def test_answer_streams_in_as_markdown(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Explain binary search")
        answer = answers(app)[-1]
        assert answer.final
        assert "Explain binary search" in answer.source
        # Finished blocks are split the way a full Markdown parse splits them.
        blocks = answer.blocks.finished
        assert any(block.startswith("#") for block in blocks)
        assert any(block.startswith("```") for block in blocks)
        assert any(block.startswith("|") for block in blocks)
        assert app.composer.text == ""
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert app.status.info.last_tokens and app.status.info.last_tokens > 0
        assert any(isinstance(item, ThoughtItem) for item in app.view.items)


async def test_prompt_history_recalls_sent_prompts(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first question")
        await send(pilot, "second question")
        await pilot.press("up")
        assert app.composer.text == "second question"
        await pilot.press("up")
        assert app.composer.text == "first question"
        await pilot.press("down", "down")
        assert app.composer.text == ""


async def test_stateful_follow_up_depends_on_first_turn(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        first_id = app.conversation.turns[0].reply.state.interaction.id
        assert app.conversation.previous_interaction_id == first_id
        await send(pilot, "What is my name?")
        second_id = app.conversation.turns[-1].reply.state.interaction.id
        assert second_id and second_id != first_id
        assert app.conversation.previous_interaction_id == second_id
        # Only the server-side chain carries the first prompt into the second answer: the
        # request sent the new prompt alone.
        assert "My name is Ada" in answers(app)[-1].source
        request = app.conversation.turns[-1].asked.request
        assert request["previous_interaction_id"] == first_id
        assert [step["type"] for step in request["input"]] == ["user_input"]


async def test_stateless_follow_up_resends_history_verbatim(emulator):
    app = make_app(emulator, settings=ChatSettings(stateful=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        history = list(app.conversation.history)
        # The thought step comes back with its signature, exactly as the server sent it.
        thought = next(step for step in history if step["type"] == "thought")
        assert thought.get("signature")
        await send(pilot, "What is my name?")
        assert "My name is Ada" in answers(app)[-1].source
        assert app.conversation.previous_interaction_id is None
        assert app.conversation.history[: len(history)] == history


async def test_mode_switch_key_changes_next_turn(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        assert not app.conversation.settings.stateful
        assert app.status.info.mode == "stateless"
        await send(pilot, "hello")
        assert app.conversation.history


async def test_escape_cancels_and_keeps_the_partial_answer(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!slow 30 !size 4 tell me a long story", wait=False)
        while not (answers(app) and answers(app)[-1].source):
            await pilot.pause(0.02)
        await pilot.press("escape")
        await finish(pilot)
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "cancelled"
        partial = answers(app)[-1].source
        assert partial and len(partial) < 4000
        # Every character that arrived is on screen, up to the last word.
        shown = " ".join(
            line.text for line in answers(app)[-1].render(76, app.view.render_context())
        )
        last_word = partial.split()[-1].strip("*`_|#")
        assert last_word in shown
        assert "Cancelled" in notices(app)[-1].message


async def test_missing_key_shows_hint_and_keeps_draft(emulator):
    app = make_app(emulator, api_key=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello there")
        notice = notices(app)[-1]
        assert notice.level == "error"
        assert "GEMINI_API_KEY" in notice.hint
        assert app.composer.text == "hello there"


async def test_rate_limit_error_keeps_draft(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault 429 hello")
        notice = notices(app)[-1]
        assert notice.level == "error"
        assert "429" in notice.message or "rate" in notice.message.lower()
        assert notice.hint.startswith("Rate limited: wait") and notice.hint.endswith(
            "F5 sends it again."
        )  # the retries gave up: F5 tries once more
        assert app.composer.text == "!fault 429 hello"
        await send(pilot, "!fault 400 refused")
        assert "F5" not in notices(app)[-1].hint  # the same request would be refused again
        assert "settings named in the message" not in notices(app)[-1].hint


async def test_a_draft_that_comes_back_is_typed_on_at_its_end(emulator):
    """After a failed request the draft is back with the cursor at its end, as a recalled
    prompt is: typing goes on from there rather than in front of it."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault 429 hello")
        assert app.composer.text == "!fault 429 hello"
        await pilot.press("space", "t", "o", "o")
        assert app.composer.text == "!fault 429 hello too"


async def test_server_error_is_retried_transparently(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault 503x1 hello")
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert not notices(app)


async def test_dropped_stream_keeps_partial_and_retry_works(emulator):
    """A stateless turn is stored nowhere, so F5 sends it again (a stored one is resumed:
    tests/functional/test_turn_flow.py)."""
    app = make_app(emulator, settings=ChatSettings(stateful=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault drop-after 12 hello")
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "interrupted"
        assert answers(app) and answers(app)[-1].source
        assert "F5" in notices(app)[-1].hint
        await pilot.press("f5")
        await finish(pilot)
        # The retry sends the same prompt again (the emulator drops it the same way).
        assert len(app.conversation.turns) == 2
        assert app.conversation.turns[-1].asked.prompt == turn.asked.prompt


async def test_error_event_marks_turn_failed(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault error-event hello")
        assert app.conversation.turns[-1].reply.outcome == "failed"
        assert "mid-stream" in notices(app)[-1].message


HOSTILE = (
    "[bold red]red?[/] [link=http://evil]x[/link] \x1b]52;c;SGVsbG8=\x07 \x1b[2J \x1b]0;pwn\x07"
)


async def test_hostile_output_is_shown_as_text(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)) as pilot:
        # Straight to the app: the composer itself cleans what is typed or pasted into it
        # (tested in tests/faults), and here the emulator must echo the raw escapes back.
        app.send(HOSTILE)
        await finish(pilot)
        answer = answers(app)[-1]
        assert "\x1b" not in answer.source
        assert "[bold red]red?[/]" in answer.source
        user = next(item for item in app.view.items if isinstance(item, UserItem))
        assert user.prompt == HOSTILE
        screen_text = "\n".join(
            "".join(segment.text for segment in app.view.render_line(y))
            for y in range(app.view.size.height)
        )
        assert "\x1b" not in screen_text
        assert "\x07" not in screen_text


async def test_follow_tail_yields_to_a_reader_who_scrolled_up(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!size 3 first long answer")
        view = app.view
        assert view.scroll_y == view.max_scroll_y
        await send(pilot, "!slow 5 !size 3 second long answer", wait=False)
        while not answers(app) or len(answers(app)) < 2 or not answers(app)[-1].source:
            await pilot.pause(0.02)
        view.focus()
        await pilot.press("home")
        assert view.scroll_y == 0
        await finish(pilot)
        assert view.scroll_y == 0
        assert app.status.info.new_below > 0
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert app.status.info.new_below == 0


async def test_a_new_chat_drops_the_new_lines_below_of_the_one_before(emulator):
    """It stayed in the status bar for good: nothing in the new chat scrolls it away."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!size 3 first long answer")
        await send(pilot, "!slow 5 !size 3 second long answer", wait=False)
        await until(pilot, lambda: len(answers(app)) == 2 and answers(app)[-1].source, "text")
        app.view.focus()
        await pilot.press("home")
        await finish(pilot)
        assert app.status.info.new_below > 0
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.status.info.new_below == 0
        assert "new line" not in app.status.render_line(0).text


async def test_thought_expands_with_enter(emulator):
    settings = ChatSettings(generation_config={"thinking_summaries": "auto"})
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "think about it")
        thought_index = next(
            i for i, item in enumerate(app.view.items) if isinstance(item, ThoughtItem)
        )
        thought = app.view.items[thought_index]
        assert thought.summary and not thought.expanded
        app.view.focus()
        await pilot.press("home")
        while app.view.selected != thought_index:
            await pilot.press("down")
        await pilot.press("enter")
        assert thought.expanded


async def test_new_conversation_clears_everything(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.pause()
        assert len(app.view._painted)  # the lines on screen were painted and kept
        await pilot.press("ctrl+n")
        assert app.view.items == []
        assert not app.view._painted  # nothing of the old chat stays held
        assert app.conversation.turns == []
        assert app.conversation.previous_interaction_id is None


async def test_a_new_chat_mid_answer_shows_nothing_of_the_cancelled_turn(emulator_factory):
    """Ctrl+N while an answer streams cancels it; the new, empty chat does not say
    "Cancelled. The partial answer is kept." about a turn it does not show, nor show its
    status and tokens, and the old chat's turn is not frozen out of the collector's reach."""
    gc.unfreeze()  # what earlier tests froze
    app = make_app(emulator_factory(delay_ms=20))
    async with app.run_test(size=(80, 24)) as pilot:
        # Start-up's own freeze (the warm-up thread's last act) is done before the chat is left.
        await until(pilot, gc.get_freeze_count, "start-up set aside")
        await send(pilot, "!size 8 a slow answer", wait=False)
        await until(pilot, lambda: answers(app), "the answer to start")
        await pilot.press("ctrl+n")
        await finish(pilot)
        await pilot.pause()
        assert app.view.items == [] and notices(app) == []
        assert app.conversation.turns == []
        assert app.status.info.state == "ready" and app.status.info.last_tokens is None
        assert not gc.get_freeze_count()  # the old chat's turn was not frozen after its release


async def test_command_palette_reaches_app_actions(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+p")
        await pilot.press(*"new conversation")
        hits = app.screen.query_one(CommandList)
        for _ in range(200):
            if hits.option_count:
                break
            await pilot.pause(0.01)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.conversation.turns == []


def creates(emulator) -> list[dict]:
    return [
        r["body"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]


async def test_switching_modes_mid_chat_keeps_the_whole_conversation(emulator):
    """Stateful, then stateless (the turns the server kept are resent), then stateful again
    (the stateless turns were never stored, so the history goes along once)."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "My name is Ada")
        first_id = app.conversation.turns[-1].reply.state.interaction.id
        await pilot.press("f6")
        await send(pilot, "What is my name?")
        body = creates(emulator)[-1]
        assert body["store"] is False and "previous_interaction_id" not in body
        kinds = [step["type"] for step in body["input"]]
        assert body["input"][0]["content"][-1]["text"] == "My name is Ada"
        assert "model_output" in kinds and kinds[-1] == "user_input"
        assert "My name is Ada" in answers(app)[-1].source  # the emulator saw the history
        await pilot.press("f6")
        await send(pilot, "And my name again?")
        body = creates(emulator)[-1]
        assert "previous_interaction_id" not in body and "store" not in body
        texts = [
            part.get("text") for step in body["input"] if step["type"] == "user_input"
            for part in step["content"]
        ]  # fmt: skip
        assert texts == ["My name is Ada", "What is my name?", "And my name again?"]
        third_id = app.conversation.turns[-1].reply.state.interaction.id
        assert third_id != first_id
        await send(pilot, "Thanks")
        assert creates(emulator)[-1]["previous_interaction_id"] == third_id
        assert len(creates(emulator)[-1]["input"]) == 1


async def test_finished_turns_leave_the_collector_and_a_new_chat_releases_them(emulator):
    """Full collections would walk a long chat's objects again and again (bench/gc_pauses.py):
    each finished turn is frozen out of their way; Ctrl+N gives the old chat back to them."""

    gc.unfreeze()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        frozen = gc.get_freeze_count()
        assert frozen > 0
        await send(pilot, "again")
        assert gc.get_freeze_count() > frozen
        await pilot.press("ctrl+n")
        assert gc.get_freeze_count() == 0


class _Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


async def test_the_collector_held_while_the_app_starts_runs_again_once_it_is_up(emulator):
    """``gemtui`` holds the collector still while it starts (gemtui.core.start_up_gc). The
    app's warm-up, after the first frame, gives it back: start-up's garbage is collected
    first (not frozen for the app's life), then what lives on is frozen, and chatting works."""
    gc.unfreeze()
    start_up_gc.hold()
    try:
        assert not gc.isenabled()
        start_up_garbage = _Cycle()
        gone = weakref.ref(start_up_garbage)
        del start_up_garbage
        app = make_app(emulator)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, gc.isenabled, "the collector to run again")
            assert gone() is None
            assert gc.get_freeze_count() > 0
            await send(pilot, "hello")
            assert app.conversation.turns[-1].reply.outcome == "completed"
    finally:
        start_up_gc.release()  # if the app never did, for the tests that follow
    assert gc.isenabled()


async def test_up_recalls_the_prompts_of_earlier_sessions_from_the_history(emulator, tmp_path):
    """Up knew only the prompts sent since this start: a restart, or --continue, lost them."""
    with Store(tmp_path / "history.sqlite3") as store:
        first = make_app(emulator, store=store)
        async with first.run_test(size=(80, 24)) as pilot:
            for prompt in ("older question", "repeated question", "last question"):
                await send(pilot, prompt)
            await send(pilot, "repeated question")
        later = make_app(emulator, store=store)
        async with later.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await send(pilot, "new question")
            seen = []
            for _ in range(5):
                await pilot.press("up")
                seen.append(later.composer.text)
    assert seen == [
        "new question", "repeated question", "last question", "older question", "older question"
    ]  # fmt: skip


async def test_enter_on_a_thought_without_a_summary_says_why_nothing_opens(emulator):
    """Enter on it changed nothing on screen, and said nothing."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        thought = next(n for n, item in enumerate(app.view.items) if isinstance(item, ThoughtItem))
        assert not app.view.items[thought].summary
        await pilot.press("ctrl+l")
        app.view.select(thought)
        await pilot.press("enter")
        assert notifications(app)[-1].startswith("This thought has no summary: the model sent")
        assert not app.view.items[thought].expanded
