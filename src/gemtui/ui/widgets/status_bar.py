"""One line at the bottom: what is in force and what is happening."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from gemtui.core.safety import clean_terminal_text
from gemtui.ui.widgets.status_fit import StatusPart, fit

#: Spinner frames from ASCII so they show on any console font.
SPINNER = "|/-\\"
#: Turn states the status bar makes stand out.
ALERT_STATES = frozenset({"failed", "interrupted", "budget_exceeded"})
#: States of a running turn, which Escape cancels (the status bar says so where it has room).
CANCELLABLE_STATES = frozenset({"waiting", "queued", "running", "streaming"})
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
    #: Its share alone (``ctx 2%``), for a full line; empty while the limit is not known.
    context_short: str = ""
    context_alert: bool = False
    #: What the last turn and the whole chat cost, when the model has a price
    #: (``$0.0012 / $0.0150``).
    cost: str = ""
    #: A request waiting to be sent again: "retrying in 3 s (HTTP 503 …, attempt 2 of 5)",
    #: then shorter forms of it (see ``ui/retry_countdown.py``); empty when none waits.
    retry: tuple[str, ...] = ()
    #: The turn waits for the user to approve function calls (the dialog is open). Said in
    #: place of the state, which reads "ready" once the round that asked for them ended.
    approval: bool = False


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
        self.refresh()

    def render(self) -> Text:
        """Built when painted: what fits depends on the width, and the styles on the theme."""
        return self._text()

    def _text(self) -> Text:
        """The parts that fit the bar's width (80 columns before it is laid out): the least
        needed shorten or go first, so "▼ N new lines below (End)" is never cut."""
        return fit(self._parts(), self.size.width or 80)

    def _parts(self) -> list[StatusPart]:
        info = self.info
        style = self.get_component_rich_style
        parts = [StatusPart(_forms(f" {clean_terminal_text(info.model)} "), 7,
                            style("status--model"))]  # fmt: skip
        if info.environment:
            parts.append(StatusPart((f"· {clean_terminal_text(info.environment)} ", ""), 3))
        parts.append(StatusPart((f"· {info.mode} ", ""), 4))
        if info.extras:
            parts.append(StatusPart(_extras_forms(clean_terminal_text(info.extras)), 3))
        if info.retry:  # in place of "waiting": it says what the wait is
            waits = [clean_terminal_text(form) for form in info.retry]
            # Escape stops the wait too: said first where it fits, as while a turn streams.
            forms = tuple(f"· {form} · Esc cancels " for form in waits[:2])
            forms += tuple(f"· {form} " for form in waits)
            parts.append(StatusPart(forms, 6, style("status--alert")))
        elif info.approval:
            parts.append(StatusPart(("· awaiting approval ",), 8))
        else:
            state = STATE_WORDS.get(info.state, info.state)
            if info.elapsed is not None:
                state = f"{state} {SPINNER[self._tick % len(SPINNER)]} {info.elapsed:4.1f}s"
            forms: tuple[str, ...] = (f"· {state} ",)
            if info.state in CANCELLABLE_STATES:
                forms = (f"· {state} · Esc cancels ", *forms)
            alert = style("status--alert") if info.state in ALERT_STATES else ""
            parts.append(StatusPart(forms, 8, alert))
        if info.editing:
            editing = clean_terminal_text(info.editing)
            parts.append(StatusPart((f"· {editing} ", "· editing "), 7, style("status--notice")))
        if info.uploads:
            uploads = clean_terminal_text(info.uploads)
            parts.append(StatusPart((f"· {uploads} ", "· uploading "), 6, style("status--notice")))
        if info.jobs_running:
            count = info.jobs_running
            parts.append(StatusPart((f"· {count} in background ", f"· {count} bg "), 5,
                                    style("status--notice")))  # fmt: skip
        if info.context:
            parts.append(_context_part(info, style("status--alert")))
        if info.cost:
            parts.append(StatusPart((f"· {info.cost} ", ""), 1))
        if info.last_tokens is not None:
            tokens = f"· tokens {info.last_tokens:,} (total {info.total_tokens:,}) "
            parts.append(StatusPart((tokens, f"· {info.last_tokens:,} tok ", ""), 2))
        if info.new_below:
            lines = info.new_below
            notice = f"· ▼ {lines} new line{'s' if lines != 1 else ''} below (End) "
            parts.append(StatusPart((notice, f"· ▼ {lines} new (End) "), 10,
                                    style("status--notice")))  # fmt: skip
        if info.endpoint:
            parts.append(StatusPart((f"· {clean_terminal_text(info.endpoint)}", ""), 0,
                                    style("status--dim")))  # fmt: skip
        return parts


def _extras_forms(extras: str) -> tuple[str, ...]:
    """What is in force besides model and mode (``get_weather+code_execution+schema``), then
    shorter (``get_weather+2``, ``+3``) before it goes: at 80 columns nothing said that tools
    or a schema were on."""
    names = extras.split("+")
    forms = [f"· {extras} "]
    if len(names) > 1:
        forms += [f"· {names[0]}+{len(names) - 1} ", f"· +{len(names)} "]
    return (*forms, "")


def _forms(model: str) -> tuple[str, ...]:
    """A model name, then cut to 20 and to 12 characters (the rest of the bar matters more)."""
    name = model.strip()
    forms = [model]
    for keep in (20, 12):
        if len(name) > keep:
            forms.append(f" {name[: keep - 1]}… ")
    return tuple(forms)


def _context_part(info: StatusInfo, alert: Style) -> StatusPart:
    """``ctx 15.2k / 1M (2%)``, shortened to its share (``ctx 2%``) when the line is full, and
    gone before the token counts are cut; near the limit it is among the last parts to give
    way, in the alert style."""
    short = f"· {info.context_short} " if info.context_short else ""
    forms = (f"· {info.context} ", short, "")
    if info.context_alert:
        return StatusPart(forms, 9, alert)
    return StatusPart(forms, 1)
