"""Every REST example of the API quickstart's shape, sent with plain HTTP (httpx) as curl
would: ``x-goog-api-key``, JSON bodies, ``?alt=sse`` for streaming. The quickstart writes the
turns of its stateless examples with ``content`` as a plain string; those must be accepted as
one text item (the emulator once answered 400 "expected a list")."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from emulator_wire import events

from gemtui.emulator.png import gradient_png

MODEL = "gemini-3.5-flash"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the weather for a given location.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city"}},
        "required": ["location"],
    },
}


@pytest.fixture(params=["v1beta", "v1"])
def rest(request, emulator, api_key):
    """A curl-like client: key header, JSON content type, the version in the path."""
    headers = {"x-goog-api-key": api_key, "Content-Type": "application/json"}
    with httpx.Client(base_url=f"{emulator.base_url}/{request.param}", headers=headers) as http:
        yield http


def post(http: httpx.Client, body: dict, **kwargs) -> dict:
    response = http.post("/interactions", content=json.dumps(body), timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def text_of(interaction: dict) -> str:
    return "".join(
        item.get("text", "")
        for step in interaction["steps"]
        if step["type"] == "model_output"
        for item in step.get("content", [])
    )


def test_text(rest):
    answer = post(rest, {"model": MODEL, "input": "Explain how AI works in a few words"})
    assert answer["status"] == "completed" and answer["object"] == "interaction"
    assert "Explain how AI works" in text_of(answer)


def test_streaming_with_alt_sse(rest):
    body = {"model": MODEL, "input": "Explain how AI works", "stream": True}
    with rest.stream("POST", "/interactions?alt=sse", content=json.dumps(body)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response.read().decode())
    assert stream[0]["event_type"] == "interaction.created"
    assert stream[-1]["interaction"]["status"] == "completed"
    deltas = [e["delta"]["text"] for e in stream if e.get("delta", {}).get("type") == "text"]
    assert "Explain how AI works" in "".join(deltas)


def test_multi_turn_stateful(rest):
    first = post(rest, {"model": MODEL, "input": "I have 2 dogs in my house."})
    second = post(
        rest,
        {
            "model": MODEL,
            "input": "How many paws are in my house?",
            "previous_interaction_id": first["id"],
        },
    )
    assert "«I have 2 dogs in my house.»" in text_of(second)
    assert "turn 2" in text_of(second)


def test_multi_turn_stateless_with_string_contents(rest):
    answer = post(
        rest,
        {
            "model": MODEL,
            "store": False,
            "input": [
                {"type": "user_input", "content": "I have 2 dogs in my house."},
                {"type": "model_output", "content": "That sounds lovely!"},
                {"type": "user_input", "content": "How many paws are in my house?"},
            ],
        },
    )
    assert answer["status"] == "completed"
    assert "«I have 2 dogs in my house.»" in text_of(answer)
    assert "«How many paws are in my house?»" in text_of(answer)


def test_multimodal_with_api_revision_header(rest):
    picture = base64.b64encode(gradient_png("a photo")).decode()
    answer = post(
        rest,
        {
            "model": MODEL,
            "input": [
                {"type": "text", "text": "Describe this image."},
                {"type": "image", "data": picture, "mime_type": "image/png"},
            ],
        },
        headers={"Api-Revision": "2026-05-20"},
    )
    assert answer["status"] == "completed"
    image_tokens = {m["modality"]: m["tokens"] for m in answer["usage"]["input_tokens_by_modality"]}
    assert image_tokens["image"] > 0


def test_image_generation(rest):
    answer = post(
        rest,
        {
            "model": "gemini-3.1-flash-image",
            "input": "Create a picture of a nano banana dish",
            "response_format": [{"type": "text"}, {"type": "image"}],
        },
    )
    images = [
        item
        for step in answer["steps"]
        for item in step.get("content", [])
        if item["type"] == "image"
    ]
    assert base64.b64decode(images[0]["data"]).startswith(b"\x89PNG")


def test_structured_output(rest):
    schema = {
        "type": "object",
        "properties": {
            "recipe_name": {"type": "string"},
            "ingredients": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["recipe_name", "ingredients"],
    }
    answer = post(
        rest,
        {
            "model": MODEL,
            "input": "A cookie recipe",
            "response_format": {"type": "text", "mime_type": "application/json", "schema": schema},
        },
    )
    data = json.loads(text_of(answer))
    assert isinstance(data["recipe_name"], str) and isinstance(data["ingredients"], list)


def test_google_search(rest):
    answer = post(
        rest,
        {"model": MODEL, "input": "Who won the euro 2024?", "tools": [{"type": "google_search"}]},
    )
    kinds = [step["type"] for step in answer["steps"]]
    assert "google_search_call" in kinds and "google_search_result" in kinds
    annotations = answer["steps"][-1]["content"][0]["annotations"]
    assert annotations[0]["type"] == "url_citation"


def test_function_calling_stateful(rest):
    first = post(
        rest, {"model": MODEL, "input": "What is the weather in Boston?", "tools": [WEATHER]}
    )
    assert first["status"] == "requires_action"
    call = first["steps"][-1]
    assert call["type"] == "function_call" and call["arguments"] == {"location": "Boston"}
    second = post(
        rest,
        {
            "model": MODEL,
            "tools": [WEATHER],
            "previous_interaction_id": first["id"],
            "input": [
                {
                    "type": "function_result",
                    "name": "get_weather",
                    "call_id": call["id"],
                    "result": {"temperature": "18C"},
                }
            ],
        },
    )
    assert second["status"] == "completed" and "18C" in text_of(second)


def test_function_calling_stateless(rest):
    question = {"type": "user_input", "content": "What is the weather in Boston?"}
    first = post(rest, {"model": MODEL, "store": False, "tools": [WEATHER], "input": [question]})
    assert first["status"] == "requires_action"
    call = first["steps"][-1]
    second = post(
        rest,
        {
            "model": MODEL,
            "store": False,
            "tools": [WEATHER],
            "input": [
                question,
                *first["steps"],
                {
                    "type": "function_result",
                    "name": "get_weather",
                    "call_id": call["id"],
                    "result": "sunny, 18C",
                },
            ],
        },
    )
    assert second["status"] == "completed" and "sunny, 18C" in text_of(second)
    assert "«What is the weather in Boston?»" in text_of(second)


def test_managed_agent_in_a_remote_environment(rest):
    answer = post(
        rest,
        {
            "agent": "antigravity-preview-05-2026",
            "environment": "remote",
            "input": "List the files in the workspace",
        },
    )
    assert answer["status"] == "completed" and answer["environment_id"].startswith("env_")
    assert "code_execution_call" in [step["type"] for step in answer["steps"]]


def test_background_polling(rest):
    started = post(
        rest, {"model": MODEL, "input": "Research the history of tea", "background": True}
    )
    assert started["status"] == "in_progress"
    assert rest.get(f"/interactions/{started['id']}").json()["status"] in (
        "in_progress",
        "completed",
    )
    # Instead of the quickstart's sleep between polls: its stream ends when the run does.
    with rest.stream("GET", f"/interactions/{started['id']}?stream=true") as response:
        response.read()
    polled = rest.get(f"/interactions/{started['id']}").json()
    assert polled["status"] == "completed"
    assert "Research the history of tea" in text_of(polled)
