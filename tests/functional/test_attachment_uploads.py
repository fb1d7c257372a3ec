"""Attachment chips and the Files API in the real app: ``u`` sends a file through the Files
API, ``o`` sets a chip's options (resolution, a video's processing, a URI's MIME type), a Files
API URI gets its type from the Files API, and a failed lookup says so on the chip."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.chat_driver import FAKE_KEY, finish, last_notification, make_app, marker, sent_with
from textual.widgets import Input, Select, Static

from gemtui.ui.screens.attachment_options import AttachmentOptionsScreen

MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(64)


def user_items(body: dict) -> list[dict]:
    step = [s for s in body["input"] if s.get("type") == "user_input"][-1]
    return step["content"][:-1]


async def send_draft(pilot, text: str) -> None:
    app = pilot.app
    app.composer.focus()
    app.composer.load_text(text)
    await pilot.press("enter")
    await finish(pilot)


async def test_u_sends_a_small_file_through_the_files_api(emulator, tmp_path: Path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\nship it\n")
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.attachment_bar
        assert bar.add(str(notes))
        await pilot.press("f9", "u")
        await finish(pilot)
        (attached,) = bar.attachments
        assert attached.uploaded and bar.chip(attached) == "notes.md · text · 15 B · uploaded"
        await send_draft(pilot, f"read {word}")
        (body,) = sent_with(emulator, word)
        [item] = user_items(body)
        assert item["type"] == "document" and item["mime_type"] == "text/plain"
        assert "/files/" in item["uri"]
        answer = app.conversation.turns[-1].reply.state.steps[-1].step.content[0].text
        assert "I received your file notes.md (text/plain, 15 bytes)" in answer


async def test_o_sets_a_videos_resolution_and_segment(emulator, tmp_path: Path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(MP4)
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.attachment_bar
        assert bar.add(str(clip))
        await pilot.press("f9", "o")
        screen = app.screen
        assert isinstance(screen, AttachmentOptionsScreen)
        screen.query_one("#resolution", Select).value = "low"
        screen.query_one("#fps", Input).value = "2"
        screen.query_one("#start", Input).value = "20s"
        screen.query_one("#end", Input).value = "10s"
        await pilot.press("ctrl+s")
        assert app.screen is screen  # refused: the end comes before the start
        assert "end must come after start" in str(screen.query_one("#options-error").render())
        screen.query_one("#end", Input).value = "30.5s"
        await pilot.press("ctrl+s")
        assert app.screen is not screen
        (attached,) = bar.attachments
        assert bar.chip(attached) == "clip.mp4 · video · 76 B · low · 2 fps · 20s–30.5s"
        await send_draft(pilot, f"watch {word}")
        (body,) = sent_with(emulator, word)
        [item] = user_items(body)
        assert item["resolution"] == "low"
        assert item["processing"] == {
            "type": "static", "fps": 2.0, "start_offset": "20s", "end_offset": "30.5s",
        }  # fmt: skip


def uploaded_uri(emulator) -> str:
    """Upload a small video straight through the emulator's Files API; its URI."""
    start = httpx.post(
        f"{emulator.base_url}/upload/v1beta/files",
        headers={
            "x-goog-api-key": FAKE_KEY,
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(MP4)),
            "X-Goog-Upload-Header-Content-Type": "video/mp4",
        },
        json={"file": {"displayName": "talk.mp4"}},
    )
    session = start.headers["x-goog-upload-url"]
    done = httpx.post(
        session,
        content=MP4,
        headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"},
    )
    return done.json()["file"]["uri"]


async def test_a_files_api_uri_gets_its_type_and_a_gs_uri_takes_one(emulator, tmp_path: Path):
    uri = uploaded_uri(emulator)
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.attachment_bar
        assert bar.add(uri)
        await finish(pilot)
        (attached,) = bar.attachments
        # The Files API said what it is (and the video, processing at first, became usable).
        assert (attached.name, attached.kind, attached.mime_type) == (
            "talk.mp4",
            "video",
            "video/mp4",
        )
        assert bar.add("gs://bucket/raw/take") is False
        assert "gs://bucket/clip;mime=video/mp4" in last_notification(app)
        assert bar.add("gs://bucket/raw/take;mime=audio/wav")
        await send_draft(pilot, f"compare {word}")
        (body,) = sent_with(emulator, word)
        assert user_items(body) == [
            {"type": "video", "uri": uri, "mime_type": "video/mp4"},
            {"type": "audio", "uri": "gs://bucket/raw/take", "mime_type": "audio/wav"},
        ]


async def test_a_failed_lookup_shows_on_the_chip_and_the_server_says_why(emulator):
    uri = "https://generativelanguage.googleapis.com/v1beta/files/nosuchfile"
    word = marker()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.attachment_bar
        assert bar.add(uri)
        await finish(pilot)
        (attached,) = bar.attachments
        assert bar.chip(attached).endswith("· upload failed")
        assert "HTTP 403 permission_denied" in last_notification(app)
        await send_draft(pilot, f"see {word}")
        # Sent as the user attached it: the server refuses the URI, and says why.
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "failed" and len(sent_with(emulator, word)) == 1
        assert "files/nosuchfile" in str(turn.reply.error)


async def test_an_uploaded_text_file_says_it_has_no_options(emulator, tmp_path: Path):
    """Uploaded, a file is sent by its URI; the dialog took it for a URI typed by the user,
    offered no MIME field (its type is known) and said nothing at all."""
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\n")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.attachment_bar.add(str(notes))
        await pilot.press("f9", "u")
        await finish(pilot)
        (attached,) = app.attachment_bar.attachments
        assert attached.uploaded
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, AttachmentOptionsScreen)
        said = [str(widget.render()) for widget in screen.query(Static)]
        assert "A document or text file has no options." in said
        assert not screen.query(Input)
