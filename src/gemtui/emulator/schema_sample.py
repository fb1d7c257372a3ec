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
    return _Sampler(hint, all_properties).value(schema, name, 0)


class _Sampler:
    def __init__(self, hint: str, all_properties: bool) -> None:
        self.hint = " ".join(hint.split())[:60] or "example"
        self.all_properties = all_properties

    def value(self, schema: Any, name: str, depth: int) -> Any:
        if not isinstance(schema, dict):
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
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        names = list(properties) if self.all_properties or not required else required
        result = {}
        for prop in names:
            result[prop] = self.value(properties.get(prop, {}), prop, depth + 1)
        for prop in required:
            if prop not in result:
                result[prop] = self.string({}, prop)
        return result

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0) or 0)
        high = schema.get("maxItems")
        count = max(low, 2 if depth < 3 else 1)
        if isinstance(high, int):
            count = min(count, high)
        items = schema.get("items", {})
        singular = name[:-1] if name.endswith("s") and len(name) > 1 else name
        return [self.value(items, f"{singular} {i + 1}", depth + 1) for i in range(count)]

    def number(self, schema: dict[str, Any], *, integer: bool) -> int | float:
        value: float = 1
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if isinstance(low, int | float) and value <= low:
            value = low + 1 if "exclusiveMinimum" in schema or integer else low
        if isinstance(high, int | float) and value >= high:
            value = high - 1 if "exclusiveMaximum" in schema else high
        if integer:
            return int(value)
        return float(value)

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        text = _FORMATS.get(fmt, f"{name}: {self.hint}") if isinstance(fmt, str) else None
        if text is None:
            text = f"{name.replace('_', ' ')} for {self.hint}" if self.all_properties else self.hint
        low = schema.get("minLength")
        high = schema.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text = text + "." * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[: max(high, 0)]
        return text
