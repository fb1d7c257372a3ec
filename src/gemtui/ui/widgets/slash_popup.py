"""The completion list of slash commands, just above the prompt while a ``/command`` is typed.

It never takes the focus: the composer hands it Up/Down (choose), Tab (complete), Enter
(complete, and run a command that needs nothing more) and Escape (close until the text
changes). The composer brings it up to date with the text before each of those keys: the app
hears that the text changed only after the keys already queued, so a command typed fast and
then Enter took what the list held for an earlier text (``/export md`` ran as ``/agent``).

At most :data:`ROWS` rows, one per command or argument, so it fits at 80×24 with the
conversation still in view; the chosen row stays in the window as it moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from gemtui.core.safety import one_line

if TYPE_CHECKING:
    from gemtui.ui.chat.commands import Candidate

ROWS = 6


class SlashPopup(Widget):
    """Shows candidates; ``current`` is the chosen one."""

    COMPONENT_CLASSES = {"slash-popup--chosen", "slash-popup--help", "slash-popup--more"}
    DEFAULT_CSS = """
    SlashPopup { height: auto; max-height: 6; display: none; background: $panel; }
    SlashPopup > .slash-popup--chosen { background: $accent 40%; text-style: bold; }
    SlashPopup > .slash-popup--help { color: $text-muted; }
    SlashPopup > .slash-popup--more { color: $text-muted; }
    """

    def __init__(
        self, find: Callable[[str], Sequence[Candidate]], *, id: str | None = None
    ) -> None:
        """``find``: the candidates for a prompt's text (none for text that is no command)."""
        super().__init__(id=id)
        self._find = find
        #: The text the candidates are for.
        self._offered_for = ""
        self.candidates: list[Candidate] = []
        self.index = 0
        self._top = 0
        #: The text the list was closed for (Escape); it opens again once the text changes.
        self._closed_for: str | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.candidates) and self.display

    @property
    def current(self) -> Candidate | None:
        return self.candidates[self.index] if self.candidates else None

    def sync(self, text: str) -> None:
        """Show the candidates for the prompt ``text``, unless they are shown already."""
        if text != self._offered_for:
            self.offer(text, self._find(text))

    def find_again(self) -> None:
        """The candidates changed for the same text (a listing came): show them, keeping the
        chosen one chosen."""
        if not self.is_open:
            return
        chosen = self.current
        self.offer(self._offered_for, self._find(self._offered_for))
        texts = [candidate.text for candidate in self.candidates]
        if chosen is not None and chosen.text in texts:
            self.move(texts.index(chosen.text))

    def offer(self, text: str, candidates: Sequence[Candidate]) -> None:
        """Show ``candidates`` for the prompt ``text`` (none: hide)."""
        self._offered_for = text
        if text == self._closed_for:
            candidates = []
        else:
            self._closed_for = None
        self.candidates = list(candidates)
        self.index = 0
        self._top = 0
        self.display = bool(self.candidates)
        self.refresh(layout=True)

    def close(self, text: str) -> None:
        self._closed_for = text
        self.offer(text, [])

    def move(self, step: int) -> None:
        if not self.candidates:
            return
        self.index = (self.index + step) % len(self.candidates)
        if self.index < self._top:
            self._top = self.index
        elif self.index >= self._top + ROWS:
            self._top = self.index - ROWS + 1
        self.refresh()

    def render(self) -> Text:
        style = self.get_component_rich_style
        width = max(self.size.width, 20)
        shown = self.candidates[self._top : self._top + ROWS]
        label_width = min(max((len(c.label) for c in shown), default=0) + 2, width // 2)
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, candidate in enumerate(shown):
            if number:
                text.append("\n")
            chosen = self._top + number == self.index
            row = Text(no_wrap=True, overflow="ellipsis")
            label = one_line(candidate.label)
            if len(label) > label_width - 2:  # cut, so the help never runs into it
                label = label[: label_width - 3] + "…"
            row.append(label.ljust(label_width))
            if candidate.help:
                row.append(one_line(candidate.help), style=style("slash-popup--help"))
            if number == len(shown) - 1 and self._top + ROWS < len(self.candidates):
                row.append(f"  (+{len(self.candidates) - self._top - ROWS} more)",
                           style=style("slash-popup--more"))  # fmt: skip
            row.truncate(width, overflow="ellipsis", pad=True)
            if chosen:
                row.stylize(style("slash-popup--chosen"))
            text.append_text(row)
        return text
