"""Driving the real app against the loopback emulator."""

from __future__ import annotations

import asyncio

from support.cli_env import FAKE_KEY
from textual import events
from textual.pilot import Pilot

from gemtui.config import LoadedSettings
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
    loaded: LoadedSettings | None = None,
) -> GemtuiApp:
    """The app on ``emulator``; ``loaded``: the user's settings as if read from a config file
    (the settings pane then saves into that file)."""
    connection = Connection(
        base_url=emulator.base_url,
        api_key=api_key,
        demo=True,
        secrets=[api_key] if api_key else [],
    )
    return GemtuiApp(connection, settings, loaded=loaded, store=store)


async def send(pilot: Pilot, prompt: str, *, wait: bool = True) -> None:
    """Type ``prompt`` into the composer (as text, so escapes and brackets go in verbatim)."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    app.composer.focus()
    app.composer.load_text(prompt)
    if wait:
        await pilot.press("enter")
        await finish(pilot)
    else:
        # Pilot.press waits for the app to go idle, which a streaming turn (a repaint every
        # 50 ms) may not do until it ends; post the key instead and let the test watch.
        started = len(app.conversation.turns)
        app.post_message(events.Key("enter", None))
        for _ in range(1000):
            if len(app.conversation.turns) > started:
                return
            await asyncio.sleep(0.005)
        raise AssertionError("the app did not start a turn for the Enter key")


async def finish(pilot: Pilot) -> None:
    """Wait until the running turn is over and its last flush is painted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def answers(app: GemtuiApp) -> list[AnswerItem]:
    return [item for item in app.view.items if isinstance(item, AnswerItem)]


def notices(app: GemtuiApp) -> list[NoticeItem]:
    return [item for item in app.view.items if isinstance(item, NoticeItem)]


def notifications(app: GemtuiApp) -> list[str]:
    """The messages of the notifications (toasts) the app has shown, oldest first."""
    return [str(notification.message) for notification in app._notifications]


def last_notification(app: GemtuiApp) -> str:
    return notifications(app)[-1]
