"""Tool specs (``--tool``, the settings pane, the config file) and ``tool_choice``: each form
gives the API's tool object, goes back to the same spec, and a wrong one says what is right."""

from __future__ import annotations

import pytest

from gemtui.core.tool_specs import (
    ToolSpecError,
    parse_tool_choice,
    parse_tool_spec,
    secret_values,
    tool_choice_text,
    tool_label,
    tool_spec,
)

CASES = [
    ("google_search", {"type": "google_search"}),
    ("retrieval:rag_store", {"type": "retrieval", "retrieval_types": ["rag_store"]}),
    (
        "google_maps:52.5,13.4;widget",
        {"type": "google_maps", "latitude": 52.5, "longitude": 13.4, "enable_widget": True},
    ),
    (
        "file_search:fileSearchStores/docs,fileSearchStores/faq;top_k=5",
        {
            "type": "file_search",
            "file_search_store_names": ["fileSearchStores/docs", "fileSearchStores/faq"],
            "top_k": 5,
        },
    ),
    (
        "computer_use:browser;exclude=drag_and_drop",
        {
            "type": "computer_use",
            "environment": "browser",
            "excluded_predefined_functions": ["drag_and_drop"],
        },
    ),
    (
        "mcp_server:docs=https://example.com/mcp?x=1;tools=search,fetch;header=Authorization: "
        "Bearer abc123",
        {
            "type": "mcp_server",
            "name": "docs",
            "url": "https://example.com/mcp?x=1",
            "headers": {"Authorization": "Bearer abc123"},
            "allowed_tools": [{"tools": ["search", "fetch"]}],
        },
    ),
]


@pytest.mark.parametrize(("spec", "tool"), CASES)
def test_a_spec_gives_the_tool_and_the_tool_gives_the_spec_back(spec, tool):
    assert parse_tool_spec(spec) == tool
    assert parse_tool_spec(tool_spec(tool)) == tool


def test_store_names_get_their_prefix_and_json_is_taken_as_is():
    assert parse_tool_spec("file_search:docs")["file_search_store_names"] == [
        "fileSearchStores/docs"
    ]
    raw = '{"type": "retrieval", "vertex_ai_search_config": {"engine": "e"}}'
    assert parse_tool_spec(raw) == {"type": "retrieval", "vertex_ai_search_config": {"engine": "e"}}
    assert tool_spec(parse_tool_spec(raw)).startswith("{")


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("google_serch", "unknown tool 'google_serch'"),
        ("mcp_server:https://example.com", "NAME=URL"),
        ("mcp_server:docs=ftp://example.com", "http:// or https://"),
        ("mcp_server:1docs=https://example.com", "must start with a letter"),
        ("file_search", "needs the names of its stores"),
        ("computer_use:car", "browser, mobile, desktop"),
        ("google_maps:north", "LATITUDE,LONGITUDE"),
        ("file_search:docs;top_k=0", "top_k must be a whole number"),
        ("code_execution:fast", "takes no parameters"),
        ('{"type": "bash"}', "type is one of"),
        ("mcp_server:docs=https://e.com;colour=red", "unknown option 'colour'"),
    ],
)
def test_a_wrong_spec_says_what_would_work(spec, says):
    with pytest.raises(ToolSpecError, match=says):
        parse_tool_spec(spec)


def test_tool_choice_short_forms():
    assert parse_tool_choice("any") == "any"
    assert parse_tool_choice("any:get_time,get_weather") == {
        "allowed_tools": {"mode": "any", "tools": ["get_time", "get_weather"]}
    }
    assert tool_choice_text(parse_tool_choice("validated:a")) == "validated:a"
    with pytest.raises(ToolSpecError, match="one of auto, any, none, validated"):
        parse_tool_choice("sometimes")


def test_labels_and_secrets():
    mcp = parse_tool_spec("mcp_server:docs=https://e.com;header=Authorization: Bearer tok-9876")
    assert tool_label(mcp) == "mcp:docs" and tool_label({"type": "google_maps"}) == "maps"
    assert secret_values([mcp]) == ["Bearer tok-9876", "tok-9876"]
