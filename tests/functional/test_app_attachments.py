"""Attachments end to end: the real app against the loopback emulator, driven by keys only.

Files are picked with F3 or ``@`` from a temporary working directory; what the emulator received
is read back with ``received_requests()``, so the tests check the wire, not the app's own state.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.chat_driver import (
    FAKE_KEY,
    finish,
    last_notification,
    make_app,
    marker,
    notices,
    sent_with,
    until,
    workers_settled,
)
from textual import events
from textual.widgets import Input, Static

from gemtui.core.store import Store
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.screens import file_picker
from gemtui.ui.screens.file_picker import FilePickerScreen

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """A working directory with a picture, a text file, code in a folder and hidden clutter."""
    (tmp_path / "chart.png").write_bytes(PNG)
    (tmp_path / "notes.txt").write_text("line one\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "charting.py").write_text("print('hi')\n")
    (tmp_path / "src" / "main.ts").write_text("export const x = 1;\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "chart-config").write_text("hidden")
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff\xfe binary")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def media(body: dict) -> list[dict]:
    """The non-text content items of the request's last user_input step."""
    step = [s for s in body["input"] if s.get("type") == "user_input"][-1]
    return [item for item in step["content"] if item.get("type") != "text"]


def attached_items(body: dict) -> list[dict]:
    """The content items of the last user_input step before its prompt (the last text)."""
    step = [s for s in body["input"] if s.get("type") == "user_input"][-1]
    return step["content"][:-1]


async def open_picker(pilot, *keys: str) -> FilePickerScreen:
    """Open the picker with ``keys`` and wait for its file list."""
    await pilot.press(*keys)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, FilePickerScreen)
    return screen


async def pick(pilot, query: str) -> None:
    """Put ``query`` in the open picker's field (as if typed) and press Enter."""
    pilot.app.screen.query_one(Input).value = query
    await pilot.press("enter")
    await pilot.pause()


async def attach(pilot, *names: str) -> None:
    """Attach each file named, with F3 and its name."""
    for name in names:
        await open_picker(pilot, "f3")
        await pick(pilot, name)


def picker_says(app) -> str:
    """The open picker's help line: why what was chosen is not attached."""
    assert isinstance(app.screen, FilePickerScreen)
    return str(app.screen.query_one("#picker-help", Static).render())


async def type_and_send(pilot, text: str) -> None:
    app = pilot.app
    app.composer.focus()
    app.composer.insert(text)
    await pilot.press("enter")
    await finish(pilot)


async def test_f3_attaches_a_file_sent_inline_with_its_type(emulator, workdir):
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot, "f3")
        await pick(pilot, "chart")
        bar = app.attachment_bar
        assert [a.name for a in bar.attachments] == ["chart.png"]
        assert bar.display
        await type_and_send(pilot, f"what is this {word}")
        assert app.conversation.turns[-1].reply.outcome == "completed"
        (body,) = sent_with(emulator, word)
        assert media(body) == [
            {"type": "image", "data": base64.b64encode(PNG).decode(), "mime_type": "image/png"}
        ]
        # Accepted: the chips are gone with the draft, and the prompt shows what went with it.
        assert not bar.attachments and not bar.display
        prompt = [item for item in app.view.items if isinstance(item, UserItem)][-1]
        assert prompt.attachments == ["chart.png · image · 264 B"]


async def test_at_sign_opens_the_picker_and_goes_once_a_file_is_picked(emulator, workdir):
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        app.composer.insert(f"summarise {word} ")
        await open_picker(pilot, "@")
        await pick(pilot, "notes")
        assert app.composer.text == f"summarise {word} "
        assert app.composer.has_focus
        await pilot.press("enter")
        await finish(pilot)
        (body,) = sent_with(emulator, word)
        # Text has no document type of its own: the file's text goes as a text item.
        assert attached_items(body) == [{"type": "text", "text": "File notes.txt:\n\nline one\n"}]


