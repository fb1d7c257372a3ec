"""A full-screen view of a message's images, one at a time (``o`` on the message).

textual-image draws with the best the terminal has: the kitty graphics protocol or sixel where
supported, else coloured half blocks (which work over SSH). It asks the terminal what it can
do when it is imported, which only works before Textual takes over the terminal: where the
question can help, launch imports it at start-up (``gemtui.ui.graphics.load_textual_image``),
and ``gemtui.ui.graphics`` skips the question where it cannot help (tmux, screen). This module
imports textual-image (and Pillow) only when it first shows an image: the settings pane's
keymap reads this screen's bindings, and should not pay for them. Where textual-image would fall
back to grey-scale characters (no terminal at all: a test, a pipe) half blocks are used
instead, as they need only colour.
"""

from __future__ import annotations

from functools import cache

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from gemtui.api.models import ImageContent
from gemtui.core.images import decode_image
from gemtui.core.safety import escape_markup
from gemtui.ui.graphics import load_textual_image
from gemtui.ui.render.image_lines import ImageInfo, open_image


@cache
def image_widget_class() -> type[Widget]:
    """textual-image's best widget here: half blocks where it would use plain characters."""
    renderables, widgets = load_textual_image()
    if renderables.Image is renderables.UnicodeImage:
        return widgets.HalfcellImage
    return widgets.Image


class ImageViewerScreen(ModalScreen[None]):
    """One image of the message at a time; left and right move between them."""

    BINDINGS = [
        Binding("escape,q,o", "close", "Close", id="image_viewer.close"),
        Binding("right,n", "move(1)", "Next image", id="image_viewer.next"),
        Binding("left,p", "move(-1)", "Previous image", id="image_viewer.previous"),
    ]

    DEFAULT_CSS = """
    ImageViewerScreen { align: center middle; }
    ImageViewerScreen > Vertical {
        width: 100%; height: 100%; padding: 0 1; background: $surface;
    }
    ImageViewerScreen #image-caption { color: $text-muted; height: 1; }
    ImageViewerScreen Center { height: 1fr; }
    ImageViewerScreen #image { width: auto; height: auto; }
    ImageViewerScreen #image-error { color: $warning; }
    """

    def __init__(self, images: list[ImageContent], index: int = 0) -> None:
        super().__init__()
        self.images = images
        self.index = index

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="image-caption")
            yield Center(id="image-frame")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        image = self.images[self.index]
        frame = self.query_one("#image-frame", Center)
        frame.remove_children()
        where = f"Image {self.index + 1} of {len(self.images)}"
        keys = "←/→ other images · Esc close" if len(self.images) > 1 else "Esc close"
        widget: Widget
        try:
            data = decode_image(image)
            picture = open_image(data)
            picture.load()  # hostile data fails here, not while Textual is drawing
            info = ImageInfo(image.mime_type or "image", *picture.size, len(data))
            widget = image_widget_class()(picture, id="image")
            caption = f"{where} · {info.mime_type} · {info.width}×{info.height} px"
        # Pillow raises many kinds of errors on hostile data; each means "cannot show".
        except Exception as error:
            widget = Static(escape_markup(f"Cannot show this image: {error}"), id="image-error")
            caption = where
        self.query_one("#image-caption", Static).update(escape_markup(f"{caption} · {keys}"))
        frame.mount(widget)

    def action_move(self, step: int) -> None:
        if len(self.images) > 1:
            self.index = (self.index + step) % len(self.images)
            self._show()

    def action_close(self) -> None:
        self.dismiss(None)
