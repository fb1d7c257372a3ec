"""Keys are handled in the order they were typed, also when they arrive in one burst.

Textual's App hands each key to the focused widget as soon as it reads it, without waiting for
that widget to handle the key before, and a widget's bindings act only when its key comes back
up to the App. Keys that arrive in one burst (typed fast, over SSH, from tmux send-keys) were
therefore handled out of order: Left then ``X`` put the X at the end and then moved the cursor;
Ctrl+U then ``first`` typed "first" and then deleted it; ``/`` in the messages opened the find
bar only after the letters behind it had come back up unhandled, and they were lost; ``e`` on a
prompt lost the letters typed right behind it.

So the App hands on the next key only once the one before is done: a :class:`KeyDone` sent
behind it to the widget it went to comes back up, which it does after that key (and its
binding, if it came back up). Then one more round, so that what the key asked for with a
message has happened too (``@`` asks the App for the file picker, ``e`` for the edit). A key
that comes back up from a widget that has lost the focus since is read again, as if just typed,
and goes where the focus is now. A bracketed paste takes its place in the same line: pasted
between keys, it lands between them. Should a ``KeyDone`` never come back (a widget that
stops it), the keys waiting go on :data:`GIVE_UP_SECONDS` after it was handed on; a widget
removed with its key still sends it on, and one already closing takes none.

Key actions that move the focus do it at once (:func:`focus_now`): ``Widget.focus`` waits for
the messages already queued.
"""

from __future__ import annotations

from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.timer import Timer
    from textual.widget import Widget

#: How long keys wait for the one before them at most, from when it was handed on. A safety
#: net: no flow of the app loses a ``KeyDone``. Generous, because giving up too soon hands keys
#: on out of order: at 0.25 s, ``@`` and letters in one burst lost a letter when the file picker
#: took that long to open, on a loaded machine.
GIVE_UP_SECONDS = 1.0

#: What is handed on in the order typed.
Typed = events.Key | events.Paste


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is handled, as a key's action should.

    ``Widget.focus`` waits for the messages already queued, and the widget that had the focus
    could still take a key meanwhile."""
    widget.screen.set_focus(widget)


class KeyDone(Message):
    """Sent behind ``typed`` to the widget it was handed; back at the App, it is done there."""

    def __init__(self, typed: Typed, *, second: bool = False) -> None:
        super().__init__()
        self.typed = typed
        #: The second round, behind what the key (or its binding) posted.
        self.second = second


class KeysInOrder:
    """A mixin for the App (before ``App`` in its bases)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The key or paste handed to a widget and not done yet, that widget, and when.
        self._out: Typed | None = None
        self._holder: DOMNode | None = None
        self._out_since = 0.0
        #: Keys and pastes read while one was out, in order.
        self._waiting: deque[Typed] = deque()
        self._give_up: Timer | None = None
        #: When the last key or paste came from the terminal (``monotonic()``): a dialog that
        #: opens while the user is typing tells typing from a decision by it.
        self.typed_at = 0.0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, Typed) and not event.is_forwarded:
            self.typed_at = monotonic()
            if self._out is not None:
                self._waiting.append(event)
                self._watch_out()
                return
            await self._read(event)
            return
        await super().on_event(event)  # type: ignore[misc]

    @property
    def _app(self) -> Any:
        return self

    async def _read(self, typed: Typed) -> None:
        """Handle a key as Textual does (priority bindings, else hand it to the focus), a paste
        too (hand it to the focus), then wait for it if it was handed on."""
        app = self._app
        holder = app.focused or app.screen
        await super().on_event(typed)  # type: ignore[misc]
        # A widget that is closing takes no message: then there is nothing to wait for.
        if typed.is_forwarded and holder.post_message(KeyDone(typed)):
            self._out, self._holder, self._out_since = typed, holder, monotonic()

    def _watch_out(self) -> None:
        """Be back when the one out has been out for :data:`GIVE_UP_SECONDS`. One timer at a
        time: it looks at whichever is out when it fires, so a long burst costs few."""
        if self._give_up is None:
            delay = self._out_since + GIVE_UP_SECONDS - monotonic()
            self._give_up = self._app.set_timer(max(delay, 0.0), self._check_out)

    async def _check_out(self) -> None:
        self._give_up = None
        if self._out is None or not self._waiting:
            return
        if monotonic() < self._out_since + GIVE_UP_SECONDS:
            self._watch_out()  # another went out since the timer was set
            return
        await self._done()

    async def _on_key(self, event: events.Key) -> None:
        """A key back up from its widget (its bindings run next, in the App's own handler)."""
        if event is not self._out:
            return
        focused = self._app.focused
        if focused is not None and focused is not self._holder:
            event.prevent_default()  # not the bindings of the new focus's chain: read it again
            self._waiting.appendleft(events.Key(event.key, event.character))

    async def on_key_done(self, message: KeyDone) -> None:
        message.stop()
        holder = self._holder
        if message.typed is not self._out:
            return  # given up on already
        if (
            not message.second
            and holder is not None
            and holder.is_attached
            and holder.post_message(KeyDone(message.typed, second=True))
        ):
            return
        await self._done()

    async def _done(self) -> None:
        """The one out is done (or given up on): read what waited, in order."""
        self._out = self._holder = None
        while self._out is None and self._waiting:
            await self._read(self._waiting.popleft())
        if self._out is not None and self._waiting:
            self._watch_out()
