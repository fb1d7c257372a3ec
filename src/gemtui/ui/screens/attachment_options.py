"""The options of one attachment chip (``o`` on a chip): what the API lets a content item say
about itself.

* an image's or video's ``resolution`` (``low`` … ``ultra_high``);
* a video's ``processing``: ``static`` or ``agentic``, and for static its frame rate and the
  segment to look at (``10s`` to ``20.5s``);
* a URI's MIME type (a ``gs://`` object or a Files API URI whose name does not tell it).

Ctrl+S applies, Escape leaves the chip as it was. The values are checked as ``gemtui ask``'s
``;key=value`` options are (:mod:`gemtui.core.attachment_options`), with the reason shown here.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from gemtui.core.attachment_options import PROCESSING_MODES, RESOLUTIONS, options_of
from gemtui.core.attachments import Attachment, AttachmentError, apply_options
from gemtui.core.safety import clean_terminal_text


class AttachmentOptionsScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with the options typed (``gemtui ask``'s keys), or ``None``."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="attachment_options.apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="attachment_options.cancel"),
    ]

    DEFAULT_CSS = """
    AttachmentOptionsScreen { align: center middle; }
    AttachmentOptionsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    AttachmentOptionsScreen .row { height: auto; }
    AttachmentOptionsScreen .row > Label { width: 22; color: $text-muted; }
    AttachmentOptionsScreen .row > Input, AttachmentOptionsScreen .row > Select { width: 1fr; }
    AttachmentOptionsScreen #options-help, AttachmentOptionsScreen #options-error {
        color: $text-muted;
    }
    """

    def __init__(self, attachment: Attachment) -> None:
        super().__init__()
        self.attachment = attachment

    def compose(self) -> ComposeResult:
        attachment = self.attachment
        current = options_of(attachment.item)
        name = " ".join(clean_terminal_text(attachment.name).split())
        with Vertical():
            yield Static(f"Options of {name} ({attachment.kind})", markup=False)
            yield Static("Ctrl+S apply · Esc cancel · Tab next field", id="options-help")
            takes_mime = attachment.is_url and not attachment.uploaded
            if takes_mime:
                yield from self._row(
                    "MIME type",
                    Input(attachment.mime_type, id="mime", placeholder="e.g. video/mp4"),
                )
            if attachment.kind in ("image", "video"):
                yield from self._row(
                    "Resolution",
                    Select(
                        [(value, value) for value in RESOLUTIONS],
                        value=current.get("resolution", Select.NULL),
                        prompt="server default",
                        id="resolution",
                    ),
                )
            if attachment.kind == "video":
                yield from self._row(
                    "Processing",
                    Select(
                        [(value, value) for value in PROCESSING_MODES],
                        value=current.get("processing", Select.NULL),
                        prompt="server default",
                        id="processing",
                    ),
                )
                for key, label, hint in (
                    ("fps", "Frames a second", "e.g. 1 or 0.5"),
                    ("start", "Start at", "e.g. 10s"),
                    ("end", "End at", "e.g. 20.5s"),
                ):
                    yield from self._row(
                        label, Input(current.get(key, ""), id=key, placeholder=hint)
                    )
            # An uploaded file is a URI too, but its type is known: it has no field either.
            if attachment.kind not in ("image", "video") and not takes_mime:
                yield Static("A document or text file has no options.", markup=False)
            yield Static("", id="options-error", markup=False)

    @staticmethod
    def _row(label: str, widget: Input | Select[str]) -> ComposeResult:
        widget.compact = True
        with Horizontal(classes="row"):
            yield Label(label)
            yield widget

    def on_mount(self) -> None:
        fields = self.query("Input, Select")
        if fields:
            fields.first().focus()

    def options(self) -> dict[str, str]:
        """The fields as ``;key=value`` options (empty ones left out)."""
        found: dict[str, str] = {}
        for widget in self.query(Input):
            if widget.id and widget.value.strip():
                found[widget.id] = widget.value.strip()
        for select in self.query(Select):
            if select.id and select.value is not Select.NULL:
                found[select.id] = str(select.value)
        return found

    def action_apply(self) -> None:
        options = self.options()
        try:
            apply_options(self.attachment, options)
        except AttachmentError as error:
            self.query_one("#options-error", Static).update(str(error))
            return
        self.dismiss(options)

    def action_cancel(self) -> None:
        self.dismiss(None)
