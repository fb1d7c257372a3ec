"""``GET /{version}/models`` and ``/models/{model}``: limits for the models the emulator
knows, 404 for others, and a summary request (gemtui's compress) answered with a short
summary."""

from __future__ import annotations

import pytest

from gemtui.core.compress import summary_request


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_a_known_model_has_its_limits_in_camel_case(http, version):
    response = http.get(f"/{version}/models/gemini-2.5-flash")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "models/gemini-2.5-flash"
    assert body["inputTokenLimit"] == 1_048_576 and body["outputTokenLimit"] == 65_536
    assert "generateContent" in body["supportedGenerationMethods"]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_the_list_holds_every_model_the_emulator_answers_for(http, version):
    response = http.get(f"/{version}/models")
    assert response.status_code == 200
    listed = response.json()["models"]
    names = [model["name"] for model in listed]
    assert "models/gemini-2.5-flash" in names and "models/gemini-2.5-flash-image" in names
    for model in listed:  # each entry is what models.get gives for it
        assert http.get(f"/{version}/{model['name']}").json() == model


def test_the_models_prefix_and_image_models(http):
    body = http.get("/v1beta/models/models/gemini-2.5-flash-image").json()
    assert body["inputTokenLimit"] == 32_768 and body["thinking"] is False


@pytest.mark.parametrize("name", ["no-such-model", "deep-research-preview-04-2026"])
def test_an_unknown_model_or_an_agent_is_404(http, name):
    response = http.get(f"/v1beta/models/{name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert f"models/{name}" in response.json()["error"]["message"]


def test_a_key_is_needed(emulator):
    import httpx

    response = httpx.get(f"{emulator.base_url}/v1beta/models/gemini-2.5-flash")
    assert response.status_code == 401


def test_a_summary_request_gets_a_summary_of_the_prompts(http):
    first = http.post(
        "/v1beta/interactions", json={"model": "gemini-3.6-flash", "input": "Owls at night"}
    ).json()
    body = http.post(
        "/v1beta/interactions",
        json={
            "model": "gemini-3.6-flash",
            "input": summary_request(),
            "previous_interaction_id": first["id"],
        },
    ).json()
    text = body["steps"][-1]["content"][0]["text"]
    assert text == "Summary of the conversation so far: the user asked «Owls at night»."
