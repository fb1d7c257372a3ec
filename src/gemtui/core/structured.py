"""Structured output: is the answer JSON, and does it follow the schema the request gave?

The request asks for JSON with ``response_format`` ``{"type": "text", "mime_type":
"application/json", "schema": {...}}`` (alone or in a list of formats). The answer is then
checked once, when its step has stopped, and the reader sees one of: valid, invalid (the first
errors, each with its JSON path), not JSON (where parsing broke), or unchecked (the schema
itself cannot be used). The check never reaches the network: a ``$ref`` to a remote schema is
not fetched (jsonschema would otherwise download it) and makes the result "unchecked".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

#: How many schema errors the mark lists (the rest are counted).
MAX_ERRORS = 3
#: Characters of one error message kept (jsonschema quotes whole instances in them).
MAX_MESSAGE = 160

Verdict = Literal["valid", "invalid", "not_json", "unchecked"]


@dataclass(frozen=True)
class StructuredCheck:
    """The verdict on one answer and what the reader needs to see about it."""

    verdict: Verdict
    #: The parsed JSON (``None`` when the text is not JSON).
    value: Any = None
    #: Schema errors as ``"$.path: message"`` (at most MAX_ERRORS).
    errors: list[str] = field(default_factory=list)
    #: How many schema errors there are in all.
    error_count: int = 0
    #: Why the text is not JSON, or why the schema could not be used.
    detail: str = ""

    @property
    def summary(self) -> str:
        """One line for the mark under the answer."""
        if self.verdict == "valid":
            return "valid JSON, follows the schema"
        if self.verdict == "invalid":
            count = self.error_count
            return f"JSON does not follow the schema: {count} error{'s' if count != 1 else ''}"
        if self.verdict == "not_json":
            return f"not JSON: {self.detail}"
        return f"JSON, not checked: {self.detail}"


def json_schema_of(response_format: Any) -> dict[str, Any] | None:
    """The JSON schema a request's ``response_format`` asks the answer to follow, if any."""
    formats = response_format if isinstance(response_format, list) else [response_format]
    for item in formats:
        if (
            isinstance(item, dict)
            and item.get("type") == "text"
            and item.get("mime_type") == "application/json"
            and isinstance(item.get("schema"), dict)
        ):
            return item["schema"]
    return None


def check_structured(text: str, schema: dict[str, Any]) -> StructuredCheck:
    """Parse ``text`` as JSON and validate it against ``schema``; never raises."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return StructuredCheck("not_json", detail=_where(error))
    except RecursionError:
        return StructuredCheck("not_json", detail="nested too deeply to read")
    return _validate(value, schema)


def schema_problem(schema: dict[str, Any]) -> str | None:
    """Why ``schema`` cannot be used to check an answer (``None``: it can)."""
    from jsonschema import SchemaError, validators

    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as error:
        return _short(error.message)
    return None


def _where(error: json.JSONDecodeError) -> str:
    if not error.doc.strip():
        return "the answer is empty"
    return f"{error.msg} (line {error.lineno}, column {error.colno})"


def _validate(value: Any, schema: dict[str, Any]) -> StructuredCheck:
    # Imported here: jsonschema is needed only once a structured answer has arrived.
    from jsonschema import SchemaError, validators
    from referencing import Registry
    from referencing.exceptions import NoSuchResource, Unresolvable

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)

    try:
        checker = validators.validator_for(schema)
        checker.check_schema(schema)
        found = list(checker(schema, registry=Registry(retrieve=refuse)).iter_errors(value))
    except SchemaError as error:
        return StructuredCheck("unchecked", value, detail=f"bad schema: {_short(error.message)}")
    except Unresolvable as error:
        return StructuredCheck("unchecked", value, detail=f"schema reference {error}")
    except RecursionError:
        return StructuredCheck("unchecked", value, detail="nested too deeply to check")
    if not found:
        return StructuredCheck("valid", value)
    found.sort(key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    errors = [f"{e.json_path}: {_short(e.message)}" for e in found[:MAX_ERRORS]]
    return StructuredCheck("invalid", value, errors=errors, error_count=len(found))


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