async def test_at_sign_stays_when_the_picker_is_cancelled_and_mid_word_types_plainly(
    emulator, workdir
):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        await open_picker(pilot, "@")
        await pilot.press("escape")
        await pilot.pause()
        assert app.composer.text == "@"
        assert not app.attachment_bar.attachments
        # Inside a word (an e-mail address) @ is just a character.
        await pilot.press("a", "@", "b")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.composer.text == "@a@b"


def burst(app, text: str) -> None:
    """``text`` as keys in one burst, as a terminal sends them (all queued before any is
    handled; ``Pilot.press`` waits for each)."""
    names = {"@": "at", " ": "space"}
    for character in text:
        app.post_message(events.Key(names.get(character, character), character))


async def test_letters_typed_fast_after_the_at_sign_go_into_the_picker(emulator, workdir):
    """Keys sent in one burst (tmux send-keys, a fast typist) reached the prompt before the
    picker was up: they stayed in the prompt, and the picker opened empty."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        app.composer.insert("read ")
        burst(app, "@not")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FilePickerScreen)
        field = app.screen.query_one(Input)
        assert (field.value, field.cursor_position) == ("not", 3)
        assert app.composer.text == "read @"
        await pilot.press("e", "s")  # typed on after the burst, not over it
        assert field.value == "notes"
        await pilot.press("enter")
        await pilot.pause()
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.txt"]
        assert app.composer.text == "read "


def slow_disk(monkeypatch) -> threading.Event:
    """The picker reads its folder only once the returned event is set (a slow disk)."""
    gate = threading.Event()
    real_walk = file_picker.walk_files

    def slow_walk(root: Path) -> Iterator[str]:
        gate.wait(10)
        return real_walk(root)

    monkeypatch.setattr(file_picker, "walk_files", slow_walk)
    return gate


async def test_enter_before_the_folder_is_read_attaches_once_it_is(emulator, workdir, monkeypatch):
    """``@not`` and Enter in one burst on a slow disk: Enter reached the prompt before the
    picker was up and sent "@not" as a prompt."""
    gate = slow_disk(monkeypatch)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        burst(app, "@not")
        app.post_message(events.Key("enter", None))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, FilePickerScreen)  # waiting for the folder
        assert not app.conversation.turns  # Enter did not send "@not"
        gate.set()
        await workers_settled(app)
        await pilot.pause()
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.txt"]
        assert app.composer.text == ""


@pytest.mark.parametrize("slow", [False, True])
async def test_letters_typed_right_behind_the_pickers_enter_go_to_the_prompt(
    emulator, workdir, monkeypatch, slow
):
    """``see @not``, Enter and ``and more`` in one burst: the chip came, and "and more" went
    into the closing picker's field and was lost."""
    gate = slow_disk(monkeypatch) if slow else None
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        app.composer.insert("see ")
        burst(app, "@not")
        app.post_message(events.Key("enter", None))
        burst(app, "and more")
        await pilot.pause()
        if gate is not None:
            gate.set()
        await workers_settled(app)
        await pilot.pause()
        assert not isinstance(app.screen, FilePickerScreen)
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.txt"]
        assert app.composer.text == "see and more"
        assert not app.conversation.turns


async def test_enter_in_the_picker_before_its_folder_is_read_waits_for_it(
    emulator, workdir, monkeypatch
):
    """Enter came before the file list and said that no file matched."""
    gate = slow_disk(monkeypatch)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n", "o", "t", "enter")
        assert isinstance(app.screen, FilePickerScreen)
        assert "No file" not in str(app.screen.query_one("#picker-help").render())
        gate.set()
        await workers_settled(app)
        await pilot.pause()
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.txt"]


async def test_picker_filters_fuzzily_with_file_names_first(emulator, workdir):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, "f3")
        assert sorted(picker.shown) == sorted(
            ["blob.bin", "chart.png", "notes.txt", "src/charting.py", "src/main.ts"]
        )
        await pilot.press(*"chrt")
        assert picker.shown == ["chart.png", "src/charting.py"]
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"srcmn")
        # Not in any name: the letters run across the path.
        assert picker.shown == ["src/main.ts"]
        await pilot.press("enter")
        await pilot.pause()
        (attached,) = app.attachment_bar.attachments
        assert (attached.kind, attached.mime_type) == ("text", "text/plain")


