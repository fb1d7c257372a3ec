"""Inline media of the history as blob files: one file per content, rows without base64, exact
read back and resend, the move out of older files, a deleted file told, and garbage removed."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.sinks import RecordingSink

from gemtui.api.client import InteractionsClient
from gemtui.core.attachments import AttachmentError, check_items, from_file, item_label
from gemtui.core.blobs import BLOB_KEY, MISSING_KEY
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.export import export_conversation
from gemtui.core.store import Store, StoreError
from gemtui.core.store_schema import _V1, MIGRATIONS, migrate, schema_version
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import TurnRunner

FAKE_KEY = "test-key-NOT-A-REAL-KEY-1234"
IMAGE_MODEL = "gemini-3-pro-image-preview"


@pytest.fixture
async def client(emulator):
    async with InteractionsClient(api_key=FAKE_KEY, base_url=emulator.base_url) as opened:
        yield opened


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as opened:
        yield opened


def picture(tmp_path: Path, name: str = "photo.png", size: int = 50_000) -> dict:
    """The content item of a PNG-looking file of random bytes, as the composer makes it."""
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(size))
    return from_file(str(path)).item


def blob_files(store: Store) -> list[Path]:
    root = store.blobs.root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def raw_column(store: Store, sql: str) -> list[str]:
    db = sqlite3.connect(store.path)
    try:
        return [row[0] for row in db.execute(sql)]
    finally:
        db.close()


async def send(
    client: InteractionsClient, store: Store, conversation: Conversation, cid: int, asked: Asked
) -> Turn:
    history = ChatHistory(store)
    history.conversation_id = cid
    runner = TurnRunner(conversation, client=lambda: client, sink=RecordingSink(), history=history)
    return await runner.send(asked)


async def test_an_attachment_is_one_blob_file_and_its_row_holds_no_base64(client, store, tmp_path):
    item = picture(tmp_path)
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    await send(client, store, conversation, cid, Asked(prompt="what is this?", attachments=[item]))
    [blob] = blob_files(store)
    assert blob.read_bytes() == base64.b64decode(item["data"])
    assert blob.parent.name == blob.name[:2]
    [stored] = raw_column(store, "SELECT attachments FROM turns")
    assert item["data"] not in stored and '"data"' not in stored
    assert json.loads(stored) == [{"type": "image", BLOB_KEY: blob.name, "mime_type": "image/png"}]
    # Read back, the item is the one sent, key for key in the same order.
    [back] = store.load_turns(cid)
    assert json.dumps(back.turn.asked.attachments) == json.dumps([item])
    assert back.turn.asked.attachment_labels == ["image · 50.0 KB"]


async def test_the_same_file_sent_twice_is_one_blob(client, store, tmp_path):
    item = picture(tmp_path)
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    await send(client, store, conversation, cid, Asked(prompt="one", attachments=[item]))
    await send(client, store, conversation, cid, Asked(prompt="two", attachments=[dict(item)]))
    assert len(blob_files(store)) == 1


async def test_a_reopened_stateless_chat_resends_its_attachments_exactly(client, store, tmp_path):
    item = picture(tmp_path)
    conversation = Conversation(settings=ChatSettings(stateful=False))
    cid = store.create_conversation(conversation.settings)
    first = await send(client, store, conversation, cid, Asked(prompt="look", attachments=[item]))
    assert first.reply.outcome == "completed"
    reopened = ChatHistory(store).open(cid, batch=50).conversation
    follow_up = await send(client, store, reopened, cid, Asked(prompt="and now?"))
    assert follow_up.reply.outcome == "completed"
    sent_first = first.asked.request["input"]
    resent = follow_up.asked.request["input"][: len(sent_first)]
    assert json.dumps(resent) == json.dumps(sent_first)
    assert resent[0]["content"][0]["data"] == item["data"]


async def test_a_generated_image_is_kept_as_a_blob_and_reads_back_whole(client, store):
    big = {"type": "image", "mime_type": "image/png", "image_size": "4K"}
    conversation = Conversation(settings=ChatSettings(model=IMAGE_MODEL, response_format=big))
    cid = store.create_conversation(conversation.settings)
    turn = await send(client, store, conversation, cid, Asked(prompt="Draw a lighthouse"))
    assert blob_files(store)
    assert all('"data":"' not in text for text in raw_column(store, "SELECT json FROM steps"))
    [back] = store.load_turns(cid)
    live = [s.step.to_wire() for s in turn.reply.state.steps]
    assert [s.step.to_wire() for s in back.turn.reply.state.steps] == live


async def test_a_deleted_blob_is_labelled_and_a_stateless_resend_says_what_to_do(
    client, store, tmp_path
):
    item = picture(tmp_path)
    conversation = Conversation(settings=ChatSettings(stateful=False))
    cid = store.create_conversation(conversation.settings)
    await send(client, store, conversation, cid, Asked(prompt="look", attachments=[item]))
    [blob] = blob_files(store)
    blob.unlink()
    reopened = ChatHistory(store).open(cid, batch=50).conversation
    [old] = reopened.turns
    assert old.asked.attachments[0][MISSING_KEY] == str(blob)
    assert old.asked.attachment_labels == [f"image · attachment file missing: {blob}"]
    assert item_label(old.asked.attachments[0]).endswith(str(blob))
    exported = export_conversation("md", store.get_conversation(cid), store.load_turns(cid))
    # As Markdown, the path's underscores are escaped (they would start emphasis).
    assert f"attachment file missing: {blob}" in exported.replace("\\_", "_")
    with pytest.raises(AttachmentError, match="attachment file missing"):
        check_items(old.asked.attachments)  # F5 on that turn
    follow_up = await send(client, store, reopened, cid, Asked(prompt="and now?"))
    assert follow_up.reply.outcome == "failed"
    error = follow_up.reply.error
    assert str(error) == f"attachment file missing: {blob}"
    assert "put the file back" in error.hint


async def test_deleting_a_conversation_removes_only_the_blobs_nothing_else_uses(
    client, store, tmp_path
):
    shared, own = picture(tmp_path, "a.png"), picture(tmp_path, "b.png")
    kept_chat, gone_chat = Conversation(), Conversation()
    kept = store.create_conversation(kept_chat.settings)
    gone = store.create_conversation(gone_chat.settings)
    await send(client, store, kept_chat, kept, Asked(prompt="keep", attachments=[shared]))
    await send(client, store, gone_chat, gone, Asked(prompt="go", attachments=[shared, own]))
    assert len(blob_files(store)) == 2
    store.delete(gone)
    [left] = blob_files(store)
    assert left.read_bytes() == base64.b64decode(shared["data"])
    assert store.load_turns(kept)[0].turn.asked.attachments == [shared]


def version_3_file(path: Path, items: list[dict], step: dict) -> None:
    """A history as gemtui wrote it at schema version 3: base64 inside the rows."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for statement in _V1:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    assert migrate(db, MIGRATIONS[:3]) == 3
    db.execute(
        "INSERT INTO conversations (mode, settings, created, updated, head_turn_id) "
        "VALUES ('stateless', '{\"stateful\": false}', 0, 0, 1)"
    )
    db.execute(
        "INSERT INTO turns (conversation_id, ordinal, prompt, attachments, outcome, settings, "
        "created) VALUES (1, 1, 'old prompt', ?, 'completed', '{\"stateful\": false}', 0)",
        (json.dumps(items, separators=(",", ":")),),
    )
    db.execute(
        "INSERT INTO steps (turn_id, step_index, wire_index, type, json, done) "
        "VALUES (1, 0, 0, 'model_output', ?, 1)",
        (json.dumps(step),),
    )
    # Old turns: the file holds the base64 of many of them.
    db.execute("CREATE TABLE filler (x)")
    db.execute("INSERT INTO filler VALUES (zeroblob(2000000))")
    db.execute("DROP TABLE filler")
    db.close()


