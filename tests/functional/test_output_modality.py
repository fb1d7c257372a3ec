"""What F2's "Ask for" sends and shows: only what is asked for (an aspect ratio left from an
earlier image is not sent with a document), and a new chat asks for what the config says."""

from __future__ import annotations

from support.chat_driver import make_app, send

from gemtui.config import LoadedSettings, Settings
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.store import Store


def loaded(tmp_path, **output: str) -> LoadedSettings:
    settings = Settings.model_validate({"output": output})
    return LoadedSettings(settings, tmp_path / "config.toml")


async def test_a_document_is_asked_for_without_a_leftover_aspect_ratio(emulator, tmp_path):
    """``modality="document"`` with ``aspect_ratio="21:9"`` sent an image response format
    too, and the status bar said image+document."""
    app = make_app(emulator, loaded=loaded(tmp_path, modality="document", aspect_ratio="21:9"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.status.info.extras == "document"
        await send(pilot, "make it")
        request = app.conversation.turns[-1].asked.request
        assert "response_format" not in request
        assert request["response_modalities"] == ["document"]


async def test_an_aspect_ratio_alone_still_asks_for_an_image(emulator, tmp_path):
    app = make_app(emulator, loaded=loaded(tmp_path, aspect_ratio="21:9"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.status.info.extras == "image"
        await send(pilot, "a cat")
        request = app.conversation.turns[-1].asked.request
        assert request["response_format"] == {"type": "image", "aspect_ratio": "21:9"}


async def test_ctrl_n_after_opening_a_stored_chat_asks_for_what_the_config_says(emulator, tmp_path):
    """Ctrl+N copied the settings of the chat shown: after Ctrl+O on a text-only chat, the
    configured "Ask for: image" was gone. A new chat starts from the settings; what the user
    chose by command (/model) still carries over."""
    store = Store(tmp_path / "history.sqlite3")
    plain = Conversation(settings=ChatSettings())
    old = store.create_conversation(plain.settings)
    app = make_app(emulator, loaded=loaded(tmp_path, modality="image"), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.status.info.extras == "image"
        app.open_stored(old)
        await pilot.pause()
        await send(pilot, "/model gemini-3-pro-image")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.status.info.extras == "image"
        assert app.conversation.settings.response_format == {"type": "image"}
        assert app.conversation.settings.model == "gemini-3-pro-image"
