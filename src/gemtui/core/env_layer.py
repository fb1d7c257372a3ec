"""The environment's layer of the settings: ``GEMTUI_<FIELD>``, ``__`` between nested names
(``GEMTUI_GENERATION__TEMPERATURE``), and a field's alias names (``GEMINI_API_KEY``) as they are.

Names match whatever their case. A field that holds a table, a list or a model takes JSON
(``GEMTUI_LABELS='{"team": "docs"}'``); one that may also be plain text keeps a value that is
not JSON as text. A value that should be JSON and is not is left out and told; the rest of the
environment still applies. Nested names are merged into the JSON value of their table.

gemtui read these variables with pydantic-settings' ``EnvSettingsSource`` and used nothing
else of that package. Without it, the TUI's imports and settings run 4.7% fewer instructions
(1 808 to 1 724 million, counted by callgrind; ``import textual.app`` alone is 823 million).
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

_CONTAINERS = (list, dict, set, frozenset, tuple)
#: What :func:`_decoded` gives for a value that is left out.
_LEFT_OUT = object()


def env_layer(
    model: type[BaseModel], environ: Mapping[str, str], *, prefix: str, delimiter: str = "__"
) -> tuple[dict[str, Any], list[str]]:
    """``model``'s fields found in ``environ`` (by field name), and what was wrong with any."""
    variables = {key.lower(): (key, value) for key, value in environ.items()}
    found: dict[str, Any] = {}
    problems: list[str] = []
    for name, info in model.model_fields.items():
        for candidate in _names(name, info, prefix):
            if candidate.lower() in variables:
                key, text = variables[candidate.lower()]
                value = _decoded(key, text, info.annotation, problems)
                if value is not _LEFT_OUT:
                    found[name] = value
                break
        if not _shape(info.annotation)[0]:
            continue  # only a table, a list or a model has names below it
        start = f"{prefix}{name}{delimiter}".lower()
        nested = _nested(start, info.annotation, variables, delimiter, problems)
        if nested:
            whole = found.get(name)
            found[name] = _merged(whole if isinstance(whole, dict) else {}, nested)
    return found, problems


def _names(name: str, info: FieldInfo, prefix: str) -> list[str]:
    """The variables that set a field, the first found winning: its aliases, else
    ``prefix`` + its name."""
    if isinstance(info.validation_alias, AliasChoices):
        return [alias for alias in info.validation_alias.choices if isinstance(alias, str)]
    return [prefix + name]


def _decoded(key: str, text: str, annotation: Any, problems: list[str]) -> Any:
    """``text`` as the field wants it: JSON for a structured field, else the text itself
    (validation converts it); ``_LEFT_OUT`` when it should be JSON and is not."""
    structured, may_be_text = _shape(annotation)
    if not structured:
        return text
    try:
        return json.loads(text)
    except ValueError as error:
        if may_be_text:
            return text
        problems.append(f"environment variable {key}: not valid JSON ({error}); ignored.")
        return _LEFT_OUT


def _nested(
    start: str,
    annotation: Any,
    variables: Mapping[str, tuple[str, str]],
    delimiter: str,
    problems: list[str],
) -> dict[str, Any]:
    """The variables below one field (``start`` + the names of the inner fields), as a dict."""
    nested: dict[str, Any] = {}
    for lowered, (key, text) in variables.items():
        if not lowered.startswith(start) or len(lowered) == len(start):
            continue
        path = lowered[len(start) :].split(delimiter)
        value = _decoded(key, text, _inner(annotation, path), problems)
        if value is _LEFT_OUT:
            continue
        table = nested
        for part in path[:-1]:
            inner = table.get(part)
            table[part] = inner = inner if isinstance(inner, dict) else {}
            table = inner
        table[path[-1]] = value
    return nested


def _inner(annotation: Any, path: list[str]) -> Any:
    """The annotation of the field ``path`` leads to inside a model (``Any`` when unknown)."""
    for part in path:
        model = next((t for t in _members(annotation) if _is_model(t)), None)
        if model is None or part not in model.model_fields:
            return Any
        annotation = model.model_fields[part].annotation
    return annotation


def _shape(annotation: Any) -> tuple[bool, bool]:
    """Whether a field is structured (a container or a model), and whether it may also be
    plain text (a union with ``str``)."""
    members = _members(annotation)
    structured = [t for t in members if _is_model(t) or (get_origin(t) or t) in _CONTAINERS]
    return bool(structured), str in members


def _members(annotation: Any) -> list[Any]:
    """The types a field may hold, unions and ``Annotated`` unwrapped, ``None`` left out."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in get_args(annotation) for t in _members(arg)]
    return [] if annotation is type(None) else [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _merged(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` laid over it, tables merged key by key."""
    result = dict(base)
    for key, value in update.items():
        inner = result.get(key)
        both = isinstance(inner, dict) and isinstance(value, dict)
        result[key] = _merged(inner, value) if both else value
    return result