def old_items(tmp_path: Path) -> tuple[list[dict], dict]:
    items = [picture(tmp_path, "a.png"), picture(tmp_path, "b.png"), {"type": "text", "text": "x"}]
    image = {"type": "image", "mime_type": "image/png", "data": picture(tmp_path)["data"]}
    return items, {"type": "model_output", "content": [image]}


def test_version_4_moves_base64_out_of_an_old_file_and_reads_back_identical(tmp_path):
    path = tmp_path / "history.sqlite3"
    items, step = old_items(tmp_path)
    version_3_file(path, items, step)
    before = path.stat().st_size
    with Store(path) as store:
        assert schema_version(store._db) == len(MIGRATIONS) == 7
        assert len(blob_files(store)) == 3
        for text in raw_column(
            store, "SELECT attachments FROM turns UNION ALL SELECT json FROM steps"
        ):
            assert '"data":"' not in text
        [turn] = store.load_turns(1)
    assert turn.turn.asked.attachments == items
    assert turn.turn.reply.state.steps[0].step.to_wire() == step
    assert path.stat().st_size < before / 2  # the freed pages went back (VACUUM)


def test_an_interrupted_version_4_leaves_every_row_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite3"
    items, step = old_items(tmp_path)
    version_3_file(path, items, step)

    def cut_off(db: sqlite3.Connection) -> None:
        raise KeyboardInterrupt

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(KeyboardInterrupt):
        migrate(db, (*MIGRATIONS, cut_off))
    assert schema_version(db) == 3
    [stored] = [row[0] for row in db.execute("SELECT attachments FROM turns")]
    assert json.loads(stored) == items
    db.close()
    with Store(path) as store:  # opened again: migrated, and the first run's blobs reused
        assert store.load_turns(1)[0].turn.asked.attachments == items
        assert store.collect_garbage() == 0
        assert len(blob_files(store)) == 3


OPEN_AND_READ = """
import json, sys
from gemtui.core.store import Store, StoreError
with Store(sys.argv[1]) as store:
    print(json.dumps(store.load_turns(1)[0].turn.asked.attachments))
"""


def test_two_processes_opening_an_old_file_at_once_both_read_it_whole(tmp_path):
    path = tmp_path / "history.sqlite3"
    items, step = old_items(tmp_path)
    version_3_file(path, items, step)
    command = [sys.executable, "-c", OPEN_AND_READ, str(path)]
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=60)[0] for process in both]
    assert [process.returncode for process in both] == [0, 0]
    assert [json.loads(output) for output in outputs] == [items, items]
    with Store(path) as store:
        assert len(blob_files(store)) == 3
        assert store.collect_garbage() == 0


def test_a_blob_that_cannot_be_written_is_a_store_error_and_no_row(store, tmp_path):
    cid = store.create_conversation(ChatSettings())
    store.blobs.root.parent.mkdir(parents=True, exist_ok=True)
    store.blobs.root.write_text("not a directory")
    turn = Turn(Asked(prompt="look", attachments=[picture(tmp_path)]))
    with pytest.raises(StoreError, match="cannot write the history's files"):
        store.start_turn(cid, turn, ChatSettings(), parent_turn_id=None)
    assert store.load_turns(cid) == []
