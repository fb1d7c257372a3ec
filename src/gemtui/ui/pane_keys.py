"""Keys a pane handles itself, declared for F1 (:mod:`gemtui.ui.screens.help_screen`).

A pane that takes a key in its ``on_key`` (before any binding runs: the prompt's Enter, its
Up at the first line, ``@``) has no binding for F1 to list; without a word from the pane F1
showed the text field's own binding on that key instead (``↓ Scroll Down`` in the find bar).
The pane says what the key does in a ``HELP_KEYS`` tuple of :class:`PaneKey`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaneKey:
    """A key a pane handles itself, as F1 lists it (not a binding: the keymap cannot move it)."""

    #: Textual key names, comma-separated (``up``, ``shift+enter,ctrl+enter``).
    keys: str
    description: str
    #: Shown instead of the keys' names (a chord, a typed character).
    display: str = ""
    #: The text field's own binding on these keys never acts in this pane: F1 leaves it out.
    #: False where it still does, sometimes (the prompt's Up moves the cursor but on line 1).
    replaces: bool = True
