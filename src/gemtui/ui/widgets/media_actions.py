"""The keys on a selected message with media: ``o`` opens it, ``s`` saves it. An answer's
media, or those a prompt was sent with (its pictures, audio, video and documents).

Pictures open in the full-screen viewer. Audio, video and documents open with the system's
player where there is one (``gemtui.core.open_media``: ``xdg-open``/``open``, never over SSH);
where there is none the notification says why and that ``s`` saves the file. Saved files go to
the current directory as ``gemtui-<kind>-<id>-<n>.<ext>`` (``<id>``: the tail of the turn's
interaction id, else the time), never over an existing file; the notification gives the full
path of each file written. If that directory was deleted meanwhile, they go to the home
directory, and the notification says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gemtui.api.models import ImageContent, MediaContent
from gemtui.core.media import save_media, short_label
from gemtui.core.open_media import find_opener, open_media
from gemtui.core.safety import escape_markup
from gemtui.core.working_dir import Folder, working_dir_or_home

if TYPE_CHECKING:
    from gemtui.ui.widgets.conversation import ConversationView

NO_MEDIA = "This message has no picture, audio, video or document."


def selected_media(view: ConversationView) -> list[MediaContent]:
    """The media of the selected message; says why when there are none."""
    if view.selected is None:
        view.notify("Select a message first (up/down).", severity="warning")
        return []
    media = view.items[view.selected].media()
    if not media:
        view.notify(NO_MEDIA, severity="warning")
    return media


def _interaction_id(view: ConversationView) -> str | None:
    turn = view.items[view.selected].turn if view.selected is not None else None
    return turn.interaction_id if turn is not None else None


def open_selected(view: ConversationView) -> None:
    """Pictures in the viewer; otherwise each item with the system's player."""
    media = selected_media(view)
    images = [item for item in media if isinstance(item, ImageContent)]
    if images:
        # Imported on demand (textual-image and Pillow cost start-up time); launch imports it
        # before the app starts where it must ask the terminal (gemtui.ui.graphics).
        from gemtui.ui.screens.image_viewer import ImageViewerScreen

        view.app.push_screen(ImageViewerScreen(images))
        return
    if not media:
        return
    opener = find_opener()
    if opener.command is None:
        view.notify(
            escape_markup(f"Cannot open it here: {opener.reason}. s saves it to a file."),
            severity="warning",
            timeout=8,
        )
        return
    interaction_id = _interaction_id(view)

    def run() -> None:  # in a thread: the opener is a process to wait for
        for item in media:
            opened = open_media(item, interaction_id, opener)
            where = f" ({opened.path})" if opened.path else ""
            if opened.problem:
                message, severity = f"Not opened{where}: {opened.problem}", "error"
            else:
                message, severity = f"Opened {opened.path} with {Path(opener.command).name}", ""
            view.app.call_from_thread(
                view.notify, escape_markup(message), severity=severity or "information"
            )

    view.app.run_worker(run, thread=True, group="open-media", exit_on_error=False)


def save_selected(view: ConversationView, directory: Path | None = None) -> None:
    """Save the selected message's media in ``directory`` (the current one by default)."""
    media = selected_media(view)
    if not media:
        return
    label = short_label(_interaction_id(view))
    folder = Folder(directory) if directory is not None else working_dir_or_home()
    report = save_media(media, folder.path.resolve(), label)
    lines = [folder.problem] if folder.problem else []
    lines += [f"Saved {path}" for path in report.saved]
    lines += [f"Not saved: {problem}" for problem in report.failed]
    severity = "information" if not report.failed else "warning" if report.saved else "error"
    view.notify(escape_markup("\n".join(lines)), severity=severity)
