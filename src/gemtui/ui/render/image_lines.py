"""Images of an answer drawn inline in the conversation, as half-block cells.

Each cell shows two pixels stacked: ``▀`` with the upper pixel as foreground colour and the
lower one as background. That needs nothing from the terminal but colour, so it works in every
terminal, over SSH and in tmux (kitty or sixel graphics are for the viewer, ``o``). The image is
scaled to the width of the pane and to at most MAX_IMAGE_ROWS rows, so even at 80×24 it leaves
room for the text around it; a caption line under it gives type, size and the keys.

Image data is untrusted: anything that cannot be decoded, or is too large to decode safely,
becomes a one-line note instead of the picture. Drawing is done once per width (decoding a
large PNG takes tens of milliseconds) and the result is kept packed.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from gemtui.api.models import ImageContent
from gemtui.core.images import ImageDataError, decode_image
from gemtui.core.safety import clean_terminal_text
from gemtui.core.wording import format_size

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

#: Terminal rows an inline image may take (twice as many pixel rows).
MAX_IMAGE_ROWS = 12
#: Images with more pixels than this are not decoded (a tiny file can claim a huge size).
MAX_PIXELS = 50_000_000
HALF_BLOCK = "▀"
IMAGE_KEYS = "o view · s save"


@dataclass(frozen=True)
class ImageInfo:
    """What the caption says about an image."""

    mime_type: str
    width: int
    height: int
    size: int

    def caption(self) -> str:
        pixels = f" · {self.width}×{self.height} px" if self.width else ""
        return f"{self.mime_type}{pixels} · {format_size(self.size)} · {IMAGE_KEYS}"


def fit(width: int, height: int, columns: int, rows: int) -> tuple[int, int]:
    """Cells (columns, pixel rows) for a ``width``×``height`` image within ``columns`` cells and
    ``rows`` terminal rows, keeping its aspect (a half-block pixel is about square)."""
    if width <= 0 or height <= 0 or columns <= 0 or rows <= 0:
        return 0, 0
    scale = min(columns / width, 2 * rows / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def open_image(data: bytes) -> PILImage:
    """Open image bytes with Pillow, refusing sizes that would be unsafe to decode."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; here any "bomb" is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageDataError("not an image format Pillow knows") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageDataError("the image is too large to show") from None
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise ImageDataError(f"{width}×{height} pixels is too large to show")
    return picture


def half_block_lines(picture: PILImage, columns: int, pixel_rows: int) -> list[Strip]:
    """``picture`` scaled to ``columns``×``pixel_rows`` pixels, two pixel rows per line."""
    from PIL import Image

    pixel_rows += pixel_rows % 2
    picture.draft("RGB", (columns, pixel_rows))  # JPEG: decode at a fraction of the size
    rgba = picture.convert("RGBA").resize((columns, pixel_rows), Image.Resampling.BOX)
    # Transparent parts show as black, the usual terminal background.
    flat = Image.new("RGB", rgba.size)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    pixels = flat.tobytes()
    styles: dict[bytes, Style] = {}
    lines = []
    row_bytes = columns * 3
    for top in range(0, pixel_rows, 2):
        upper = pixels[top * row_bytes : (top + 1) * row_bytes]
        lower = pixels[(top + 1) * row_bytes : (top + 2) * row_bytes]
        segments: list[Segment] = []
        run_key, run = b"", 0
        for x in range(0, row_bytes, 3):
            key = upper[x : x + 3] + lower[x : x + 3]
            if key != run_key and run:
                segments.append(Segment(HALF_BLOCK * run, styles[run_key]))
                run = 0
            if key not in styles:
                upper_colour, lower_colour = Color.from_rgb(*key[:3]), Color.from_rgb(*key[3:])
                styles[key] = Style(color=upper_colour, bgcolor=lower_colour)
            run_key, run = key, run + 1
        segments.append(Segment(HALF_BLOCK * run, styles[run_key]))
        lines.append(Strip(segments, columns))
    return lines


def _line(text: str, style: Style, width: int) -> Strip:
    return Strip([Segment(text, style)]).crop(0, width)


class InlineImage:
    """One image of an answer with its rendered lines for the last width asked."""

    def __init__(self, image: ImageContent) -> None:
        self.image = image
        self._width = -1
        self._lines: tuple[tuple[list[Segment], int], ...] = ()

    @property
    def mime_type(self) -> str:
        return clean_terminal_text(self.image.mime_type or "image")

    def lines(self, width: int, caption_style: Style, error_style: Style) -> list[Strip]:
        if width != self._width:
            lines = self._render(width, caption_style, error_style)
            self._lines = tuple((list(line), line.cell_length) for line in lines)
            self._width = width
        return [Strip(segments, length) for segments, length in self._lines]

    def _render(self, width: int, caption_style: Style, error_style: Style) -> list[Strip]:
        size = len(self.image.data or "") * 3 // 4
        try:
            data = decode_image(self.image)
            picture = open_image(data)
            columns, pixel_rows = fit(*picture.size, width, MAX_IMAGE_ROWS)
            body = half_block_lines(picture, columns, pixel_rows)
            info = ImageInfo(self.mime_type, picture.width, picture.height, len(data))
        # Pillow raises many kinds of errors on hostile data (OSError, ValueError,
        # SyntaxError, struct.error, DecompressionBombError...): all of them mean "cannot show".
        except Exception as error:
            reason = clean_terminal_text(str(error)) or type(error).__name__
            note = f"× {self.mime_type}, {format_size(size)}: cannot be shown ({reason})"
            return [_line(note, error_style, width)]
        return [*body, _line(info.caption(), caption_style, width)]
