"""The account's custom agents (``/agents``), offered beside the SDK's agents by ``/agent``
completion and F2's agent field.

Listed once, in the background, the first time a name is wanted (or whenever Alt+A lists
them), then kept for the session: start-up and the first frame never wait for the API, and
typing never does. A listing that fails leaves the SDK's names only, and is tried again at
most every :data:`RETRY_AFTER` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from gemtui.core.model_names import SDK_AGENTS

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: Seconds before a failed listing is tried again (typing asks on every key).
RETRY_AFTER = 30.0


class CustomAgents:
    """The ids of ``app``'s custom agents; ``changed`` is called when a listing brings them."""

    def __init__(self, app: GemtuiApp, changed: Callable[[], None]) -> None:
        self.app = app
        self.changed = changed
        self.ids: tuple[str, ...] = ()
        #: When the last listing started (``None``: never, or forgotten).
        self._asked_at: float | None = None
        self._listed = False

    def names(self) -> list[str]:
        """The custom agents known now, then the SDK's; starts a listing if none is known."""
        self._list_if_due()
        return list(dict.fromkeys([*self.ids, *SDK_AGENTS]))

    def known(self, ids: Iterable[str]) -> None:
        """The agents as listed (by Alt+A, or here)."""
        self.ids = tuple(agent_id for agent_id in ids if agent_id)
        self._listed = True
        self.changed()

    def forget(self) -> None:
        """Another account or server: list again when next wanted."""
        self.ids, self._listed, self._asked_at = (), False, None

    def _list_if_due(self) -> None:
        if self._listed:
            return
        now = time.monotonic()
        if self._asked_at is not None and now - self._asked_at < RETRY_AFTER:
            return
        self._asked_at = now
        self.app.run_worker(self._list, group="custom-agents",
                            exclusive=True, exit_on_error=False)  # fmt: skip

    async def _list(self) -> None:
        # Imported here: httpx and the models load after the first frame.
        from gemtui.api.errors import GemtuiApiError
        from gemtui.api.resources import Resources

        try:
            agents = await Resources(self.app.client).list_agents()
        except (GemtuiApiError, ValueError):
            return  # offline or refused: the SDK's names stay; tried again later
        self.known(agent.id or "" for agent in agents)
