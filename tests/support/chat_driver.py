"""Driving the real app against the loopback emulator."""

from __future__ import annotations

from support.cli_env import FAKE_KEY
from textual.pilot import Pilot

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.emulator.run import RunningEmulator
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.chat_items import AnswerItem, NoticeItem


def make_app(
    emulator: RunningEmulator,
    *,
    api_key: str | None = FAKE_KEY,
    settings: ChatSettings | None = None,
    store: Store | None = None,
) -> GemtuiApp:
    connection = Connection(
        base_url=emulator.base_url,
        api_key=api_key,
        demo=True,
        secrets=[api_key] if api_key else [],
    )
    return GemtuiApp(connection, settings, store=store)


async def send(pilot: Pilot, prompt: str, *, wait: bool = True) -> None:
    """Type ``prompt`` into the composer (as text, so escapes and brackets go in verbatim)."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    app.composer.focus()
    app.composer.load_text(prompt)
    await pilot.press("enter")
    if wait:
        await finish(pilot)


async def finish(pilot: Pilot) -> None:
    """Wait until the running turn is over and its last flush is painted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def answers(app: GemtuiApp) -> list[AnswerItem]:
    return [item for item in app.view.items if isinstance(item, AnswerItem)]


def notices(app: GemtuiApp) -> list[NoticeItem]:
    return [item for item in app.view.items if isinstance(item, NoticeItem)]
