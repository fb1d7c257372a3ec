"""Pydantic's validation errors in the words gemtui shows (config problems, the settings pane,
function tool entries).

Pydantic prefixes what a validator raised with "Value error, " (and "Assertion failed, "),
which means nothing to the person reading it; an unknown field reads "Extra inputs are not
permitted", which is better said "unknown setting".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

_PREFIXES = ("Value error, ", "Assertion failed, ")


def error_text(detail: Mapping[str, Any]) -> str:
    """The message of one error of ``ValidationError.errors()``, as shown to the user."""
    if detail.get("type") == "extra_forbidden":
        return "unknown setting"
    message = str(detail.get("msg", ""))
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message


def first_error(error: ValidationError) -> str:
    """The first error of ``error``, with where it is: ``command: Field required``."""
    detail = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in detail["loc"])
    message = error_text(detail)
    return f"{where}: {message}" if where else message


def check_entries(
    entries: Any, table: str, noun: str, check: Callable[[Any], tuple[str, Any]]
) -> tuple[list[Any], list[tuple[int | None, str]]]:
    """The entries of an array of tables (``[[table]]``) that pass ``check``, and (entry
    number, problem) for each one that does not: one mistake costs one entry, not the table.

    ``check(entry)`` returns the entry's name and what to keep of it, or raises
    ``ValidationError`` or ``ValueError``. A second entry with a name already taken is refused:
    a name must say which one is meant (``noun``: what an entry is, for that message).
    """
    if not isinstance(entries, list):
        return [], [(None, f"{table}: must be an array of tables ([[{table}]])")]
    good: list[Any] = []
    problems: list[tuple[int | None, str]] = []
    names: set[str] = set()
    for number, entry in enumerate(entries):
        label = f"{table}[{number}]"
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            label += f" ({entry['name']})"
        try:
            name, kept = check(entry)
        except ValidationError as error:
            problems.append((number, f"{label}: {first_error(error)}"))
            continue
        except ValueError as error:
            problems.append((number, f"{label}: {error}"))
            continue
        if name in names:
            problems.append((number, f"{label}: another {noun} is already named {name!r}"))
            continue
        names.add(name)
        good.append(kept)
    return good, problems
