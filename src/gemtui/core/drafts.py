"""Unsent drafts on disk: one file per conversation, so a draft outlives a crash or a quit.

A draft is the composer's text and the sources (path or URL) of its attachments. Each
conversation of the history has its own slot (``conversation-12.json``); a chat not saved yet
has the slot ``new``. Files live in the user state dir (``~/.local/state/gemtui/drafts`` on
Linux), are written atomically (a temporary file renamed over the old one, so a ``kill -9``
mid-write leaves the previous draft, never half of one) and are readable by their owner only.
The API key is redacted before anything is written. An empty draft is no file at all.

Standard library only (platformdirs on first use); never raises on I/O: a draft that cannot be
written or read is logged and skipped, the chat goes on.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gemtui.core.safety import redact_secrets

log = logging.getLogger(__name__)

NEW_SLOT = "new"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Draft:
    text: str = ""
    #: The attachments' sources: absolute file paths or http(s) URLs, in chip order.
    sources: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.sources


def drafts_dir() -> Path:
    """``drafts`` in the user state dir (``$XDG_STATE_HOME/gemtui`` on Linux)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("gemtui")) / "drafts"


def slot_name(conversation_id: int | None) -> str:
    """The slot of a conversation of the history; a chat not saved yet has its own."""
    return NEW_SLOT if conversation_id is None else f"conversation-{conversation_id}"


class DraftFiles:
    """The draft files in ``directory``; ``secrets`` never reach them."""

    def __init__(self, directory: Path, secrets: Iterable[str] = ()) -> None:
        self.directory = directory
        self._secrets = secrets

    def path(self, slot: str) -> Path:
        return self.directory / f"{slot}.json"

    def save(self, slot: str, draft: Draft) -> bool:
        """Write (or, for an empty draft, remove) the slot's file; whether it worked."""
        if draft.empty:
            return self.remove(slot)
        secrets = list(self._secrets)
        body = {
            "version": FORMAT_VERSION,
            "text": redact_secrets(draft.text, secrets),
            "attachments": [redact_secrets(source, secrets) for source in draft.sources],
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(prefix=".draft-", dir=self.directory)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(body, stream, ensure_ascii=False)
                os.replace(temporary, self.path(slot))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            log.warning("the draft could not be saved: %s", error)
            return False
        return True

    def load(self, slot: str) -> Draft:
        """The slot's draft (empty when there is none or it cannot be read)."""
        try:
            body = json.loads(self.path(slot).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Draft()
        except (OSError, ValueError) as error:
            log.warning("the draft %s could not be read: %s", slot, error)
            return Draft()
        if not isinstance(body, dict):
            return Draft()
        text = body.get("text")
        sources = body.get("attachments")
        return Draft(
            text if isinstance(text, str) else "",
            [s for s in sources if isinstance(s, str)] if isinstance(sources, list) else [],
        )

    def remove(self, slot: str) -> bool:
        try:
            self.path(slot).unlink(missing_ok=True)
        except OSError as error:
            log.warning("the draft %s could not be removed: %s", slot, error)
            return False
        return True
