"""The attachment chips above the composer: what goes with the next prompt.

One chip per attachment, ``name · kind · size``; hidden while there are none. From the keyboard
(F9 by default): Left/Right choose a chip, Delete or Backspace removes it, ``u`` sends a file
through the Files API instead of inline, ``o`` opens its options (resolution, a video's frame
rate and segment, a URI's MIME type), Escape goes back to the composer. The bar is three rows
at most: when the chips need more, the rows around the selected chip show, and a row counts
the chips out of sight on each side (``← 2 more · 5 more →``). Adding goes through
:func:`gemtui.core.attachments.load`, so a file is refused here, with the reason, before
anything is sent.

Files past the inline limits, and those the user sends up with ``u``, upload at once in the
background (the app gives the ``uploader``): the chip shows how far (``40%``), the app's status
bar too (through :class:`AttachmentBar.UploadChanged`), and the draft is sent once they are
done. A Files API URI attached without a type gets it from the Files API the same way. File
names are untrusted: a chip is plain text, cleaned of control sequences, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import Worker

from gemtui.core.attachments import (
    Attachment,
    AttachmentError,
    apply_options,
    chip_text,
    is_files_api_uri,
    load,
    to_upload,
)
from gemtui.core.safety import clean_terminal_text, escape_markup

#: ``uploader(attachment, on_progress)``: the attachment sent through the Files API.
Uploader = Callable[[Attachment, Callable[[int, int], None]], Awaitable[Attachment]]
#: ``resolver(attachment)``: a Files API URI's attachment with its type from the Files API.
Resolver = Callable[[Attachment], Awaitable[Attachment]]

KEYS_HINT = "←→ choose · Del remove · u upload · o options · Esc back"
#: The bar's height at most (its ``max-height`` below): the chat above keeps the rest.
MAX_ROWS = 3
#: A piece of a row: its words, their style, and the blank cells before it on a shared row.
Piece = tuple[str, Style, int]


class AlreadyAttached(AttachmentError):
    """The draft has this file or URL already."""


def flow(pieces: Sequence[Piece], width: int) -> list[list[int]]:
    """The indexes of ``pieces`` on each row ``width`` cells wide: a chip or the keys go
    whole to the next row rather than break in two (a chip's closing pad may fall off the
    row's end; its words may not)."""
    rows: list[list[int]] = [[]]
    used = 0
    for index, (words, _style, gap) in enumerate(pieces):
        if rows[-1] and used + gap + cell_len(words.rstrip()) > width:
            rows.append([])
            used = 0
        used += (gap if rows[-1] else 0) + cell_len(words)
        rows[-1].append(index)
    return rows


def draw(pieces: Iterable[Piece]) -> Text:
    """One row of the bar: ``pieces`` side by side, cut at the bar's edge."""
    row = Text(no_wrap=True, overflow="crop")
    for words, style, gap in pieces:
        if row.cell_len:
            row.append(" " * gap)
        row.append(words, style=style)
    return row


def more_text(before: int, after: int) -> str:
    """How many chips are out of sight on each side: ``← 2 more · 5 more →``."""
    sides = ([f"← {before} more"] if before else []) + ([f"{after} more →"] if after else [])
    return " · ".join(sides)


class AttachmentBar(Widget, can_focus=True):
    """Holds the attachments of the draft; the app takes them when it sends the draft and puts
    them back if the request fails."""

    BINDINGS = [
        Binding("left", "select(-1)", "Previous", show=False, id="attachment_bar.previous"),
        Binding("right", "select(1)", "Next", show=False, id="attachment_bar.next"),
        Binding("delete,backspace", "remove", "Remove", id="attachment_bar.remove"),
        Binding("u", "upload", "Upload", id="attachment_bar.upload"),
        Binding("o", "options", "Options", id="attachment_bar.options"),
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

    class UploadChanged(Message):
        """An upload moved on, ended or failed; ``status`` says all of them in a few words
        (empty when none is left), ``error`` why one failed."""

        def __init__(
            self, status: str, *, pending: int, error: str = "", removed: str = ""
        ) -> None:
            super().__init__()
            self.status = status
            self.pending = pending
            self.error = error
            #: The name of a chip removed while its upload ran (a send waiting for it is off).
            self.removed = removed

    def __init__(self, *, back_to: str, id: str | None = None) -> None:
        """``back_to``: selector of the widget Escape returns to (the composer)."""
        super().__init__(id=id)
        self.back_to = back_to
        self.attachments: list[Attachment] = []
        #: Sends a file through the Files API, and asks it for a URI's type (the app's).
        self.uploader: Uploader | None = None
        self.resolver: Resolver | None = None
        #: Where each chip's upload stands (by the attachment's id): "40%", "failed".
        self.states: dict[int, str] = {}
        self._workers: dict[int, Worker[None]] = {}
        #: The first chip shown when they do not all fit: the window moves only as far as
        #: the selected chip needs, so Left and Right do not make the rows jump.
        self._top_chip = 0

    def items(self) -> list[dict[str, Any]]:
        """The content items to send, in chip order."""
        return [attachment.item for attachment in self.attachments]

    def labels(self) -> list[str]:
        """The chips' words, for the prompt in the conversation."""
        return [chip_text(attachment) for attachment in self.attachments]

    def chip(self, attachment: Attachment) -> str:
        """The words of ``attachment``'s chip now (with its upload's progress)."""
        return chip_text(attachment, self.states.get(id(attachment), ""))

    def add(self, source: str) -> bool:
        """Attach a path or URL; a refusal is shown to the user and returns False."""
        try:
            self.try_add(source)
        except AlreadyAttached as error:
            self.notify(escape_markup(str(error)), severity="warning")
            return False
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return False
        return True

    def try_add(self, source: str) -> None:
        """Attach a path or URL, or raise :class:`AttachmentError` saying why not (the file
        picker shows it in place, and stays open to try another)."""
        attachment = load(source, self.attachments)
        if any(chip.source == attachment.source for chip in self.attachments):
            # The same file twice goes to the model twice, and costs twice: a slip, mostly.
            raise AlreadyAttached(f"{clean_terminal_text(attachment.name)} is attached already.")
        self.attachments.append(attachment)
        self.selected = len(self.attachments) - 1
        self._changed()
        self._start_work(attachment)

    # ------------------------------------------------------------------ uploads

    def pending_uploads(self) -> list[Attachment]:
        """Attachments whose upload (or type lookup) has not finished."""
        return [a for a in self.attachments if id(a) in self._workers or a.pending_upload]

    def _needs_type(self, attachment: Attachment) -> bool:
        uri = attachment.item.get("uri")
        return not attachment.mime_type and isinstance(uri, str) and is_files_api_uri(uri)

    def _start_work(self, attachment: Attachment) -> None:
        """Upload ``attachment``, or look up its type, in the background when it needs it."""
        if attachment.pending_upload and self.uploader is not None:
            job = self._upload(attachment)
        elif self._needs_type(attachment) and self.resolver is not None:
            job = self._resolve(attachment)
        else:
            return
        self.states[id(attachment)] = "0%" if attachment.pending_upload else "…"
        self._workers[id(attachment)] = self.run_worker(job, exit_on_error=False)
        self.report_uploads()

    async def _upload(self, attachment: Attachment) -> None:
        assert self.uploader is not None

        def progress(sent: int, total: int) -> None:
            self.states[id(attachment)] = f"{sent * 100 // max(total, 1)}%"
            self.refresh(layout=True)
            self.report_uploads()

        await self._finish(attachment, self.uploader(attachment, progress))

    async def _resolve(self, attachment: Attachment) -> None:
        assert self.resolver is not None
        await self._finish(attachment, self.resolver(attachment))

    async def _finish(self, attachment: Attachment, job: Awaitable[Attachment]) -> None:
        """Put the finished attachment in place of ``attachment``, or say why it failed."""
        key = id(attachment)
        error = ""
        try:
            done = await job
        except Exception as exc:  # an API or a file error: shown, never raised
            error = f"{attachment.name} was not uploaded: {exc}"
            self.states[key] = "upload failed"
            self.notify(escape_markup(error), severity="error", timeout=10)
        else:
            self.states.pop(key, None)
            if attachment in self.attachments:
                self.attachments[self.attachments.index(attachment)] = done
        finally:
            self._workers.pop(key, None)
        self._changed()
        self.report_uploads(error)

    def report_uploads(self, error: str = "", removed: str = "") -> None:
        """Post where the uploads stand (the app shows it, and sends a prompt that waited)."""
        pending = self.pending_uploads()
        status = " · ".join(
            f"uploading {clean_terminal_text(a.name)} {self.states.get(id(a), '')}".rstrip()
            for a in pending
            if self.states.get(id(a)) != "upload failed"
        )
        waiting = [a for a in pending if self.states.get(id(a)) != "upload failed"]
        self.post_message(
            self.UploadChanged(status, pending=len(waiting), error=error, removed=removed)
        )

    def _cancel_work(self, attachment: Attachment) -> None:
        worker = self._workers.pop(id(attachment), None)
        if worker is not None:
            worker.cancel()
        self.states.pop(id(attachment), None)

    def action_upload(self) -> None:
        """Send the selected file through the Files API instead of inline (again, after a
        failed upload)."""
        if not self.attachments:
            return
        attachment = self.attachments[self.selected]
        if id(attachment) in self._workers or attachment.uploaded:
            return
        if attachment.path is None:
            self.notify("Only a local file can be uploaded; a URL is fetched by the server.")
            return
        uploading = to_upload(attachment)
        self.states.pop(id(attachment), None)
        self.attachments[self.selected] = uploading
        self._changed()
        self._start_work(uploading)

    def action_options(self) -> None:
        """The selected chip's options (resolution, a video's processing, a URI's type)."""
        if not self.attachments:
            return
        from gemtui.ui.screens.attachment_options import AttachmentOptionsScreen  # on demand

        attachment = self.attachments[self.selected]
        self.app.push_screen(
            AttachmentOptionsScreen(attachment),
            lambda options: self._set_options(attachment, options),
        )

    def _set_options(self, attachment: Attachment, options: dict[str, str] | None) -> None:
        if options is None or attachment not in self.attachments:
            return
        try:
            changed = apply_options(attachment, options)
        except AttachmentError as error:
            self.notify(escape_markup(str(error)), severity="error", timeout=10)
            return
        self.attachments[self.attachments.index(attachment)] = changed
        self._changed()

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
        """The chips, then the keys while focused, laid out in rows of the bar's width. When
        that takes more than :data:`MAX_ROWS` rows, only the chip rows around the selected
        chip are shown, with a row that counts the chips left out on each side."""
        style = self.get_component_rich_style
        chips: list[Piece] = []
        for index, attachment in enumerate(self.attachments):
            chosen = self.has_focus and index == self.selected
            part = "attachment-bar--selected" if chosen else "attachment-bar--chip"
            chips.append((f" {self.chip(attachment)} ", style(part), 1))
        hint: list[Piece] = (
            [(KEYS_HINT, style("attachment-bar--hint"), 2)] if self.has_focus else []
        )
        width = self.size.width or 80
        pieces = [*chips, *hint]
        rows = [[pieces[i] for i in row] for row in flow(pieces, width)]
        if len(rows) > MAX_ROWS:
            rows = self._window(chips, hint, width)
        return Text("\n", no_wrap=True, overflow="crop").join(draw(row) for row in rows)

    def _window(self, chips: list[Piece], hint: list[Piece], width: int) -> list[list[Piece]]:
        """The chip rows around the selected chip, then how many chips are left out
        (``← 2 more · 5 more →``) and the keys. The selected chip is always in sight: Delete
        would otherwise remove a chip the user never saw."""
        chip_rows = flow(chips, width)
        at = next(r for r, row in enumerate(chip_rows) if self.selected in row)
        top = next((r for r, row in enumerate(chip_rows) if self._top_chip in row), 0)
        muted = self.get_component_rich_style("attachment-bar--hint")
        for span in range(MAX_ROWS - 1, 0, -1):
            # Scrolls no further than it must to bring the selected chip's row in sight.
            first = max(0, min(max(top, at - span + 1), at, len(chip_rows) - span))
            shown = chip_rows[first : first + span]
            before = sum(len(row) for row in chip_rows[:first])
            after = len(chips) - before - sum(len(row) for row in shown)
            tail = [(more_text(before, after), muted, 1), *hint]
            tail_rows = flow(tail, width)
            if span + len(tail_rows) <= MAX_ROWS:
                break
        self._top_chip = shown[0][0]
        rows = [[chips[i] for i in row] for row in shown]
        return [*rows, *([tail[i] for i in row] for row in tail_rows)][:MAX_ROWS]

    def on_focus(self) -> None:
        # The keys come and go with the focus, and may take a row of their own: layout too.
        self.refresh(layout=True)

    def on_blur(self) -> None:
        self.refresh(layout=True)

    def action_select(self, step: int) -> None:
        if self.attachments:
            self.selected = max(0, min(len(self.attachments) - 1, self.selected + step))

    def action_remove(self) -> None:
        if not self.attachments:
            return
        chosen = self.attachments[self.selected]
        uploading = chosen in self.pending_uploads() and self.states.get(id(chosen)) != (
            "upload failed"
        )
        self._cancel_work(chosen)
        del self.attachments[self.selected]
        self.report_uploads(removed=chosen.name if uploading else "")
        if not self.attachments:
            self.action_back()
        self._changed()

    def action_back(self) -> None:
        self.screen.query_one(self.back_to).focus()
