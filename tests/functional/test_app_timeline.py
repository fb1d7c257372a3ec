"""The step timeline inside the real app: Ctrl+T, live rows, detail of the selected row."""

from __future__ import annotations

import json

import pytest
from rich.color import ColorSystem
from support.chat_driver import FAKE_KEY, detail_text, finish, last_notification, make_app, send
from textual.content import Content
from textual.geometry import Region

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.timeline_rows import TurnRow
from gemtui.ui.screens.open_by_id import OpenByIdScreen


async def test_ctrl_t_shows_the_turns_steps_and_their_json(emulator):
    settings = ChatSettings(tools=[{"type": "google_search"}])
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Who won the match?")
        pane = app.query_one("#timeline-pane")
        assert not pane.display
        await pilot.press("ctrl+t")
        assert pane.display
        assert app.timeline.has_focus_within
        shown = app.timeline.turn_at(0)
        state, timings = shown.reply.state, shown.reply.timings
        assert shown.title == "Who won the match?"
        assert state is app.conversation.turns[0].reply.state
        assert timings is not None and timings.status_code == 200
        types = [step.step.type for step in state.steps]
        assert "google_search_call" in types and "google_search_result" in types
        # Walk down until the detail shows the search call's JSON.
        for _ in range(12):
            await pilot.press("down")
            text = app.step_detail.copy_text()
            if '"google_search_call"' in text:
                break
        data = json.loads(text)
        assert data["type"] == "google_search_call"
        assert data["arguments"]["queries"]
        await pilot.press("ctrl+t")
        assert not pane.display
        assert app.composer.has_focus


