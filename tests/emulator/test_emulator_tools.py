"""Built-in tools, structured output, image output, agents and max_output_tokens."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest
from emulator_wire import assemble, create, events, stream_text
from pydantic import BaseModel, ConfigDict, Field

MODEL = "gemini-3.6-flash"


def _create(http, **body):
    """Creates here go through /v1, the other tests use /v1beta."""
    return create(http, version="v1", **body)


def _stream(http, **body):
    text = stream_text(
        http, "POST", "/v1/interactions", json={"model": MODEL, "stream": True, **body}
    )
    return events(text)


def test_google_search_steps_and_citations_point_at_real_spans(http):
    stream = _stream(http, input="Tallest mountain in Europe?", tools=[{"type": "google_search"}])
    steps = assemble(stream)
    assert [s["type"] for s in steps] == [
        "thought",
        "google_search_call",
        "google_search_result",
        "model_output",
    ]
    call, result = steps[1], steps[2]
    assert call["arguments"]["queries"] == ["Tallest mountain in Europe?"]
    assert result["call_id"] == call["id"]
    assert result["result"][0]["search_suggestions"].startswith("<style>")
    start = next(e for e in stream if e.get("step", {}).get("type") == "google_search_call")
    assert start["step"] == {"type": "google_search_call", "id": call["id"], "signature": ""}
    assert any(e.get("delta", {}).get("type") == "text_annotation_delta" for e in stream)
    content = steps[3]["content"][0]
    raw = content["text"].encode()
    assert len(content["annotations"]) == 2
    for note in content["annotations"]:
        assert note["type"] == "url_citation" and note["url"].startswith("https://")
        span = raw[note["start_index"] : note["end_index"]].decode()
        assert span.endswith(".") and span[0].isupper()
    stored = http.get(f"/v1/interactions/{stream[0]['interaction']['id']}").json()
    assert stored["steps"][1:] == steps
    assert stored["usage"]["grounding_tool_count"] == [{"type": "google_search", "count": 1}]


def test_citation_offsets_are_bytes_with_non_ascii_text(http):
    body = _create(http, input="Ünïcödé résumé ✓", tools=[{"type": "google_search"}])
    content = body["steps"][-1]["content"][0]
    raw = content["text"].encode()
    for note in content["annotations"]:
        assert raw[note["start_index"] : note["end_index"]].decode().startswith(("The", "A "))


def test_code_execution_call_and_result(http):
    body = _create(http, input="count these four words", tools=[{"type": "code_execution"}])
    types = [s["type"] for s in body["steps"]]
    assert types == ["thought", "code_execution_call", "code_execution_result", "model_output"]
    call, result = body["steps"][1:3]
    assert call["arguments"]["language"] == "python" and "print(" in call["arguments"]["code"]
    assert result["call_id"] == call["id"] and result["result"] == "4 words, 22 characters\n"
    assert body["usage"]["total_tool_use_tokens"] > 0


def test_url_context_uses_urls_from_the_prompt(http):
    body = _create(
        http,
        input="Summarise https://example.com/a and https://example.org/b.",
        tools=[{"type": "url_context"}],
    )
    call, result = body["steps"][1:3]
    assert call["type"] == "url_context_call"
    assert call["arguments"]["urls"] == ["https://example.com/a", "https://example.org/b."]
    assert result["result"] == [
        {"url": "https://example.com/a", "status": "success"},
        {"url": "https://example.org/b.", "status": "success"},
    ]


def test_url_context_without_urls_uses_a_default(http):
    body = _create(http, input="read something", tools=[{"type": "url_context"}])
    assert body["steps"][1]["arguments"]["urls"] == ["https://example.com/"]


class Ingredient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    grams: float
    unit: str | None = None


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    servings: int = Field(ge=2)
    vegan: bool
    kind: str
    note: None = None
    ingredients: list[Ingredient] = Field(min_length=1, max_length=1)
    tags: list[str] = Field(min_length=3)


RECIPE_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "servings": {"type": "integer", "minimum": 2},
        "vegan": {"type": "boolean"},
        "kind": {"type": "string", "enum": ["soup", "salad"]},
        "note": {"type": "null"},
        "ingredients": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "grams": {"type": "number"},
                    "unit": {"type": ["string", "null"]},
                },
                "required": ["name", "grams"],
            },
        },
        "tags": {"type": "array", "minItems": 3, "items": {"type": "string"}},
    },
    "required": ["title", "servings", "vegan", "kind", "ingredients", "tags"],
}


@pytest.mark.parametrize("as_list", [False, True])
def test_structured_output_is_valid_against_the_schema(http, as_list):
    fmt = {"type": "text", "mime_type": "application/json", "schema": RECIPE_SCHEMA}
    body = _create(http, input="A soup", response_format=[fmt] if as_list else fmt)
    recipe = Recipe.model_validate_json(body["steps"][-1]["content"][0]["text"])
    assert recipe.kind == "soup" and recipe.servings == 2 and len(recipe.tags) == 3
    assert "A soup" in recipe.title


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, size = 8, b"", (0, 0)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + chunk) & 0xFFFFFFFF == crc
        if kind == b"IHDR":
            size = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height = size
    assert len(zlib.decompress(idat)) == height * (1 + width * 3)
    return size


def test_image_model_returns_a_real_png_and_a_caption(http):
    stream = _stream(http, model="gemini-3.1-flash-image", input="a red fox")
    image_delta = next(e["delta"] for e in stream if e.get("delta", {}).get("type") == "image")
    assert image_delta["mime_type"] == "image/png"
    assert _png_size(base64.b64decode(image_delta["data"])) == (64, 64)
    output = assemble(stream)[-1]
    assert [c["type"] for c in output["content"]] == ["image", "text"]
    assert "a red fox" in output["content"][1]["text"]
    modalities = stream[-1]["interaction"]["usage"]["output_tokens_by_modality"]
    assert {"modality": "image", "tokens": 1290} in modalities


def test_image_is_deterministic_per_prompt(http):
    def image(prompt):
        body = _create(http, model="gemini-3.1-flash-image", input=prompt)
        return body["steps"][-1]["content"][0]["data"]

    assert image("cat") == image("cat") != image("dog")


def test_agent_with_environment_runs_code_and_reports(http):
    response = http.post(
        "/v1beta/interactions",
        json={
            "agent": "antigravity-preview-05-2026",
            "input": "Audit the repo",
            "environment": "remote",
        },
    )
    body = response.json()
    assert body["agent"] == "antigravity-preview-05-2026" and "model" not in body
    assert body["environment_id"].startswith("env_")
    types = [s["type"] for s in body["steps"]]
    assert types[0] == "thought" and types[-1] == "model_output"
    languages = [
        s["arguments"]["language"] for s in body["steps"] if s["type"] == "code_execution_call"
    ]
    assert languages == ["bash", "python"]
    assert body["environment_id"] in body["steps"][-1]["content"][0]["text"]
    again = http.post(
        "/v1beta/interactions",
        json={
            "agent": "antigravity-preview-05-2026",
            "input": "Continue",
            "environment": body["environment_id"],
            "previous_interaction_id": body["id"],
            "background": True,
        },
    ).json()
    assert again["environment_id"] == body["environment_id"]


def test_max_output_tokens_truncates_with_status_incomplete(http):
    full = _create(http, input="long answer please")
    short = _create(http, input="long answer please", generation_config={"max_output_tokens": 10})
    assert short["status"] == "incomplete"
    text = short["steps"][-1]["content"][0]["text"]
    assert len(text) == 40 and full["steps"][-1]["content"][0]["text"].startswith(text)
    assert short["usage"]["total_output_tokens"] == 10


def test_unknown_generation_config_fields_are_accepted(http):
    body = _create(http, input="hi", generation_config={"future_knob": 3, "temperature": 0.2})
    assert body["status"] == "completed"


def test_other_supported_tools_are_accepted(http):
    tools = [{"type": "google_maps"}, {"type": "file_search"}]
    assert _create(http, input="hi", tools=tools)["status"] == "completed"
    body = json.dumps(_create(http, input="hi", tools=tools)["steps"])
    # Each answers with its own steps (test_emulator_server_tools.py has the details).
    assert "google_maps_call" in body and "file_search_result" in body
