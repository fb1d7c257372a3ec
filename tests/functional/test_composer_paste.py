"""Bracketed pastes into the prompt composer: the real app, a real ``events.Paste`` delivered as
the terminal driver delivers it (to the app, which forwards it to the focused composer), and the
loopback emulator to see what was sent."""

from __future__ import annotations

import pytest
from support.chat_driver import finish, make_app, marker, sent_with
from textual import events
from textual.pilot import Pilot

#: (what the terminal pastes, what the composer must hold); ``{word}`` marks this test's request.
PASTES = [
    pytest.param("{word}", "{word}", id="one-line"),
    pytest.param("first {word}\rsecond\rthird", "first {word}\nsecond\nthird", id="cr"),
    pytest.param(
        "first {word}\r\nsecond\r\n\r\nfourth\r\n", "first {word}\nsecond\n\nfourth\n", id="crlf"
    ),
    pytest.param(
        "red {word} \x1b[31mtext\x1b[0m \x1b]52;c;SGVsbG8=\x07\x1b]0;t\x07 \x9b2J\x07 end\u202e",
        "red {word} text   end",
        id="escapes",
    ),
]


async def paste(pilot: Pilot, text: str) -> None:
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


def sent_text(body: dict) -> str:
    """The text of the request's last user_input step."""
    step = [s for s in body["input"] if s.get("type") == "user_input"][-1]
    return "".join(item["text"] for item in step["content"] if item.get("type") == "text")


async def check_paste(emulator, pasted: str, expected: str, word: str) -> None:
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        await paste(pilot, pasted)
        assert app.composer.text == expected
        await pilot.press("enter")
        await finish(pilot)
        assert [turn.asked.prompt for turn in app.conversation.turns] == [expected]
        [body] = sent_with(emulator, word)
        assert sent_text(body) == expected
        assert app.composer.text == ""


@pytest.mark.parametrize(("pasted", "expected"), PASTES)
async def test_paste_goes_in_once_with_line_breaks_and_is_sent_once(emulator, pasted, expected):
    word = marker()
    await check_paste(emulator, pasted.format(word=word), expected.format(word=word), word)


async def test_paste_lands_at_the_cursor(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        await pilot.press("a", "b", "left")
        await paste(pilot, "1\r2")
        assert app.composer.text == "a1\n2b"


async def test_200_kb_paste_goes_in_once_and_is_sent_once(emulator):
    word = marker()
    lines = [f"{word} line {number:05d} " + "x" * 80 for number in range(2000)]
    pasted = "\r\n".join(lines)
    assert len(pasted) > 200_000
    await check_paste(emulator, pasted, "\n".join(lines), word)


async def test_a_paste_with_the_messages_or_the_timeline_focused_goes_into_the_prompt_once(
    emulator,
):
    """Neither pane takes text: a paste there was dropped without a word."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.load_text("draft ")
        await pilot.press("enter")
        await finish(pilot)
        app.composer.load_text("before ")
        await pilot.press("ctrl+l")
        assert app.focused is app.view
        await paste(pilot, "from the messages\rsecond line")
        assert app.composer.text == "before from the messages\nsecond line"
        assert app.focused is app.composer
        await pilot.press("ctrl+t")
        assert app.focused is not app.composer
        await paste(pilot, " and the timeline")
        assert app.composer.text == "before from the messages\nsecond line and the timeline"
        await pilot.press("f7")  # a dialog with no text field keeps its paste to itself
        await paste(pilot, " lost")
        assert app.composer.text.endswith("the timeline")
