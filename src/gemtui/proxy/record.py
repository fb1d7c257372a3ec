"""``gemtui proxy --record FILE``: each finished exchange appended in the recording format.

An exchange is written whole once it has ended (its header, then its events), so exchanges
that ran at the same time never interleave in the file; ``gemtui replay FILE`` reads them back
one after another (:func:`gemtui.core.recording.parse_recordings`). The header carries the
exchange's facts besides the request; a plain exchange (not the Interactions API) is a header
without events. The file is created private (0600), like everything else that may hold prompts.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from gemtui.core.recording import event_lines, header_line
from gemtui.proxy.collector import Capture


class ExchangeRecorder:
    """Appends finished captures to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def write(self, capture: Capture) -> None:
        secrets = capture.secrets
        created = datetime.fromtimestamp(capture.wire.wall, UTC).isoformat(timespec="seconds")
        lines = [
            header_line(
                capture.request, secrets, exchange=capture.exchange.to_json(), created=created
            )
        ]
        lines += event_lines(capture.events, secrets)
        self._file.write("".join(line + "\n" for line in lines))
        self._file.flush()

    def close(self) -> None:
        self._file.close()
