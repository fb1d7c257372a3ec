"""Structured output: finding the schema in a request and checking an answer against it."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from gemtui.core.structured import MAX_ERRORS, check_structured, json_schema_of
from gemtui.emulator.directives import parse

FILM = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "year": {"type": "integer"},
        "cast": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "year"],
}


def fmt(schema, mime="application/json"):
    return {"type": "text", "mime_type": mime, "schema": schema}


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (fmt(FILM), FILM),
        ([{"type": "image", "mime_type": "image/png"}, fmt(FILM)], FILM),
        (fmt(FILM, mime="text/plain"), None),
        ({"type": "text", "mime_type": "application/json"}, None),
        (None, None),
        ("application/json", None),
    ],
)
def test_schema_is_found_in_an_object_or_a_list_of_formats(response_format, expected):
    assert json_schema_of(response_format) == expected


def test_valid_answer():
    check = check_structured('{"title": "Alien", "year": 1979}', FILM)
    assert check.verdict == "valid"
    assert check.value == {"title": "Alien", "year": 1979}
    assert check.summary == "valid JSON, follows the schema"


def test_invalid_answer_lists_errors_with_json_paths_shallowest_first():
    text = json.dumps({"title": 7, "year": 1979, "cast": ["a", 2]})
    check = check_structured(text, FILM)
    assert check.verdict == "invalid"
    assert check.errors == [
        "$.title: 7 is not of type 'string'",
        "$.cast[1]: 2 is not of type 'string'",
    ]
    assert check.summary == "JSON does not follow the schema: 2 errors"


def test_missing_property_is_reported_at_the_root():
    check = check_structured('{"title": "Alien"}', FILM)
    assert check.errors == ["$: 'year' is a required property"]
    assert check.summary.endswith("1 error")


def test_many_errors_are_counted_but_only_the_first_listed():
    schema = {"type": "array", "items": {"type": "integer"}}
    check = check_structured(json.dumps(["x"] * 10), schema)
    assert check.error_count == 10
    assert len(check.errors) == MAX_ERRORS


def test_long_error_messages_are_shortened():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    check = check_structured(json.dumps({"a": "x" * 5000}), schema)
    assert len(check.errors[0]) < 200
    assert check.errors[0].endswith("…")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('{\n  "title": "Ali', "Unterminated string starting at (line 2, column 12)"),
        ('{"a" 1}', "Expecting ':' delimiter (line 1, column 6)"),
        ("", "the answer is empty"),
        ("Sure! Here is the JSON", "Expecting value (line 1, column 1)"),
    ],
)
def test_not_json_says_where_parsing_broke(text, detail):
    check = check_structured(text, FILM)
    assert check.verdict == "not_json"
    assert check.value is None
    assert check.detail == detail
    assert check.summary == f"not JSON: {detail}"


def test_deeply_nested_json_does_not_crash():
    check = check_structured("[" * 100_000 + "]" * 100_000, {"type": "array"})
    assert check.verdict in ("not_json", "unchecked", "valid")


def test_a_schema_that_is_not_a_json_schema_leaves_the_answer_unchecked():
    check = check_structured('{"a": 1}', {"type": "STRING"})
    assert check.verdict == "unchecked"
    assert check.value == {"a": 1}
    assert check.summary.startswith("JSON, not checked: bad schema: 'STRING' is not valid")


def test_a_remote_reference_is_never_fetched():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = json.dumps({"type": "integer"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/number.json"
        schema = {"type": "object", "properties": {"n": {"$ref": url}}}
        check = check_structured('{"n": "x"}', schema)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert check.verdict == "unchecked"
    assert "number.json" in check.detail


@pytest.mark.parametrize(
    ("text", "prompt", "fault"),
    [
        ("A film !invalid-json", "A film", "invalid-json"),
        ("!not-json a film", "a film", "not-json"),
        ("a film !slow 5 !not-json", "a film", "not-json"),
        ("a film", "a film", None),
    ],
)
def test_emulator_directives_that_break_structured_output(text, prompt, fault):
    cleaned, directives = parse(text)
    assert (cleaned, directives.json_fault) == (prompt, fault)
