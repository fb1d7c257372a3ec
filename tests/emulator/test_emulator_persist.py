"""A persistent emulator (``--demo``, ``gemtui emulator --persist``) keeps its interactions
between runs: two emulators started one after the other over the same file, as two gemtui
processes would be."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from emulator_wire import assemble, client, create, events, stream_text

from gemtui.core.data_dir import data_dir
from gemtui.emulator.persist import (
    DEMO_FILE,
    RETENTION_DAYS,
    PersistentRecords,
    encode,
    snapshot,
)
from gemtui.emulator.run import RunningEmulator, start_demo
from gemtui.emulator.store import Record

MODEL = "gemini-3.6-flash"


@pytest.fixture
def data_file() -> Path:
    """The demo emulator's file in this test's own data dir (``GEMTUI_DATA_DIR``)."""
    return data_dir() / DEMO_FILE


def _get(running: RunningEmulator, api_key: str, interaction_id: str, **params: str):
    with client(running.base_url, api_key) as http:
        return http.get(f"/v1beta/interactions/{interaction_id}", params=params)


def _stream(running: RunningEmulator, api_key: str, interaction_id: str, **params: str) -> str:
    with client(running.base_url, api_key) as http:
        url = f"/v1beta/interactions/{interaction_id}"
        return stream_text(http, "GET", url, params={"stream": "true", **params})


def _flush(running: RunningEmulator) -> None:
    """Wait for the writes a running persistent emulator has queued (the test's stand-in
    for the other process having finished its turn)."""
    running.server.config.app.state.emulator.store.persist.flush()


def test_an_earlier_runs_interaction_is_fetched_streamed_and_continued(
    emulator_factory, data_file, api_key
):
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        created = stream_text(
            http,
            "POST",
            "/v1beta/interactions",
            json={"model": MODEL, "input": "My name is Ada", "stream": True},
        )
        interaction_id = events(created)[0]["interaction"]["id"]
        fetched = http.get(f"/v1beta/interactions/{interaction_id}").json()
    first.stop()

    second = emulator_factory(persist=data_file)
    again = _get(second, api_key, interaction_id)
    assert again.status_code == 200
    assert again.json() == fetched
    assert again.json()["status"] == "completed"
    # The stream comes back byte for byte, and resumes after any event id of the first run.
    assert _stream(second, api_key, interaction_id) == created
    replayed = events(created)
    resumed = _stream(second, api_key, interaction_id, last_event_id=replayed[4]["event_id"])
    assert events(resumed) == replayed[5:]
    with client(second.base_url, api_key) as http:
        follow = create(http, input="What is my name?", previous_interaction_id=interaction_id)
    assert follow["previous_interaction_id"] == interaction_id
    assert "Earlier you asked: «My name is Ada»" in follow["steps"][-1]["content"][0]["text"]


def test_a_chain_over_three_runs_keeps_its_whole_history(emulator_factory, data_file, api_key):
    previous = None
    for prompt in ("first words", "second words", "third words"):
        running = emulator_factory(persist=data_file)
        with client(running.base_url, api_key) as http:
            chained = {"previous_interaction_id": previous} if previous else {}
            previous = create(http, input=prompt, **chained)["id"]
        running.stop()
    last = emulator_factory(persist=data_file)
    steps = _get(last, api_key, previous).json()["steps"]
    assert [s["content"][0]["text"] for s in steps if s["type"] == "user_input"] == ["third words"]
    with client(last.base_url, api_key) as http:
        answer = create(http, input="and now?", previous_interaction_id=previous)
    assert "Your first question was «first words»" in answer["steps"][-1]["content"][0]["text"]


def test_two_runs_never_hand_out_the_same_id(emulator_factory, data_file, api_key):
    seen = []
    for _ in range(2):
        running = emulator_factory(persist=data_file)
        with client(running.base_url, api_key) as http:
            seen.append(create(http, input="a long job", background=True)["id"])
            seen.append(create(http, input="a question")["id"])
        running.stop()
    assert len(set(seen)) == 4


def test_the_demo_emulator_keeps_background_runs_of_earlier_processes(data_file, api_key):
    """``gemtui ask --demo --background`` exits at once: its run must come back completed."""
    ids = []
    for _ in range(2):
        with start_demo(data_file.parent) as running, client(running.base_url, api_key) as http:
            started = create(http, input="a long job", background=True)
            assert started["status"] == "in_progress"
            ids.append(started["id"])
    assert ids[0] != ids[1]
    with start_demo(data_file.parent) as running:
        for interaction_id in ids:
            done = _get(running, api_key, interaction_id).json()
            assert done["status"] == "completed"
            replay = events(_stream(running, api_key, interaction_id))
            assert replay[-1]["interaction"]["status"] == "completed"
            assert done["steps"][1:] == assemble(replay)
            assert done["steps"][-1]["content"][0]["text"].startswith("## Answer: a long job")


def test_a_run_that_never_completes_comes_back_in_progress_and_can_be_cancelled(
    emulator_factory, data_file, api_key
):
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        interaction_id = create(http, input="!fault never-complete", background=True)["id"]
    first.stop()
    second = emulator_factory(persist=data_file)
    assert _get(second, api_key, interaction_id).json()["status"] == "in_progress"
    with client(second.base_url, api_key) as http:
        cancelled = http.post(f"/v1beta/interactions/{interaction_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    second.stop()
    third = emulator_factory(persist=data_file)
    assert _get(third, api_key, interaction_id).json()["status"] == "cancelled"


def test_deleted_and_unstored_interactions_are_not_kept(emulator_factory, data_file, api_key):
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        deleted = create(http, input="forget me")["id"]
        assert http.delete(f"/v1beta/interactions/{deleted}").status_code == 200
        assert http.get(f"/v1beta/interactions/{deleted}").status_code == 404
        unstored = create(http, input="not stored", store=False)["id"]
    first.stop()
    second = emulator_factory(persist=data_file)
    assert _get(second, api_key, deleted).status_code == 404
    assert _get(second, api_key, unstored).status_code == 404


def test_expired_interactions_are_pruned(emulator_factory, data_file, api_key):
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        old, recent = create(http, input="old")["id"], create(http, input="recent")["id"]
    first.stop()
    with sqlite3.connect(data_file) as db:
        expired = time.time() - (RETENTION_DAYS + 1) * 86400
        db.execute("UPDATE interactions SET created_at = ? WHERE id = ?", (expired, old))
    db.close()
    second = emulator_factory(persist=data_file)
    assert _get(second, api_key, old).status_code == 404
    assert _get(second, api_key, recent).status_code == 200
    second.stop()
    with sqlite3.connect(data_file) as db:
        kept = [row[0] for row in db.execute("SELECT id FROM interactions")]
    db.close()
    assert kept == [recent]


def _record(number: int, text: str = "") -> Record:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1000 + number))
    record = Record(
        id=f"v1_record{number}",
        root_token=f"root{number}",
        owner={"model": MODEL},
        input_steps=[{"type": "user_input", "content": [{"type": "text", "text": text}]}],
        usage={},
        created=created,
    )
    record.frames.append(text.encode())
    record.finished = True
    return record


def test_the_oldest_interactions_go_beyond_the_count_and_size_limits(tmp_path):
    by_count = PersistentRecords(tmp_path / "count.sqlite3", max_records=2)
    for number in range(3):
        by_count.save(_record(number))
    by_count.flush()
    assert [by_count.load(f"v1_record{n}") is not None for n in range(3)] == [False, True, True]
    by_count.close()
    records = [_record(number, f"answer {number} " * 500) for number in range(3)]
    size = max(len(encode(snapshot(record))) for record in records)
    by_size = PersistentRecords(tmp_path / "size.sqlite3", max_bytes=size * 5 // 2)
    for record in records:
        by_size.save(record)
    by_size.flush()
    assert [by_size.load(f"v1_record{n}") is not None for n in range(3)] == [False, True, True]
    by_size.close()


def test_a_corrupt_file_is_moved_aside_and_the_emulator_serves(
    emulator_factory, data_file, api_key, caplog
):
    data_file.parent.mkdir(parents=True)
    data_file.write_bytes(b"this is not a database\n" * 200)
    caplog.set_level(logging.WARNING, logger="gemtui.emulator")
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        interaction_id = create(http, input="still works")["id"]
        assert http.get(f"/v1beta/interactions/{interaction_id}").status_code == 200
    first.stop()
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    aside = data_file.with_name(DEMO_FILE + ".corrupt")
    assert aside.read_bytes().startswith(b"this is not a database")
    second = emulator_factory(persist=data_file)
    assert _get(second, api_key, interaction_id).status_code == 200


def test_a_damaged_row_counts_as_missing(emulator_factory, data_file, api_key, caplog):
    first = emulator_factory(persist=data_file)
    with client(first.base_url, api_key) as http:
        damaged, intact = create(http, input="one")["id"], create(http, input="two")["id"]
    first.stop()
    with sqlite3.connect(data_file) as db:
        db.execute("UPDATE interactions SET data = x'00ff' WHERE id = ?", (damaged,))
    db.close()
    caplog.set_level(logging.WARNING, logger="gemtui.emulator")
    second = emulator_factory(persist=data_file)
    assert _get(second, api_key, damaged).status_code == 404
    assert _get(second, api_key, intact).status_code == 200
    assert any("damaged stored interaction" in r.getMessage() for r in caplog.records)


def test_an_unusable_path_leaves_the_emulator_in_memory(
    emulator_factory, tmp_path, api_key, caplog
):
    caplog.set_level(logging.WARNING, logger="gemtui.emulator")
    running = emulator_factory(persist=tmp_path)  # a directory: SQLite cannot open it
    with client(running.base_url, api_key) as http:
        first = create(http, input="hello")["id"]
        follow = create(http, input="again", previous_interaction_id=first)
    assert follow["status"] == "completed"
    assert any("cannot be used" in r.getMessage() for r in caplog.records)


def test_two_emulators_at_once_share_the_file_without_harm(emulator_factory, data_file, api_key):
    one, two = emulator_factory(persist=data_file), emulator_factory(persist=data_file)
    made: dict[str, list[str]] = {"one": [], "two": []}

    def work(name: str, running: RunningEmulator) -> None:
        with client(running.base_url, api_key) as http:
            for number in range(12):
                made[name].append(create(http, input=f"{name} {number}")["id"])

    threads = [threading.Thread(target=work, args=item) for item in (("one", one), ("two", two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _flush(one)
    _flush(two)
    # Each sees what the other finished, chained onto it, from the same file.
    assert all(_get(two, api_key, i).status_code == 200 for i in made["one"])
    assert all(_get(one, api_key, i).status_code == 200 for i in made["two"])
    one.stop()
    two.stop()
    with sqlite3.connect(data_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM interactions").fetchone() == (24,)
    db.close()


def test_a_held_demo_emulator_serves_once_started_and_stops_unstarted(data_file, api_key):
    """``--demo`` holds the emulator until its first frame is drawn: a request sent before
    ``start()`` waits in the socket's backlog and is answered once it runs; one that is never
    started stops at once, and its port is closed."""
    running = start_demo(data_file.parent, held=True)
    answered: list[dict] = []

    def ask() -> None:
        with client(running.base_url, api_key) as http:
            answered.append(create(http, input="held"))

    asking = threading.Thread(target=ask)
    asking.start()
    asking.join(timeout=0.3)
    assert asking.is_alive() and not answered  # connected, waiting: nothing serves yet
    running.start()
    running.start()  # a second start (a reconnect's warm-up) changes nothing
    asking.join(timeout=30)
    assert answered and answered[0]["status"] == "completed"
    running.stop()

    never = start_demo(data_file.parent, held=True)
    never.stop()
    with pytest.raises(httpx.ConnectError), client(never.base_url, api_key) as http:
        http.get("/v1beta/interactions/none")
    never.start()  # after stop: nothing to start, no thread
