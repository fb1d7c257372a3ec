"""Attachments that go through the Files API: upload one, or learn the type of a file URI.

Both front ends use these: the TUI runs an upload as soon as a chip needs one (its progress on
the chip and the status bar), ``gemtui ask`` before it sends the question (its progress on
stderr). An uploaded attachment keeps its name, size and options and gets the file's ``uri``
in its item; a video waits until the Files API says it is ``ACTIVE`` (usable).
"""

from __future__ import annotations

from dataclasses import replace

from gemtui.api.client import InteractionsClient
from gemtui.api.files import ProgressCallback, get_file, upload_file, wait_active
from gemtui.core.attachments import Attachment, AttachmentError, is_files_api_uri, kind_of


async def upload_attachment(
    client: InteractionsClient,
    attachment: Attachment,
    on_progress: ProgressCallback | None = None,
    *,
    chunk_size: int | None = None,
) -> Attachment:
    """``attachment`` (a local file marked ``upload``) uploaded: its item now names the file's
    ``uri``. Raises the client's errors (``GemtuiApiError``)."""
    if attachment.path is None:
        raise AttachmentError(f"{attachment.name} is not a local file: there is nothing to upload.")
    mime_type = attachment.item.get("mime_type") or attachment.mime_type or "text/plain"
    extra = {"chunk_size": chunk_size} if chunk_size else {}
    uploaded = await upload_file(
        client,
        attachment.path,
        mime_type=mime_type,
        display_name=attachment.name,
        on_progress=on_progress,
        **extra,
    )
    uploaded = await wait_active(client, uploaded)
    item = {**attachment.item, "uri": uploaded.uri, "mime_type": uploaded.mime_type or mime_type}
    return replace(attachment, item=item)


async def resolve_file_uri(client: InteractionsClient, attachment: Attachment) -> Attachment:
    """A Files API URI attached without a type: its MIME type (and so its kind) from the Files
    API. Other attachments come back as they are."""
    uri = attachment.item.get("uri")
    if attachment.mime_type or not isinstance(uri, str) or not is_files_api_uri(uri):
        return attachment
    file = await wait_active(client, await get_file(client, uri))
    mime_type = file.mime_type or "application/octet-stream"
    kind = kind_of(mime_type)
    item = {**attachment.item, "type": kind, "mime_type": mime_type}
    name = file.display_name or attachment.name
    return replace(
        attachment, name=name, mime_type=mime_type, kind=kind, size=file.size_bytes or 0, item=item
    )
