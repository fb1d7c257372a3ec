"""The history screens (conversation list, full-text search) over a real store filled by real
``gemtui ask`` runs against the loopback emulator, driven by keys only."""

from __future__ import annotations

import io

import pytest
from support.cli_env import FAKE_KEY
from support.stored import write_chat
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from gemtui.cli import build_parser
from gemtui.core.store import Store
from gemtui.headless.main import run_ask
from gemtui.ui.screens.history_list import (
    EMPTY,
    ConfirmDeleteScreen,
    ConversationListScreen,
    ConversationOptions,
    describe_time,
)
from gemtui.ui.screens.history_search import SearchResults, SearchScreen

HOSTILE_TITLE = "\x1b[2J\x1b]0;pwned\x07[b]loud[/b] [link=http://evil]x[/link]"
HOSTILE_PROMPT = "[bold red]Evil[/] \x1b]52;c;ZXZpbA==\x07 nightjar \x1b[31mred"


class Host(App[None]):
    """Shows one screen and keeps what it dismissed with and the messages it posted."""

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.start = screen
        self.results: list[object] = []
        self.deleted: list[int] = []

    def on_mount(self) -> None:
        self.push_screen(self.start, self.results.append)

    def on_conversation_list_screen_deleted(self, message: ConversationListScreen.Deleted) -> None:
        self.deleted.append(message.conversation_id)


@pytest.fixture
def ask(emulator, monkeypatch, tmp_path):
    """``gemtui ask PROMPT`` in-process; each run is saved to the test's history."""
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def run(*argv: str) -> None:
        args = build_parser().parse_args(["ask", "--base-url", emulator.base_url, *argv])
        err = io.StringIO()
        assert run_ask(args, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err) == 0, (
            err.getvalue()
        )

    return run


@pytest.fixture
def store(ask):
    """Three conversations, oldest first: owls (two turns), heron, and the hostile one."""
    ask("Tell me about owls")
    ask("--continue", "And their feathers?")
    ask("What is a heron?")
    ask(HOSTILE_PROMPT)
    opened = Store.open_default(secrets=[FAKE_KEY])
    yield opened
    opened.close()


def ids_by_title(store: Store) -> dict[str, int]:
    return {s.title: s.id for s in store.list_conversations(archived=None)}


