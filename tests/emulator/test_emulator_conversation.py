"""Multi-turn (stateful and stateless), store:false and the function-calling round trip."""

from __future__ import annotations

import json

from emulator_wire import assemble, create, events, stream_text

from gemtui.emulator import ids

MODEL = "gemini-3.6-flash"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a place",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "detail": {"type": "boolean"},
        },
        "required": ["location", "days", "unit"],
    },
}
TIME = {
    "type": "function",
    "name": "get_time",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
}


def _answer(body) -> str:
    return body["steps"][-1]["content"][0]["text"]


def test_previous_interaction_id_rebuilds_history(http):
    first = create(http, input="What is a monad?")
    second = create(http, input="And a functor?", previous_interaction_id=first["id"])
    assert "Earlier you asked: «What is a monad?». This is turn 2" in _answer(second)
    third = create(http, input="Thanks", previous_interaction_id=second["id"])
    assert "turn 3" in _answer(third) and "«And a functor?»" in _answer(third)
    assert "Your first question was «What is a monad?»" in _answer(third)
    stored = http.get(f"/v1beta/interactions/{second['id']}").json()
    assert stored["previous_interaction_id"] == first["id"]
    assert ids.root_token_of(second["id"]) == ids.root_token_of(first["id"])


def test_first_turn_has_no_history_note(http):
    assert "Earlier you asked" not in _answer(create(http, input="hello"))


def test_stateless_history_counts_user_turns(http):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Capital of France?"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Paris."}]},
        {"type": "user_input", "content": [{"type": "text", "text": "And of Spain?"}]},
    ]
    body = create(http, input=history, store=False)
    assert "Earlier you asked: «Capital of France?». This is turn 2" in _answer(body)
    assert "And of Spain?" in _answer(body)


def test_content_list_input_is_one_user_turn(http):
    body = create(http, input=[{"type": "text", "text": "one"}, {"type": "text", "text": "two"}])
    stored = http.get(f"/v1beta/interactions/{body['id']}").json()
    assert stored["steps"][0] == {
        "type": "user_input",
        "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
    }


def test_store_false_is_not_kept(http):
    body = create(http, input="forget me", store=False)
    assert http.get(f"/v1beta/interactions/{body['id']}").status_code == 404
    response = http.post(
        "/v1beta/interactions",
        json={"model": MODEL, "input": "x", "previous_interaction_id": body["id"]},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_previous_interaction_is_404(http):
    response = http.post(
        "/v1/interactions", json={"model": MODEL, "input": "x", "previous_interaction_id": "v1_no"}
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_chaining_onto_a_running_interaction_is_400(http):
    running = create(http, input="!fault never-complete", background=True)
    response = http.post(
        "/v1/interactions",
        json={"model": MODEL, "input": "x", "previous_interaction_id": running["id"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition"
    http.post(f"/v1/interactions/{running['id']}/cancel")


# --- function calling ------------------------------------------------------------------------


def test_function_call_arguments_follow_the_schema(http):
    body = create(http, input="What's the weather in Boston?", tools=[WEATHER])
    assert body["status"] == "requires_action"
    assert [s["type"] for s in body["steps"]] == ["thought", "function_call"]
    call = body["steps"][1]
    assert call["name"] == "get_weather" and len(call["id"]) == 8
    assert call["arguments"] == {"location": "Boston", "days": 1, "unit": "celsius"}


def test_function_call_stream_sends_argument_fragments(http):
    text = stream_text(
        http,
        "POST",
        "/v1beta/interactions",
        json={"model": MODEL, "input": "Weather in Oslo?", "tools": [WEATHER], "stream": True},
    )
    stream = events(text)
    start = next(e for e in stream if e.get("step", {}).get("type") == "function_call")
    assert start["step"]["arguments"] == {} and start["step"]["name"] == "get_weather"
    fragments = [
        e["delta"]["arguments"]
        for e in stream
        if e.get("delta", {}).get("type") == "arguments_delta"
    ]
    assert len(fragments) >= 2
    assert json.loads("".join(fragments))["location"] == "Oslo"
    assert stream[-1]["interaction"]["status"] == "requires_action"
    stored = http.get(f"/v1beta/interactions/{stream[0]['interaction']['id']}").json()
    assert assemble(stream) == stored["steps"][1:]


def test_two_declared_tools_are_called_in_parallel(http):
    body = create(http, input="Plan my day in Rome", tools=[WEATHER, TIME])
    calls = [s for s in body["steps"] if s["type"] == "function_call"]
    assert [c["name"] for c in calls] == ["get_weather", "get_time"]
    assert len({c["id"] for c in calls}) == 2


def test_parallel_word_calls_one_tool_twice(http):
    body = create(http, input="Check both Paris and Lyon", tools=[WEATHER])
    calls = [s for s in body["steps"] if s["type"] == "function_call"]
    assert len(calls) == 2 and calls[0]["arguments"] != calls[1]["arguments"]


def test_tool_named_in_prompt_is_the_one_called(http):
    body = create(http, input="use get_time please", tools=[WEATHER, TIME])
    assert [s["name"] for s in body["steps"] if s["type"] == "function_call"] == ["get_time"]


def test_function_result_turn_quotes_the_results(http):
    first = create(http, input="Weather in Boston?", tools=[WEATHER])
    call = first["steps"][-1]
    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": call["name"],
        "result": {"temp_c": 21},
    }
    second = create(http, input=[result], previous_interaction_id=first["id"], tools=[WEATHER])
    assert second["status"] == "completed"
    assert '`get_weather` returned: `{"temp_c": 21}`' in _answer(second)
    assert "Weather in Boston?" in _answer(second)
    stored = http.get(f"/v1beta/interactions/{second['id']}").json()
    assert stored["steps"][0] == result


def test_stateless_function_round_trip(http):
    question = {"type": "user_input", "content": [{"type": "text", "text": "Weather in Nice?"}]}
    first = create(http, input=[question], tools=[WEATHER], store=False)
    call = first["steps"][-1]
    history = [
        question,
        *first["steps"],
        {
            "type": "function_result",
            "call_id": call["id"],
            "name": "get_weather",
            "result": "sunny",
        },
    ]
    second = create(http, input=history, tools=[WEATHER], store=False)
    assert "`get_weather` returned: `sunny`" in _answer(second)


def test_function_result_for_unknown_call_is_400(http):
    first = create(http, input="Weather?", tools=[WEATHER])
    result = {
        "type": "function_result",
        "call_id": "zzzzzzzz",
        "name": "get_weather",
        "result": "x",
    }
    response = http.post(
        "/v1beta/interactions",
        json={"model": MODEL, "input": [result], "previous_interaction_id": first["id"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "zzzzzzzz" in response.json()["error"]["message"]


def test_tool_choice_none_answers_in_text(http):
    body = create(http, input="hi", tools=[WEATHER], generation_config={"tool_choice": "none"})
    assert body["status"] == "completed" and body["steps"][-1]["type"] == "model_output"
