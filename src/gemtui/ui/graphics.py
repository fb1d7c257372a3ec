"""textual-image, imported so that it asks the terminal about graphics only where that helps.

textual-image probes the terminal when it is imported (a device-attributes query for sixel and
a kitty graphics query, each waiting up to 0.1 s for an answer), and that only works before
Textual owns the terminal, so this module is imported at start-up. Inside tmux or GNU screen
the probe is worse than useless: the multiplexer does not pass graphics through by default,
and tmux shows the kitty query as the pane title. Where the probe cannot find anything better
than half blocks it is skipped, and the viewer uses half blocks (which work over any SSH link).
``GEMTUI_IMAGES=halfblock`` skips it too.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import IO, Any

#: Terminals known to have neither sixel nor the kitty protocol.
_PLAIN_TERMINALS = ("linux", "dumb", "vt100", "vt220", "ansi")


def probe_is_useful(environ: Mapping[str, str], stdout: IO[Any] | None) -> bool:
    """Whether asking the terminal for graphics support can find more than half blocks."""
    if stdout is None or not stdout.isatty():
        return False
    if environ.get("GEMTUI_IMAGES", "").lower() == "halfblock":
        return False
    if environ.get("TMUX") or environ.get("STY"):
        return False
    term = environ.get("TERM", "")
    return not (term in _PLAIN_TERMINALS or term.startswith(("screen", "tmux")))


@contextmanager
def _terminal_hidden(hide: bool) -> Iterator[None]:
    """textual-image decides whether to ask from ``sys.__stdout__.isatty()`` at import (and
    then assumes the common 10×20-pixel cell)."""
    saved = sys.__stdout__
    if hide:
        sys.__stdout__ = io.StringIO()  # type: ignore[misc]  # not a terminal: nothing is asked
    try:
        yield
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]


def load_textual_image() -> tuple[ModuleType, ModuleType]:
    """textual-image's renderable and widget packages, asking the terminal only if useful.

    The first call decides; call it before the app starts where the answer matters (launch
    does, by importing the image viewer), or any time where it does not.
    """
    with _terminal_hidden(not probe_is_useful(os.environ, sys.__stdout__)):
        from textual_image import renderable, widget
    return renderable, widget
