"""Pydantic's validation errors in the words gemtui shows (config problems, the settings pane,
function tool entries).

Pydantic prefixes what a validator raised with "Value error, " (and "Assertion failed, "),
which means nothing to the person reading it; an unknown field reads "Extra inputs are not
permitted", which is better said "unknown setting".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PREFIXES = ("Value error, ", "Assertion failed, ")


def error_text(detail: Mapping[str, Any]) -> str:
    """The message of one error of ``ValidationError.errors()``, as shown to the user."""
    if detail.get("type") == "extra_forbidden":
        return "unknown setting"
    message = str(detail.get("msg", ""))
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message
