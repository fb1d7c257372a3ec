"""Reading a JSON file the user named (a schema, function declarations) with errors that say
which file, what it was for, and what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonFileError(ValueError):
    """The file cannot be used; the message names it and says why."""


def read_json(path: Path, what: str) -> Any:
    """The JSON value in ``path`` (``what`` names its use in the messages)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise JsonFileError(f"{what} {path} cannot be read: {reason}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise JsonFileError(f"{what} {path} is not valid JSON: {error}") from None


def read_json_schema(path: Path, what: str) -> dict[str, Any]:
    """A JSON schema from ``path``: a JSON object, not a list or a bare value."""
    schema = read_json(path, what)
    if not isinstance(schema, dict):
        raise JsonFileError(f"{what} {path} must be a JSON object (a JSON schema)")
    return schema