async def test_new_conversation_empties_the_timeline(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+t")
        assert app.step_detail.copy_text() == ""
        await send(pilot, "again")
        assert app.timeline.turn_at(0).title == "again"


def selected_turn(app) -> int | None:
    row = app.timeline.list.selected
    return row.turn if isinstance(row, TurnRow) else None


async def test_conversation_and_timeline_follow_each_other(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "first question")
        await send(pilot, "second question")
        await pilot.press("ctrl+t")  # timeline shown and focused
        app.view.focus()
        await pilot.press("home")
        await pilot.pause()
        assert selected_turn(app) == 0
        await pilot.press("end")
        await pilot.pause()
        assert selected_turn(app) == 1
        # And back: moving in the timeline selects that turn's prompt in the conversation.
        app.timeline.focus()
        app.timeline.select_turn(0)
        await pilot.pause()
        assert app.view.items[app.view.selected].prompt == "first question"


def shown_id(app) -> str:
    """The id of the interaction whose JSON the detail shows."""
    return json.loads(app.step_detail.copy_text())["id"]


async def test_a_new_turn_takes_the_cursor_left_on_an_earlier_one(emulator):
    """Ctrl+T, ``e``, Escape, a new prompt: the timeline showed the first turn's events and its
    detail, with the new turn out of view below them."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first question")
        await pilot.press("ctrl+t", "e")  # the cursor is on the first turn, its events open
        assert selected_turn(app) == 0
        await pilot.press("escape")
        assert app.composer.has_focus
        await send(pilot, "second question")
        timeline = app.timeline.list
        assert selected_turn(app) == 1
        assert shown_id(app) == app.conversation.turns[1].interaction_id
        assert timeline.scroll_y == timeline.max_scroll_y > 0  # the new turn's tail in view


async def test_a_turn_started_from_the_timeline_leaves_its_cursor_where_it_is(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first question")
        await pilot.press("ctrl+t")
        assert selected_turn(app) == 0 and app.timeline.has_focus_within
        app.send("second question")
        await finish(pilot)
        assert selected_turn(app) == 0
        assert shown_id(app) == app.conversation.turns[0].interaction_id


async def open_by_id(pilot, interaction_id: str) -> None:
    """Ctrl+P's "Open an interaction by id", with ``interaction_id`` typed and Enter."""
    app = pilot.app
    app.action_open_by_id()
    await pilot.pause()
    app.screen.query_one("#interaction-id").value = interaction_id
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_palette_opens_an_interaction_by_id(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "keep this one")
        interaction_id = app.conversation.turns[0].reply.state.interaction.id
        await pilot.press("ctrl+n")
        await open_by_id(pilot, interaction_id)
        assert app.view.items[0].prompt == "keep this one"
        assert app.timeline.turn_at(0).interaction_id == interaction_id


async def test_a_typed_id_that_is_no_id_is_said_in_the_dialog_without_a_request(emulator):
    """``notanid`` went to the server and came back as an HTTP 404 "not found" error block
    appended to the chat shown; ``gemtui ask --wait notanid`` says what an id looks like."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "keep this one")
        mark = emulator.received_count()
        app.action_open_by_id()
        await pilot.pause()
        field = app.screen.query_one("#interaction-id")
        field.value = "notanid"
        await pilot.press("enter")
        await pilot.pause()
        assert emulator.requests_since(mark) == []
        assert isinstance(app.screen, OpenByIdScreen)  # open, to correct the id
        said = str(app.screen.query_one("#interaction-id-problem").render())
        assert "'notanid' is not an interaction id: ids look like v1_" in said
        assert len(app.conversation.turns) == 1
        field.value = app.conversation.turns[0].interaction_id  # corrected: it opens
        await pilot.pause()
        assert str(app.screen.query_one("#interaction-id-problem").render()) == ""
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, OpenByIdScreen)


async def test_an_interaction_the_history_holds_opens_where_it_is_not_as_a_copy(emulator, tmp_path):
    """Opened by id, it was fetched and added to the chat (and the history) once more each
    time: twice in one chat, and a new conversation per `gemtui show`."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "keep this one")
            await send(pilot, "and a second")
            conversation_id = app.conversation_id
            interaction_id = app.conversation.turns[0].interaction_id
            mark = emulator.received_count()
            await pilot.press("ctrl+n")
            await open_by_id(pilot, interaction_id)
            assert emulator.requests_since(mark) == []
            assert app.conversation_id == conversation_id
            assert [t.asked.prompt for t in app.conversation.turns] == [
                "keep this one",
                "and a second",
            ]
            assert app.view.selected == 0  # its prompt, selected
            # The keys go to the prompt: in the messages, "hello" ran e (edit the turn).
            assert app.focused is app.composer
            await pilot.press(*"hello")
            assert app.composer.text == "hello" and app.chat.editing is None
            assert "in the history" in last_notification(app)
        assert len(store.list_conversations(archived=None)) == 1


async def test_the_screen_has_its_width_class_from_the_start_and_follows_resizes(emulator):
    """The default screen is made with its width's class (``-narrow`` below 120 columns,
    ``-wide`` from 120), so the first resize has nothing to restyle; later resizes still
    move it, and with it the step detail from under the timeline to beside it."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        assert {"-narrow", "-wide"} & set(app.get_default_screen().classes) == {"-narrow"}
        await pilot.press("ctrl+t")
        timeline, detail = app.timeline, app.step_detail
        assert detail.region.y > timeline.region.y  # under it
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert app.screen.has_class("-wide") and not app.screen.has_class("-narrow")
        assert detail.region.x > timeline.region.x  # beside it
    app = make_app(emulator)
    async with app.run_test(size=(130, 40)):
        assert {"-narrow", "-wide"} & set(app.get_default_screen().classes) == {"-wide"}


async def test_a_chat_opened_beside_the_timeline_shows_its_last_turn_in_the_detail(
    emulator, tmp_path
):
    """With the timeline on screen, a chat opened from the history left no cursor and a blank
    detail; so did a new chat, and its first turn did not take the cursor."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "first question")
            await send(pilot, "second question")
            await pilot.press("ctrl+t", "escape")
            assert app.composer.has_focus and app.timeline.list.is_on_screen
            app.open_stored(app.conversation_id)
            await pilot.pause()
            assert selected_turn(app) == 1
            assert shown_id(app) == app.conversation.turns[1].interaction_id
            # Read back from the history, a turn has its steps and no events: it says why.
            facts = detail_text(app)
            assert "events not kept" in facts and "Ctrl+S saves" in " ".join(facts.split())
            rows = app.timeline.list  # its cursor row, the last turn's heading, is in view
            shown = [rows.render_line(y).text for y in range(rows.size.height)]
            assert any("Turn 2 · completed · no events kept" in text for text in shown)
            await send(pilot, "third question")
            assert selected_turn(app) == 2
            assert shown_id(app) == app.conversation.turns[2].interaction_id
            # A new chat beside it: its first turn takes the cursor.
            await pilot.press("ctrl+n")
            await send(pilot, "a new chat")
            assert selected_turn(app) == 0
            assert shown_id(app) == app.conversation.turns[0].interaction_id


async def test_a_refused_request_says_it_has_no_id_rather_than_none(emulator):
    """A 400 makes no interaction: the detail read "id None · status None"."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "x !fault 400")
        await pilot.press("ctrl+t")
        await pilot.pause()
        facts = detail_text(app)
        assert "id – · status –" in facts
        assert "None" not in facts
        # What the chat said is here too: the status, the server's body, the model asked for.
        assert "failed: HTTP 400 invalid_request: Request contains" in facts
        assert "gemini-3.6-flash" in facts and "model ?" not in facts
        wire = app.step_detail._wire
        assert wire["error"]["status"] == 400 and wire["error"]["body"]["error"]["code"]
        assert wire["request"]["input"]


async def test_y_in_the_timeline_list_copies_the_selected_rows_json(emulator, monkeypatch):
    """The README says the row's JSON shows beside it and `y` copies it; in the list `y` did
    nothing, and only worked after Tab to the detail."""
    from support.clipboard_capture import bare_terminal, capture

    bare_terminal(monkeypatch)
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "copy me")
        copied = capture(app)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.timeline.list.has_focus
        await pilot.press("y")
        await pilot.pause()
        assert copied == [app.step_detail.copy_text()] and copied[0]
        shown = json.loads(copied[0])
        assert shown["id"] == app.conversation.turns[0].interaction_id
        # The request as sent, to check a setting reached it (the key is not in it).
        assert shown["request"]["input"] == app.conversation.turns[0].asked.request["input"]
        assert FAKE_KEY not in copied[0]
        # The lines drawn (the request's made once per turn) are that same JSON.
        detail = app.step_detail
        assert json.loads("\n".join(detail._json_lines)) == shown


async def test_enter_closes_the_filter_field_and_the_pane_names_the_filter(emulator):
    """The field stayed under the list after Enter for good, taking a row and the first Tab;
    once closed, the pane's top border says a filter hides rows (the summary row that also
    says it scrolls away)."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first question")
        await pilot.press("ctrl+t")
        pane = app.query_one("#timeline-pane")
        await pilot.press("slash", *"[b]thought", "enter")
        assert app.timeline.rows.filter == "[b]thought"
        assert not app.timeline.filter_input.display
        assert app.timeline.list.has_focus
        shown = Content.from_markup(pane.border_title).plain
        assert shown == "filter «[b]thought» · / edits · Esc clears"
        await pilot.press("tab")
        assert not app.timeline.filter_input.has_focus
        await pilot.press("shift+tab", "slash")
        assert app.timeline.filter_input.has_focus
        assert app.timeline.filter_input.value == "[b]thought"
        await pilot.press("escape")
        assert app.timeline.rows.filter == "" and pane.border_title is None
        assert app.timeline.list.has_focus


