"""What ``gemtui ask`` keeps in the history: each question as a turn, unless ``--no-history``.

The writing itself is the core :class:`~gemtui.core.chat_history.ChatHistory`'s, as in the TUI:
a run that continues an earlier interaction (``--continue``) becomes the next turn of the
conversation that interaction belongs to, and a ``--background`` run is saved as a pending turn
that the ``--wait`` fetching its result completes. Here is only how it is opened and how its
failures are told: one line on stderr, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterable

from gemtui.core.chat_history import ChatHistory
from gemtui.core.store import Store, StoreError
from gemtui.headless.output import Messages


def open_history(secrets: Iterable[str], messages: Messages, *, enabled: bool) -> ChatHistory:
    """The history of this run (off when not ``enabled`` or when it cannot be opened)."""

    def warn(error: StoreError) -> None:
        messages.say(f"the history was not saved: {error.explained()}")

    store = None
    if enabled:
        try:
            store = Store.open_default(secrets=secrets)
        except StoreError as error:
            warn(error)
    return ChatHistory(store, warn)


def close_history(history: ChatHistory) -> None:
    if history.store is not None:
        history.store.close()
