"""A 500-turn conversation opens on its last screen and reads older turns as the reader scrolls
up, without moving what the reader is looking at."""

from __future__ import annotations

import pytest
from support.chat_driver import make_app
from support.stored import write_chat

from gemtui.core.store import Store
from gemtui.ui.chat.controller import HISTORY_BATCH as BATCH
from gemtui.ui.render.chat_items import UserItem

TURNS = 500
TOKENS_PER_TURN = 10


def write_conversation(store: Store, turns: int) -> int:
    """A conversation of ``turns`` answered turns, written straight into the store."""
    prompts = [f"question {number}" for number in range(1, turns + 1)]
    return write_chat(store, prompts, tokens=TOKENS_PER_TURN)[1]


@pytest.fixture
def long_store(tmp_path):
    with Store(tmp_path / "history.sqlite3") as store:
        yield store, write_conversation(store, TURNS)


def screen_text(view) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def test_opening_shows_the_last_screen_and_scrolling_up_reads_the_rest(emulator, long_store):
    store, conversation_id = long_store
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_stored(conversation_id)
        await pilot.pause()
        view = app.view
        turns = app.conversation.turns
        assert turns[-1].asked.prompt == f"question {TURNS}"
        assert len(turns) < TURNS
        assert view.scroll_y == view.max_scroll_y
        assert any(line.strip() == f"answer {TURNS}" for line in screen_text(view))
        # The chain continues from the last turn, however few turns were read.
        assert app.conversation.previous_interaction_id == f"v1_turn{TURNS}"

        await pilot.press("ctrl+l")
        for _ in range(TURNS):
            if len(turns) == TURNS:
                break
            read = len(turns)
            first = view.items[0]
            await pilot.press("home")
            await pilot.pause()
            assert len(turns) > read, "reaching the top read no older turns"
            assert len(turns) - read <= 2 * BATCH
            # What the reader went to is still where it was, on the top line: no jump.
            assert view.items[view.selected] is first
            top = screen_text(view)
            assert top[:2] == ["▌ You", f"▌ {first.prompt}"]
        assert [t.asked.prompt for t in turns] == [f"question {n}" for n in range(1, TURNS + 1)]
        prompts = [item.prompt for item in view.items if isinstance(item, UserItem)]
        assert prompts == [t.asked.prompt for t in turns]
        assert app.timeline.rows.turn_count == TURNS
        await pilot.press("home")
        assert len(turns) == TURNS


async def test_a_search_hit_in_an_older_turn_is_read_and_selected(emulator, long_store):
    store, conversation_id = long_store
    target = store.load_turns(conversation_id, limit=None)[9]
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_stored(conversation_id, target.id)
        await pilot.pause()
        selected = app.view.items[app.view.selected]
        assert isinstance(selected, UserItem) and selected.prompt == "question 10"


async def test_the_token_total_counts_the_turns_not_read_yet(emulator, long_store):
    store, conversation_id = long_store
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_stored(conversation_id)
        await pilot.pause()
        assert len(app.conversation.turns) < TURNS
        whole = TURNS * TOKENS_PER_TURN
        assert app.status.info.total_tokens == whole
        await pilot.press("ctrl+l", "home")
        await pilot.pause()
        assert len(app.conversation.turns) > BATCH
        assert app.conversation.total_tokens() == whole  # read turns are not counted twice


async def open_with_the_timeline(pilot, conversation_id: int) -> None:
    """Open the stored chat (on its last turns) and show the timeline beside it."""
    pilot.app.open_stored(conversation_id)
    await pilot.pause()
    await pilot.press("ctrl+t")


def timeline_text(app) -> list[str]:
    timeline = app.timeline.list
    return [timeline.render_line(y).text.rstrip() for y in range(timeline.size.height)]


async def test_the_timeline_numbers_turns_in_the_whole_chat_and_home_goes_to_the_first(
    emulator, long_store
):
    """Turns were numbered from the first one read: the last of 500 was "Turn 10", and each
    batch read renumbered them all. Home read one batch per press and lost the cursor each
    time: it took four presses to reach the first turn of a 46-turn chat."""
    store, conversation_id = long_store
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_with_the_timeline(pilot, conversation_id)
        assert len(app.conversation.turns) < TURNS
        assert any(line.startswith(f"▌ ▸ Turn {TURNS} · ") for line in timeline_text(app))
        app.timeline.list.scroll_to(y=0, animate=False, immediate=True)
        assert timeline_text(app)[0].startswith(f"  Conversation · {TURNS} turns")
        await pilot.press("home")
        await pilot.pause()
        assert len(app.conversation.turns) == TURNS
        assert app.timeline.list.selected is app.timeline.rows.turn_row(0)
        assert any(line.startswith("▌ ▸ Turn 1 · ") for line in timeline_text(app))
        assert app.view.items[app.view.selected].prompt == "question 1"


async def test_older_turns_read_in_keep_the_timeline_cursor_where_it_was(emulator, long_store):
    store, conversation_id = long_store
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_with_the_timeline(pilot, conversation_id)
        read = len(app.conversation.turns)
        last = app.conversation.turns[-1]
        app.timeline.select(read - 1, 0)
        app._load_older()
        await pilot.pause()
        assert len(app.conversation.turns) == read + BATCH
        selected = app.timeline.list.selected
        assert app.timeline.rows.turn_at(selected.turn) is last
        assert selected is app.timeline.rows.step_rows(len(app.conversation.turns) - 1)[0]


@pytest.mark.parametrize(
    "keys", [["home"], ["g"], ["home", "end", *["pageup"] * 50], ["home", "down", "up"]]
)
async def test_the_keyboard_brings_the_timelines_summary_line_back_into_view(
    emulator, tmp_path, keys
):
    """Home, ``g`` or PageUp in a 45-turn chat's timeline put the cursor on Turn 1 with Turn 1
    on the top line: the summary line above it ("Conversation · 45 turns · tokens …") could
    not be reached from the keyboard once the list had scrolled."""
    with Store(tmp_path / "history.sqlite3") as store:
        conversation_id = write_conversation(store, 45)
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_with_the_timeline(pilot, conversation_id)
            assert app.timeline.list.scroll_y > 0
            await pilot.press(*keys)
            await pilot.pause()
            assert app.timeline.list.selected is app.timeline.rows.turn_row(0)
            top = timeline_text(app)
            assert top[0].startswith("  Conversation · 45 turns"), top[:2]
            assert top[1].startswith("▌ ▸ Turn 1 · ")