def text_of(widget: Widget) -> str:
    """What the widget paints, line by line."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text for line in lines)


def row_titles(app: App) -> list[str]:
    screen = app.screen
    assert isinstance(screen, ConversationListScreen)
    return [s.title for s in screen.shown]


# ---------------------------------------------------------------------- the conversation list


def test_times_read_as_spoken_then_as_dates():
    now = 1_800_000_000.0
    assert describe_time(now - 5, now) == "just now"
    assert describe_time(now + 30, now) == "just now"
    assert describe_time(now - 600, now) == "10 min ago"
    assert describe_time(now - 7200, now) == "2 h ago"
    assert describe_time(now - 3 * 86400, now) == "3 d ago"
    assert describe_time(now - 30 * 86400, now)[:4].isdigit()


async def test_list_shows_newest_first_with_model_date_and_turns(store):
    summaries = store.list_conversations()
    newest = summaries[0].updated
    app = Host(ConversationListScreen(store, clock=lambda: newest + 7200))
    async with app.run_test(size=(80, 24)):
        assert row_titles(app) == [s.title for s in summaries]
        assert [s.title for s in summaries][1:] == ["What is a heron?", "Tell me about owls"]
        shown = text_of(app.screen.query_one(ConversationOptions))
        owls = next(line for line in shown.splitlines() if "Tell me about owls" in line)
        assert "2 turns" in owls and "2 h ago" in owls and summaries[-1].model[:8] in owls
        heron = next(line for line in shown.splitlines() if "What is a heron?" in line)
        assert "1 turn" in heron and "1 turns" not in heron


async def test_enter_opens_the_highlighted_conversation_and_escape_closes(store):
    ids = ids_by_title(store)
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        assert app.results == [ids["What is a heron?"]]
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        assert app.results == [None]


async def test_rename_saves_on_enter_and_escape_keeps_the_old_title(store):
    ids = ids_by_title(store)
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "r")
        field = app.screen.query_one("#history-rename", Input)
        assert app.screen.focused is field and field.value == "What is a heron?"
        await pilot.press("ctrl+u", *"Herons")
        await pilot.press("enter")
        assert store.get_conversation(ids["What is a heron?"]).title == "Herons"
        assert "Herons" in text_of(app.screen.query_one(ConversationOptions))
        assert app.screen.focused is app.screen.query_one(ConversationOptions)
        # Escape while renaming leaves the title and the screen as they were.
        await pilot.press("r", "ctrl+u", *"Nope", "escape")
        assert store.get_conversation(ids["What is a heron?"]).title == "Herons"
        assert app.results == []
        # An empty title is refused with a word, not saved.
        await pilot.press("r", "ctrl+u", "enter")
        assert "cannot be empty" in text_of(app.screen.query_one("#history-message"))
        assert store.get_conversation(ids["What is a heron?"]).title == "Herons"
        await pilot.press("escape", "enter")
        assert app.results == [ids["What is a heron?"]]


async def test_tab_out_of_the_rename_field_saves_the_title_typed(store):
    """Tab left the field, Enter then opened the chat, and the title typed was lost."""
    ids = ids_by_title(store)
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "r", "ctrl+u", *"Herons", "tab")
        await pilot.pause()
        assert store.get_conversation(ids["What is a heron?"]).title == "Herons"
        assert "Renamed to" in text_of(app.screen.query_one("#history-message"))
        await pilot.press("enter")
        assert app.results == [ids["What is a heron?"]]


async def test_archive_hides_a_conversation_until_archived_ones_are_shown(store):
    ids = ids_by_title(store)
    owls = ids["Tell me about owls"]
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end", "a")
        assert store.get_conversation(owls).archived
        assert "Tell me about owls" not in row_titles(app)
        assert "A shows archived" in text_of(app.screen.query_one("#history-message"))
        await pilot.press("A")
        assert "Tell me about owls" in row_titles(app)
        rows = text_of(app.screen.query_one(ConversationOptions))
        assert "archived Tell me about owls" in rows
        await pilot.press("end", "a")
        assert not store.get_conversation(owls).archived
        await pilot.press("A")
        assert "Tell me about owls" in row_titles(app)


async def test_delete_asks_first_and_keeps_on_n_or_escape(store):
    ids = ids_by_title(store)
    heron = ids["What is a heron?"]
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        question = text_of(app.screen.query_one("#confirm-question"))
        assert "What is a heron?" in question and "cannot be undone" in question
        await pilot.press("n")
        assert isinstance(app.screen, ConversationListScreen)
        await pilot.press("d", "escape")
        assert isinstance(app.screen, ConversationListScreen)
        assert store.get_conversation(heron) is not None and app.deleted == []
        await pilot.press("d", "y")
        assert store.get_conversation(heron) is None
        assert app.deleted == [heron]
        assert "What is a heron?" not in row_titles(app)
        assert "Deleted “What is a heron?”" in text_of(app.screen.query_one("#history-message"))
        assert app.results == []


async def test_slash_filters_by_title_and_escape_steps_back(store):
    ids = ids_by_title(store)
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"HER")
        assert row_titles(app) == ["What is a heron?"]
        await pilot.press("ctrl+u", *"zebra")
        assert row_titles(app) == []
        assert "No title contains “zebra”" in text_of(app.screen.query_one("#history-empty"))
        await pilot.press("escape")
        assert len(row_titles(app)) == 3 and app.results == []
        await pilot.press("slash", *"owl", "down")
        assert app.screen.focused is app.screen.query_one(ConversationOptions)
        await pilot.press("enter")
        assert app.results == [ids["Tell me about owls"]]


async def test_empty_history_says_how_to_start(tmp_path):
    with Store(tmp_path / "empty.sqlite3") as empty:
        app = Host(ConversationListScreen(empty))
        async with app.run_test(size=(80, 24)) as pilot:
            assert EMPTY[:20] in text_of(app.screen.query_one("#history-empty"))
            await pilot.press("r", "a", "d", "enter")
            assert isinstance(app.screen, ConversationListScreen) and app.results == []


async def test_store_errors_show_inline(store, tmp_path):
    with Store(store.path, read_only=True) as read_only:
        app = Host(ConversationListScreen(read_only))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("r", *"x", "enter", "a")
            message = app.screen.query_one("#history-message")
            assert message.has_class("-error") and "read-only" in text_of(message)
            assert len(row_titles(app)) == 3
    closed = Store(tmp_path / "closed.sqlite3")
    closed.close()
    app = Host(ConversationListScreen(closed))
    async with app.run_test(size=(80, 24)):
        message = app.screen.query_one("#history-message")
        assert message.has_class("-error") and "cannot read the history" in text_of(message)


async def test_hostile_titles_show_as_text(store):
    hostile = ids_by_title(store)[next(t for t in ids_by_title(store) if "Evil" in t)]
    store.rename(hostile, HOSTILE_TITLE)
    app = Host(ConversationListScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = text_of(app.screen.query_one(ConversationOptions))
        assert "[b]loud[/b] [link=http://evil]x[/link]" in rows
        assert "\x1b" not in rows and "pwned" not in rows
        await pilot.press("r")
        assert app.screen.query_one("#history-rename", Input).value.startswith("[b]loud[/b]")


LONG_TITLES = [
    "evil twins of the northern owl colonies and their winter feeding",
    "why herons stand still for hours in shallow water at dawn",
]


@pytest.mark.parametrize(
    ("columns", "title_at_least", "columns_kept"),
    [
        (40, 20, ["2 h", "1 turn"]),
        (50, 27, ["2 h ago", "1 turn"]),
        (60, 32, ["2 h ago", "1 turn"]),
        (80, 44, ["3.6-flash", "2 h ago", "1 turn"]),
        (110, 57, ["gemini-3.6-flash", "2 h ago", "1 turn"]),
    ],
)
async def test_narrow_lists_keep_the_titles_and_give_up_the_side_columns(
    tmp_path, columns, title_at_least, columns_kept
):
    """The title keeps most of a row: the model, then the time's "ago", then the turns
    give way first (a table of fixed columns had cut the title to nothing at 40)."""
    with Store(tmp_path / "long.sqlite3") as long:
        for title in LONG_TITLES:
            write_chat(long, [title])
        newest = long.list_conversations()[0].updated
        app = Host(ConversationListScreen(long, clock=lambda: newest + 7200))
        async with app.run_test(size=(columns, 20)):
            lines = text_of(app.screen.rows).splitlines()
        for title, line in zip(reversed(LONG_TITLES), lines, strict=False):
            shown = line.split("  ")[0].rstrip("…")
            assert title.startswith(shown) and len(shown) >= title_at_least, line
            assert line.split()[-len(" ".join(columns_kept).split()) :] == (
                " ".join(columns_kept).split()
            ), line
            if "gemini-3.6-flash" not in columns_kept:
                assert "gemini" not in line


async def test_a_blank_column_parts_the_rows_from_the_scrollbar(many):
    app = Host(ConversationListScreen(many))
    async with app.run_test(size=(80, 24)):
        rows = app.screen.rows
        assert rows.scrollbars_enabled[0]
        width = rows.scrollable_content_region.width
        lines = [line[:width] for line in text_of(rows).splitlines()]
        assert all(line.endswith("1 turn ") for line in lines), lines


@pytest.fixture
def many(tmp_path):
    """35 one-turn chats, more than a screen holds: "chat number 35 …" on top."""
    with Store(tmp_path / "many.sqlite3") as filled:
        for number in range(1, 36):
            write_chat(filled, [f"chat number {number} about topic{number}"])
        yield filled


def highlighted_on_screen(app: App) -> str:
    """The title of the highlighted row, checked to be among the rows painted."""
    screen = app.screen
    assert isinstance(screen, ConversationListScreen) and screen.selected is not None
    title = screen.selected.title
    assert title in text_of(screen.rows), f"{title!r} is highlighted but off screen"
    return title


async def test_the_highlighted_row_stays_in_view_after_each_key(many):
    """A row archived, deleted, renamed or restored far down the list: the highlight goes to
    its neighbour and stays on screen (a report line taking a row from the list pushed it
    off, and ``d`` then offered to delete a chat the reader could not see)."""
    app = Host(ConversationListScreen(many))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("pagedown")
        assert highlighted_on_screen(app) == "chat number 14 about topic14"
        await pilot.press("a")
        assert highlighted_on_screen(app) == "chat number 13 about topic13"
        # Archived mid-screen, the rows do not jump (set_options had scrolled to the top).
        top = text_of(app.screen.rows).splitlines()[0]
        await pilot.press(*["up"] * 8, "a")
        assert highlighted_on_screen(app) == "chat number 21 about topic21"
        assert text_of(app.screen.rows).splitlines()[0] == top
        await pilot.press("end", "up", "up", "a")
        assert highlighted_on_screen(app) == "chat number 2 about topic2"
        await pilot.press("d")
        assert "chat number 2 about" in text_of(app.screen.query_one("#confirm-question"))
        await pilot.press("y")
        assert highlighted_on_screen(app) == "chat number 1 about topic1"
        await pilot.press("up", "r", "ctrl+u", *"renamed", "enter")
        assert highlighted_on_screen(app) == "renamed"
        await pilot.press("A")
        assert highlighted_on_screen(app) == "renamed"
        await pilot.press("down", "a")
        assert highlighted_on_screen(app) == "chat number 3 about topic3"
        assert not many.get_conversation(ids_by_title(many)["chat number 3 about topic3"]).archived


# ---------------------------------------------------------------------- search


async def search_for(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def results_of(app: App) -> SearchResults:
    return app.screen.query_one(SearchResults)


async def test_search_puts_prompts_above_answers_and_marks_the_matches(store):
    app = Host(SearchScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "owls")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        kinds = [hit.kind for hit in screen.hits]
        assert kinds[0] == "prompt" and "answer" in kinds
        assert kinds == sorted(kinds, key=["prompt", "answer", "thought", "tool"].index)
        painted = text_of(results_of(app)).splitlines()
        assert painted[0].startswith("prompt") and "Tell me about owls" in painted[0]
        assert any(line.startswith("answer") for line in painted)
        # The matched word is painted in the match style, the words around it are not.
        match = results_of(app).get_component_rich_style("search-results--match")
        strips = results_of(app).render_lines(Region(0, 0, 78, 2))
        styled = [seg.text for seg in strips[1] if seg.style and seg.style.underline]
        assert styled == ["owls"] and match.underline
        assert "results, prompts first" in text_of(screen.query_one("#search-status"))


async def test_a_snippet_wraps_under_itself_not_back_to_the_edge(store):
    app = Host(SearchScreen(store))
    async with app.run_test(size=(40, 24)) as pilot:
        await search_for(pilot, "owls")
        painted = [line for line in text_of(results_of(app)).splitlines() if line.strip()]
        snippets = [line for line in painted if not line.startswith(("prompt", "answer"))]
        assert len(snippets) > len(app.screen.hits)  # some wrapped
        assert all(line.startswith("  ") for line in snippets)


async def test_enter_jumps_to_the_highlighted_turn(store):
    app = Host(SearchScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "owls")
        second = app.screen.hits[1]
        await pilot.press("down")
        assert app.screen.focused is results_of(app)
        # Up on the first result goes back to the query; typing goes on from there.
        await pilot.press("up")
        assert isinstance(app.screen.focused, Input)
        await pilot.press("down", "down", "enter")
        assert app.results == [(second.conversation_id, second.turn_id)]
    app = Host(SearchScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "heron")
        first = app.screen.hits[0]
        assert first.kind == "prompt"
        await pilot.press("enter")
        assert app.results == [(first.conversation_id, first.turn_id)]


async def test_search_syntax_is_taken_literally_and_escape_closes(store):
    app = Host(SearchScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, 'OR NEAR(" :*')
        status = app.screen.query_one("#search-status")
        assert not status.has_class("-error")
        assert "Nothing matches" in text_of(status)
        await pilot.press("ctrl+u")
        await search_for(pilot, '"feath')
        first = app.screen.hits[0]
        assert first.kind == "prompt" and "feathers" in first.snippet
        await pilot.press("escape")
        assert app.results == [None]


async def test_hostile_titles_and_snippets_show_as_text(store):
    hostile = next(s for s in store.list_conversations() if "Evil" in s.title)
    store.rename(hostile.id, HOSTILE_TITLE)
    app = Host(SearchScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "nightjar")
        painted = text_of(results_of(app))
        assert "[b]loud[/b] [link=http://evil]x[/link]" in painted
        assert "[bold red]Evil[/]" in painted
        assert "\x1b" not in painted and "ZXZpbA" not in painted and "pwned" not in painted


async def test_search_errors_show_inline(tmp_path):
    closed = Store(tmp_path / "closed.sqlite3")
    closed.close()
    app = Host(SearchScreen(closed))
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "owls")
        status = app.screen.query_one("#search-status")
        assert status.has_class("-error") and "cannot read the history" in text_of(status)
        assert app.results == []
