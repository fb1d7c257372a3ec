"""How dialogs open and close: never a second copy of one, and focus back where it was.

Every screen the app opens goes through ``GemtuiApp.push_screen``, whichever key, palette
command or widget asked for it, so the rules live here once instead of in each action:

* **One copy.** A dialog whose class is already on the stack is not opened again. When the
  open one is on top and its class says so (:meth:`reopened`, the F1, F4 and F7 screens), the
  key that opened it closes it; otherwise the key does nothing, and when the open copy lies
  below another dialog the user is told where it is. So no key ever leaves a stale screen under
  a new one (F2 inside the settings stacked a second settings screen).
* **Focus comes back.** Textual gives a screen that resumes with nothing focused to the first
  focusable widget, here the conversation, whose one-letter keys then act on the selected
  message. A screen loses its focus that way when the terminal reports losing focus (Textual
  clears the focus then) and a dialog opens before the terminal gets it back (the approval
  dialog of a turn, say): Textual then restores the focus only if the same screen is still on
  top, so the screen below is left with none. The widget each screen last focused is kept here
  and given back when the screen resumes without one.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from textual import events
from textual.dom import NoScreen
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App


class TypedForPrompt(Message):
    """Text typed while a dialog opened or closed, meant for the prompt under it: the app
    puts it there (the keys of one burst, or of someone typing on as a dialog comes up)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def pass_to_prompt(screen: Screen[object], event: events.Key) -> bool:
    """Hand the character of ``event`` to the prompt under ``screen`` (:class:`TypedForPrompt`);
    the key goes no further. Whether it had a character to hand on."""
    if not (event.is_printable and event.character):
        return False
    event.stop()
    event.prevent_default()
    screen.post_message(TypedForPrompt(event.character))
    return True


#: What the user is told when the dialog asked for is open below another one.
OPEN_BELOW = "That dialog is already open below this one: Escape goes back to it."


def open_copy(app: App[object], screen: Screen[object]) -> Screen[object] | None:
    """The screen of ``screen``'s class already on the stack, if any."""
    kind = type(screen)
    return next((s for s in app.screen_stack if type(s) is kind and s is not screen), None)


def refuse_second_copy(app: App[object], screen: Screen[object]) -> bool:
    """Whether ``screen`` must not be pushed because a copy is open; handles that copy (closes
    it when it is on top and closes on its own key, says where it is when it is below)."""
    already = open_copy(app, screen)
    if already is None:
        return False
    if already is app.screen:
        reopened = getattr(already, "reopened", None)
        if callable(reopened):
            reopened()
    else:
        app.notify(OPEN_BELOW, severity="warning")
    return True


class FocusMemory:
    """The widget each screen focused last, to give it back when the screen resumes with no
    focus (screens are held weakly: a closed dialog is forgotten with it)."""

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[Screen[object], Widget] = weakref.WeakKeyDictionary()

    def remember(self, widget: Widget) -> None:
        """``widget`` got the focus (call from ``on_descendant_focus``)."""
        try:
            screen = widget.screen
        except NoScreen:  # a widget being removed has no screen any more
            return
        self._last[screen] = widget

    def restore(self, screen: Screen[object]) -> None:
        """``screen`` is on top again: if nothing there has the focus, focus what had it last.

        Called as the screen changes, before Textual handles the screen's resume (which would
        otherwise focus the first focusable widget)."""
        if screen.focused is not None:
            return
        widget = self._last.get(screen)
        if widget is not None and widget.is_attached and widget.focusable:
            screen.set_focus(widget, scroll_visible=False)
