"""Untrusted text in the real app: prompts the emulator echoes back, and whole answers, thoughts,
unknown steps and error messages from a scripted server. Nothing but text may reach the
terminal (no ESC, no C0/C1 control, no bidi override), the layout must hold, nothing may raise.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from fault_support import fast_client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.chat_driver import FAKE_KEY, make_app, notices, send
from support.rawserver import ScriptedServer, reply, sse_event, stream
from support.streams import COMPLETED, CREATED, STATUS
from textual.geometry import Region
from textual.widget import Widget

from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render.chat_items import UserItem

#: What must never be in a rendered line: controls other than TAB and LF, and bidi overrides.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

SIZE = (100, 30)

FRAGMENTS = [
    "[bold red]red?[/]",
    "[link=http://evil]x[/link]",
    "[@click=app.quit]quit[/]",
    "\x1b]52;c;SGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b]52;c;SGVsbG8=\x1b\\",
    "\x1b]0;pwned title\x07",  # OSC 0: window title
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: hidden link
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b[31;1mred\x1b[0m",
    "\x1bP+q544e\x1b\\",  # DCS: terminfo query
    "\x9b2J",  # 8-bit CSI
    "\x9d0;c1 title\x9c",  # 8-bit OSC
    "\x1bc",  # full reset
    "\u202eevil\u202c",  # right-to-left override
    "\u2066isolate\u2069",
    "a\u200bb\u200dc\ufeff",  # zero-width space, joiner, BOM
    "全角文字テキスト🧪👩‍👩‍👧",  # wide and joined characters
    "e\u0301\u0301\u0301",  # stacked combining marks
    "line\rOVERWRITE",
    "\x07\x08\x0b\x0c\x00",
]

#: Each fragment alone (one app, one turn each), then the big cases (one app each).
BIG = [
    "".join(FRAGMENTS),
    ">" * 500 + " deep quote",
    "\n".join("  " * depth + "- item" for depth in range(500)),
    "x" * 1_000_000,
]


def rendered(strips) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_lines(app: GemtuiApp) -> list[str]:
    """What the screen shows: the lines of every widget drawn on it, each rendered whole
    (the compositor only places and crops these lines)."""
    lines: list[str] = []
    for widget in app.screen.walk_children(Widget, with_self=True):
        region = widget.region
        if region.area:
            lines += rendered(widget.render_lines(Region(0, 0, region.width, region.height)))
    return lines


def assert_only_text(app: GemtuiApp) -> None:
    """Every line on screen, and every line of every item (also off screen), is plain text;
    the status bar and the composer are still where they belong."""
    screen = screen_lines(app)
    view = rendered(app.view.render_line(y) for y in range(app.view.size.height))
    context = app.view.render_context()
    items = [
        line
        for item in app.view.items
        for line in rendered(item.render(app.view.size.width, context))
    ]
    for line in [*screen, *view, *items]:
        assert not FORBIDDEN.search(line), repr(line[:200])
    whole = app.screen.region
    for widget in (app.status, app.composer, app.view):
        region = widget.region
        assert region.height >= 1 and whole.contains_region(region), (widget, region)
    assert app.view.region.bottom <= app.composer.region.y < app.status.region.y


async def show_timeline_detail(pilot) -> None:
    """Open the timeline on the last row, so its detail shows the raw JSON too."""
    await pilot.press("ctrl+t")
    await pilot.press("end", "enter")
    await pilot.pause()


# --------------------------------------------------------------------------- prompts, echoed


async def check_prompts(app: GemtuiApp, prompts: list[str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        for prompt in prompts:
            await send(pilot, prompt)
            assert app.conversation.turns[-1].reply.outcome == "completed"
            user = [item for item in app.view.items if isinstance(item, UserItem)][-1]
            # Kept as sent (the composer only normalises line endings); the display is cleaned.
            assert user.prompt == app.conversation.turns[-1].asked.prompt
            assert_only_text(app)
        await show_timeline_detail(pilot)
        assert_only_text(app)


async def test_each_hostile_fragment_as_a_prompt_is_shown_as_text(emulator):
    await check_prompts(make_app(emulator), FRAGMENTS)


@pytest.mark.parametrize("prompt", BIG, ids=["all-fragments", "deep-quote", "deep-list", "1mb"])
async def test_big_hostile_prompt_is_shown_as_text(prompt, emulator):
    await check_prompts(make_app(emulator), [prompt])


async def test_markup_is_shown_literally(emulator):
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "[bold red]red?[/] [@click=app.quit]quit[/]")
        assert app.is_running
        shown = "\n".join(screen_lines(app))
        assert "[bold red]red?[/]" in shown


hostile_prompts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        # Any text without surrogates (a terminal cannot send one) or "!" (emulator directives).
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="!"), max_size=30),
    ),
    min_size=1,
    max_size=6,
).map("".join)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(prompt=hostile_prompts)
def test_generated_prompt_is_shown_as_text(prompt, emulator):
    async def scenario() -> None:
        app = make_app(emulator)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, prompt)
            turns = app.conversation.turns
            assert not turns or turns[-1].reply.outcome == "completed"
            assert_only_text(app)

    asyncio.run(scenario())


async def test_hostile_draft_kept_after_an_error_is_shown_as_text(emulator):
    prompt = "!fault 400 " + "".join(FRAGMENTS)
    app = make_app(emulator)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, prompt)
        assert app.conversation.turns[-1].reply.outcome == "failed"
        assert app.composer.text.startswith("!fault 400 [bold red]")
        assert_only_text(app)


# --------------------------------------------------------------------------- answers from a server


def hostile_stream(text: str) -> list[bytes]:
    """A turn whose thought, answer and an unknown step all carry ``text``."""
    summary = {"type": "thought_summary", "content": {"type": "text", "text": text}}
    events = [
        CREATED,
        STATUS,
        {"index": 0, "step": {"type": "thought"}, "event_type": "step.start"},
        {"index": 0, "delta": summary, "event_type": "step.delta"},
        {"index": 0, "event_type": "step.stop"},
        {"index": 1, "step": {"type": "x_probe", "note": text}, "event_type": "step.start"},
        {"index": 1, "delta": {"type": "x_delta", "value": text}, "event_type": "step.delta"},
        {"index": 1, "event_type": "step.stop"},
        {"index": 2, "step": {"type": "model_output"}, "event_type": "step.start"},
        {"index": 2, "delta": {"type": "text", "text": text}, "event_type": "step.delta"},
        {"index": 2, "event_type": "step.stop"},
        {"event_type": "x.unknown_event", "payload": text},
        COMPLETED,
    ]  # fmt: skip
    return [sse_event(event) for event in events] + [b"data: [DONE]\n\n"]


def scripted_app(base_url: str) -> GemtuiApp:
    connection = Connection(base_url=base_url, api_key=FAKE_KEY, demo=True, secrets=[FAKE_KEY])
    app = GemtuiApp(connection)
    app.client = fast_client(base_url, FAKE_KEY)
    return app


async def check_answers(texts: list[str]) -> None:
    """One scripted answer per text (thought, unknown step and answer all carry it)."""
    async with ScriptedServer(*(stream(hostile_stream(text)) for text in texts)) as server:
        app = scripted_app(server.base_url)
        async with app.run_test(size=SIZE) as pilot:
            for text in texts:
                await send(pilot, "hello")
                assert app.conversation.turns[-1].reply.outcome == "completed"
                # The wire text is kept as received (for export and the raw view); only what
                # is displayed is cleaned.
                answer_step = app.conversation.turns[-1].reply.state.steps[-1].step
                assert answer_step.content[0].text == text
                for item in app.view.items:
                    if not item.expanded:
                        item.toggle()  # expand thoughts and raw steps too
                app.view.refresh()
                await pilot.pause()
                assert_only_text(app)
            await show_timeline_detail(pilot)
            assert_only_text(app)


async def test_each_hostile_fragment_as_an_answer_is_text():
    await check_answers(FRAGMENTS)


@pytest.mark.parametrize("text", BIG, ids=["all-fragments", "deep-quote", "deep-list", "1mb"])
async def test_big_hostile_answer_is_text(text):
    await check_answers([text])


@pytest.mark.parametrize(
    "where",
    ["http-error", "error-event"],
)
async def test_hostile_server_error_message_is_text(where):
    text = "".join(FRAGMENTS)
    if where == "http-error":
        script = reply(400, {"error": {"code": "invalid_request", "message": text}})
    else:
        error = {"error": {"code": "x_bad", "message": text}, "event_type": "error"}
        script = stream([sse_event(CREATED), sse_event(error), b"data: [DONE]\n\n"])
    async with ScriptedServer(script) as server:
        app = scripted_app(server.base_url)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "hello")
            assert notices(app)[-1].level == "error"
            assert_only_text(app)
