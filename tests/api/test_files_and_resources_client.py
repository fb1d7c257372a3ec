"""gemtui's own Files API and resources clients against the emulator: the resumable protocol
as the SDK speaks it (chunks at their offsets, no key on the session URL, progress after each),
a processing video waited for, agents and environments through ``Resources``."""

from __future__ import annotations

import hashlib

import pytest

from gemtui.api.errors import NotFoundError, PermissionDeniedError
from gemtui.api.files import get_file, upload_file, wait_active
from gemtui.api.resources import Resources


def uploads_seen(emulator) -> list[dict]:
    return [r for r in emulator.received_requests() if r["path"].startswith("/upload/")]


async def test_an_upload_in_chunks_with_progress_and_no_key_on_the_session(
    make_client, emulator, api_key, tmp_path
):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF" + bytes(614_396))
    client = make_client(emulator.base_url)
    progress: list[tuple[int, int]] = []
    before = len(uploads_seen(emulator))
    file = await upload_file(
        client,
        path,
        mime_type="application/pdf",
        on_progress=lambda sent, total: progress.append((sent, total)),
        chunk_size=256 * 1024,
    )
    assert progress == [(262_144, 614_400), (524_288, 614_400), (614_400, 614_400)]
    assert (file.display_name, file.mime_type, file.size_bytes) == (
        "report.pdf", "application/pdf", 614_400,
    )  # fmt: skip
    assert file.state == "ACTIVE" and file.uri.endswith(file.name)
    start, *chunks = uploads_seen(emulator)[before:]
    assert start["key_sha256"] == hashlib.sha256(api_key.encode()).hexdigest()
    assert start["body"] == {
        "file": {"displayName": "report.pdf", "mimeType": "application/pdf", "sizeBytes": "614400"}
    }
    assert len(chunks) == 3 and all(c["key_sha256"] is None for c in chunks)
    assert (await get_file(client, file.uri)).name == file.name


async def test_a_video_is_waited_for_until_active(make_client, emulator, tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    client = make_client(emulator.base_url)
    file = await upload_file(client, path, mime_type="video/mp4")
    assert file.state == "PROCESSING"
    assert (await wait_active(client, file, poll=0)).state == "ACTIVE"


async def test_an_unknown_file_is_refused(make_client, emulator):
    client = make_client(emulator.base_url)
    with pytest.raises(PermissionDeniedError, match="files/missing"):
        await get_file(client, "files/missing")


async def test_resources_round_trip(make_client, emulator):
    api = Resources(make_client(emulator.base_url))
    agent = await api.create_agent({"id": "client-agent", "base_agent": "antigravity-x"})
    assert agent.id == "client-agent"
    assert "client-agent" in [a.id for a in await api.list_agents()]
    environment = await api.create_environment(
        {"sources": [{"type": "inline", "content": "x", "target": "src/a.py"}]}
    )
    files = await api.environment_files(environment.id or "", recursive=True)
    assert [(f.path, f.type, f.size_bytes) for f in files] == [
        ("src", "directory", None), ("src/a.py", "file", 1),
    ]  # fmt: skip
    root = await api.environment_files(environment.id or "")
    assert [f.path for f in root] == ["src"]
    await api.delete_agent("client-agent")
    with pytest.raises(NotFoundError):
        await api.get_agent("client-agent")
