"""Answers beyond Markdown, end to end against the loopback emulator: inline images (and the
keys that view and save them), structured output checked against its schema, search citations
and code execution rows."""

from __future__ import annotations

import base64

import pytest
from support.chat_driver import answers, make_app, notifications, send

from gemtui.api.models import CodeExecutionCallStep, CodeExecutionResultStep
from gemtui.core.conversation import ChatSettings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.render.chat_items import ToolItem
from gemtui.ui.render.image_lines import HALF_BLOCK
from gemtui.ui.screens.image_viewer import ImageViewerScreen
from gemtui.ui.widgets.media_actions import NO_MEDIA

IMAGE_MODEL = "gemini-3-pro-image-preview"
FILM = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
    "required": ["title", "year"],
}
STRUCTURED = ChatSettings(
    response_format=[{"type": "text", "mime_type": "application/json", "schema": FILM}]
)


def screen_lines(app: GemtuiApp) -> list[str]:
    """The conversation pane's lines as painted now."""
    view = app.view
    return [view.render_line(y).text for y in range(view.size.height)]


async def select_answer(pilot) -> None:
    app = pilot.app
    app.view.focus()
    app.view.select(app.view.items.index(answers(app)[-1]))
    await pilot.pause()


# ------------------------------------------------------------------ images


async def test_image_answer_shows_half_blocks_and_saves_the_exact_bytes(
    emulator, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator, settings=ChatSettings(model=IMAGE_MODEL))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "a sunset")
        (answer,) = answers(app)
        (image,) = answer.images
        lines = screen_lines(app)
        pixels = [line for line in lines if HALF_BLOCK in line]
        assert 4 <= len(pixels) <= 12
        assert any("image/png · 64×64 px" in line and "s save" in line for line in lines)
        # The image comes first in the answer's content, so it shows above its caption text.
        caption = next(n for n, line in enumerate(lines) if "A generated 64×64" in line)
        assert lines.index(pixels[0]) < caption

        await select_answer(pilot)
        await pilot.press("s")
        saved = sorted(tmp_path.iterdir())
        assert [p.name for p in saved] == [p.name for p in saved if p.suffix == ".png"]
        assert len(saved) == 1
        assert saved[0].read_bytes() == base64.b64decode(image.data)
        assert saved[0].name.startswith("gemtui-image-")
        assert saved[0].name.endswith("-1.png")
        assert f"Saved {saved[0]}" in notifications(app)[-1]

        await pilot.press("s")
        again = sorted(set(tmp_path.iterdir()) - set(saved))
        assert len(again) == 1 and again[0].name.endswith("-1-2.png")
        assert saved[0].read_bytes() == again[0].read_bytes()


async def test_o_opens_the_viewer_and_escape_closes_it(emulator):
    app = make_app(emulator, settings=ChatSettings(model=IMAGE_MODEL))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "a sunset")
        await select_answer(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, ImageViewerScreen)
        caption = str(app.screen.query_one("#image-caption").render())
        assert caption.startswith("Image 1 of 1 · image/png · 64×64 px")
        await pilot.press("escape")
        assert not isinstance(app.screen, ImageViewerScreen)


async def test_image_keys_on_a_message_without_images_say_so(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await select_answer(pilot)
        await pilot.press("s", "o")
        assert notifications(app)[-2:] == [NO_MEDIA] * 2
        assert list(tmp_path.iterdir()) == []
        assert not isinstance(app.screen, ImageViewerScreen)


# ------------------------------------------------------------------ structured output


@pytest.mark.parametrize(
    ("directive", "verdict", "marks"),
    [
        ("", "valid", ["√ valid JSON, follows the schema"]),
        (
            "!invalid-json",
            "invalid",
            ["× JSON does not follow the schema: 1 error", "$.title: 12345 is not of type"],
        ),
        ("!not-json", "not_json", ["× not JSON: "]),
    ],
)
async def test_structured_answer_is_checked_against_the_schema(emulator, directive, verdict, marks):
    app = make_app(emulator, settings=STRUCTURED)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, f"A film {directive}")
        (answer,) = answers(app)
        assert answer.structured is not None
        assert answer.structured.check.verdict == verdict
        shown = "\n".join(screen_lines(app))
        for mark in marks:
            assert mark in shown
        # Copy gives the model's text exactly as it came, not the pretty-printed one.
        step = app.conversation.turns[-1].reply.state.steps[-1].step
        assert answer.copy_text() == "".join(c.text for c in step.content if c.type == "text")


async def test_without_a_schema_json_is_an_ordinary_answer(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        (answer,) = answers(app)
        assert answer.schema is None and answer.structured is None
        assert not any("valid JSON" in line for line in screen_lines(app))


# ------------------------------------------------------------------ citations


async def test_search_answer_shows_numbered_markers_and_sources(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "google_search"}]))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Tell me about tides")
        (answer,) = answers(app)
        shown = "\n".join(screen_lines(app))
        assert "plain terms.[1]" in shown
        assert "recent figures.[2]" in shown
        assert "[1] example.org  https://www.example.org/guides/tell-me-about-tides" in shown
        assert "[2] docs.example.com  https://docs.example.com/tell-me-about-tides" in shown
        assert "[1]" not in answer.copy_text()
        assert answer.copy_text().endswith("recent figures.\n")


# ------------------------------------------------------------------ code execution


async def test_code_execution_rows_show_code_and_output(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "code_execution"}]))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Tell me about tides")
        rows = [item for item in app.view.items if isinstance(item, ToolItem)]
        call, result = rows
        assert isinstance(call.step, CodeExecutionCallStep)
        assert isinstance(result.step, CodeExecutionResultStep)
        lines = screen_lines(app)
        assert any("code_execution_call  text = 'Tell me about tides'" in line for line in lines)
        assert any("code_execution_result  4 words, 19 characters" in line for line in lines)
        assert not any("words = text.split()" in line for line in lines)

        app.view.focus()
        app.view.select(app.view.items.index(call))
        await pilot.press("enter")
        lines = screen_lines(app)
        code = [line.strip(" ▌") for line in lines if "words" in line and "code_exec" not in line]
        assert "words = text.split()" in code
        assert not any('"arguments"' in line for line in lines)

        app.view.select(app.view.items.index(result))
        await pilot.press("enter")
        lines = [line.strip(" ▌") for line in screen_lines(app)]
        assert "4 words, 19 characters" in lines
        assert not any('"call_id"' in line for line in lines)
