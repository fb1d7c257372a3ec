"""One line at the bottom: what is in force and what is happening."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.widgets import Static

from gemtui.core.safety import clean_terminal_text

#: Spinner frames from ASCII so they show on any console font.
SPINNER = "|/-\\"
#: Turn states the status bar makes stand out.
ALERT_STATES = frozenset({"failed", "interrupted", "budget_exceeded"})
#: Turn states that read better in words than as the API's status names.
STATE_WORDS = {"budget_exceeded": "budget exceeded"}


@dataclass(frozen=True)
class StatusInfo:
    model: str = ""
    mode: str = "stateful"
    #: Tools, system instruction, schema... in force (see app.settings_summary).
    extras: str = ""
    endpoint: str = ""
    state: str = "ready"
    elapsed: float | None = None
    last_tokens: int | None = None
    total_tokens: int = 0
    new_below: int = 0
    #: Which earlier prompt the composer holds for editing ("" when none).
    editing: str = ""
    #: Background runs still going (F4 lists them).
    jobs_running: int = 0
    #: The agent environment the server reported for this chat.
    environment: str = ""
    #: Attachments going up to the Files API ("uploading clip.mp4 40%").
    uploads: str = ""
    #: How much of the input window the chat fills (``ctx 15.2k / 1M (2%)``); ``context_alert``
    #: when it is near the limit.
    context: str = ""
    context_alert: bool = False
    #: What the last turn and the whole chat cost, when the model has a price
    #: (``$0.0012 / $0.0150``).
    cost: str = ""


class StatusBar(Static):
    """Renders a :class:`StatusInfo`; the app replaces the info, never edits text here."""

    COMPONENT_CLASSES = {"status--model", "status--alert", "status--notice", "status--dim"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.info = StatusInfo()
        self._tick = 0

    def set(self, **changes: object) -> None:
        self.info = replace(self.info, **changes)
        self._tick += 1
        # One line of fixed height: only that line is repainted. A layout pass of the whole
        # screen per update would cost tens of milliseconds, five times a second while the
        # waiting indicator ticks.
        self.update(self._text(), layout=False)

    def _text(self) -> Text:
        info = self.info
        text = Text(no_wrap=True, overflow="ellipsis")
        style = self.get_component_rich_style
        text.append(f" {clean_terminal_text(info.model)} ", style=style("status--model"))
        if info.environment:
            text.append(f"· {clean_terminal_text(info.environment)} ")
        text.append(f"· {info.mode} ")
        if info.extras:
            text.append(f"· {clean_terminal_text(info.extras)} ")
        state = STATE_WORDS.get(info.state, info.state)
        if info.elapsed is not None:
            state = f"{state} {SPINNER[self._tick % len(SPINNER)]} {info.elapsed:4.1f}s"
        alert = info.state in ALERT_STATES
        text.append(f"· {state} ", style=style("status--alert") if alert else "")
        if info.editing:
            text.append(f"· {clean_terminal_text(info.editing)} ", style=style("status--notice"))
        if info.uploads:
            text.append(f"· {clean_terminal_text(info.uploads)} ", style=style("status--notice"))
        if info.jobs_running:
            text.append(f"· {info.jobs_running} in background ", style=style("status--notice"))
        if info.context:
            text.append(
                f"· {info.context} ", style=style("status--alert") if info.context_alert else ""
            )
        if info.cost:
            text.append(f"· {info.cost} ")
        if info.last_tokens is not None:
            text.append(f"· tokens {info.last_tokens:,} (total {info.total_tokens:,}) ")
        if info.new_below:
            notice = f"· ▼ {info.new_below} new lines below (End) "
            text.append(notice, style=style("status--notice"))
        if info.endpoint:
            text.append(f"· {clean_terminal_text(info.endpoint)}", style=style("status--dim"))
        return text
