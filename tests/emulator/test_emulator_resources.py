"""The emulator's resources over plain HTTP: the resumable upload protocol (offsets, the
keyless session URL, finalize), file URIs in content, agents and environments, and a persist
file that keeps them for the next run."""

from __future__ import annotations

import time

import httpx
import pytest

START = {
    "X-Goog-Upload-Protocol": "resumable",
    "X-Goog-Upload-Command": "start",
    "X-Goog-Upload-Header-Content-Length": "10",
    "X-Goog-Upload-Header-Content-Type": "text/plain",
}


def start_upload(http, headers=START) -> str:
    response = http.post("/upload/v1beta/files", headers=headers, json={"file": {}})
    assert response.status_code == 200, response.text
    assert response.headers["x-goog-upload-status"] == "active"
    return response.headers["x-goog-upload-url"]


def chunk(url: str, data: bytes, offset: int, command: str = "upload") -> httpx.Response:
    # No key: the session URL's upload_id is what the server goes by (as the SDK sends it).
    return httpx.post(
        url,
        content=data,
        headers={"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)},
    )


def test_a_resumable_upload_in_two_chunks_then_get(http):
    url = start_upload(http)
    first = chunk(url, b"hello", 0)
    assert first.status_code == 200 and first.headers["x-goog-upload-status"] == "active"
    wrong = chunk(url, b"world", 3)
    assert wrong.status_code == 400 and "must be 5" in wrong.json()["error"]["message"]
    last = chunk(url, b"world", 5, "upload, finalize")
    assert last.headers["x-goog-upload-status"] == "final"
    file = last.json()["file"]
    assert file["sizeBytes"] == "10" and file["state"] == "ACTIVE" and file["source"] == "UPLOADED"
    assert file["uri"] == f"https://generativelanguage.googleapis.com/v1beta/{file['name']}"
    assert http.get(f"/v1beta/{file['name']}").json() == file
    assert chunk(url, b"x", 10).status_code == 404  # the session is over


def test_uploads_are_refused_without_their_headers_or_a_key(http, emulator):
    response = http.post("/upload/v1beta/files", headers={**START, "X-Goog-Upload-Command": "x"})
    assert response.status_code == 400
    keyless = httpx.post(f"{emulator.base_url}/upload/v1beta/files", headers=START)
    assert keyless.status_code == 401
    short = start_upload(http)
    cut = chunk(short, b"abc", 0, "upload, finalize")
    assert cut.status_code == 400 and "after 3 of 10 bytes" in cut.json()["error"]["message"]


def test_a_file_uri_in_content_must_exist(http):
    item = {"type": "document", "uri": "https://generativelanguage.googleapis.com/v1/files/zz"}
    response = http.post(
        "/v1beta/interactions",
        json={"model": "m", "input": [item, {"type": "text", "text": "?"}]},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def settled(http, interaction: dict) -> dict:
    """A background run, polled until it has settled."""
    while interaction["status"] in ("in_progress", "queued"):
        time.sleep(0.05)
        interaction = http.get(f"/v1beta/interactions/{interaction['id']}").json()
    return interaction


def test_agent_config_is_checked_and_changes_the_answer(http):
    body = {
        "agent": "deep-research-preview-04-2026",
        "input": "tides",
        "environment": "remote",
        "background": True,  # Deep Research runs only in the background
    }
    wrong = http.post(
        "/v1beta/interactions", json={**body, "agent_config": {"type": "antigravity"}}
    )
    assert (
        wrong.status_code == 400 and "takes an agent_config of type 'deep-research'" in wrong.text
    )
    unknown = http.post(
        "/v1beta/interactions",
        json={**body, "agent_config": {"type": "deep-research", "visualisation": "auto"}},
    )
    assert 'Unknown name \\"visualisation\\"' in unknown.text
    quiet = settled(
        http,
        http.post(
            "/v1beta/interactions",
            json={**body, "agent_config": {"type": "deep-research", "thinking_summaries": "none"}},
        ).json(),
    )
    assert all("summary" not in s for s in quiet["steps"] if s["type"] == "thought")
    assert '`deep-research`: thinking_summaries "none".' in quiet["steps"][-1]["content"][0]["text"]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_agents_and_environments_under_both_versions(http, version):
    agent = http.post(f"/{version}/agents", json={"id": f"a-{version}", "base_agent": "x"}).json()
    assert agent == {"id": f"a-{version}", "base_agent": "x"}
    assert http.post(f"/{version}/agents", json={"id": f"a-{version}"}).status_code == 409
    assert http.post(f"/{version}/agents", json={"id": "Not OK"}).status_code == 400
    environment = http.post(f"/{version}/environments", json={"network": "disabled"}).json()
    assert environment["file_count"] == 0 and "_files" not in environment
    assert http.get(f"/{version}/environments/{environment['id']}/files/nope").status_code == 404
    assert http.delete(f"/{version}/agents/a-{version}").json() == {}
    assert http.get(f"/{version}/agents/a-{version}").status_code == 404


def test_a_persist_file_keeps_agents_environments_and_files(emulator_factory, tmp_path, api_key):
    path = tmp_path / "kept.sqlite3"
    first = emulator_factory(persist=path)
    with httpx.Client(base_url=first.base_url, headers={"x-goog-api-key": api_key}) as http:
        http.post("/v1beta/agents", json={"id": "kept-agent", "base_agent": "x"})
        environment = http.post("/v1beta/environments", json={"network": "disabled"}).json()
        url = start_upload(http)
        name = chunk(url, b"0123456789", 0, "upload, finalize").json()["file"]["name"]
    first.stop()
    second = emulator_factory(persist=path)
    with httpx.Client(base_url=second.base_url, headers={"x-goog-api-key": api_key}) as http:
        assert [a["id"] for a in http.get("/v1beta/agents").json()["agents"]] == ["kept-agent"]
        assert http.get(f"/v1beta/environments/{environment['id']}").status_code == 200
        assert http.get(f"/v1beta/{name}").json()["sizeBytes"] == "10"
