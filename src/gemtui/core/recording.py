"""Record raw event streams as JSON Lines, and read them back for replay.

One format serves the timeline's recordings and ``gemtui ask --output-format stream-json``, so
anything printed by a script can be replayed in the TUI:

* line 1, the header: ``{"recording": "gemtui/1", "created": ISO-8601, "request": {...}}``
  (the request body as sent; the API key is never part of it, and the text is redacted anyway);
* then one line per event: ``{"offset": seconds since the request started, "event": {...}}``
  where ``event`` is the event's JSON exactly as the server sent it.

A file may hold several recordings one after the other, each starting with its header: the
turns of a tool loop (``gemtui ask -o stream-json``), or the exchanges ``gemtui proxy --record``
appends. Those headers also carry ``"exchange"``: method, path, status, client and timings of
the HTTP exchange the inspector captured. :func:`parse_recordings` reads them apart.

Readers skip lines they cannot parse rather than fail, so a recording cut short by a crash still
replays up to where it stops.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from gemtui.core.safety import redact_secrets
from gemtui.core.split_secrets import DeltaRedactor, redact_split

FORMAT = "gemtui/1"


@dataclass
class RecordedEvent:
    offset: float
    event: dict[str, Any]


@dataclass
class Recording:
    request: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    events: list[RecordedEvent] = field(default_factory=list)
    #: The captured HTTP exchange (``gemtui proxy --record``), else ``None``.
    exchange: dict[str, Any] | None = None


def header_line(
    request: dict[str, Any],
    secrets: Iterable[str] = (),
    *,
    exchange: dict[str, Any] | None = None,
    created: str | None = None,
) -> str:
    created = created or datetime.now(UTC).isoformat(timespec="seconds")
    header: dict[str, Any] = {"recording": FORMAT, "created": created, "request": request}
    if exchange is not None:
        header["exchange"] = exchange
    return redact_secrets(json.dumps(header, ensure_ascii=False), secrets)


def event_json(raw_event: str | dict[str, Any]) -> dict[str, Any]:
    """The event as recorded, a dict of its own (redaction changes it): the SSE data payload
    parsed (kept as received when it is not JSON)."""
    if not isinstance(raw_event, str):
        return copy.deepcopy(raw_event)
    try:
        event = json.loads(raw_event)
    except ValueError:
        return {"unparsed": raw_event}
    return event if isinstance(event, dict) else {"unparsed": raw_event}


def event_line(offset: float, raw_event: str | dict[str, Any], secrets: Iterable[str] = ()) -> str:
    """One event line (write the events through a ``DeltaRedactor`` first: see
    :func:`event_lines`)."""
    event = raw_event if isinstance(raw_event, dict) else event_json(raw_event)
    line = json.dumps({"offset": round(offset, 6), "event": event}, ensure_ascii=False)
    return redact_secrets(line, secrets)


def event_lines(
    events: Iterable[tuple[float, str | dict[str, Any]]], secrets: Iterable[str] = ()
) -> list[str]:
    """The lines of a whole stream's events, with secrets split across deltas redacted too."""
    secrets = list(secrets)
    parsed = [(offset, event_json(raw)) for offset, raw in events]
    return [event_line(offset, event, secrets) for offset, event in redact_split(parsed, secrets)]


class RecordingWriter:
    """Appends a recording to a text stream, one flushed line per event, so a crash loses
    at most the event being written. An event whose text may be the start of a secret that
    the next delta completes waits for it (see :mod:`gemtui.core.split_secrets`); ``finish``
    when the stream ended, or ``start`` the next recording."""

    def __init__(self, stream: IO[str], secrets: Iterable[str] = ()) -> None:
        self._stream = stream
        self._secrets = list(secrets)
        self._redactor = DeltaRedactor(self._secrets)

    def start(self, request: dict[str, Any]) -> None:
        self.finish()
        self._write(header_line(request, self._secrets))

    def event(self, offset: float, raw_event: str | dict[str, Any]) -> None:
        self._write_events(self._redactor.push((offset, event_json(raw_event))))

    def finish(self) -> None:
        """Write the events still held: the stream ended."""
        self._write_events(self._redactor.flush())

    def _write_events(self, items: list[tuple[Any, dict[str, Any]]]) -> None:
        for offset, event in items:
            self._write(event_line(offset, event, self._secrets))

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


def save_recording(
    path: Path,
    request: dict[str, Any],
    events: Iterable[tuple[float, dict[str, Any]]],
    secrets: Iterable[str] = (),
) -> Path:
    """Write a whole recording (``events`` as (offset, event JSON) pairs) to ``path``,
    readable by its owner only: it holds the prompts and answers, as an export does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        writer = RecordingWriter(handle, secrets)
        writer.start(request)
        for offset, event in events:
            writer.event(offset, event)
        writer.finish()
    return path


def iter_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value


def parse_recording(lines: Iterable[str]) -> Recording:
    """Read a recording; a bare stream of event JSON objects (no header, no offsets) works too."""
    recording = Recording()
    for value in iter_lines(lines):
        if value.get("recording") == FORMAT:
            recording.request = value.get("request") or {}
            recording.created = value.get("created") or ""
        elif isinstance(value.get("event"), dict):
            offset = value.get("offset")
            recording.events.append(
                RecordedEvent(
                    float(offset) if isinstance(offset, int | float) else 0.0, value["event"]
                )
            )
        elif "event_type" in value:
            recording.events.append(RecordedEvent(0.0, value))
    return recording


def parse_recordings(lines: Iterable[str]) -> list[Recording]:
    """Every recording of a file, in order: each header starts the next one (a bare stream of
    events, or events before the first header, make one of their own)."""
    recordings: list[Recording] = []
    current: Recording | None = None
    for value in iter_lines(lines):
        if value.get("recording") == FORMAT:
            exchange = value.get("exchange")
            current = Recording(
                request=value.get("request") or {},
                created=value.get("created") or "",
                exchange=exchange if isinstance(exchange, dict) else None,
            )
            recordings.append(current)
            continue
        if current is None:
            current = Recording()
            recordings.append(current)
        if isinstance(value.get("event"), dict):
            offset = value.get("offset")
            current.events.append(
                RecordedEvent(
                    float(offset) if isinstance(offset, int | float) else 0.0, value["event"]
                )
            )
        elif "event_type" in value:
            current.events.append(RecordedEvent(0.0, value))
    return recordings


def load_recording(path: str | Path) -> Recording:
    with open(path, encoding="utf-8") as handle:
        return parse_recording(handle)


def load_recordings(path: str | Path) -> list[Recording]:
    with open(path, encoding="utf-8") as handle:
        return parse_recordings(handle)
