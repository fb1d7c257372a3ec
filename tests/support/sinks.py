"""A turn-runner sink for tests of the runner without a front end: it keeps what it was told."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from gemtui.core.assembler import Change
from gemtui.core.tools import ToolCall
from gemtui.core.turn import Turn
from gemtui.core.turn_runner import Notice


@dataclass
class RecordingSink:
    """Every call, in order, as ``(name, turn or None)``; notices and tool calls kept apart."""

    calls: list[tuple[str, Turn | None]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    tools_run: list[str] = field(default_factory=list)
    loaded: list[Turn] = field(default_factory=list)
    #: Set once the first event has been folded into a turn.
    first_change: asyncio.Event = field(default_factory=asyncio.Event)

    def names(self) -> list[str]:
        """The calls in order, without ``event_received`` and with each run of
        ``turn_changed`` folded into one."""
        names: list[str] = []
        for name, _turn in self.calls:
            if name == "event_received" or (name == "turn_changed" and names[-1:] == [name]):
                continue
            names.append(name)
        return names

    def turns_loaded(self, turns: list[Turn]) -> None:
        self.loaded += turns
        self.calls.append(("turns_loaded", None))

    def turn_started(self, turn: Turn) -> None:
        self.calls.append(("turn_started", turn))

    def request_sent(self, turn: Turn) -> None:
        self.calls.append(("request_sent", turn))

    def request_accepted(self, turn: Turn) -> None:
        self.calls.append(("request_accepted", turn))

    def turn_resumed(self, turn: Turn) -> None:
        self.calls.append(("turn_resumed", turn))

    def event_received(self, turn: Turn, offset: float, raw: Any) -> None:
        self.calls.append(("event_received", turn))

    def turn_changed(self, turn: Turn, change: Change) -> None:
        self.changes.append(change)
        self.first_change.set()
        self.calls.append(("turn_changed", turn))

    def turn_ended(self, turn: Turn) -> None:
        self.calls.append(("turn_ended", turn))

    def notice(self, notice: Notice) -> None:
        self.notices.append(notice)
        self.calls.append(("notice", None))

    def tool_running(self, call: ToolCall | None) -> None:
        if call is not None:
            self.tools_run.append(call.name)

    def tool_finished(self, call: ToolCall, result: dict[str, Any]) -> None:
        self.calls.append(("tool_finished", None))
