"""Pure parts of the emulator: ids, PNG encoder, schema sampler, directives, Markdown size."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemtui.emulator import ids, markdown
from gemtui.emulator.directives import parse
from gemtui.emulator.errors import ApiError
from gemtui.emulator.png import gradient_png
from gemtui.emulator.schema_sample import sample


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_interaction_ids_carry_the_root_token(root_seed, own_seed):
    root, own = ids.token(root_seed), ids.token(own_seed)
    identifier = ids.interaction_id(root, own)
    assert identifier.startswith("v1_") and "=" not in identifier
    assert ids.root_token_of(identifier) == root


def test_short_ids_look_like_the_real_ones():
    assert len(ids.call_id("a")) == 8 and ids.call_id("a").isalnum()
    assert ids.environment_id("a").startswith("env_")
    assert ids.call_id("a") == ids.call_id("a") != ids.call_id("b")


def test_png_is_decodable_and_deterministic():
    data = gradient_png("seed", size=16)
    assert data == gradient_png("seed", size=16) != gradient_png("other", size=16)
    (length,) = struct.unpack(">I", data[8:12])
    assert data[12:16] == b"IHDR" and struct.unpack(">II", data[16:24]) == (16, 16)
    idat_at = 8 + 12 + length
    (idat_len,) = struct.unpack(">I", data[idat_at : idat_at + 4])
    raw = zlib.decompress(data[idat_at + 8 : idat_at + 8 + idat_len])
    assert len(raw) == 16 * (1 + 16 * 3)


def test_schema_sampler_respects_bounds_enums_and_refs():
    schema = {
        "$defs": {"Leaf": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        "type": "object",
        "properties": {
            "leaf": {"$ref": "#/$defs/Leaf"},
            "low": {"type": "number", "exclusiveMinimum": 5},
            "high": {"type": "integer", "maximum": -3},
            "pick": {"enum": ["b", "a"]},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "few": {"type": "array", "items": {"type": "boolean"}, "maxItems": 1},
            "many": {"type": "array", "items": {"type": "null"}, "minItems": 4},
            "short": {"type": "string", "maxLength": 3},
            "day": {"type": "string", "format": "date"},
        },
    }
    value = sample(schema, "hint")
    assert value["leaf"] == {"n": 1}
    assert value["low"] > 5 and value["high"] == -3 and value["pick"] == "b"
    assert isinstance(value["maybe"], str)
    assert value["few"] == [True] and value["many"] == [None] * 4
    assert len(value["short"]) <= 3 and value["day"] == "2026-01-15"


def test_schema_sampler_survives_recursive_schemas():
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    assert "children" in sample(schema)


def test_function_arguments_fill_only_required_with_the_hint():
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "extra": {"type": "string"}},
        "required": ["city"],
    }
    assert sample(schema, "Paris", all_properties=False) == {"city": "Paris"}


@pytest.mark.parametrize(
    ("text", "clean", "field", "value"),
    [
        ("hi !fault 503x2", "hi", "fail_first", 2),
        ("!fault drop-after 4 go", "go", "drop_after", 4),
        ("a !fault stall 150 b", "a b", "stall_ms", 150),
        ("!slow 200 x", "x", "slow_ms", 200),
        ("!size 60", "", "size_kb", 60),
        ("!fault never-complete", "", "never_complete", True),
        ("plain text", "plain text", "http_status", None),
    ],
)
def test_directives_parse(text, clean, field, value):
    prompt, found = parse(text)
    assert prompt == clean
    assert getattr(found, field) == value


@pytest.mark.parametrize("text", ["!fault 999", "!fault teapot", "!slow fast", "!fault drop-after"])
def test_bad_directives_are_invalid_requests(text):
    with pytest.raises(ApiError) as caught:
        parse(text)
    assert caught.value.status == 400


def test_markdown_grows_to_the_requested_size():
    text = markdown.answer("grow", size_kb=10)
    assert 10 * 1024 <= len(text) < 11 * 1024
    assert text == markdown.answer("grow", size_kb=10)