async def test_an_event_that_names_no_type_is_listed_as_malformed(emulator):
    """Its row read "?", which says nothing and which the filter matched by accident."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault malformed here")
        await pilot.press("ctrl+t")
        await pilot.press("slash", *"malformed", "enter")
        timeline = app.timeline.list
        lines = [line.text for line in timeline.render_lines(Region(0, 0, *timeline.size))]
        (row,) = [line for line in lines if "•" in line]
        assert row.split("•")[1].split()[0] == "(malformed)"


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light", "textual-dark"])
async def test_the_selected_rows_text_differs_from_its_background(emulator, theme):
    """In a 16-colour theme the cursor's "accent at 20%" was the accent itself: the selected
    turn's heading, drawn in the accent, was green on green."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await send(pilot, "hello")
        await pilot.press("ctrl+t")
        timeline = app.timeline.list
        assert timeline.selected is not None
        lines = timeline.render_lines(Region(0, 0, *timeline.size))
        (selected,) = [line for line in lines if line.text.startswith("▌ ▸ Turn 1")]
        for segment in selected:
            style = segment.style
            if not segment.text.strip() or style is None:
                continue
            ink, paper = style.color, style.bgcolor
            if style.reverse:
                ink, paper = paper, ink
            assert ink != paper, (theme, segment)


