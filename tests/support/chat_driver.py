"""Driving the real app against the loopback emulator."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from support.cli_env import FAKE_KEY
from textual import events
from textual.command import CommandInput, CommandList
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from gemtui.config import LoadedSettings
from gemtui.core.conversation import ChatSettings
from gemtui.core.recording import Recording
from gemtui.core.store import Store
from gemtui.core.turn import Turn
from gemtui.emulator.run import RunningEmulator
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render.chat_items import AnswerItem, NoticeItem


class DrivenApp(GemtuiApp):
    """The app, keeping the text of every notification it shows (for the tests to read)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notified: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notified.append(str(message))
        super().notify(message, *args, **kwargs)


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
    return DrivenApp(connection, settings, loaded=loaded, store=store)


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


async def palette(pilot: Pilot, typed: str) -> None:
    """Run the palette's first match for ``typed`` as a user does: Ctrl+P, type, Enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    screen = pilot.app.screen
    screen.query_one(CommandInput).value = typed
    matches = screen.query_one(CommandList)
    for _ in range(1000):  # the palette gathers its matches in a worker
        if matches.option_count:
            break
        await pilot.pause(0.005)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], object], what: str) -> None:
    """Let the app run until ``condition()`` holds (the loop hops between workers)."""
    for _ in range(2000):
        if condition():
            return
        await pilot.pause(0.005)
    raise AssertionError(f"timed out waiting for {what}")


async def workers_settled(app: GemtuiApp) -> None:
    """Wait until every worker has ended. One cancelled on its way counts as ended: a dialog
    that closes itself from its own worker's callback (the file picker, once its folder is
    read) cancels that worker, and ``wait_for_complete`` raised then, by chance of timing."""
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def finish(pilot: Pilot) -> None:
    """Wait until the running turn is over and its last flush is painted, and for what its
    end started in the background (the model's input token limit for the status bar). A
    cancelled turn (Escape, Ctrl+C) is an end too."""
    for _ in range(2):
        await workers_settled(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()


async def replay(pilot: Pilot, recording: Recording, speed: float = 0) -> Turn:
    """Play ``recording`` into the app as its turn and wait until it is shown."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    app.replay(recording, speed)
    await finish(pilot)
    return app.conversation.turns[-1]


async def open_id(pilot: Pilot, interaction_id: str) -> Turn | None:
    """Open the stored interaction as the app's turn; ``None`` when nothing was added."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    before = len(app.conversation.turns)
    app.open_interaction(interaction_id)
    await finish(pilot)
    turns = app.conversation.turns
    return turns[-1] if len(turns) > before else None


def answers(app: GemtuiApp) -> list[AnswerItem]:
    return [item for item in app.view.items if isinstance(item, AnswerItem)]


def notices(app: GemtuiApp) -> list[NoticeItem]:
    return [item for item in app.view.items if isinstance(item, NoticeItem)]


def notifications(app: GemtuiApp) -> list[str]:
    """The messages of the notifications (toasts) the app has shown, oldest first."""
    assert isinstance(app, DrivenApp), "make the app with make_app to read its notifications"
    return app.notified


def last_notification(app: GemtuiApp) -> str:
    return notifications(app)[-1]


def detail_text(app: GemtuiApp) -> str:
    """Every line of the timeline's detail pane (its facts and JSON), as one text."""
    detail = app.step_detail
    return " ".join(detail.line_text(n) for n in range(detail.virtual_size.height))


def marker() -> str:
    """A word no other test sends, to find this test's requests in the shared emulator."""
    return f"word-{uuid.uuid4().hex[:10]}"


def sent_with(emulator, word: str) -> list[dict]:
    """The bodies of the create requests whose prompt holds ``word``, oldest first."""
    bodies = []
    for request in emulator.received_requests():
        body = request.get("body") or {}
        steps = body.get("input") if isinstance(body, dict) else None
        if not isinstance(steps, list):  # other clients (the SDK) send a string input too
            continue
        for step in steps:
            if not isinstance(step, dict):
                continue
            texts = [c.get("text", "") for c in step.get("content", []) if c.get("type") == "text"]
            if any(word in text for text in texts):
                bodies.append(body)
    return bodies
