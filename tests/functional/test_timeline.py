"""The step timeline and its detail view, fed with live streams from the loopback emulator.

A small app holds just the two widgets; each turn is streamed with gemtui's own client and
assembler (and recorded, as the app would), then shown and driven with the keyboard.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from support.streams import shown_turn
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from gemtui.api.client import InteractionsClient
from gemtui.api.timing import RequestTimings
from gemtui.core.assembler import InteractionState, apply, assembled_interaction, new_state
from gemtui.core.recording import RecordingWriter, parse_recording
from gemtui.core.replay import paced_events, replay_instant
from gemtui.core.timeline_rows import EventRow, StepRow, TimelineRows, TurnRow
from gemtui.ui.widgets.step_detail import HIGHLIGHT_CHARS, StepDetail
from gemtui.ui.widgets.timeline import StepTimeline, TimelineList

MODEL = "gemini-3.6-flash"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}

#: Every scenario of the emulator: request body and the step types it answers with.
SCENARIOS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "plain": (
        {"input": "Explain binary search", "generation_config": {"thinking_summaries": "auto"}},
        ["thought", "model_output"],
    ),
    "google_search": (
        {"input": "Who won the match?", "tools": [{"type": "google_search"}]},
        ["thought", "google_search_call", "google_search_result", "model_output"],
    ),
    "code_execution": (
        {"input": "Compute the first primes", "tools": [{"type": "code_execution"}]},
        ["thought", "code_execution_call", "code_execution_result", "model_output"],
    ),
    "url_context": (
        {"input": "Summarise https://example.com/a", "tools": [{"type": "url_context"}]},
        ["thought", "url_context_call", "url_context_result", "model_output"],
    ),
    "function_call": (
        {"input": "What's the weather in Paris?", "tools": [WEATHER]},
        ["thought", "function_call"],
    ),
    "image": (
        {"input": "Draw a cat", "model": "gemini-3.1-flash-image"},
        ["thought", "model_output"],
    ),
    "unknown": ({"input": "Hello !fault unknown"}, ["thought", "emulator_probe", "model_output"]),
    "error_event": ({"input": "Hello !fault error-event"}, ["thought", "model_output"]),
}


@dataclass
class LiveTurn:
    label: str
    state: InteractionState
    timings: RequestTimings | None
    recording: str


async def stream_turn(emulator, api_key: str, body: dict[str, Any]) -> LiveTurn:
    """Stream one turn as the app does: apply each event, record its raw payload."""
    request = {"model": MODEL, **body}
    state = new_state()
    buffer = io.StringIO()
    writer = RecordingWriter(buffer, secrets=[api_key])
    writer.start(request)
    client = InteractionsClient(api_key=api_key, base_url=emulator.base_url)
    async with client, client.stream(request) as stream:
        started = stream.timings.started_at
        async for received in stream:
            offset = received.received_at - started
            writer.event(offset, received.raw)
            apply(state, received.event, received_at=offset, size=received.size)
    return LiveTurn(body["input"], state, stream.timings, buffer.getvalue())


class TimelineApp(App[None]):
    """The two widgets, wired the way the real app is told to wire them."""

    CSS_PATH = Path(__file__).parents[2] / "src" / "gemtui" / "ui" / "timeline.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.selections: list[tuple[int, int | None, int | None]] = []

    def compose(self) -> ComposeResult:
        yield StepTimeline(id="timeline")
        yield StepDetail(id="step-detail")

    @property
    def timeline(self) -> StepTimeline:
        return self.query_one(StepTimeline)

    @property
    def detail(self) -> StepDetail:
        return self.query_one(StepDetail)

    def on_step_timeline_selected(self, message: StepTimeline.Selected) -> None:
        self.selections.append((message.turn_index, message.step_index, message.event_seq))
        turn = self.timeline.turn_at(message.turn_index)
        self.detail.show(
            turn.reply,
            message.step_index,
            message.event_seq,
            label=turn.title,
        )


def screen_lines(widget) -> list[str]:
    """The text of the widget's visible lines, as rendered; each fills the width exactly."""
    lines = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        assert Strip(list(strip)).cell_length == widget.size.width
        lines.append(strip.text)
    return lines


def step_rows(rows: TimelineRows, turn: int = 0) -> list[StepRow]:
    return rows.step_rows(turn)


