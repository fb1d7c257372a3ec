"""Tell the user that an answer, a background run or an approval request is waiting.

The choice (notification, bell or nothing) is :func:`gemtui.core.notify.how_to_tell`'s, from the
``notify`` and ``notify_after`` settings and whether the terminal says the app has the focus
(Textual asks the terminal for focus reports and keeps the answer in ``App.app_focus``).
Sequences go to the terminal through the app's driver, between frames, like OSC 52 copies.
The multiplexer in between is asked about once per session (it costs up to two ``tmux``
commands), not for every notification.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from textual.app import App

from gemtui.core.clipboard import Route, terminal_route
from gemtui.core.notify import BEL, NotifyMode, how_to_tell, notification

Writer = Callable[[str], None]


class Notifier:
    """``mode`` and ``threshold`` are read at each event, so a changed setting applies at once;
    ``writer`` replaces the terminal (tests capture what would reach it)."""

    def __init__(
        self,
        app: App[object],
        mode: Callable[[], NotifyMode],
        threshold: Callable[[], float],
        *,
        say: Callable[[str], None],
    ) -> None:
        self._app = app
        self._mode = mode
        self._threshold = threshold
        self._say = say
        self.writer: Writer | None = None
        self._route: Route | None = None
        self._told_blocked = False
        #: How the last event was told ("bell", "OSC 9", ...), or "" (for tests and F1 users).
        self.last = ""

    def _write(self, text: str) -> bool:
        write = self.writer
        if write is None and self._app._driver is not None:
            write = self._app._driver.write
        if write is None:
            return False
        try:
            write(text)
        except OSError:
            return False
        return True

    def tell(self, title: str, body: str, elapsed: float) -> str:
        """Tell ``title``/``body`` if the settings and the focus say so; returns how ("" when
        not at all)."""
        how = how_to_tell(
            self._mode(),
            focused=self._app.app_focus,
            elapsed=elapsed,
            threshold=self._threshold(),
        )
        told = ""
        if how == "osc":
            if self._route is None:
                self._route = terminal_route(os.environ)
            delivery = notification(title, body, os.environ, route=self._route)
            if delivery.payload is not None and self._write(delivery.payload):
                told = delivery.via
            else:
                how = "bell"
                # Asked again next time: the user may turn passthrough on, as the hint says.
                self._route = None
                if delivery.why and not self._told_blocked:
                    self._told_blocked = True
                    self._say(delivery.why)
        if how == "bell" and self._write(BEL):
            told = "bell"
        self.last = told
        return told
