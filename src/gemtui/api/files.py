"""The Gemini Files API: upload a file for a ``uri`` to put in a content item, and read one.

An upload is Google's resumable protocol, as the google-genai SDK's ``files.upload`` speaks it
(``files.py``, ``_api_client.py``):

1. ``POST /upload/{v}/files`` with ``X-Goog-Upload-Protocol: resumable``,
   ``X-Goog-Upload-Command: start``, ``X-Goog-Upload-Header-Content-Length`` and
   ``X-Goog-Upload-Header-Content-Type``, and the file's metadata as the JSON body; the answer's
   ``X-Goog-Upload-URL`` header is the session.
2. The bytes go to that URL in chunks: ``X-Goog-Upload-Command: upload`` (``upload, finalize``
   on the last) and ``X-Goog-Upload-Offset``. Each answer says ``X-Goog-Upload-Status:
   active`` until the last, ``final``, whose body is ``{"file": {...}}``.

As in the SDK, the session URL's scheme and host are replaced by the configured endpoint's (a
proxy or the emulator serves both), and the chunks carry no API key: the session's upload id is
what authorises them. The file is read a chunk at a time in a worker thread, so a large file
neither fills memory nor stalls the event loop; ``on_progress(sent, total)`` follows each chunk.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from gemtui.api.client import InteractionsClient, RequestExtras
from gemtui.api.errors import UnexpectedResponseError
from gemtui.api.resource_models import FileResource

#: Bytes per upload request, as the SDK (a multiple of the protocol's 256 KiB granularity).
CHUNK_SIZE = 8 * 1024 * 1024
#: How long to wait for a processing file (a video) to become usable, and how often to look.
ACTIVE_TIMEOUT_S = 600.0
ACTIVE_POLL_S = 2.0

#: ``on_progress(sent, total)``: bytes sent so far and the file's size.
ProgressCallback = Callable[[int, int], None]


class UploadError(UnexpectedResponseError):
    """The upload did not end with a usable file; the message says where it stopped."""


def _same_origin(url: str, base_url: str) -> str:
    """``url`` with the scheme and host of ``base_url`` (the SDK does the same)."""
    session, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit(session._replace(scheme=base.scheme, netloc=base.netloc))


def _header(headers: Any, name: str) -> str:
    return str(headers.get(name) or "")


async def upload_file(
    client: InteractionsClient,
    path: str | os.PathLike[str],
    *,
    mime_type: str,
    display_name: str | None = None,
    on_progress: ProgressCallback | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> FileResource:
    """Upload the file at ``path``; returns the file as the API describes it (``uri``,
    ``state``). Raises the client's errors, or :class:`UploadError`."""
    path = Path(path)
    size = path.stat().st_size
    name = display_name or path.name
    start = await client.request(
        "POST",
        "files",
        body={"file": {"displayName": name, "mimeType": mime_type, "sizeBytes": str(size)}},
        extras=RequestExtras(
            upload=True,
            headers={
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(size),
                "X-Goog-Upload-Header-Content-Type": mime_type,
            },
        ),
    )
    session = _header(start.headers, "x-goog-upload-url")
    if not session:
        raise UploadError("The upload was not started: the server gave no X-Goog-Upload-URL.")
    session = _same_origin(session, client.base_url)
    offset = 0
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while True:
            chunk = await asyncio.to_thread(handle.read, chunk_size)
            last = offset + len(chunk) >= size
            answer = await client.request(
                "POST",
                "",
                extras=RequestExtras(
                    url=session,
                    content=chunk,
                    headers={
                        "content-type": "application/octet-stream",
                        "X-Goog-Upload-Command": "upload, finalize" if last else "upload",
                        "X-Goog-Upload-Offset": str(offset),
                    },
                ),
            )
            offset += len(chunk)
            if on_progress is not None:
                on_progress(offset, size)
            status = _header(answer.headers, "x-goog-upload-status")
            if last or status != "active":
                break
    finally:
        handle.close()
    if status != "final":
        raise UploadError(
            f"The upload of {name} stopped at {offset} of {size} bytes (status {status or '?'})."
        )
    data = answer.json("the upload")
    return FileResource.model_validate(data.get("file", data) if isinstance(data, dict) else {})


def file_name_of(uri_or_name: str) -> str:
    """``files/abc`` from a file's name or its ``https://…/files/abc`` URI."""
    if uri_or_name.startswith("files/"):
        return uri_or_name
    path = urlsplit(uri_or_name).path
    marker = "/files/"
    return "files/" + path[path.index(marker) + len(marker) :] if marker in path else uri_or_name


async def get_file(client: InteractionsClient, name: str) -> FileResource:
    """``GET /{v}/files/{name}`` (a name or the file's URI)."""
    file_id = file_name_of(name).removeprefix("files/")
    return FileResource.model_validate(
        await client.request_json("GET", f"files/{quote(file_id, safe='')}")
    )


async def wait_active(
    client: InteractionsClient,
    file: FileResource,
    *,
    patience: float = ACTIVE_TIMEOUT_S,
    poll: float = ACTIVE_POLL_S,
) -> FileResource:
    """``file`` once it is usable: a video is ``PROCESSING`` first. Raises
    :class:`UploadError` when it fails or is still processing after ``patience`` seconds."""
    waited = 0.0
    while file.state == "PROCESSING":
        if waited >= patience:
            raise UploadError(f"{file.name} is still being processed after {patience:g} s.")
        await asyncio.sleep(poll)
        waited += poll
        file = await get_file(client, file.name or "")
    if file.state == "FAILED":
        reason = (file.error or {}).get("message") or "no reason given"
        raise UploadError(f"The server could not process {file.name}: {reason}")
    return file
