"""Keys typed right behind one that moves the focus reach the widget that has it now.

Textual's App hands each key to the focused widget as soon as it reads it, without waiting for
that widget to handle the key before; a widget's own bindings act only when its key comes back
up to the App. Keys that arrive in one burst (typed fast, over SSH, from tmux send-keys) are
therefore all handed to the widget that had the focus when they were read. ``/`` in the
messages opens the find bar as it comes back up, and the keys behind it then came back up
unhandled from the messages and were lost.

A key that comes back up unhandled from a widget that has lost the focus since is read again,
as if just typed, and goes where the focus is now. It is read again only once: the widget it
goes to has the focus. For that, a key's action moves the focus at once (:func:`focus_now`).
A focus moved one message later is not covered: ``e`` on a prompt in the messages asks for the
edit with a message, and the letters typed right behind it are still lost.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is handled, as a key's action should.

    ``Widget.focus`` waits for the messages already queued, the keys typed right behind among
    them: those then came back up from the old focus before the new one had it."""
    widget.screen.set_focus(widget)


class KeysFollowFocus:
    """A mixin for the App (before ``App`` in its bases)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Each key read from the terminal and not handled yet, with the widget it was handed.
        self._key_holders: weakref.WeakKeyDictionary[events.Key, DOMNode] = (
            weakref.WeakKeyDictionary()
        )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            app: Any = self
            self._key_holders[event] = app.focused or app.screen
        await super().on_event(event)  # type: ignore[misc]

    async def _on_key(self, event: events.Key) -> None:
        holder = self._key_holders.pop(event, None)
        focused = getattr(self, "focused", None)
        if holder is not None and focused is not None and holder is not focused:
            event.prevent_default()  # not the App's bindings: those of the old focus's chain
            self.post_message(events.Key(event.key, event.character))  # type: ignore[attr-defined]
