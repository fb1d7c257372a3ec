"""Where the API key and the endpoint come from, for every front end (TUI and headless).

Kept free of Textual and of the HTTP stack so that ``gemtui ask`` can decide whether it has what
it needs (and whether the endpoint is a usable URL) before importing either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gemtui.api.base_url import EXAMPLES, InvalidBaseUrl, check_base_url
from gemtui.core.safety import redact_secrets

#: Environment variables holding the key, in the order they are read.
KEY_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: Environment variable naming the endpoint (``--base-url`` wins over it).
BASE_URL_VARIABLE = "GOOGLE_GEMINI_BASE_URL"


def api_key_from_env(env: Mapping[str, str] = os.environ) -> str | None:
    """The first non-empty key of :data:`KEY_VARIABLES`, or ``None``."""
    for name in KEY_VARIABLES:
        value = env.get(name)
        if value:
            return value
    return None


def base_url_from_env(env: Mapping[str, str] = os.environ) -> str | None:
    """The endpoint the environment names, or ``None`` for Google's default."""
    return env.get(BASE_URL_VARIABLE) or None


#: Where the TUI's settings read the endpoint from, first found wins (see ``config.Settings``).
TUI_BASE_URL_VARIABLES = ("GEMTUI_BASE_URL", BASE_URL_VARIABLE)
#: Longest part of a rejected URL quoted back to the user.
_SHOWN_URL_CHARS = 80


class BadBaseUrl(Exception):
    """The endpoint named on the command line or in the environment cannot be used (a usage
    error: exit 2). ``message`` says where it came from and what is wrong, ``hint`` what to
    give instead; ``str()`` is both, on two lines."""

    def __init__(self, message: str, hint: str) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}\n  {hint}")


def checked_base_url(
    flag: str | None,
    env: Mapping[str, str] = os.environ,
    variables: tuple[str, ...] = (BASE_URL_VARIABLE,),
) -> str | None:
    """The endpoint ``--base-url`` (``flag``) or else the first of ``variables`` set in ``env``
    names, checked; ``None`` when neither is set (Google's endpoint).

    Raises :class:`BadBaseUrl` for anything the client cannot send to, so a typo fails at once
    as a usage error, not after connection retries.
    """
    origin, value = "--base-url", flag or None
    if value is None:
        found = next(((name, env[name]) for name in variables if env.get(name)), None)
        if found is None:
            return None
        origin, value = found
    try:
        return check_base_url(value)
    except InvalidBaseUrl as problem:
        shown = redact_secrets(value)
        if len(shown) > _SHOWN_URL_CHARS:
            shown = shown[: _SHOWN_URL_CHARS - 1] + "…"
        raise BadBaseUrl(
            f"{origin} {shown!r} {problem}.",
            f"Give the API endpoint's address ({EXAMPLES}), or leave it unset for Google's "
            "endpoint; --demo uses the offline emulator.",
        ) from None
