"""Attachments in the history as files by content hash (issue 20, item 9): the rows keep
references, a stateless chat reopened from the history resends the very bytes, one file serves
every turn that sent it, an old history's base64 moves out on opening, a deleted file reads back
as a note, and deleting a chat removes the files only it used."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from support.sinks import RecordingSink

from gemtui.api.client import InteractionsClient
from gemtui.core.blobs import REFERENCE_KEY, blob_dir, stash, unstash
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.store import Store
from gemtui.core.store_schema import _V1, MIGRATIONS, schema_version
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import TurnRunner

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def image_item(data: bytes = PNG) -> dict:
    return {"type": "image", "mime_type": "image/png", "data": base64.b64encode(data).decode()}


def blob_files(store: Store) -> list[Path]:
    return sorted(p for p in store.blobs.rglob("*") if p.is_file())


def raw_attachments(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT attachments FROM turns ORDER BY id")]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3") as opened:
        yield opened


def start(store: Store, cid: int, asked: Asked) -> int:
    parent = store.get_conversation(cid).head_turn_id
    return store.start_turn(cid, Turn(asked), ChatSettings(), parent_turn_id=parent)


def test_a_turns_attachment_is_a_file_and_the_row_a_reference(store):
    cid = store.create_conversation(ChatSettings())
    item = image_item()
    turn_id = start(store, cid, Asked("what is this?", attachments=[item]))

    (row,) = raw_attachments(store.path)
    assert item["data"] not in row and REFERENCE_KEY in row
    (blob,) = blob_files(store)
    assert blob.read_bytes() == PNG and blob.parent.parent == blob_dir(store.path)
    assert store.turn(turn_id).turn.asked.attachments == [item]


def test_the_same_file_sent_twice_is_kept_once(store):
    cid = store.create_conversation(ChatSettings())
    start(store, cid, Asked("one", attachments=[image_item()]))
    start(store, cid, Asked("two", attachments=[image_item(), image_item(b"other bytes")]))
    assert len(blob_files(store)) == 2


def test_what_is_not_exact_base64_stays_inline():
    odd = {"type": "image", "mime_type": "image/png", "data": "not base64!"}
    link = {"type": "document", "uri": "https://example.com/a.pdf"}
    assert stash([odd, link], Path("/nonexistent")) == [odd, link]


def test_a_deleted_file_reads_back_as_a_note_and_the_chat_still_opens(store):
    cid = store.create_conversation(ChatSettings())
    turn_id = start(store, cid, Asked("look", attachments=[image_item()]))
    for blob in blob_files(store):
        blob.unlink()
    (item,) = store.turn(turn_id).turn.asked.attachments
    assert item["type"] == "text" and "attachment missing" in item["text"]
    assert "image/png" in item["text"]


def test_deleting_a_chat_removes_the_files_only_it_used(store):
    shared, own = image_item(), image_item(b"only in the first chat")
    first = store.create_conversation(ChatSettings())
    start(store, first, Asked("a", attachments=[shared, own]))
    second = store.create_conversation(ChatSettings())
    start(store, second, Asked("b", attachments=[shared]))
    an_hour_ago = time.time() - 7200  # fresh files are spared: another process may use them
    for blob in blob_files(store):
        os.utime(blob, (an_hour_ago, an_hour_ago))
    store.delete(first)
    (kept,) = blob_files(store)
    assert kept.read_bytes() == PNG
    (turn,) = store.load_turns(second)
    assert turn.turn.asked.attachments == [shared]


def test_an_old_historys_base64_moves_into_files_when_it_is_opened(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    items = [image_item(), {"type": "text", "text": "notes.txt says hi"}]
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _V1:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO conversations (mode, settings, created, updated) "
        "VALUES ('stateful', '{}', 0, 0)"
    )
    db.execute(
        "INSERT INTO turns (conversation_id, ordinal, prompt, attachments, outcome, settings, "
        "created) VALUES (1, 1, 'old prompt', ?, 'completed', '{}', 0)",
        (json.dumps(items),),
    )
    db.close()
    with Store(path) as store:
        assert store.turn(1).turn.asked.attachments == items
        (row,) = raw_attachments(path)
        assert items[0]["data"] not in row and "notes.txt says hi" in row
        assert [blob.read_bytes() for blob in blob_files(store)] == [PNG]
    with sqlite3.connect(path) as db:
        assert schema_version(db) == len(MIGRATIONS)


def test_unstash_gives_back_what_stash_took(tmp_path: Path):
    items = [image_item(), image_item(b"\x00\xff" * 500), {"type": "text", "text": "t"}]
    kept = stash(items, tmp_path)
    assert all("data" not in item for item in kept if item["type"] == "image")
    assert unstash(kept, tmp_path) == items


async def test_a_stateless_chat_reopened_from_the_history_resends_the_same_bytes(
    emulator, store, api_key
):
    conversation = Conversation(settings=ChatSettings(stateful=False))
    cid = store.create_conversation(conversation.settings)
    history = ChatHistory(store)
    history.conversation_id = cid
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as client:
        runner = TurnRunner(
            conversation, client=lambda: client, sink=RecordingSink(), history=history
        )
        asked = Asked("describe it", attachments=[image_item()], attachment_labels=["dot.png"])
        turn = await runner.send(asked)
        assert turn.reply.outcome == "completed"

        reopened = ChatHistory(store).open(cid, batch=50).conversation
        probe = Turn(Asked("and again?"))
        request = reopened.build_request(probe)
        assert request == conversation.build_request(Turn(Asked("and again?")))
        sent = json.dumps(request)
        assert image_item()["data"] in sent  # the bytes, not the reference, go to the API
        assert REFERENCE_KEY not in sent
