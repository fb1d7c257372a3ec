"""Google Maps, file search, MCP servers, retrieval and computer use: each declared tool gets
its call and result steps and the answer cites what it found, with offsets into its own text;
streamed and non-streamed answers agree; ``tool_choice`` limits what is called."""

from __future__ import annotations

import pytest
from emulator_wire import assemble, create, events, stream_text

MAPS = {"type": "google_maps", "latitude": 52.52, "longitude": 13.4, "enable_widget": True}
FILES = {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook"]}
MCP = {
    "type": "mcp_server",
    "name": "docs",
    "url": "https://example.com/mcp",
    "allowed_tools": [{"tools": ["lookup", "fetch"]}],
}
RETRIEVAL = {"type": "retrieval", "retrieval_types": ["rag_store"]}
PROMPT = "Where to eat in Berlin Mitte?"


def _steps(http, tools, prompt=PROMPT, **body):
    return create(http, input=prompt, tools=tools, **body)["steps"]


def _spans(output: dict) -> list[tuple[str, dict]]:
    content = output["content"][0]
    raw = content["text"].encode()
    return [(raw[n["start_index"] : n["end_index"]].decode(), n) for n in content["annotations"]]


def test_maps_answers_with_places_and_place_citations(http):
    steps = _steps(http, [MAPS])
    assert [s["type"] for s in steps] == [
        "thought", "google_maps_call", "google_maps_result", "model_output",
    ]  # fmt: skip
    call, result = steps[1], steps[2]
    assert call["arguments"] == {"queries": ["places for Berlin Mitte"]}
    assert result["call_id"] == call["id"]
    [found] = result["result"]
    assert found["widget_context_token"].startswith("widgetcontent/")
    names = [place["name"] for place in found["places"]]
    assert names == ["Berlin Mitte Café", "Museum of Berlin Mitte", "Berlin Mitte Market Hall"]
    assert all(p["place_id"].startswith("places/") for p in found["places"])
    spans = _spans(steps[3])
    assert [note["type"] for _, note in spans] == ["place_citation", "place_citation"]
    assert spans[0][0].startswith("Google Maps finds Berlin Mitte Café near 52.52, 13.40")
    assert spans[0][1]["url"] == found["places"][0]["url"]
    assert spans[1][1]["review_snippets"][0]["title"] == "A good visit to Museum of Berlin Mitte"


def test_file_search_lists_files_of_the_store_and_cites_them(http):
    steps = _steps(http, [{**FILES, "top_k": 1}])
    call, result = steps[1], steps[2]
    assert call == {"type": "file_search_call", "id": call["id"], "signature": call["signature"]}
    assert result["result"] == [
        {
            "title": "berlin-mitte-notes.pdf",
            "text": "Notes on Berlin Mitte: the main points, with figures.",
            "file_search_store": "fileSearchStores/handbook",
        }
    ]  # top_k 1: one file
    [(span, note)] = _spans(steps[3])
    assert span == "Your file berlin-mitte-notes.pdf covers «Berlin Mitte» on page 3."
    assert note["file_name"] == "berlin-mitte-notes.pdf" and note["page_number"] == 3


def test_mcp_server_calls_an_allowed_tool_the_prompt_names(http):
    steps = _steps(http, [MCP], prompt="fetch the Release notes")
    call, result = steps[1], steps[2]
    assert call["type"] == "mcp_server_tool_call" and result["type"] == "mcp_server_tool_result"
    assert (call["name"], call["server_name"]) == ("fetch", "docs")
    assert call["arguments"] == {"query": "Release"}
    assert result["call_id"] == call["id"] and result["name"] == "fetch"
    assert result["result"][0]["text"].startswith("3 entries on docs match «Release»")
    assert "MCP server **docs** (`fetch`)" in steps[3]["content"][0]["text"]
    # Without a tool named in the prompt, the first allowed one.
    assert _steps(http, [MCP])[1]["name"] == "lookup"


def test_retrieval_cites_its_corpus_and_counts_as_grounding(http):
    interaction = create(http, input=PROMPT, tools=[MAPS, RETRIEVAL])
    types = [s["type"] for s in interaction["steps"]]
    assert types[1:5] == ["google_maps_call", "google_maps_result", "retrieval_call",
                          "retrieval_result"]  # fmt: skip
    assert interaction["steps"][3]["retrieval_type"] == "rag_store"
    notes = [note for _, note in _spans(interaction["steps"][-1])]
    assert notes[-1]["type"] == "file_citation" and notes[-1]["source"] == "rag_store"
    assert interaction["usage"]["grounding_tool_count"] == [
        {"type": "google_maps", "count": 1},
        {"type": "retrieval", "count": 1},
    ]


def test_computer_use_asks_the_client_for_an_action(http):
    tool = {"type": "computer_use", "environment": "browser"}
    interaction = create(http, input="open https://example.org/news", tools=[tool])
    assert interaction["status"] == "requires_action"
    call = interaction["steps"][-1]
    assert (call["type"], call["name"]) == ("function_call", "navigate")
    assert call["arguments"] == {"url": "https://example.org/news"}
    excluded = {**tool, "excluded_predefined_functions": ["navigate"]}
    assert create(http, input="go", tools=[excluded])["steps"][-1]["name"] == "open_web_browser"


@pytest.mark.parametrize("tools", [[MAPS], [FILES], [MCP], [RETRIEVAL], [MAPS, FILES, MCP]])
def test_streamed_steps_assemble_to_the_stored_ones(http, tools):
    text = stream_text(
        http,
        "POST",
        "/v1beta/interactions",
        json={"model": "gemini-3.6-flash", "input": PROMPT, "tools": tools, "stream": True},
    )
    stream = events(text)
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert assemble(stream) == stored["steps"][1:]


def test_tool_choice_none_calls_no_tool_and_allowed_tools_limit_functions(http):
    steps = _steps(http, [MAPS, MCP], generation_config={"tool_choice": "none"})
    assert [s["type"] for s in steps] == ["thought", "model_output"]
    functions = [
        {"type": "function", "name": "get_time", "parameters": {"type": "object"}},
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
    ]
    choice = {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}}
    calls = _steps(http, functions, prompt="time and weather?",
                   generation_config={"tool_choice": choice})  # fmt: skip
    assert [s.get("name") for s in calls if s["type"] == "function_call"] == ["get_weather"]
