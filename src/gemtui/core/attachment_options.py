"""Per-attachment options: the MIME type of a URI, an image's or video's ``resolution``, a
video's ``processing`` (frame rate and the segment to look at), and "upload this one".

Written after the file or URI, each as ``;key=value`` (``gemtui ask -a 'clip.mp4;fps=1;
start=10s;end=20s'``); the TUI's chip options dialog sets the same fields. The values are those
of the SDK's ``ImageContent``/``VideoContent``: ``resolution`` is ``low``, ``medium``, ``high`` or
``ultra_high``; ``processing`` is ``static`` or ``agentic``, or ``{type: "static", fps,
start_offset, end_offset}`` with offsets written like ``10.5s``.

Standard library only (``gemtui ask`` checks its flags before importing pydantic).
"""

from __future__ import annotations

import re
from typing import Any

RESOLUTIONS = ("low", "medium", "high", "ultra_high")
PROCESSING_MODES = ("static", "agentic")
#: The option keys this module knows; a ``;x=y`` tail with any other key stays part of the path.
KEYS = ("mime", "resolution", "fps", "start", "end", "processing", "upload")
_OFFSET = re.compile(r"^\d+(\.\d+)?s$")
_MIME = re.compile(r"^[a-z]+/[A-Za-z0-9.+_-]+$")


def split_options(source: str) -> tuple[str, dict[str, str]]:
    """``source`` without its ``;key=value`` options, and the options. Only known keys are
    options: a path holding ``;`` for another reason stays whole."""
    options: dict[str, str] = {}
    rest = source
    while ";" in rest:
        head, _, tail = rest.rpartition(";")
        key, _, value = tail.partition("=")
        key = key.strip().lower()
        if key not in KEYS:
            break
        options[key] = value.strip()
        rest = head
    return rest, options


class OptionError(ValueError):
    """An option value the API would refuse; the message names the right ones."""


def check_offset(text: str, what: str) -> str:
    if not _OFFSET.match(text):
        raise OptionError(f"{what} is a number of seconds followed by s, e.g. 10s or 10.5s.")
    return text


def processing_of(options: dict[str, str]) -> str | dict[str, Any] | None:
    """The ``processing`` value the options give (``None``: none)."""
    mode = options.get("processing", "").strip()
    fps, start, end = (options.get(key, "").strip() for key in ("fps", "start", "end"))
    if mode and mode not in PROCESSING_MODES:
        raise OptionError(f"processing is one of: {', '.join(PROCESSING_MODES)}.")
    if not (fps or start or end):
        return mode or None
    if mode == "agentic":
        raise OptionError("fps, start and end go with static processing, not agentic.")
    value: dict[str, Any] = {"type": "static"}
    if fps:
        try:
            rate = float(fps)
        except ValueError:
            rate = 0.0
        if not rate > 0:
            raise OptionError("fps is a number of frames a second above 0, e.g. 1 or 0.5.")
        value["fps"] = rate
    if start:
        value["start_offset"] = check_offset(start, "start")
    if end:
        value["end_offset"] = check_offset(end, "end")
    if start and end and float(end[:-1]) <= float(start[:-1]):
        raise OptionError("end must come after start.")
    return value


def check_mime(mime: str) -> str:
    if not _MIME.match(mime):
        raise OptionError(f"mime {mime!r} is not a MIME type such as video/mp4.")
    return mime


def item_fields(kind: str | None, options: dict[str, str]) -> dict[str, Any]:
    """The item fields (``resolution``, ``processing``) ``options`` set on an item of
    ``kind``; raises :class:`OptionError` for a value the API would refuse or an option the
    kind does not take."""
    fields: dict[str, Any] = {}
    resolution = options.get("resolution")
    if resolution:
        if resolution not in RESOLUTIONS:
            raise OptionError(f"resolution is one of: {', '.join(RESOLUTIONS)}.")
        if kind not in ("image", "video"):
            raise OptionError("resolution is for images and videos.")
        fields["resolution"] = resolution
    processing = processing_of(options)
    if processing is not None:
        if kind != "video":
            raise OptionError("processing, fps, start and end are for videos.")
        fields["processing"] = processing
    return fields


def wants_upload(options: dict[str, str]) -> bool:
    return "upload" in options and options["upload"].lower() not in ("false", "no", "0")


def options_of(item: dict[str, Any]) -> dict[str, str]:
    """The options an item carries, as the dialog's fields (the inverse of
    :func:`item_fields`)."""
    options: dict[str, str] = {}
    if item.get("resolution"):
        options["resolution"] = str(item["resolution"])
    processing = item.get("processing")
    if isinstance(processing, str):
        options["processing"] = processing
    elif isinstance(processing, dict):
        options["processing"] = str(processing.get("type") or "static")
        for key, field in (("fps", "fps"), ("start", "start_offset"), ("end", "end_offset")):
            if processing.get(field) is not None:
                value = processing[field]
                options[key] = f"{value:g}" if isinstance(value, float) else str(value)
    return options


def options_label(item: dict[str, Any]) -> str:
    """A few words for the chip: ``low · 1 fps · 10s–20s``."""
    options = options_of(item)
    parts = [options["resolution"]] if "resolution" in options else []
    if "fps" in options:
        parts.append(f"{options['fps']} fps")
    if "start" in options or "end" in options:
        parts.append(f"{options.get('start', '0s')}–{options.get('end', 'end')}")
    elif options.get("processing") == "agentic":
        parts.append("agentic")
    return " · ".join(parts)
