"""Rows for the media of an answer that a terminal cannot show: audio, video, documents.

Each item is one line, ``♪ audio · audio/wav · 1.2 s · 46.9 KB · o open · s save``: its type,
MIME type, duration or pages where the file's header says them, and size. The facts are read
once per item (decoding is the cost) and the line is cut to the pane's width. The glyphs are in
the plain console font (CP437), like the rest of the conversation's.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from gemtui.api.models import MediaContent
from gemtui.core.media import MediaFacts, facts_of
from gemtui.core.safety import clean_terminal_text

GLYPHS = {"audio": "♪", "video": "■", "document": "≡"}
MEDIA_KEYS = "o open · s save"


class MediaRow:
    """One media item of an answer as a line of text."""

    def __init__(self, item: MediaContent) -> None:
        self.item = item
        self._facts: MediaFacts | None = None

    @property
    def facts(self) -> MediaFacts:
        if self._facts is None:
            self._facts = facts_of(self.item)
        return self._facts

    def text(self, style: Style, dim: Style) -> Text:
        facts = self.facts
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{GLYPHS.get(facts.kind, '•')} ", style)
        # MIME types and links come from the server: no control characters on screen.
        line.append(clean_terminal_text(facts.describe()), style)
        line.append(f" · {MEDIA_KEYS}", dim)
        return line
