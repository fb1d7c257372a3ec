"""The attachment chips above the composer: what goes with the next prompt.

One chip per attachment, ``name · kind · size``; hidden while there are none. From the keyboard
(F9 by default): Left/Right choose a chip, Delete or Backspace removes it, Escape goes back to
the composer. Adding goes through :func:`gemtui.core.attachments.load`, so a file is refused here,
with the reason, before anything is sent. File names are untrusted: a chip is plain text, cleaned
of control sequences, and never parsed as markup.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from gemtui.core.attachments import Attachment, AttachmentError, load
from gemtui.core.safety import clean_terminal_text, escape_markup

#: Longest file name shown on a chip; longer ones lose their middle, keeping the extension.
MAX_NAME = 32
KEYS_HINT = "←→ choose · Del remove · Esc back"


def chip_text(attachment: Attachment) -> str:
    """The chip's words: the name on one clean line, cut to fit, then kind and size."""
    name = " ".join(clean_terminal_text(attachment.name).split())
    if len(name) > MAX_NAME:
        keep = MAX_NAME - 1
        name = name[: keep - keep // 2] + "…" + name[-(keep // 2) :]
    return f"{name} · {attachment.kind} · {attachment.size_text}"


class AttachmentBar(Widget, can_focus=True):
    """Holds the attachments of the draft; the app takes them when it sends the draft and puts
    them back if the request fails."""

    BINDINGS = [
        Binding("left", "select(-1)", "Previous", show=False, id="attachment_bar.previous"),
        Binding("right", "select(1)", "Next", show=False, id="attachment_bar.next"),
        Binding("delete,backspace", "remove", "Remove", id="attachment_bar.remove"),
        Binding("escape", "back", "Back", id="attachment_bar.back"),
    ]
    COMPONENT_CLASSES = {"attachment-bar--chip", "attachment-bar--selected", "attachment-bar--hint"}
    DEFAULT_CSS = """
    AttachmentBar { height: auto; max-height: 3; display: none; }
    AttachmentBar > .attachment-bar--chip { color: $foreground; background: $primary 25%; }
    AttachmentBar > .attachment-bar--selected {
        color: $foreground; background: $accent 40%; text-style: bold;
    }
    AttachmentBar > .attachment-bar--hint { color: $text-muted; }
    """

    selected: reactive[int] = reactive(0)

    class Changed(Message):
        """The attachments were added to or removed."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, *, back_to: str, id: str | None = None) -> None:
        """``back_to``: selector of the widget Escape returns to (the composer)."""
        super().__init__(id=id)
        self.back_to = back_to
        self.attachments: list[Attachment] = []

    def items(self) -> list[dict[str, Any]]:
        """The content items to send, in chip order."""
        return [attachment.item for attachment in self.attachments]

    def labels(self) -> list[str]:
        """The chips' words, for the prompt in the conversation."""
        return [chip_text(attachment) for attachment in self.attachments]

    def add(self, source: str) -> bool:
        """Attach a path or URL; a refusal is shown to the user and returns False."""
        try:
            attachment = load(source, self.attachments)
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return False
        self.attachments.append(attachment)
        self.selected = len(self.attachments) - 1
        self._changed()
        return True

    def take(self, items: list[dict[str, Any]] | None = None) -> list[Attachment]:
        """Take the attachments of a draft that was sent (those whose content items are
        ``items``, the very objects; all with ``None``); returns them, to put back if the
        request fails."""
        wanted = None if items is None else {id(item) for item in items}
        taken = [a for a in self.attachments if wanted is None or id(a.item) in wanted]
        if taken:
            self.attachments = [a for a in self.attachments if a not in taken]
            self._changed()
        return taken

    def put_back(self, attachments: list[Attachment]) -> None:
        """A send failed: its attachments come back in front of any added meanwhile."""
        if attachments:
            self.attachments = [*attachments, *self.attachments]
            self._changed()

    def _changed(self) -> None:
        self.selected = min(self.selected, max(0, len(self.attachments) - 1))
        self.display = bool(self.attachments)
        self.refresh(layout=True)
        self.post_message(self.Changed(len(self.attachments)))

    def render(self) -> Text:
        """The chips, then the keys while focused, laid out in rows of the bar's width: a
        chip or the keys go whole to the next row rather than break in two."""
        style = self.get_component_rich_style
        pieces: list[tuple[str, Style, int]] = []
        for index, attachment in enumerate(self.attachments):
            chosen = self.has_focus and index == self.selected
            part = "attachment-bar--selected" if chosen else "attachment-bar--chip"
            pieces.append((f" {chip_text(attachment)} ", style(part), 1))
        if self.has_focus:
            pieces.append((KEYS_HINT, style("attachment-bar--hint"), 2))
        width = self.size.width or 80
        rows = [Text(no_wrap=True, overflow="crop")]
        for words, piece_style, gap in pieces:
            row = rows[-1]
            # A chip's closing pad may fall off the row's end; its words may not.
            if row.cell_len and row.cell_len + gap + cell_len(words.rstrip()) > width:
                rows.append(row := Text(no_wrap=True, overflow="crop"))
            if row.cell_len:
                row.append(" " * gap)
            row.append(words, style=piece_style)
        return Text("\n", no_wrap=True, overflow="crop").join(rows)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_select(self, step: int) -> None:
        if self.attachments:
            self.selected = max(0, min(len(self.attachments) - 1, self.selected + step))

    def action_remove(self) -> None:
        if not self.attachments:
            return
        del self.attachments[self.selected]
        if not self.attachments:
            self.action_back()
        self._changed()

    def action_back(self) -> None:
        self.screen.query_one(self.back_to).focus()