async def test_url_goes_as_uri(emulator, workdir):
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot, "f3")
        await pick(pilot, "https://example.com/papers/survey.pdf")
        await open_picker(pilot, "f3")
        await pick(pilot, "https://youtu.be/dQw4w9WgXcQ")
        await type_and_send(pilot, f"compare {word}")
        (body,) = sent_with(emulator, word)
        assert media(body) == [
            {
                "type": "document",
                "uri": "https://example.com/papers/survey.pdf",
                "mime_type": "application/pdf",
            },
            {"type": "video", "uri": "https://youtu.be/dQw4w9WgXcQ"},
        ]


async def test_a_chip_is_removed_from_the_keyboard(emulator, workdir):
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await attach(pilot, "chart", "notes")
        bar = app.attachment_bar
        await pilot.press("f9")
        assert bar.has_focus and bar.selected == 1
        await pilot.press("left", "delete")
        assert [a.name for a in bar.attachments] == ["notes.txt"]
        await pilot.press("escape")
        assert app.composer.has_focus
        await type_and_send(pilot, f"only notes {word}")
        (body,) = sent_with(emulator, word)
        assert [item["type"] for item in attached_items(body)] == ["text"]
        # Removing the last chip hides the bar and goes back to the composer.
        await open_picker(pilot, "f3")
        await pick(pilot, "chart")
        await pilot.press("f9", "backspace")
        assert not bar.attachments and not bar.display and app.composer.has_focus


def big_pdf(workdir) -> None:
    """A sparse file: 60 MB long (PDFs go inline up to 50 MB), nothing written."""
    (workdir / "big.pdf").write_bytes(b"%PDF-1.7\n")
    os.truncate(workdir / "big.pdf", 60_000_000)


def hold_uploads(app) -> asyncio.Event:
    """The real upload, held at its start until the test sets the event returned."""
    go = asyncio.Event()
    upload = app.attachment_bar.uploader
    assert upload is not None

    async def held(attachment, progress):
        await go.wait()
        return await upload(attachment, progress)

    app.attachment_bar.uploader = held
    return go


async def attach_held(pilot, name: str) -> asyncio.Event:
    """Attach ``name`` with F3, its upload held (see :func:`hold_uploads`)."""
    go = hold_uploads(pilot.app)
    await open_picker(pilot, "f3")
    await pick(pilot, name)
    return go


async def test_a_pdf_past_the_inline_limit_goes_through_the_files_api(emulator, workdir):
    big_pdf(workdir)
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        go = await attach_held(pilot, "big.pdf")
        (attached,) = app.attachment_bar.attachments
        assert attached.upload and attached.size == 60_000_000
        assert "big.pdf · document · 60.0 MB · 0%" in app.attachment_bar.chip(attached)
        assert app.status.info.uploads == "uploading big.pdf 0%"
        # Enter while it uploads: the draft goes once the upload is done.
        app.composer.focus()
        app.composer.insert(f"summarise {word}")
        await pilot.press("enter")
        assert "Sending once big.pdf is uploaded" in last_notification(app)
        assert not sent_with(emulator, word) and app.composer.text == f"summarise {word}"
        go.set()
        while not sent_with(emulator, word):
            await finish(pilot)
        await finish(pilot)
        (body,) = sent_with(emulator, word)
        [item] = media(body)
        assert item["type"] == "document" and item["mime_type"] == "application/pdf"
        assert "/files/" in item["uri"] and "data" not in item
        assert "I received your file big.pdf (application/pdf, 60,000,000 bytes)" in (
            app.conversation.turns[-1].reply.state.steps[-1].step.content[0].text
        )
        assert app.status.info.uploads == ""


