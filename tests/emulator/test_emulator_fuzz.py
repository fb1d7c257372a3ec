"""Whatever JSON a client sends, the emulator answers with a proper body, never a crash."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
field_values = {
    "model": st.sampled_from(["gemini-3.6-flash", "gemini-3.1-flash-image", ""]) | json_values,
    "agent": st.sampled_from(["antigravity-preview-05-2026"]) | json_values,
    "input": st.text(max_size=20) | json_values,
    "tools": st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    ["function", "google_search", "code_execution", "url_context"]
                )
            },
            optional={"name": st.text(max_size=6), "parameters": json_values},
        ),
        max_size=2,
    )
    | json_values,
    "generation_config": st.fixed_dictionaries(
        {}, optional={"max_output_tokens": json_values, "thinking_summaries": json_values}
    )
    | json_values,
    "response_format": json_values,
    "previous_interaction_id": json_values,
    "environment": json_values,
    "background": json_values,
    "store": json_values,
}
bodies = st.fixed_dictionaries({}, optional=field_values) | json_values


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_random_bodies_never_crash(emulator, api_key, body):
    response = httpx.post(
        f"{emulator.base_url}/v1beta/interactions",
        json=body,
        headers={"x-goog-api-key": api_key},
        timeout=10,
    )
    assert response.status_code in (200, 400, 404), response.text
    payload = response.json()
    if response.status_code == 200:
        assert payload["object"] == "interaction"
    else:
        assert set(payload) == {"error"} and isinstance(payload["error"]["message"], str)


ODD_BODIES = [
    {"tools": [{"type": "function", "name": "f", "parameters": {"properties": 5}}]},
    {
        "tools": [
            {
                "type": "function",
                "name": "f",
                "parameters": {
                    "type": "object",
                    "properties": {"a": {"type": "array", "minItems": "x", "maxLength": -2}},
                    "required": [1],
                },
            }
        ]
    },
    {
        "response_format": {
            "type": "text",
            "mime_type": "application/json",
            "schema": {"minimum": "a"},
        }
    },
    {
        "response_format": {
            "type": "text",
            "mime_type": "application/json",
            "schema": {"$ref": "#/no"},
        }
    },
    {"input": [{"type": "user_input", "content": "not a list"}]},
    {"input": [{"type": "user_input", "content": [{"type": "text", "text": "a"}, 5]}]},
    {"input": [{"type": "model_output", "content": [{"type": "text", "text": "only output"}]}]},
    {"generation_config": {"max_output_tokens": True}},
    {"generation_config": {"max_output_tokens": 0}},
    {"system_instruction": {"not": "a string"}},
    {"environment": {"environment_id": 5}},
]


@pytest.mark.parametrize("extra", ODD_BODIES)
def test_odd_but_plausible_bodies_get_an_answer_or_a_400(emulator, api_key, extra):
    body = {"model": "gemini-3.6-flash", "input": "x", **extra}
    response = httpx.post(
        f"{emulator.base_url}/v1/interactions", json=body, headers={"x-goog-api-key": api_key}
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "invalid_request"