async def select_row(pilot, app: TimelineApp, wanted) -> None:
    """Move the cursor with the keyboard until ``wanted`` (a predicate on the row) holds."""
    timeline_list = app.timeline.list
    timeline_list.focus()
    await pilot.press("home")
    for _ in range(timeline_list.rows.line_count):
        if wanted(timeline_list.selected):
            await pilot.pause()
            return
        await pilot.press("down")
    raise AssertionError("row not found")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_every_scenario_fills_the_timeline(emulator, api_key, scenario):
    body, types = SCENARIOS[scenario]
    turn = await stream_turn(emulator, api_key, body)
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        await pilot.pause()
        rows = app.timeline.rows
        steps = step_rows(rows)
        assert [row.type_name for row in steps] == types
        # Order: steps start in stream order; every event is a row exactly once.
        starts = [row.state.started_at for row in steps]
        assert starts == sorted(starts)
        top = [row for row, _ in rows.rows() if isinstance(row, EventRow)]
        nested = sum(len(row.events) for row in steps)
        assert len(top) + nested == len(turn.state.events)
        seqs = sorted([e.seq for e in top] + [e.seq for s in steps for e in s.events])
        assert seqs == list(range(len(turn.state.events)))
        for row in steps:
            assert [e.seq for e in row.events] == list(row.state.event_seqs)
        finished = [row for row in steps if row.state.done]
        assert all(row.state.duration is not None for row in finished)
        shown = "\n".join(screen_lines(app.timeline.list))
        assert "HTTP 200" in shown and "first byte" in shown
        for kind in types:
            assert kind in shown
        if scenario == "error_event":
            assert [row.state.done for row in steps] == [True, False]
            assert "✗" in shown and "gateway_timeout" in shown
            assert any(row.record.event_type == "error" for row in top)
        else:
            assert all(row.state.done for row in steps)
            assert "✓" in shown and "tokens in" in shown