@pytest.mark.parametrize("how", ["escape", "ctrl+c", "remove the chip"])
async def test_a_send_waiting_for_an_upload_can_be_called_off(emulator, workdir, how):
    """Escape did nothing, Ctrl+C offered to quit, and the prompt went out anyway once the
    upload ended; removing the chip sent the prompt at once, without the file."""
    big_pdf(workdir)
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        go = await attach_held(pilot, "big.pdf")
        app.composer.focus()
        app.composer.insert(f"summarise {word}")
        await pilot.press("enter")
        await pilot.pause()
        assert "Escape cancels the send" in last_notification(app)
        assert app.status.info.uploads == "uploading big.pdf 0% · then sends (Esc cancels)"
        if how == "remove the chip":
            await pilot.press("f9", "delete")
            await pilot.pause()
            said = "Not sent: big.pdf was removed while the prompt waited for it."
        else:
            await pilot.press(how)
            said = "Not sent: the prompt no longer waits for its uploads."
        await pilot.pause()
        assert last_notification(app) == said
        go.set()
        await pilot.pause(0.3)
        await finish(pilot)
        assert not sent_with(emulator, word) and app.conversation.turns == []
        assert app.composer.text == f"summarise {word}"
        if how != "remove the chip":
            assert [a.name for a in app.attachment_bar.attachments] == ["big.pdf"]
            assert app.status.info.uploads == ""


async def test_unknown_binary_type_is_refused_naming_what_is_supported(emulator, workdir):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot, "f3")
        await pick(pilot, "blob")
        assert not app.attachment_bar.attachments
        message = picker_says(app)
        assert "blob.bin" in message and "not one the Gemini API accepts" in message
        assert "PDF" in message and "UTF-8 text" in message


async def test_attachments_survive_a_failed_send_and_f5_resends_them(emulator, workdir):
    # 503 rather than 500: the emulator's Retry-After keeps the client's retries quick.
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot, "f3")
        await pick(pilot, "chart")
        await type_and_send(pilot, f"!fault 503 {word}")
        assert app.conversation.turns[-1].reply.outcome == "failed"
        assert notices(app)[-1].level == "error"
        assert app.composer.text == f"!fault 503 {word}"
        assert [a.name for a in app.attachment_bar.attachments] == ["chart.png"]
        first = len(sent_with(emulator, word))
        await pilot.press("f5")
        await finish(pilot)
        resent = sent_with(emulator, word)[first:]
        assert resent and all(media(body)[0]["mime_type"] == "image/png" for body in resent)
        assert len(app.conversation.turns) == 2
        prompts = [item for item in app.view.items if isinstance(item, UserItem)]
        assert [p.attachments for p in prompts] == [["chart.png · image · 264 B"]] * 2
        assert [a.name for a in app.attachment_bar.attachments] == ["chart.png"]


async def test_attachments_alone_are_a_prompt(emulator, workdir):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.composer.focus()
        await pilot.press("enter")
        assert not app.conversation.turns
        await open_picker(pilot, "f3")
        await pick(pilot, "chart")
        await pilot.press("enter")
        await finish(pilot)
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "completed"
        assert turn.asked.request["input"][0]["content"][0]["mime_type"] == "image/png"
        assert not app.attachment_bar.attachments