@pytest.mark.parametrize("theme", ["nord", "textual-dark", "ansi-dark"])
async def test_on_16_colours_the_selected_row_is_reversed_whatever_the_theme(emulator, theme):
    """TERM=xterm with ``--theme nord``: the cursor's "accent at 20%", brought down to the
    terminal's 16 colours, was the background of every row: only ``▌`` and bold marked the
    selected one. On 16 colours it is reversed, as in the ANSI themes."""
    app = make_app(emulator)
    app.console._color_system = ColorSystem.STANDARD  # as Rich finds it for TERM=xterm
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.has_class("-few-colours")
        app.theme = theme
        await send(pilot, "hello")
        await send(pilot, "again")
        await pilot.press("ctrl+t")
        timeline = app.timeline.list
        await pilot.pause()
        lines = timeline.render_lines(Region(0, 0, *timeline.size))
        (selected,) = [line for line in lines if line.text.startswith("▌ ▸ Turn 2")]
        other = next(line for line in lines if line.text.startswith("  ✓ ▸ #0"))

        def papers(line) -> set:
            """The backgrounds of a line's text as a 16-colour terminal shows them."""
            shown = set()
            for segment in line:
                style = segment.style
                if segment.text.strip() and style is not None:
                    paper = style.color if style.reverse else style.bgcolor
                    shown.add(paper.downgrade(ColorSystem.STANDARD).number if paper else None)
            return shown

        assert not papers(selected) & papers(other), theme


def heading_lines(app) -> list[str]:
    """The timeline's heading lines (the conversation's, each turn's two), as painted."""
    timeline = app.timeline.list
    lines = [line.text.rstrip() for line in timeline.render_lines(Region(0, 0, *timeline.size))]
    return [line for line in lines if line[2:].lstrip().startswith(("Conversation", "▸", "tokens"))]


def made_of_parts(shown: str, full: str) -> bool:
    """Whether ``shown`` is ``full`` with whole parts left out ("…" in their place) or the
    title cut short, and no part cut otherwise."""
    parts = full.strip("▌ ").split(" · ")
    return all(
        part in parts or part == "…" or (part.startswith("«") and part.endswith("…"))
        for part in shown.strip("▌ ").split(" · ")
    )


@pytest.mark.parametrize("size", [(120, 40), (60, 40)])
async def test_narrow_turn_headings_drop_whole_parts_and_the_waterfall_stays(emulator, size):
    """Beside the detail at 120 columns the list was 72 wide: its heading lines were cut
    mid-number ("total 5" for 526, "· t") and the waterfall had no room. Now parts go whole,
    the least needed first, "…" in their place, and the list keeps room for its bars."""
    app = make_app(emulator)
    async with app.run_test(size=(250, 40)) as pilot:
        await send(pilot, "tell me about owls")
        await send(pilot, "and about herons, please")
        await pilot.press("ctrl+t")
        await pilot.pause()
        whole = heading_lines(app)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        narrow = heading_lines(app)
        assert len(narrow) >= 2
        for shown in narrow:
            assert any(made_of_parts(shown, full) for full in whole), shown
        assert sum("…" in shown for shown in narrow) >= 2
        usage = app.timeline.turn_at(1).reply.state.interaction.usage
        assert f"total {usage.total_tokens}" in narrow[-1]
        if size[0] >= 120:
            assert app.screen.has_class("-wide")
            assert "█" in "".join(app.timeline.list.render_line(y).text for y in range(20))
