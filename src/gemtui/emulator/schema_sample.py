"""Deterministic sample values that satisfy a JSON Schema (the subset Gemini accepts).

Used for structured output (``response_format`` with a schema) and for function-call
arguments. Strings are derived from a hint (the prompt) so answers visibly follow the request.
"""

from __future__ import annotations

from typing import Any

_FORMATS = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "time": "09:30:00",
    "email": "someone@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def sample(schema: Any, hint: str = "", name: str = "value", *, all_properties: bool = True) -> Any:
    """A value valid against ``schema``.

    ``all_properties`` fills optional object properties too (structured output shows them);
    function arguments pass ``False`` to fill only what is required.
    """
    return _Sampler(schema, hint, all_properties).value(schema, name, 0)


class _Sampler:
    def __init__(self, root: Any, hint: str, all_properties: bool) -> None:
        self.root = root
        self.hint = " ".join(hint.split())[:60] or "example"
        self.all_properties = all_properties

    def resolve(self, schema: Any) -> Any:
        """Follow local ``$ref``s (``#/$defs/Name``, as pydantic's schemas use)."""
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            target: Any = self.root
            for part in schema["$ref"].lstrip("#").strip("/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) and part else target
            schema, seen = target, seen + 1
        return schema

    def value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 12:
            return self.string({}, name)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.value(options[0], name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
        if kind is None:
            kind = (
                "object" if "properties" in schema else "array" if "items" in schema else "string"
            )
        kind = str(kind).lower()
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer":
            return self.number(schema, integer=True)
        if kind == "number":
            return self.number(schema, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name)

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        listed = schema.get("required")
        required = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
        fill_all = (self.all_properties and depth < 4) or not required
        names = list(properties) if fill_all else required
        result = {}
        for prop in names:
            result[prop] = self.value(properties.get(prop, {}), prop, depth + 1)
        for prop in required:
            if prop not in result:
                result[prop] = self.string({}, prop)
        return result

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low, high = _count(schema, "minItems"), _count(schema, "maxItems")
        count = max(low or 0, 2 if depth < 3 else 0)
        if high is not None:
            count = min(count, high)
        items = schema.get("items", {})
        singular = name[:-1] if name.endswith("s") and len(name) > 1 else name
        return [self.value(items, f"{singular} {i + 1}", depth + 1) for i in range(count)]

    def number(self, schema: dict[str, Any], *, integer: bool) -> int | float:
        """1 when allowed, else the nearest value inside the bounds."""
        value: float = 1
        step = 1 if integer else 0.5
        low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
        low_open, high_open = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")
        if low is not None and value < low:
            value = low
        if low_open is not None and value <= low_open:
            value = low_open + step
        if high is not None and value > high:
            value = high
        if high_open is not None and value >= high_open:
            value = high_open - step
        if integer:
            return int(value)
        return float(value)

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        text = _FORMATS.get(fmt, f"{name}: {self.hint}") if isinstance(fmt, str) else None
        if text is None:
            text = f"{name.replace('_', ' ')} for {self.hint}" if self.all_properties else self.hint
        low, high = _count(schema, "minLength"), _count(schema, "maxLength")
        if low is not None and len(text) < low:
            text = text + "." * (min(low, 10_000) - len(text))
        if high is not None and len(text) > high:
            text = text[:high]
        return text


def _count(schema: dict[str, Any], key: str) -> int | None:
    """A non-negative integer keyword, or ``None`` when absent or malformed."""
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _bound(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
