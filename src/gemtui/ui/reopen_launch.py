"""Start the TUI on an interaction (``gemtui show ID``) or a recording (``gemtui replay FILE``).

The app is the normal one, connected as :func:`~gemtui.ui.launch.run_tui` connects it (key,
endpoint, demo emulator, history), so after the reopened turn the user can go on chatting.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from gemtui.config import LoadedSettings
from gemtui.core.recording import Recording
from gemtui.core.store import Store
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.launch import run_tui

Opener = Callable[[GemtuiApp], None]


class ReopenApp(GemtuiApp):
    """The app, which opens something as its first turn once it is on screen."""

    def __init__(
        self,
        connection: Connection,
        *,
        opener: Opener,
        loaded: LoadedSettings | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__(connection, loaded=loaded, store=store)
        self._opener = opener

    def on_mount(self) -> None:
        # Textual runs GemtuiApp.on_mount too (handlers run for every class in the MRO); the
        # opener starts after the first refresh, once that has set up the panes.
        self.call_after_refresh(self._opener, self)


def run_show(
    interaction_id: str,
    *,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Run the TUI with the interaction ``interaction_id`` as its first turn."""
    opener = partial(GemtuiApp.open_interaction, interaction_id=interaction_id)
    return run_tui(
        demo=demo, config=config, overrides=overrides, app_factory=partial(ReopenApp, opener=opener)
    )


def run_replay(
    recording: Recording,
    *,
    speed: float,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Run the TUI replaying ``recording`` at ``speed`` times its pace (0: at once)."""
    opener = partial(GemtuiApp.replay, recording=recording, speed=speed)
    return run_tui(
        demo=demo, config=config, overrides=overrides, app_factory=partial(ReopenApp, opener=opener)
    )
