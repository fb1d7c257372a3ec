"""``gemtui ask``'s attachments that need the Files API before the question goes: files past
the inline limits (or given with ``;upload``) are uploaded, and a Files API URI given without a
type gets it from the Files API. Progress goes to stderr: a line when an upload starts, one per
quarter of a large file, one when it is done.

The Files API client (and its resource models) is imported only when an attachment needs it,
not for every question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemtui.core.attachments import Attachment, format_size
from gemtui.headless.inputs import AskRequest
from gemtui.headless.output import Messages

if TYPE_CHECKING:
    from gemtui.api.client import InteractionsClient

#: Files from this size on get progress lines (each quarter) besides the start and the end.
PROGRESS_FROM = 8 * 1000 * 1000


async def prepare_attachments(
    client: InteractionsClient, request: AskRequest, messages: Messages
) -> None:
    """Upload or resolve what needs it; ``request.attachments`` then holds what is sent.
    Raises the client's errors."""
    for number, attachment in enumerate(request.files):
        if attachment.pending_upload:
            done = await _upload(client, attachment, messages)
        elif attachment.is_url and not attachment.mime_type and attachment.path is None:
            from gemtui.core.uploads import resolve_file_uri

            done = await resolve_file_uri(client, attachment)
        else:
            continue
        request.files[number] = done
        request.attachments[number] = done.item


async def _upload(
    client: InteractionsClient, attachment: Attachment, messages: Messages
) -> Attachment:
    size = format_size(attachment.size)
    messages.say(f"uploading {attachment.name} ({size}) through the Files API…")
    shown = [0]

    def progress(sent: int, total: int) -> None:
        quarter = sent * 4 // max(total, 1)
        if total >= PROGRESS_FROM and 0 < quarter < 4 and quarter > shown[0]:
            shown[0] = quarter
            messages.say(f"uploading {attachment.name}: {quarter * 25}% ({format_size(sent)})")

    from gemtui.core.uploads import upload_attachment

    done = await upload_attachment(client, attachment, progress)
    messages.say(f"uploaded {attachment.name}: {done.item.get('uri')}")
    return done