async def test_editing_a_prompt_shows_its_chips_and_sends_what_they_show(emulator, workdir):
    """``e`` on a prompt sent with files showed no chips, yet sent its files again, and
    none could be taken off. The draft's own chips wait aside meanwhile."""
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await attach(pilot, "chart", "notes")
        await type_and_send(pilot, f"two files {word}")
        bar = app.attachment_bar
        # A draft with a chip of its own, then the earlier prompt edited.
        await open_picker(pilot, "f3")
        await pick(pilot, "src/main.ts")
        app.composer.insert("my draft")
        await pilot.press("ctrl+l", "home", "e")
        assert app.composer.text == f"two files {word}"
        assert [bar.chip(a) for a in bar.attachments] == [
            "chart.png · image · 264 B",
            "notes.txt · text · 9 B",
        ]
        # Escape gives the draft back, with its chip.
        await pilot.press("escape")
        assert app.composer.text == "my draft"
        assert [a.name for a in bar.attachments] == ["main.ts"]
        # Edited again: one file off (F9, Delete), and sent.
        await pilot.press("ctrl+l", "home", "e", "f9", "home", "delete", "escape")
        assert [a.name for a in bar.attachments] == ["notes.txt"]
        app.composer.insert(" edited")
        await pilot.press("enter")
        await finish(pilot)
        (body,) = sent_with(emulator, f"{word} edited")
        (sent,) = attached_items(body)
        assert sent == {"type": "text", "text": "File notes.txt:\n\nline one\n"}
        # The draft is back, with its chip, once the edit went.
        assert app.composer.text == "my draft"
        assert [a.name for a in bar.attachments] == ["main.ts"]


async def test_text_past_the_models_window_is_refused_before_it_is_sent(emulator, workdir):
    """A 20 MB text file went out without a word and filled the window 477% (the API would
    refuse it); it is said before the request, and the draft stays."""
    (workdir / "big.txt").write_text("word " * 1_100_000)  # 5.5 MB: about 1.4M tokens
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "a first question")
        model = app.conversation.settings.model
        await until(pilot, lambda: app.chat.limits.get(model), "the model's window")
        assert app.attachment_bar.add(str(workdir / "big.txt"))
        app.composer.insert("read this")
        sent = len(emulator.received_requests())
        await pilot.press("enter")
        await pilot.pause()
        assert "tokens with the chat, more than" in last_notification(app)
        assert len(emulator.received_requests()) == sent
        assert app.composer.text == "read this" and len(app.attachment_bar.attachments) == 1


async def test_the_same_file_twice_is_attached_once(emulator, workdir):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await attach(pilot, "notes", "notes")
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.txt"]
        # The picker stays open, saying why: another file can be typed at once.
        assert picker_says(app) == "notes.txt is attached already."


async def test_s_saves_and_o_opens_the_picture_a_prompt_was_sent_with(emulator, workdir):
    """``o`` and ``s`` on your own message said it had no picture, though one went with it;
    a text file sent beside it is in the prompt as text, not a file to save."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await attach(pilot, "chart", "notes")
        await type_and_send(pilot, "what is this")
        prompt = [item for item in app.view.items if isinstance(item, UserItem)][-1]
        app.view.focus()
        app.view.select(app.view.items.index(prompt))
        await pilot.pause()
        before = set(workdir.iterdir())
        await pilot.press("s")
        (saved,) = set(workdir.iterdir()) - before
        assert saved.suffix == ".png" and saved.read_bytes() == PNG
        assert f"Saved {saved}" in last_notification(app)
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "ImageViewerScreen"


async def test_a_chat_read_back_names_its_attachments_as_its_chips_did(emulator, workdir):
    """Read back (Ctrl+O), the prompt said ``image · 264 B`` and ``e`` made chips named
    "attachment": the history kept no file names, nor the options beside them."""
    store = Store(workdir / "history.sqlite3", secrets=[FAKE_KEY])
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.attachment_bar
        assert bar.add("chart.png;resolution=high") and bar.add("notes.txt")
        await type_and_send(pilot, "what are these")
        chips = ["chart.png · image · 264 B · high", "notes.txt · text · 9 B"]
        assert last_prompt(app).attachments == chips
        await pilot.press("ctrl+n", "ctrl+o")
        await pilot.press("enter")  # the one chat stored
        await until(pilot, lambda: app.conversation.turns, "the chat read back")
        assert app.conversation.turns[0].stored is not None
        assert last_prompt(app).attachments == chips
        await pilot.press("ctrl+l", "home", "e")
        assert [bar.chip(a) for a in bar.attachments] == chips
    store.close()


def last_prompt(app) -> UserItem:
    return [item for item in app.view.items if isinstance(item, UserItem)][-1]
