"""One captured exchange as it went over the wire: request line, headers, bodies, response.

For an exchange that is not the Interactions API (a models list, a file upload) this is all
there is to show; for an interaction the body of the response is in its turn (the conversation
and the timeline), so only the request's is shown here. Header values that carry the key are
``***``; bodies are shown up to the first 64 KB, as text. ``y`` copies what is shown.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from gemtui.core.safety import clean_terminal_text
from gemtui.core.timeline_rows import format_bytes
from gemtui.proxy.collector import Capture
from gemtui.proxy.line import duration_text
from gemtui.ui.screens.report import ReportScreen


def exchange_text(capture: Capture) -> str:
    """The exchange as plain text (what the screen shows and ``y`` copies)."""
    wire, exchange = capture.wire, capture.exchange
    lines = [
        f"{wire.method} {wire.path}",
        f"client {exchange.client} · sent {format_bytes(exchange.request_bytes)} · "
        f"got {format_bytes(exchange.response_bytes)} · {duration_text(wire.duration)}",
    ]
    if exchange.error:
        lines.append(f"went wrong: {exchange.error}")
    lines += ["", "Request headers"]
    lines += [f"  {name}: {value}" for name, value in wire.request_headers.items()]
    lines += ["", "Request body"]
    if capture.request:
        lines.append(json.dumps(capture.request, indent=2, ensure_ascii=False))
    else:
        lines.append(capture.request_preview or "(none)")
    status = "no response" if wire.status is None else f"HTTP {wire.status}"
    lines += ["", f"Response: {status}", "Response headers"]
    lines += [f"  {name}: {value}" for name, value in wire.response_headers.items()]
    lines += ["", "Response body"]
    if capture.plain or capture.response_preview:
        lines.append(capture.response_preview or "(none)")
    else:
        count = len(capture.events)
        events = f"{count} event{'s' if count != 1 else ''}"
        lines.append(f"{events}, folded into the turn: see the conversation and Ctrl+T.")
    return clean_terminal_text("\n".join(lines))


class ExchangeScreen(ReportScreen):
    """Shows one capture's wire facts; closes with Escape."""

    COPIED = "Exchange"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="exchange.close"),
        Binding("y", "copy", "Copy", id="exchange.copy"),
    ]

    def __init__(self, capture: Capture) -> None:
        super().__init__()
        self.capture = capture
        self._text = exchange_text(capture)

    def body(self) -> Static:
        return Static(Text(self._text), markup=False)

    @property
    def text(self) -> str:
        return self._text
