"""Images of an answer as bytes and files: the image names of :mod:`gemtui.core.media`.

Images were the first media gemtui showed; audio, video and documents are decoded, described
and saved by the same code, which lives in :mod:`gemtui.core.media`. These names stay for the
image viewer and the inline half-block drawing, which only ever handle images.
"""

from __future__ import annotations

from pathlib import Path

from gemtui.api.models import ImageContent
from gemtui.core.media import (
    EXTENSIONS,
    MAX_NAME_TRIES,
    SaveReport,
    extension_for,
    save_media,
    short_label,
    unique_path,
    write_new,
)
from gemtui.core.media import MediaDataError as ImageDataError
from gemtui.core.media import decode_media as decode_image

__all__ = [
    "EXTENSIONS",
    "MAX_NAME_TRIES",
    "ImageDataError",
    "SaveReport",
    "decode_image",
    "extension_for",
    "save_images",
    "short_label",
    "unique_path",
    "write_new",
]


def save_images(images: list[ImageContent], directory: Path, label: str) -> SaveReport:
    """Save each image as ``gemtui-image-<label>-<n>.<ext>`` in ``directory``, never
    overwriting; an image that cannot be decoded or written is reported, not raised."""
    return save_media(images, directory, label)
