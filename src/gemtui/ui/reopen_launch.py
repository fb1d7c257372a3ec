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
from gemtui.core.interaction_ids import refused_id
from gemtui.core.recording import Recording
from gemtui.core.store import Store, StoreError
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.launch import REPLAY_NO_KEY_NOTICE, run_tui

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
    """Run the TUI with the interaction ``interaction_id`` as its first turn; a word that
    cannot be an id is a usage error, said before any screen (it went to the server, and the
    TUI opened on its HTTP 404)."""
    opener = partial(_show, interaction_id=interaction_id)
    return run_tui(
        demo=demo,
        config=config,
        overrides=overrides,
        app_factory=partial(ReopenApp, opener=opener),
        refuse=partial(_refused, interaction_id),
    )


def _refused(interaction_id: str, connection: Connection, store: Store | None) -> str | None:
    """``gemtui show``'s line saying why ``interaction_id`` is not asked for, or ``None``."""
    said = refused_id(
        interaction_id, demo=connection.demo, base_url=connection.base_url, store=store
    )
    return f"gemtui show: {said}" if said else None


def run_replay(
    recordings: list[Recording],
    *,
    speed: float,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Run the TUI replaying ``recordings`` one after another (the turns of a tool loop, or
    the exchanges ``gemtui proxy --record`` wrote) at ``speed`` times their pace (0: at once)."""
    opener = partial(_replay_all, recordings=recordings, speed=speed)
    return run_tui(
        demo=demo,
        config=config,
        overrides=overrides,
        app_factory=partial(ReopenApp, opener=opener),
        no_key_notice=REPLAY_NO_KEY_NOTICE,
    )


def run_resume(
    reference: str | None,
    *,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> int:
    """``gemtui --continue`` (``reference`` ``None``: the last conversation) and ``gemtui
    --resume [ID]`` (``""``: the list of conversations). What names nothing is said on stderr
    before any screen is drawn, with exit code 1."""
    import sys

    from gemtui.core.resume import NothingToResume, find_conversation, last_conversation
    from gemtui.core.store import StoreError, default_path

    flag = "--continue" if reference is None else "--resume"
    opener: Opener
    try:
        if not default_path().exists():
            raise NothingToResume(f"nothing to {flag[2:]}: there is no history yet. Start a "
                                  "conversation with gemtui.")  # fmt: skip
        with Store.open_default(read_only=True) as store:
            if reference == "":
                if not store.list_conversations(archived=None):
                    raise NothingToResume("nothing to resume: the history holds no "
                                          "conversation yet. Start one with gemtui.")  # fmt: skip
                opener = GemtuiApp.action_history
            else:
                target = (
                    last_conversation(store)
                    if reference is None
                    else find_conversation(store, reference)
                )
                opener = partial(
                    GemtuiApp.open_stored,
                    conversation_id=target.conversation_id,
                    turn_id=target.turn_id,
                )
    except NothingToResume as error:
        sys.stderr.write(f"gemtui {flag}: {error}\n")
        return 1
    except StoreError as error:
        sys.stderr.write(f"gemtui {flag}: nothing to open: {error.explained()}\n")
        return 1
    return run_tui(
        demo=demo, config=config, overrides=overrides, app_factory=partial(ReopenApp, opener=opener)
    )


def _replay_all(app: GemtuiApp, recordings: list[Recording], speed: float) -> None:
    """Replay each recording as the next turn, as the app's one turn worker."""

    async def replay_each() -> None:
        for recording in recordings:
            await app.chat.replay(recording, speed)

    app.run_turn(replay_each())


def _show(app: GemtuiApp, interaction_id: str) -> None:
    """A captured interaction (``gemtui proxy``) opens from the history, in its conversation
    with its turn selected: that is what the program got. Any other opens where the history
    holds it, else it is fetched by id (:meth:`GemtuiApp.open_interaction`)."""
    store = app.store
    stored = None
    if store is not None:
        try:
            turn_id = store.find_captured(interaction_id)
            stored = store.turn(turn_id) if turn_id is not None else None
        except StoreError:
            stored = None
    if stored is not None:
        app.open_stored(stored.conversation_id, stored.id, to_prompt=True)  # see open_interaction
    else:
        app.open_interaction(interaction_id)
