"""The models and agents used lately, newest first, for the quick switch (one key cycles them).

A model joins the list when a turn is sent to it, not when it is picked: a name mistyped in the
settings never gets in unless it answered. The list is kept in a small file in the state dir
(``recent_models.json``), read the first time it is needed (not at start-up), and written only
when its order changes.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from gemtui.core.state_files import read_state, state_path, write_state

RECENT_FILE = "recent_models.json"
#: How many models and agents the list keeps.
RECENT_LIMIT = 8


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """A model, or a managed agent (``agent``), by name."""

    name: str
    agent: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} (agent)" if self.agent else self.name


class RecentModels:
    """The list, and which one comes after the one in force."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._items: list[ModelChoice] | None = None

    @property
    def path(self) -> Path:
        return self._path or state_path(RECENT_FILE)

    @property
    def items(self) -> list[ModelChoice]:
        if self._items is None:
            self._items = self._read()
        return list(self._items)

    def _read(self) -> list[ModelChoice]:
        data = read_state(self.path)
        entries = data.get("recent") if isinstance(data, dict) else None
        found: list[ModelChoice] = []
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
                choice = ModelChoice(entry["name"], bool(entry.get("agent")))
                if choice not in found:
                    found.append(choice)
        return found[:RECENT_LIMIT]

    def use(self, choice: ModelChoice) -> bool:
        """``choice`` was just used: it goes first. Returns whether the list changed (and
        then the file was written, if it could be)."""
        items = self.items
        if items and items[0] == choice:
            return False
        items = [choice, *(item for item in items if item != choice)][:RECENT_LIMIT]
        self._items = items
        entries = [{"name": c.name, "agent": c.agent} for c in items]
        with suppress(OSError):  # kept for this session
            write_state(self.path, {"recent": entries})
        return True

    def after(self, current: ModelChoice) -> ModelChoice | None:
        """The choice after ``current`` in the list, round and round (``None``: there is no
        other one). ``current`` not in the list counts as the newest."""
        items = self.items
        if current not in items:
            items = [current, *items]
        others = [item for item in items if item != current]
        if not others:
            return None
        return items[(items.index(current) + 1) % len(items)]
