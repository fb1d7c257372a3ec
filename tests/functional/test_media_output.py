"""Audio, video and document answers in the TUI, end to end against the loopback emulator: a
row per item with its facts, ``s`` saves (never over a file), ``o`` opens with the system's
player (a real ``xdg-open`` stand-in on PATH), says why not over SSH or without one; pictures
in thought summaries show and save like answer images."""

from __future__ import annotations

import base64
import os
import stat
import sys
from pathlib import Path

import pytest
from support.chat_driver import answers, make_app, notifications, send

from gemtui.core.conversation import ChatSettings
from gemtui.core.wording import format_size
from gemtui.ui.app import GemtuiApp
from gemtui.ui.render.chat_items import ThoughtItem
from gemtui.ui.render.image_lines import HALF_BLOCK

TTS = ChatSettings(model="gemini-3.8-flash-tts")


def screen_lines(app: GemtuiApp) -> list[str]:
    view = app.view
    return [view.render_line(y).text for y in range(view.size.height)]


async def select(pilot, item) -> None:
    app = pilot.app
    app.view.focus()
    app.view.select(app.view.items.index(item))
    await pilot.pause()


@pytest.fixture
def no_ssh(monkeypatch):
    for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_opener(tmp_path, monkeypatch, no_ssh) -> Path:
    """An ``xdg-open`` on PATH that copies the file it is given, as a desktop would open it,
    in a desktop session (DISPLAY set). Returns where the copies go."""
    bin_dir, opened = tmp_path / "bin", tmp_path / "opened"
    bin_dir.mkdir()
    opened.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\ncp "$1" "{opened}/"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(sys, "platform", "linux")
    return opened


async def test_speech_shows_as_a_row_and_saves_the_wav(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Say hello")
        (answer,) = answers(app)
        (row,) = answer.media_rows
        data = base64.b64decode(row.item.data)
        size = format_size(len(data))
        line = f"♪ audio · audio/wav · 0.8 s · {size} · o open · s save"
        assert line in [text.strip() for text in screen_lines(app)]

        await select(pilot, answer)
        await pilot.press("s")
        (saved,) = tmp_path.iterdir()
        assert saved.name.startswith("gemtui-audio-") and saved.name.endswith("-1.wav")
        assert saved.read_bytes() == data
        assert f"Saved {saved}" in notifications(app)[-1]
        await pilot.press("s")
        assert len(list(tmp_path.iterdir())) == 2  # a new name, never over the first


@pytest.mark.parametrize(
    ("settings", "facts"),
    [
        (ChatSettings(response_format={"type": "video"}), "■ video · video/mp4 · 2.0 s · "),
        (ChatSettings(response_modalities=["document"]), "≡ document · application/pdf · 2 pages"),
    ],
)
async def test_video_and_documents_show_their_facts(emulator, settings, facts):
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "make it")
        assert any(facts in line for line in screen_lines(app))


async def test_o_opens_audio_with_the_systems_player(emulator, fake_opener):
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Say hello")
        (answer,) = answers(app)
        await select(pilot, answer)
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (copy,) = fake_opener.iterdir()
        assert copy.suffix == ".wav"
        assert copy.read_bytes() == base64.b64decode(answer.media_rows[0].item.data)
        assert "with xdg-open" in notifications(app)[-1]


async def test_o_over_ssh_says_there_is_no_player_here(emulator, fake_opener, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Say hello")
        await select(pilot, answers(app)[0])
        await pilot.press("o")
        await app.workers.wait_for_complete()
        assert "over SSH" in notifications(app)[-1] and "s saves it" in notifications(app)[-1]
        assert list(fake_opener.iterdir()) == []


async def test_o_without_an_opener_says_so(emulator, no_ssh, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open anywhere
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(sys, "platform", "linux")
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Say hello")
        await select(pilot, answers(app)[0])
        await pilot.press("o")
        assert "xdg-open is not installed" in notifications(app)[-1]


async def test_pictures_in_a_thought_summary_show_and_save(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = ChatSettings(
        model="gemini-3-pro-image", generation_config={"thinking_summaries": "auto"}
    )
    app = make_app(emulator, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "a cat")
        (thought,) = [item for item in app.view.items if isinstance(item, ThoughtItem)]
        assert len(thought.images) == 1
        await select(pilot, thought)
        assert any("1 picture" in line for line in screen_lines(app))
        await pilot.press("enter")  # expand: the draft picture is drawn
        app.view.select(app.view.items.index(thought))
        await pilot.pause()
        assert any(HALF_BLOCK in line for line in screen_lines(app))
        await pilot.press("s")
        (saved,) = tmp_path.iterdir()
        assert saved.name.startswith("gemtui-image-") and saved.suffix == ".png"
        assert saved.read_bytes() == base64.b64decode(thought.images[0].data)


async def test_the_palette_saves_the_last_answers_media(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("media('save')")
        assert notifications(app)[-1] == "No answer with media yet."
        await send(pilot, "Say hello")
        await send(pilot, "Say goodbye")
        await app.run_action("media('save')")
        (saved,) = tmp_path.iterdir()
        last = answers(app)[-1].media_rows[0].item
        assert saved.read_bytes() == base64.b64decode(last.data)


async def test_s_saves_in_the_home_folder_once_the_working_one_is_deleted(
    emulator, tmp_path, monkeypatch
):
    """The folder gemtui started in, deleted from another shell: ``s`` saved there and the
    app stopped on FileNotFoundError; the file now goes home, and the notification says so."""
    home, gone = tmp_path / "home", tmp_path / "gone"
    home.mkdir()
    gone.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(gone)
    app = make_app(emulator, settings=TTS)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Say hello")
        gone.rmdir()
        await select(pilot, answers(app)[0])
        await pilot.press("s")
        await pilot.pause()
        assert app.is_running
        (saved,) = home.iterdir()
        assert saved.suffix == ".wav"
        said = notifications(app)[-1]
        assert "started in is gone" in said and f"Saved {saved}" in said
