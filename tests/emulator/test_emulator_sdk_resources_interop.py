"""The official google-genai SDK's agents, environments and files clients against the
emulator: create, list, get, delete, an environment's files, a resumable upload whose URI an
interaction then takes."""

from __future__ import annotations

import time
import warnings

import pytest
from google import genai
from google.genai._gaos.lib.compat_errors import APIStatusError

MODEL = "gemini-3.6-flash"


@pytest.fixture
def sdk(emulator, api_key):
    warnings.filterwarnings("ignore", message=".*usage is experimental.*")
    # The SDK retries a 409; quick retries keep the already_exists check fast.
    retries = {"attempts": 2, "initial_delay": 0.01, "max_delay": 0.02}
    return genai.Client(
        api_key=api_key, http_options={"base_url": emulator.base_url, "retry_options": retries}
    )


def test_agents_round_trip(sdk):
    created = sdk.agents.create(
        id="interop-sentinel",
        base_agent="antigravity-preview-09-2026",
        system_instruction="Guard the repo",
        tools=[{"type": "code_execution"}],
        agent_config={"type": "antigravity", "model": MODEL},
    )
    assert created.id == "interop-sentinel" and created.agent_config.model == MODEL
    assert "interop-sentinel" in [agent.id for agent in sdk.agents.list().agents]
    assert sdk.agents.get("interop-sentinel").system_instruction == "Guard the repo"
    with pytest.raises(APIStatusError) as again:
        sdk.agents.create(id="interop-sentinel", base_agent="antigravity-preview-09-2026")
    assert again.value.status_code == 409
    sdk.agents.delete("interop-sentinel")
    with pytest.raises(APIStatusError) as gone:
        sdk.agents.get("interop-sentinel")
    assert gone.value.status_code == 404


def test_environments_and_their_files(sdk):
    created = sdk.environments.create(
        sources=[
            {"type": "repository", "source": "github.com/owner/repo", "target": "repo"},
            {"type": "inline", "content": "print('hi')\n", "target": "main.py"},
        ],
        network="disabled",
    )
    assert created.id.startswith("env_") and created.status == "active"
    assert created.file_count == 2 and created.network == "disabled"
    listed = sdk.environments.files.list(environment=created.id, path=".")
    assert sorted((f.path, f.type) for f in listed.files) == [
        ("main.py", "file"), ("repo", "directory"),
    ]  # fmt: skip
    below = sdk.environments.files.list(environment=created.id, path="repo")
    assert [f.name for f in below.files] == ["README.md"]
    assert created.id in [e.id for e in sdk.environments.list().environments]
    copy = sdk.environments.create(from_environment=created.id)
    assert copy.id != created.id and copy.file_count == 2
    sdk.environments.delete(created.id)
    with pytest.raises(APIStatusError) as gone:
        sdk.environments.get(created.id)
    assert gone.value.status_code == 404


def test_an_agent_run_makes_its_environment_listable(sdk):
    interaction = sdk.interactions.create(
        agent="antigravity-preview-05-2026", input="Tidy the repo", environment="remote"
    )
    environment = sdk.environments.get(interaction.environment_id)
    names = [f.name for f in sdk.environments.files.list(environment=environment.id, path="").files]
    assert names == ["notes.md"]


def test_files_upload_then_use_its_uri(sdk, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello " * 5000)
    uploaded = sdk.files.upload(file=str(path), config={"mime_type": "text/plain"})
    assert uploaded.state.value == "ACTIVE" and uploaded.size_bytes == 30000
    assert uploaded.uri.endswith(f"/{uploaded.name}")
    assert sdk.files.get(name=uploaded.name).uri == uploaded.uri
    interaction = sdk.interactions.create(
        model=MODEL,
        input=[
            {"type": "document", "uri": uploaded.uri, "mime_type": "text/plain"},
            {"type": "text", "text": "What is in it?"},
        ],
    )
    assert "I received your file" in interaction.output_text
    assert "30,000 bytes" in interaction.output_text


def test_a_video_is_processing_until_read_back(sdk, tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4000))
    uploaded = sdk.files.upload(file=str(path))
    assert uploaded.state.value == "PROCESSING"
    item = {"type": "video", "uri": uploaded.uri, "mime_type": "video/mp4"}
    with pytest.raises(APIStatusError) as early:
        sdk.interactions.create(model=MODEL, input=[item, {"type": "text", "text": "?"}])
    assert early.value.status_code == 400
    assert sdk.files.get(name=uploaded.name).state.value == "ACTIVE"
    interaction = sdk.interactions.create(model=MODEL, input=[item, {"type": "text", "text": "?"}])
    assert interaction.status == "completed"


def settled(sdk, interaction):
    """A background run, polled until it has settled (Deep Research runs only so)."""
    while interaction.status in ("in_progress", "queued"):
        time.sleep(0.05)
        interaction = sdk.interactions.get(interaction.id)
    return interaction


def test_agent_config_and_environment_object_through_the_sdk(sdk):
    started = sdk.interactions.create(
        agent="deep-research-preview-04-2026",
        background=True,
        input="State of fusion power",
        agent_config={
            "type": "deep-research",
            "visualization": "auto",
            "collaborative_planning": True,
            "thinking_summaries": "none",
        },
        environment={"type": "remote", "network": "disabled"},
    )
    interaction = settled(sdk, started)
    # Collaborative planning: a plan first, waiting for the user's word.
    assert interaction.status == "requires_action"
    assert interaction.output_text.startswith("# Research plan")
    report = sdk.interactions.create(
        agent="deep-research-preview-04-2026",
        background=True,
        input="Go ahead",
        previous_interaction_id=interaction.id,
        agent_config={"type": "deep-research", "visualization": "auto"},
        environment=interaction.environment_id,
    )
    report = settled(sdk, report)
    assert report.status == "completed"
    assert report.output_image.mime_type == "image/png"  # the visualization
    assert "## Agent config" in report.steps[-1].content[0].text
    assert sdk.environments.get(interaction.environment_id).network == "disabled"
