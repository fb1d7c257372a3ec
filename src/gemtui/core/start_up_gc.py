"""Keep Python's cyclic garbage collector still while gemtui starts.

Start-up makes objects that live as long as the process (modules, classes, pydantic schemas,
Textual's styles) in one long burst, and the collector runs whenever enough of them pile up:
a dozen young collections and a full one that walk all of them again and free almost
nothing. Measured with ``gc.callbacks``: about 35 ms of the imports before the TUI's first
frame, 15 ms before ``gemtui ask``'s request. Held off until the program is up, the collector
then runs once, over start-up's garbage, before what lives on is frozen out of its sight.

Only the two paths whose start-up has a budget hold it (``bench/startup.py``): the chat TUI
until its warm-up is done, after the first frame; ``gemtui ask`` for its first second, or
until it ends if sooner.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_held = False


def hold() -> None:
    """Stop the collector until :func:`release` (a no-op if something else stopped it)."""
    global _held
    with _lock:
        if gc.isenabled():
            gc.disable()
            _held = True


def release(*, freeze: bool = False) -> None:
    """Start-up is over: collect its garbage and let the collector run again.

    ``freeze`` then moves every object alive into the permanent generation, so the
    collections that follow walk only what is made after (``gc.freeze``). Called when nothing
    was held, it only freezes (if asked): a second warm-up, or tests that never held it.
    """
    global _held
    with _lock:
        was_held, _held = _held, False
        if was_held:
            gc.collect()
        if freeze:
            gc.freeze()
        if was_held:
            gc.enable()
