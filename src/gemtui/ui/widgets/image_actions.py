"""The keys on a selected message with images: ``o`` opens the viewer, ``s`` saves them.

Files go to the current directory as ``gemtui-image-<id>-<n>.<ext>`` (``<id>``: the tail of the
turn's interaction id, else the time), never over an existing file; the notification gives the
full path of each file written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gemtui.api.models import ImageContent
from gemtui.core.images import save_images, short_label
from gemtui.core.safety import escape_markup
from gemtui.ui.render.chat_items import AnswerItem

if TYPE_CHECKING:
    from gemtui.ui.widgets.conversation import ConversationView


def selected_images(view: ConversationView) -> list[ImageContent]:
    """The images of the selected message; says why when there are none."""
    if view.selected is None:
        view.notify("Select a message first (up/down).", severity="warning")
        return []
    item = view.items[view.selected]
    images = item.images if isinstance(item, AnswerItem) else []
    if not images:
        view.notify("This message has no image.", severity="warning")
    return images


def open_images(view: ConversationView) -> None:
    images = selected_images(view)
    if images:
        # Imported on demand (textual-image and Pillow cost start-up time); launch imports it
        # before the app starts where it must ask the terminal (gemtui.ui.graphics).
        from gemtui.ui.screens.image_viewer import ImageViewerScreen

        view.app.push_screen(ImageViewerScreen(images))


def save_selected_images(view: ConversationView, directory: Path | None = None) -> None:
    """Save the selected message's images in ``directory`` (the current one by default)."""
    images = selected_images(view)
    if not images or view.selected is None:
        return
    turn = view.items[view.selected].turn
    label = short_label(turn.interaction_id if turn is not None else None)
    report = save_images(images, (directory or Path.cwd()).resolve(), label)
    lines = [f"Saved {path}" for path in report.saved]
    lines += [f"Not saved: {problem}" for problem in report.failed]
    severity = "information" if not report.failed else "warning" if report.saved else "error"
    view.notify(escape_markup("\n".join(lines)), severity=severity)
