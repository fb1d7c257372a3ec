"""Where the API key and the endpoint come from, for every front end (TUI and headless).

Kept free of Textual and of the HTTP stack so that ``gemtui ask`` can decide whether it has what
it needs before importing either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

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
