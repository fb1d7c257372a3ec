"""Driving the inspector app (``gemtui inspect``) against a loopback upstream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from support.cli_env import FAKE_KEY
from textual.pilot import Pilot

from gemtui.core.store import Store
from gemtui.local_server import bind
from gemtui.ui.app import Connection
from gemtui.ui.inspector.app import InspectorApp


class DrivenInspector(InspectorApp):
    """The inspector, keeping the text of every notification it shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notified: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notified.append(str(message))
        super().notify(message, *args, **kwargs)


def make_inspector(upstream: str, store: Store | None = None, **options: Any) -> DrivenInspector:
    """The inspector with its proxy on 127.0.0.1:0 in front of ``upstream``; its own chats
    go to ``upstream`` too. ``options``: more of InspectorApp's (``recorder=``)."""
    connection = Connection(base_url=upstream, api_key=FAKE_KEY, demo=True, secrets=[FAKE_KEY])
    return DrivenInspector(connection, sock=bind("127.0.0.1", 0), store=store, **options)


async def until(pilot: Pilot, condition: Callable[[], object], what: str = "") -> None:
    """Let the app work until ``condition()`` holds (fails after a generous bound)."""
    for _ in range(4000):
        if condition():
            return
        await asyncio.sleep(0.005)
    await pilot.pause()
    assert condition(), f"never happened: {what}"


def rows(app: InspectorApp) -> list[list[str]]:
    """The captures table as text, row by row."""
    table = app.captures.table
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]