async def test_enter_expands_a_step_into_its_events_with_times_and_sizes(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["function_call"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        await select_row(
            pilot, app, lambda row: isinstance(row, StepRow) and row.type_name == "function_call"
        )
        before = app.timeline.rows.line_count
        await pilot.press("enter")
        call = app.timeline.list.selected
        assert call.expanded
        assert app.timeline.rows.line_count == before + len(call.events)
        shown = screen_lines(app.timeline.list)
        labels = [event.label for event in call.events]
        assert labels[0] == "step.start function_call"
        assert labels[-1] == "step.stop"
        assert "step.delta arguments_delta" in labels
        delta_lines = [line for line in shown if "delta arguments_delta" in line]
        assert delta_lines and all("ms" in line and "B" in line for line in delta_lines)
        await pilot.press("enter")
        assert not call.expanded
        # "e" expands every step.
        await pilot.press("e")
        assert all(row.expanded for row in step_rows(app.timeline.rows))


async def test_detail_shows_the_assembled_step_and_the_raw_event(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["function_call"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        await select_row(
            pilot, app, lambda row: isinstance(row, StepRow) and row.type_name == "function_call"
        )
        call = turn.state.steps[1]
        assert app.selections[-1] == (0, 1, None)
        assert json.loads(app.detail.copy_text()) == call.step.to_wire()
        shown = "\n".join(screen_lines(app.detail))
        assert "function get_weather" in shown
        assert '"location": "Paris' in shown
        # Into its events: the raw JSON of one delta.
        await pilot.press("enter", "down", "down")
        await pilot.pause()
        selected = app.timeline.list.selected
        assert isinstance(selected, EventRow)
        assert app.selections[-1] == (0, 1, selected.seq)
        assert json.loads(app.detail.copy_text()) == selected.record.event.to_wire()
        # The turn heading: the interaction without its steps, with usage and timings.
        await pilot.press("home")
        await pilot.pause()
        assert app.selections[-1] == (0, None, None)
        wire = json.loads(app.detail.copy_text())
        assert wire["status"] == "requires_action" and "steps" not in wire
        assert "HTTP 200" in "\n".join(screen_lines(app.detail))


async def test_a_long_answer_is_one_json_line_folded_and_highlighted_to_its_end(emulator, api_key):
    """The text of a long answer is one JSON line of thousands of characters: it folds into
    rows that read as the line itself, coloured as a string to its end (the head was drawn in
    the lexer's error colour, cut open, and the tail uncoloured); the copy is the step's whole
    JSON."""
    turn = await stream_turn(emulator, api_key, {"input": "!slow 0 !size 8 a long report"})
    app = TimelineApp()
    async with app.run_test(size=(100, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        await select_row(
            pilot, app, lambda row: isinstance(row, StepRow) and row.type_name == "model_output"
        )
        output = next(step for step in turn.state.steps if step.step.type == "model_output")
        assert json.loads(app.detail.copy_text()) == output.step.to_wire()
        text = output.step.content[0].text
        assert len(text) > 4 * HIGHLIGHT_CHARS
        detail = app.detail
        rows: list[list[Segment]] = []
        for top in range(0, detail.virtual_size.height, detail.size.height):
            detail.scroll_to(y=top, animate=False, immediate=True)
            await pilot.pause()
            rows += [list(detail.render_line(y)) for y in range(detail.size.height)]
        width = detail.scrollable_content_region.width
        texts = ["".join(segment.text for segment in row)[:width] for row in rows]
        start = next(i for i, row in enumerate(texts) if row.lstrip().startswith('"text": "'))
        expected = json.dumps(text, ensure_ascii=False)
        folded = texts[start].lstrip().removeprefix('"text": ')
        joined = folded + "".join(texts[start + 1 : start + 1 + len(expected) // width])
        assert joined[: 4 * HIGHLIGHT_CHARS] == expected[: 4 * HIGHLIGHT_CHARS]

        def colour_of(row: list[Segment], text: str) -> object:
            return next(segment.style.color for segment in row if segment.text.startswith(text))

        # The colour of a short string value, "model_output", as the JSON lexer gives it.
        type_row = next(
            row for row, shown in zip(rows, texts, strict=True) if '"model_output"' in shown
        )
        string = colour_of(type_row, '"model_output"')
        assert string is not None
        assert colour_of(rows[start], '"## ') == string
        # Rows of the highlighted head and of the tail past it.
        for row in (rows[start + 1], rows[start + 1 + 3 * HIGHLIGHT_CHARS // width]):
            assert row[0].style.color == string


async def test_detail_facts_for_search_output_and_thought(emulator, api_key):
    body = {**SCENARIOS["google_search"][0], "generation_config": {"thinking_summaries": "auto"}}
    turn = await stream_turn(emulator, api_key, body)
    app = TimelineApp()
    async with app.run_test(size=(120, 50)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        facts = {}
        for position, step in enumerate(turn.state.steps):
            app.timeline.select(0, position)
            await pilot.pause()
            facts[step.step.type] = "\n".join(screen_lines(app.detail))
            assert json.loads(app.detail.copy_text()) == step.step.to_wire()
        assert "queries:" in facts["google_search_call"]
        assert "Who won the match?" in facts["google_search_call"]
        assert "search suggestions widget" in facts["google_search_result"]
        assert "characters of text" in facts["model_output"]
        assert "url_citation" in facts["model_output"]
        assert "signature" in facts["thought"] and "summary:" in facts["thought"]


async def test_image_data_is_elided_on_screen_but_copied_whole(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["image"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        app.timeline.select(0, 1)
        await pilot.pause()
        image = turn.state.steps[1].step.content[0]
        assert image.type == "image" and len(image.data) > 256
        assert image.data in app.detail.copy_text()
        shown = "\n".join(screen_lines(app.detail))
        assert f"<{len(image.data)} base64 chars>" in shown
        assert "image · image/png · " in shown


async def test_unknown_step_and_event_types_render_raw(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["unknown"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        await select_row(
            pilot, app, lambda row: isinstance(row, StepRow) and row.type_name == "emulator_probe"
        )
        raw = json.loads(app.detail.copy_text())
        assert raw["type"] == "emulator_probe" and "note" in raw
        assert "does not know" in "\n".join(screen_lines(app.detail))
        await select_row(
            pilot,
            app,
            lambda row: isinstance(row, EventRow) and row.label == "interaction.emulator_probe",
        )
        raw = json.loads(app.detail.copy_text())
        assert raw["event_type"] == "interaction.emulator_probe"
        assert "unknown event type" in "\n".join(screen_lines(app.detail))


async def test_filter_by_type_and_text_from_the_keyboard(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["google_search"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        app.timeline.focus()
        await pilot.press("slash")
        assert app.timeline.filter_input.has_focus
        await pilot.press(*"search_call", "enter")
        assert app.timeline.list.has_focus
        shown = [row for row, inner in app.timeline.rows.rows() if inner == 0]
        steps = [row.type_name for row in shown if isinstance(row, StepRow)]
        assert steps == ["google_search_call"]
        assert not [row for row in shown if isinstance(row, EventRow) and row.step is None]
        assert "filter «search_call»" in "\n".join(screen_lines(app.timeline.list))
        # By text: the delta fragments carrying a piece of the answer.
        output = app.timeline.rows.step_rows(0)[-1]
        needle = next(event.preview for event in output.events if event.preview)[:12]
        app.timeline.apply_filter(needle)
        await pilot.pause()
        shown = [row for row, _ in app.timeline.rows.rows()]
        assert [row.type_name for row in shown if isinstance(row, StepRow)] == ["model_output"]
        matching = [row for row in shown if isinstance(row, EventRow)]
        assert matching and all(needle.lower() in row.preview.lower() for row in matching)
        await pilot.press("escape")
        assert app.timeline.rows.filter == ""
        assert not app.timeline.filter_input.display
        steps = [row.type_name for row, _ in app.timeline.rows.rows() if isinstance(row, StepRow)]
        assert steps == SCENARIOS["google_search"][1]


async def test_several_turns_have_a_section_each_and_select_by_turn(emulator, api_key):
    first = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    second = await stream_turn(emulator, api_key, SCENARIOS["function_call"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.set_turns([shown_turn(t.label, t.state, t.timings) for t in (first, second)])
        await pilot.pause()
        headings = [row for row, inner in app.timeline.rows.rows() if isinstance(row, TurnRow)]
        assert [row.turn for row in headings] == [0, 0, 1, 1]
        app.timeline.select_turn(1)
        await pilot.pause()
        assert app.selections[-1] == (1, None, None)
        assert json.loads(app.detail.copy_text())["id"] == second.state.interaction.id
        await pilot.press("down")
        assert app.selections[-1][0] == 1
        usage = dict(app.timeline.rows.conversation_usage())
        assert usage["total"] == (
            first.state.interaction.usage.total_tokens + second.state.interaction.usage.total_tokens
        )


async def test_live_events_update_rows_in_place(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    recording = parse_recording(io.StringIO(turn.recording))
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        state = new_state()
        app.timeline.add_turn(shown_turn("replay", state))
        async for offset, _raw, event, size in paced_events(recording, speed=0):
            apply(state, event, received_at=offset, size=size)
            app.timeline.refresh_turn(0)
        await pilot.pause()
        rows = app.timeline.rows
        assert [row.type_name for row in rows.step_rows(0)] == ["thought", "model_output"]
        assert sum(len(row.events) for row in rows.step_rows(0)) == sum(
            len(step.event_seqs) for step in state.steps
        )
        assert isinstance(app.timeline.list, TimelineList)


async def test_the_waterfall_rescales_at_the_next_paint_as_the_turn_grows(emulator, api_key):
    """A paint reads each turn's span once; the next paint must read it again."""
    turn = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    events = [e async for e in paced_events(parse_recording(io.StringIO(turn.recording)), 0)]
    first_output = next(i for i, e in enumerate(events) if "model_output" in json.dumps(e[1]))
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        state = new_state()
        app.timeline.add_turn(shown_turn("live", state))
        timeline = app.timeline.list

        def thought_bar() -> int:
            """Where the thought step's bar is, as a paint draws it."""
            lines = timeline.render_lines(Region(0, 0, *timeline.size))
            return next(line.text for line in lines if "#0   thought" in line.text).index("█")

        for offset, _raw, event, size in events[:first_output]:
            apply(state, event, received_at=offset, size=size)
        app.timeline.refresh_turn(0)
        await pilot.pause()
        alone = thought_bar()
        for offset, _raw, event, size in events[first_output:]:
            apply(state, event, received_at=offset + 60.0, size=size)  # a minute later
        app.timeline.refresh_turn(0)
        await pilot.pause()
        assert thought_bar() < alone


async def test_a_growing_turn_repaints_its_lines_and_the_summary_and_keeps_the_rest(
    emulator, api_key
):
    """A turn that grows in place repaints only its own lines and the conversation's: what
    is painted then must be what a full repaint would paint."""
    earlier = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    turn = await stream_turn(emulator, api_key, SCENARIOS["google_search"][0])
    events = [e async for e in paced_events(parse_recording(io.StringIO(turn.recording)), 0)]
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        timeline = app.timeline
        timeline.add_turn(shown_turn("earlier", earlier.state))
        state = new_state()
        timeline.add_turn(shown_turn("live", state))
        await pilot.pause()

        def painted() -> list[str]:
            lines = timeline.list.render_lines(Region(0, 0, *timeline.list.size))
            return [line.text for line in lines]

        partial_paints = 0
        for offset, _raw, event, size in events:
            lines_before = timeline.rows.line_count
            apply(state, event, received_at=offset, size=size)
            timeline.refresh_turn(1)
            partial_paints += timeline.rows.line_count == lines_before
            shown = painted()
            timeline.list.refresh()
            assert shown == painted()
        assert partial_paints > len(events) // 2  # most events grew a collapsed step


async def test_a_list_following_an_expanded_stream_paints_its_event_rows_as_new_ones(
    emulator, api_key
):
    """Event rows keep their text between paints while the list follows a stream: what they
    paint must be what rows made afresh paint, and the list keeps the text of no more rows
    than two paints show (a long answer is thousands of rows)."""
    turn = await stream_turn(emulator, api_key, SCENARIOS["google_search"][0])
    events = [e async for e in paced_events(parse_recording(io.StringIO(turn.recording)), 0)]
    app = TimelineApp()
    async with app.run_test(size=(120, 16)) as pilot:
        timeline = app.timeline
        state = new_state()
        timeline.add_turn(shown_turn("live", state))
        timeline.rows.expand_all(True)
        await pilot.pause()

        def painted() -> list[str]:
            lines = timeline.list.render_lines(Region(0, 0, *timeline.list.size))
            return [line.text for line in lines]

        for offset, _raw, event, size in events:
            apply(state, event, received_at=offset, size=size)
            timeline.refresh_turn(0)
            painted()
        kept = timeline.list._event_texts.keys() | timeline.list._event_texts_before.keys()
        assert 0 < len(kept) <= 2 * timeline.list.size.height
        followed = painted()
        assert sum(" delta " in line for line in followed) > 3  # the tail's event rows

        timeline.set_turns([shown_turn("live", state)])  # new row objects
        timeline.rows.expand_all(True)
        timeline.list.lines_changed()
        await pilot.pause()
        assert painted() == followed


def row_shape(rows: TimelineRows) -> list[tuple]:
    shape = []
    for row, inner in rows.rows():
        if isinstance(row, StepRow):
            step = row.state
            shape.append(
                (
                    "step",
                    row.type_name,
                    step.index,
                    step.size,
                    len(row.events),
                    step.done,
                    pytest.approx(step.started_at, abs=1e-6),
                    pytest.approx(step.duration, abs=1e-6),
                )
            )
        elif isinstance(row, EventRow):
            record = row.record
            at = pytest.approx(record.received_at, abs=1e-6)
            shape.append(("event", row.label, row.preview, record.size, at))
        elif isinstance(row, TurnRow):
            shape.append(("turn", inner, row.state.status, len(row.state.events)))
    return shape


@pytest.mark.parametrize("scenario", ["google_search", "function_call", "unknown", "error_event"])
async def test_recording_replays_to_the_same_timeline_and_interaction(emulator, api_key, scenario):
    turn = await stream_turn(emulator, api_key, SCENARIOS[scenario][0])
    assert api_key not in turn.recording
    replayed = replay_instant(parse_recording(io.StringIO(turn.recording)))
    assert assembled_interaction(replayed).to_wire() == assembled_interaction(turn.state).to_wire()
    live_rows, replay_rows = TimelineRows(), TimelineRows()
    live_rows.add_turn(shown_turn(turn.label, turn.state))
    replay_rows.add_turn(shown_turn(turn.label, replayed))
    for rows in (live_rows, replay_rows):
        rows.expand_all(True)
    assert row_shape(replay_rows) == row_shape(live_rows)


class EscapeApp(TimelineApp):
    BINDINGS = [("escape", "escaped", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.escapes = 0

    def action_escaped(self) -> None:
        self.escapes += 1


async def test_escape_clears_a_filter_first_then_reaches_the_app(emulator, api_key):
    turn = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    app = EscapeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        app.timeline.apply_filter("thought")
        app.timeline.focus()
        await pilot.press("escape")
        assert app.timeline.rows.filter == "" and app.escapes == 0
        await pilot.press("escape")
        assert app.escapes == 1


async def test_rows_follow_the_focus_and_the_theme_after_being_painted(emulator, api_key):
    """The list keeps its styles between paints (they cost a third of a paint); a change of
    focus (its background tint) or of theme must still show on the next paint."""
    turn = await stream_turn(emulator, api_key, SCENARIOS["plain"][0])
    app = TimelineApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.timeline.add_turn(shown_turn(turn.label, turn.state, turn.timings))
        timeline_list = app.timeline.list
        app.detail.focus()
        await pilot.pause()

        def background() -> object:
            # The last row: not the cursor's, and painted in the list's own style.
            strip = timeline_list.render_lines(timeline_list.region.reset_offset)[-1]
            return next(iter(strip)).style.bgcolor

        unfocused = background()
        timeline_list.focus()
        await pilot.pause()
        focused = background()
        assert focused != unfocused
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        assert background() not in (focused, unfocused)
