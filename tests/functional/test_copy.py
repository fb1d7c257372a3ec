"""Keyboard copy end to end: the real app against the loopback emulator, and the exact OSC 52
bytes it writes to the terminal, decoded back to the text that reaches the clipboard."""

from __future__ import annotations

import os
import re

import pytest
from support.chat_driver import answers, last_notification, make_app, send
from support.clipboard_capture import bare_terminal, capture

from gemtui.config import load_settings
from gemtui.core.conversation import ChatSettings
from gemtui.core.wording import format_size
from gemtui.ui.render.chat_items import AnswerItem, ToolItem, UserItem

#: The emulator writes every fence as ```python … ``` on lines of their own.
FENCE = re.compile(r"^```python\n(.*?)\n```$", re.DOTALL | re.MULTILINE)


@pytest.fixture(autouse=True)
def _bare_terminal(monkeypatch) -> None:
    bare_terminal(monkeypatch)


async def select_last_item(pilot) -> None:
    await pilot.press("ctrl+l", "end")


async def test_code_block_key_cycles_through_the_blocks_and_wraps(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Show me code !size 3")
        answer = answers(app)[-1]
        expected = FENCE.findall(answer.source)
        assert len(expected) >= 2
        await select_last_item(pilot)
        assert app.view.items[app.view.selected] is answer
        for number, code in enumerate(expected, start=1):
            await pilot.press("c")
            assert copied[-1] == code
            lines = len(code.splitlines())
            assert last_notification(app) == (
                f"Code block {number} of {len(expected)} (python, {lines} lines): "
                f"Copied {format_size(len(code.encode()))} to the clipboard via OSC 52"
            )
        await pilot.press("c")
        assert copied == [*expected, expected[0]]


async def test_code_block_copy_starts_over_on_another_message(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first")
        await send(pilot, "second")
        first, second = answers(app)
        (first_code,) = FENCE.findall(first.source)
        (second_code,) = FENCE.findall(second.source)
        assert first_code != second_code
        await select_last_item(pilot)
        await pilot.press("c")
        app.view.select(app.view.items.index(first))
        await pilot.press("c")
        assert copied == [second_code, first_code]


async def test_palette_command_copies_code_of_the_last_answer_from_the_composer(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Show me code !size 3")
        expected = FENCE.findall(answers(app)[-1].source)
        assert app.composer.has_focus
        await app.run_action("copy_last_code_block")
        await app.run_action("copy_last_code_block")
        await pilot.pause()
        assert copied == expected[:2]


async def test_code_block_key_on_a_message_without_code_copies_nothing(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "question")
        await pilot.press("ctrl+l", "home")
        assert isinstance(app.view.items[app.view.selected], UserItem)
        await pilot.press("c")
        await pilot.pause()
        assert copied == []
        assert last_notification(app) == "This message has no code block."


async def test_ctrl_y_copies_the_answer_markdown_not_the_wrapped_screen(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Explain binary search")
        await pilot.press("ctrl+y")
        source = answers(app)[-1].source
        assert copied == [source]
        # The source has lines wider than the pane and Markdown syntax the screen does not show.
        assert max(len(line) for line in source.splitlines()) > 80
        assert "```python" in source and "**" in source
        assert last_notification(app) == (
            f"Copied {format_size(len(source.encode()))} to the clipboard via OSC 52"
        )


async def test_y_copies_the_selected_message_verbatim(emulator):
    prompt = "A long prompt that wraps on screen: " + "word " * 30 + "\n  and an indented line"
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, prompt)
        await pilot.press("ctrl+l", "home", "y")
        await pilot.press("end", "y")
        await pilot.pause()
        answer = app.view.items[app.view.selected]
        assert isinstance(answer, AnswerItem)
        assert copied == [prompt, answer.source]


@pytest.mark.parametrize("setting", ["osc52", None])
async def test_the_clipboard_setting_forces_osc52_even_with_a_desktop(
    emulator, monkeypatch, setting
):
    """As ``gemtui --serve`` sessions do (GEMTUI_CLIPBOARD=osc52): the terminal that matters is
    the browser's, even when the server has a desktop clipboard. Without the setting, the
    desktop's clipboard (pyperclip) wins."""
    import pyperclip

    desktop: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", desktop.append)  # this machine has no desktop
    monkeypatch.setenv("DISPLAY", ":0")
    if setting:
        monkeypatch.setenv("GEMTUI_CLIPBOARD", setting)
    app = make_app(emulator)
    app.user_settings = load_settings(environ=os.environ).settings
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello there")
        await pilot.press("ctrl+y")
        answer = answers(app)[-1].source
        if setting:
            assert (copied, desktop) == ([answer], [])
            assert "via OSC 52" in last_notification(app)
        else:
            assert (copied, desktop) == ([], [answer])


async def test_c_copies_the_code_a_code_execution_call_ran_and_its_output(emulator):
    """It said "This message has no code block." on a row that shows Python code."""
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "code_execution"}]))
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "count the words of this sentence")
        rows = [item for item in app.view.items if isinstance(item, ToolItem)]
        call, result = (
            next(item for item in rows if item.step.type == kind)
            for kind in ("code_execution_call", "code_execution_result")
        )
        code = call.step.arguments["code"]
        await pilot.press("ctrl+l")
        app.view.select(app.view.items.index(call))
        await pilot.press("c")
        assert copied == [code] and code.strip()
        assert last_notification(app).startswith("Code block 1 of 1 (python,")
        app.view.select(app.view.items.index(result))
        await pilot.press("c")
        assert copied[-1] == result.step.result and copied[-1].strip()
