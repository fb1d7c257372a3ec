"""The history store: round trips of real emulator conversations, crash safety, search,
migrations, branches, lazy loading, and the key never reaching the file."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.sinks import RecordingSink

from gemtui.api.client import InteractionsClient
from gemtui.api.models import ModelOutputStep, TextContent, ThoughtStep, parse_step
from gemtui.core.assembler import Change, StepState, assembled_interaction
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.run_errors import failure_report
from gemtui.core.store import PAGE_CACHE_KB, Store, StoreError, default_path, fts_query
from gemtui.core.store_records import title_from_prompt
from gemtui.core.store_schema import MIGRATIONS, migrate, schema_version
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import TurnRunner

FAKE_KEY = "test-key-NOT-A-REAL-KEY-1234"
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as opened:
        yield opened


@pytest.fixture
async def client(emulator):
    async with InteractionsClient(api_key=FAKE_KEY, base_url=emulator.base_url) as opened:
        yield opened


async def chat(
    client: InteractionsClient,
    store: Store,
    conversation: Conversation,
    conversation_id: int,
    prompt: str,
    results: list[dict] | None = None,
    sink: RecordingSink | None = None,
    attachments: list[dict] | None = None,
    labels: list[str] | None = None,
) -> Turn:
    """One turn against the emulator, run and recorded by the turn runner as the app does."""
    history = ChatHistory(store, on_failure=failed)
    history.conversation_id = conversation_id
    sink = sink or RecordingSink()
    runner = TurnRunner(conversation, client=lambda: client, sink=sink, history=history)
    kind = "results" if results and not prompt else "prompt"
    given = list(attachments or [])
    return await runner.send(
        Asked(
            prompt=prompt,
            results=list(results or []),
            attachments=given,
            attachment_labels=list(labels or []),
            kind=kind,
        )
    )


def failed(error: StoreError) -> None:
    raise AssertionError(f"the history failed: {error}")


def head(store: Store, cid: int) -> int | None:
    summary = store.get_conversation(cid)
    return summary.head_turn_id if summary is not None else None


async def every_step_type(client, store, stateful: bool) -> tuple[int, Conversation]:
    """A conversation whose turns produce every step type the emulator makes for a model."""
    conversation = Conversation(settings=ChatSettings(stateful=stateful))
    cid = store.create_conversation(conversation.settings)
    await chat(client, store, conversation, cid, "Tell me about owls\nand more")
    conversation.settings.tools = [
        {"type": "google_search"},
        {"type": "url_context"},
        {"type": "code_execution"},
    ]
    await chat(client, store, conversation, cid, "Where do pangolins live? https://example.com")
    conversation.settings.tools = [WEATHER_TOOL]
    called = await chat(client, store, conversation, cid, "get_weather for Paris")
    call = called.reply.state.steps[-1].step
    assert call.type == "function_call"
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": "21 C"}
    await chat(client, store, conversation, cid, "", results=[result])
    conversation.settings.tools = []
    conversation.settings.model = "gemini-3-pro-image-preview"
    await chat(client, store, conversation, cid, "Draw a lighthouse")
    conversation.settings.model = "gemini-3.6-flash"
    conversation.settings.response_format = {
        "type": "text",
        "mime_type": "application/json",
        "schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
    }
    await chat(client, store, conversation, cid, "Count the owls")
    return cid, conversation


def wire_steps(turn: Turn) -> list[dict]:
    return [s.step.to_wire() for s in turn.reply.state.steps]


@pytest.mark.parametrize("stateful", [True, False], ids=["stateful", "stateless"])
async def test_round_trip_of_every_step_type_then_resume(client, store, stateful):
    cid, original = await every_step_type(client, store, stateful)

    loaded = ChatHistory(store).open(cid, batch=50)
    loaded_turns = loaded.conversation.turns
    assert [t.asked.prompt for t in loaded_turns] == [t.asked.prompt for t in original.turns]
    for stored, turn in zip(loaded_turns, original.turns, strict=True):
        assert wire_steps(stored) == wire_steps(turn)
        assert stored.reply.outcome == turn.reply.outcome
        assert (stored.asked.results, stored.asked.kind) == (turn.asked.results, turn.asked.kind)
        assert stored.usage == turn.usage
        assert stored.interaction_id == turn.interaction_id
        for back, live in zip(stored.reply.state.steps, turn.reply.state.steps, strict=True):
            assert (back.index, back.size, back.done) == (live.index, live.size, live.done)
            assert (back.started_at, back.stopped_at) == (live.started_at, live.stopped_at)
    types = {s["type"] for t in loaded_turns for s in wire_steps(t)}
    assert types >= {
        "thought", "model_output", "google_search_call", "google_search_result",
        "url_context_call", "url_context_result", "code_execution_call",
        "code_execution_result", "function_call",
    }  # fmt: skip
    assert any(c.get("type") == "image" for t in loaded_turns for c in _contents(t))
    assert loaded_turns[2].reply.outcome == "requires_action"
    assert store.load_turns(cid)[3].settings.tools == [WEATHER_TOOL]

    resumed = loaded.conversation
    assert resumed.settings == original.settings
    assert resumed.previous_interaction_id == original.previous_interaction_id
    assert resumed.history == original.history
    if stateful:
        assert resumed.previous_interaction_id == original.turns[-1].reply.state.interaction.id
    else:
        assert len(resumed.history) > 2 * len(original.turns)

    # The settings come back as the last turn used them; change them as a user might.
    resumed.settings.response_format = original.settings.response_format = None
    # Continue: the request is the one the live conversation would send, and the emulator
    # (which keeps the stateful chain itself) sees all the earlier turns.
    probe = "Which was first?"
    assert resumed.build_request(Turn(Asked(probe))) == original.build_request(Turn(Asked(probe)))
    turn = await chat(client, store, resumed, cid, probe)
    assert turn.reply.outcome == "completed"
    answer = "".join(c.get("text", "") for c in _contents(turn) if c.get("type") == "text")
    assert "Earlier you asked" in answer
    assert store.get_conversation(cid).turn_count == len(original.turns) + 1


async def test_a_dummy_key_keeps_the_stored_chat_whole(client, tmp_path):
    """A key such as "e", set for a local emulator, is too short to look for in the text (it
    would be found everywhere): the chat reopens as it was sent. A long key is still redacted."""
    prompt = "Explain the event loop, test-key-NOT-A-REAL-KEY-1234"
    with Store(tmp_path / "history.sqlite3", secrets=["e", FAKE_KEY]) as store:
        conversation = Conversation(settings=ChatSettings(model="gemini-3.6-flash"))
        cid = store.create_conversation(conversation.settings)
        sent = await chat(client, store, conversation, cid, prompt)
        (turn,) = ChatHistory(store).open(cid, batch=50).conversation.turns
    assert turn.asked.prompt == "Explain the event loop, ***"
    assert [step["type"] for step in wire_steps(turn)] == [
        step["type"] for step in wire_steps(sent)
    ]
    assert turn.usage == sent.usage


def _contents(turn: Turn) -> list[dict]:
    return [c for s in wire_steps(turn) for c in s.get("content") or () if isinstance(c, dict)]


def test_title_comes_from_the_first_prompt_and_renames_stick(store):
    settings = ChatSettings()
    cid = store.create_conversation(settings)
    first = Turn(Asked("\n  How   do owls\tsee at night?\nsecond line"))
    store.start_turn(cid, first, settings, parent_turn_id=None)
    store.start_turn(cid, Turn(Asked("a later prompt")), settings, parent_turn_id=head(store, cid))
    assert store.get_conversation(cid).title == "How do owls see at night?"
    store.rename(cid, "  Owls  ")
    store.start_turn(cid, Turn(Asked("more")), settings, parent_turn_id=head(store, cid))
    assert store.get_conversation(cid).title == "Owls"


def test_title_from_prompt_is_one_line_of_at_most_60_characters():
    long = "word " * 40
    title = title_from_prompt(long)
    assert len(title) == 60 and title.endswith("…")
    assert title_from_prompt("\x1b]0;evil\x07hi") == "hi"
    assert title_from_prompt("   \n") == "Untitled"


# --------------------------------------------------------------------------- crash safety

CRASHING_WRITER = """
import os, signal, sys
from gemtui.api.models import ModelOutputStep, TextContent, ThoughtStep
from gemtui.core.assembler import Change, StepState, assembled_interaction
from gemtui.core.run_errors import failure_report
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn

store = Store(sys.argv[1])
settings = ChatSettings()
cid = store.create_conversation(settings)
turn = Turn(Asked("a question that never finishes"))
turn_id = store.start_turn(cid, turn, settings, parent_turn_id=None)
store.mark_created(turn_id, "v1_crash")
thought = ThoughtStep(summary=[TextContent(text="planning")], signature="c2ln")
store.record_step(turn_id, StepState(index=0, started_at=0.1, stopped_at=0.2, done=True,
                                     _model=thought), 0)
answer = ModelOutputStep(content=[TextContent(text="the first half")])
store.record_step(turn_id, StepState(index=1, started_at=0.3, stopped_at=0.4, done=True,
                                     _model=answer), 1)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_writer_loses_no_step_it_recorded(tmp_path):
    path = tmp_path / "history.sqlite3"
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(path)], capture_output=True, timeout=60
    )
    assert result.returncode == -9, result.stderr
    with Store(path) as store:
        [summary] = store.list_conversations()
        [stored] = store.load_turns(summary.id)
    assert stored.turn.asked.prompt == "a question that never finishes"
    assert stored.turn.reply.outcome == "interrupted"
    assert stored.interaction_id == "v1_crash"
    assert wire_steps(stored.turn) == [
        {"type": "thought", "summary": [{"type": "text", "text": "planning"}], "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "the first half"}]},
    ]


async def test_a_stopped_step_is_in_the_store_while_the_answer_still_streams(client, store):
    """Steps are written a loop turn after they stop (the next step's first text goes out
    first), never held back to the turn's end: a crash mid-answer keeps the finished ones."""
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    second_step = asyncio.Event()

    class Watching(RecordingSink):
        def turn_changed(self, turn: Turn, change: Change) -> None:
            super().turn_changed(turn, change)
            if change.kind == "step_started" and change.step_index:
                second_step.set()

    asked = chat(client, store, conversation, cid, "!slow 300 hello", sink=Watching())
    running = asyncio.create_task(asked)
    try:
        async with asyncio.timeout(30):
            await second_step.wait()
        await asyncio.sleep(0)  # the loop turn after the thought's step.stop
        [stored] = store.load_turns(cid)
        thought = conversation.turns[-1].reply.state.steps[0]
        assert thought.done and not running.done()
        assert wire_steps(stored.turn)[:1] == [thought.step.to_wire()]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_why_a_run_failed_at_the_server_is_read_back(client, store):
    """The interaction's errors[] were not kept: a chat read back (its export, its timeline)
    said only "failed"."""
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    turn = await chat(client, store, conversation, cid, "!fault failed please fail")
    live = assembled_interaction(turn.reply.state)
    assert turn.reply.outcome == "failed" and live.errors
    [stored] = store.load_turns(cid)
    again = assembled_interaction(stored.turn.reply.state)
    assert [e.to_wire() for e in again.errors or ()] == [e.to_wire() for e in live.errors]
    assert failure_report(again).message == failure_report(live).message


async def test_cut_off_stream_keeps_the_partial_step_marked_not_done(client, store):
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    turn = await chat(client, store, conversation, cid, "!fault drop-after 6 tell me a story")
    assert turn.reply.outcome == "interrupted"
    [stored] = store.load_turns(cid)
    assert stored.turn.reply.outcome == "interrupted"
    assert wire_steps(stored.turn) == wire_steps(turn)
    assert [s.done for s in stored.turn.reply.state.steps] == [
        s.done for s in turn.reply.state.steps
    ]
    assert not stored.turn.reply.state.steps[-1].done
    assert str(stored.turn.reply.error) == str(turn.reply.error) != ""
    # An interrupted turn is not chained onto.
    assert ChatHistory(store).open(cid, batch=50).conversation.previous_interaction_id is None


# --------------------------------------------------------------------------- search


def synthetic_turn(
    store: Store,
    cid: int,
    prompt: str,
    answer: str,
    settings: ChatSettings | None = None,
    **extra: str,
) -> int:
    """A turn written the way the recorder writes one, without a server."""
    turn_id = store.start_turn(
        cid, Turn(Asked(prompt)), settings or ChatSettings(), parent_turn_id=head(store, cid)
    )
    steps = []
    if "thought" in extra:
        steps.append(ThoughtStep(summary=[TextContent(text=extra["thought"])]))
    if "tool" in extra:
        steps.append(parse_step({"type": "google_search_result", "result": [extra["tool"]]}))
    steps.append(ModelOutputStep(content=[TextContent(text=answer)]))
    for position, model in enumerate(steps):
        step = StepState(index=position, started_at=0.0, done=True, _model=model)
        store.record_step(turn_id, step, position)
    store.finish_turn(turn_id, "completed")
    return turn_id


def test_writing_a_turn_leaves_no_utf8_copy_on_the_texts_it_keeps(store):
    """SQLite gets text as UTF-8, and CPython keeps that encoding on a non-ASCII string it
    binds: had the index been given the answer's own string, the answer would weigh double."""
    cid = store.create_conversation(ChatSettings())
    prompt = "Résumé « deux » " * 500
    answer = "Ответ • «ответ» " * 5000
    sizes = sys.getsizeof(prompt), sys.getsizeof(answer)
    turn_id = store.start_turn(cid, Turn(Asked(prompt)), ChatSettings(), parent_turn_id=None)
    model = ModelOutputStep(content=[TextContent(text=answer)])
    store.record_step(turn_id, StepState(index=0, started_at=0.0, done=True, _model=model), 0)
    store.finish_turn(turn_id, "completed")
    assert (sys.getsizeof(prompt), sys.getsizeof(answer)) == sizes
    assert [hit.kind for hit in store.search("Ответ")] == ["answer"]
    assert [hit.kind for hit in store.search("Résumé")] == ["prompt"]


def test_the_page_cache_stays_small_after_a_long_answer(store):
    """A long answer passes through SQLite's page cache; the cache keeps at most
    PAGE_CACHE_KB of it (SQLite's default would keep 2 MB for the app's life)."""
    cid = store.create_conversation(ChatSettings())
    synthetic_turn(store, cid, "a long one", "word " * 200_000)
    [pages] = store._db.execute("PRAGMA cache_size").fetchone()
    assert pages == -PAGE_CACHE_KB  # negative: a size in KiB, not a count of pages
    assert PAGE_CACHE_KB < 2_000


def test_a_search_in_an_answer_full_of_the_word_shows_a_few_words_of_it(store):
    """FTS5's snippet() takes time in the square of a text's hits: six minutes for this one,
    at every letter typed in the search. The snippet is cut in Python now (search_snippet)."""
    cid = store.create_conversation(ChatSettings())
    turn_id = synthetic_turn(store, cid, "a long one", "Word " * 200_000)
    [hit] = store.search("wor")
    assert (hit.turn_id, hit.kind) == (turn_id, "answer")
    assert hit.snippet == "Word " * 15 + "Word…"
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["Wor"] * 16


def test_a_search_with_more_hits_than_one_query_reads_shows_each_its_own_words(store):
    """The hits' texts are read in batches (SQLite caps a statement's parameters); each hit
    still gets the snippet of its own text."""
    cid = store.create_conversation(ChatSettings())
    for n in range(600):
        synthetic_turn(store, cid, f"question {n}", f"heron number {n}")
    hits = [hit for hit in store.search("heron", limit=1000) if hit.kind == "answer"]
    assert len(hits) == 600
    assert {hit.snippet for hit in hits} == {f"heron number {n}" for n in range(600)}


def test_a_prompt_match_ranks_above_an_answer_match(store):
    answer_cid = store.create_conversation(ChatSettings())
    # The answer is the closer match by plain bm25 (shorter, the word twice): the weight of
    # prompts must still put the prompt first.
    answer_turn = synthetic_turn(store, answer_cid, "tell me about birds", "Heron, a heron.")
    prompt_cid = store.create_conversation(ChatSettings())
    prompt_turn = synthetic_turn(
        store, prompt_cid, "Why does the heron wait by the river every single morning?", "Fish."
    )
    hits = store.search("heron")
    assert [(h.turn_id, h.kind) for h in hits] == [
        (prompt_turn, "prompt"),
        (answer_turn, "answer"),
    ]
    top = hits[0]
    assert top.conversation_id == prompt_cid
    assert top.conversation_title.startswith("Why does the heron wait")
    [(start, end)] = top.highlights
    assert top.snippet[start:end] == "heron"
    assert hits[1].rank < hits[0].rank  # the answer was the closer match by bm25 alone


def test_search_finds_chinese_and_japanese_inside_a_run_and_emoji(store):
    """The index keeps a run of Japanese as one token and drops emoji: "ソート" inside
    "クイックソートとは" and "🚀" found nothing."""
    cid = store.create_conversation(ChatSettings())
    turn_id = synthetic_turn(
        store,
        cid,
        "日本語のタイトル：クイックソートとは何ですか 🚀🎉 emoji test",
        "快速排序是一种算法。",
    )
    for query in ("ソート", "タイトル", "何ですか", "🚀", "🎉", "排序", "ソート emoji", "emoji 🚀"):
        hits = store.search(query)
        assert [h.turn_id for h in hits] == [turn_id], query
    [hit] = store.search("ソート")
    [(start, end)] = hit.highlights
    assert hit.snippet[start:end] == "ソート"
    assert store.search("ソート nowhere") == [] and store.search("🚀🚀🚀") == []
    assert store.search("🚀%") == store.search("🚀_") == []  # LIKE wildcards: literal here


def test_search_covers_thoughts_and_tool_results_and_follows_typing(store):
    cid = store.create_conversation(ChatSettings())
    turn_id = synthetic_turn(
        store, cid, "q", "a", thought="considering lighthouses", tool="Lighthouse keepers guild"
    )
    kinds = {(h.kind, h.turn_id, h.step_index) for h in store.search("lighthou")}
    assert kinds == {("thought", turn_id, 0), ("tool", turn_id, 1)}
    assert store.search("") == []


@pytest.mark.parametrize(
    "query",
    ['"', "AND", "owl OR", "(", "NEAR(", "*", "text:owl", "^owl", 'o"wl', "-", "'", "a + b",
     "owl)", "{owl}", "\x00", "💥"],
)  # fmt: skip
def test_search_never_fails_on_fts_syntax(store, query):
    cid = store.create_conversation(ChatSettings())
    synthetic_turn(store, cid, "owl AND (NEAR) text:owl", "answer")
    assert isinstance(store.search(query), list)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text())
def test_search_never_fails_on_any_text(store, query):
    assert isinstance(store.search(query), list)


def test_search_takes_operators_and_quotes_literally(store):
    cid = store.create_conversation(ChatSettings())
    synthetic_turn(store, cid, "cats AND dogs", "fine")
    synthetic_turn(store, cid, "only cats here", "fine")
    assert len(store.search("cats AND dogs")) == 1
    assert fts_query(["say", '"hi"']) == '"say" """hi"""*'


# --------------------------------------------------------------------------- list, branch, lazy


def test_list_archive_rename_and_delete_cascades(store):
    first = store.create_conversation(ChatSettings())
    synthetic_turn(store, first, "about walruses", "tusks")
    pro = ChatSettings(model="gemini-3.5-pro", stateful=False)
    second = store.create_conversation(pro)
    synthetic_turn(store, second, "about narwhals", "tusk", pro)
    synthetic_turn(store, second, "more narwhals", "still a tusk", pro)

    [newest, oldest] = store.list_conversations()
    assert (newest.id, newest.turn_count, newest.model, newest.mode) == (
        second, 2, "gemini-3.5-pro", "stateless",
    )  # fmt: skip
    assert oldest.id == first and oldest.title == "about walruses"

    store.archive(second)
    assert [c.id for c in store.list_conversations()] == [first]
    assert [c.id for c in store.list_conversations(archived=True)] == [second]
    assert len(store.list_conversations(archived=None)) == 2

    store.delete(second)
    assert store.get_conversation(second) is None
    assert store.search("narwhals") == [] and store.search("tusk")[0].conversation_id == first
    raw = sqlite3.connect(store.path)
    counts = [raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("turns", "steps")]
    assert counts == [1, 1]
    assert raw.execute("SELECT count(*) FROM search_index").fetchone()[0] == 2
    raw.close()


def test_branches_keep_the_old_path_reachable(store):
    settings = ChatSettings()
    cid = store.create_conversation(settings)
    one = synthetic_turn(store, cid, "one", "1")
    two = synthetic_turn(store, cid, "two", "2")
    three = synthetic_turn(store, cid, "three", "3")
    edited = store.start_turn(cid, Turn(Asked("two, edited")), settings, parent_turn_id=one)
    assert [t.id for t in store.load_turns(cid)] == [one, edited]
    assert [t.id for t in store.load_turns(cid, all_branches=True)] == [one, two, three, edited]
    assert store.load_turns(cid, all_branches=True)[-1].parent_turn_id == one
    # The list counts the branch that opens (as the chat and its export show it), and all.
    summary = store.get_conversation(cid)
    assert (summary.branch_turns, summary.turn_count) == (2, 4)
    store.set_head(cid, three)
    assert [t.id for t in store.load_turns(cid)] == [one, two, three]
    assert [(s.branch_turns, s.turn_count) for s in store.list_conversations()] == [(3, 4)]
    with pytest.raises(StoreError):
        store.set_head(cid + 1, three)


def test_long_conversations_load_lazily(store):
    cid = store.create_conversation(ChatSettings())
    ids = [synthetic_turn(store, cid, f"prompt {n}", f"answer {n}") for n in range(130)]
    conversation = ChatHistory(store).open(cid, batch=50).conversation

    def rows(turns: list[Turn]) -> list[int]:
        return [t.stored.turn_id for t in turns if t.stored is not None]

    assert rows(conversation.turns) == ids[-50:]
    assert conversation.has_older
    assert rows(conversation.load_older(50)) == ids[30:80]
    assert rows(conversation.load_older(50)) == ids[:30]
    assert not conversation.has_older and rows(conversation.turns) == ids
    assert not ChatHistory(store).open(cid, batch=200).conversation.has_older


def test_usable_from_a_worker_thread(store):
    cid = store.create_conversation(ChatSettings())
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for n in range(20):
                synthetic_turn(store, cid, f"threaded {n}", "ok")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        store.list_conversations()
    thread.join()
    assert errors == []
    assert store.get_conversation(cid).turn_count == 20


# --------------------------------------------------------------------------- schema and files


def test_migrating_an_empty_database_then_reopening_changes_nothing(tmp_path):
    path = tmp_path / "history.sqlite3"
    Store(path).close()
    raw = sqlite3.connect(path)
    assert schema_version(raw) == len(MIGRATIONS)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"conversations", "turns", "steps", "search_index"} <= tables
    raw.close()
    Store(path).close()
    # An up-to-date file needs no write: migrating it over a read-only connection works.
    read_only = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    assert migrate(read_only) == len(MIGRATIONS)
    read_only.close()


def test_a_later_migration_runs_forward_and_keeps_the_data(tmp_path):
    path = tmp_path / "history.sqlite3"
    with Store(path) as store:
        cid = store.create_conversation(ChatSettings())
        synthetic_turn(store, cid, "kept across versions", "yes")

    def add_pinned(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE conversations ADD COLUMN half_done INTEGER")
        raise RuntimeError("migration bug")

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError):
        migrate(db, (*MIGRATIONS, broken))
    assert schema_version(db) == len(MIGRATIONS)
    columns = {r[1] for r in db.execute("PRAGMA table_info(conversations)")}
    assert "half_done" not in columns
    assert migrate(db, (*MIGRATIONS, add_pinned)) == len(MIGRATIONS) + 1
    assert db.execute("SELECT title, pinned FROM conversations").fetchall() == [
        ("kept across versions", 0)
    ]
    db.close()


async def test_attachments_read_back_named_as_their_chips_were_sent(client, store, tmp_path):
    """The history kept no file names: read back, a chip said ``image · 264 B``, an uploaded
    file its URI. A name holding the key is redacted as a prompt is."""
    picture = {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="}
    link = {"type": "document", "uri": "https://example.com/files/abc", "mime_type": "x/y"}
    labels = [f"key-{FAKE_KEY}.png · image · 8 B · high", "report.pdf · document · uploaded"]
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    await chat(client, store, conversation, cid, "look", attachments=[picture, link], labels=labels)
    # A row from before version 6 keeps no labels: kind and size (or the URI), as before.
    await chat(client, store, conversation, cid, "again", attachments=[picture])
    first, second = (stored.turn.asked for stored in store.load_turns(cid))
    assert first.attachment_labels == [
        "key-***.png · image · 8 B · high",
        "report.pdf · document · uploaded",
    ]
    assert second.attachment_labels == ["image · 8 B"]
    store.close()
    assert FAKE_KEY.encode() not in (tmp_path / "history.sqlite3").read_bytes()


def test_a_history_of_version_5_gains_attachment_labels_and_reads_old_rows_alike(tmp_path):
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, MIGRATIONS[:5]) == 5
    db.execute(
        "INSERT INTO conversations (mode, settings, created, updated, head_turn_id) "
        "VALUES ('stateful', '{}', 0, 0, 1)"
    )
    db.execute(
        "INSERT INTO turns (conversation_id, ordinal, prompt, attachments, outcome, settings, "
        "created) VALUES (1, 1, 'old', ?, 'completed', '{}', 0)",
        ('[{"type": "audio", "mime_type": "audio/wav", "data": "AAAA"}]',),
    )
    db.close()
    with Store(path) as store:
        assert schema_version(store._db) == len(MIGRATIONS) == 7
        [stored] = store.load_turns(1)
    assert stored.turn.asked.attachment_labels == ["audio · 3 B"]


def test_a_file_from_a_newer_gemtui_is_refused_untouched(tmp_path):
    path = tmp_path / "history.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer gemtui") as raised:
        Store(path)
    assert "Upgrade gemtui" in raised.value.hint


def test_a_corrupt_file_gives_a_clear_error_and_a_way_out(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError, match="cannot be used") as raised:
        Store(path)
    assert "Move" in raised.value.hint and str(path) in raised.value.hint


def test_read_only_mode_reads_and_refuses_writes(tmp_path):
    path = tmp_path / "history.sqlite3"
    with pytest.raises(StoreError, match="no history yet"):
        Store(path, read_only=True)
    with Store(path) as store:
        cid = store.create_conversation(ChatSettings())
        synthetic_turn(store, cid, "readable", "yes")
    with Store(path, read_only=True) as store:
        assert store.get_conversation(cid).title == "readable"
        with pytest.raises(StoreError, match="read-only"):
            store.rename(cid, "no")


def test_history_file_is_private(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    Store(path).close()
    assert path.stat().st_mode & 0o077 == 0


def test_default_path_honours_the_data_dir_variable(tmp_path):
    assert default_path({"GEMTUI_DATA_DIR": str(tmp_path)}) == tmp_path / "history.sqlite3"
    assert default_path({}).name == "history.sqlite3"


async def test_the_key_never_reaches_the_database_file(client, store):
    # The key in everything the store writes: a prompt, an attachment, a step, an error.
    conversation = Conversation(settings=ChatSettings(stateful=False))
    cid = store.create_conversation(conversation.settings)
    await chat(client, store, conversation, cid, f"my key is {FAKE_KEY}, keep it safe")
    settings = ChatSettings()
    turn_id = store.start_turn(
        cid,
        Turn(Asked("x", attachments=[{"type": "text", "text": f"key={FAKE_KEY}"}])),
        settings,
        parent_turn_id=head(store, cid),
    )
    leak = ModelOutputStep(content=[TextContent(text=f"echo {FAKE_KEY}")])
    store.record_step(turn_id, StepState(index=0, started_at=0.0, _model=leak), 0)
    store.finish_turn(turn_id, "failed", error=f"bad request for key {FAKE_KEY}")
    store.rename(cid, f"title {FAKE_KEY}")
    assert store.search("keep it safe")
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob("history.sqlite3*"))
    assert len(raw) > 0
    assert FAKE_KEY.encode() not in raw
    assert b"***" in raw


def stored_turn(store: Store, cid: int, prompt: str, interaction_id: str) -> None:
    """A completed stateful turn with the id the server gave it."""
    turn_id = synthetic_turn(store, cid, prompt, "answer")
    store.mark_created(turn_id, interaction_id)
    store.finish_turn(turn_id, "completed")


def test_a_reopened_mixed_chat_chains_as_the_live_one_did(store):
    """Stateful then stateless: the server's chain is broken by the stateless turn, so the next
    request resends the whole history (both turns); a stateful chat chains onto its last
    interaction and sends only the new prompt."""
    cid = store.create_conversation(ChatSettings())
    stored_turn(store, cid, "stored at the server", "v1_first")
    synthetic_turn(store, cid, "resent by the client", "two", ChatSettings(stateful=False))
    conversation = ChatHistory(store).open(cid, batch=50).conversation
    conversation.settings.stateful = True
    assert conversation.previous_interaction_id is None
    body = conversation.build_request(conversation.start_turn(Asked("next")))
    sent = [s["content"][-1]["text"] for s in body["input"] if s["type"] == "user_input"]
    assert sent == ["stored at the server", "resent by the client", "next"]
    assert "previous_interaction_id" not in body

    only_stateful = store.create_conversation(ChatSettings())
    stored_turn(store, only_stateful, "kept", "v1_kept")
    conversation = ChatHistory(store).open(only_stateful, batch=50).conversation
    assert conversation.previous_interaction_id == "v1_kept"
    body = conversation.build_request(conversation.start_turn(Asked("next")))
    assert [s["type"] for s in body["input"]] == ["user_input"]


def test_store_error_explained_says_the_hint_only_when_there_is_one() -> None:
    assert StoreError("The history is locked.", "Close the other gemtui.").explained() == (
        "The history is locked. Close the other gemtui."
    )
    assert StoreError("The history is locked.").explained() == "The history is locked."


def test_a_data_folder_that_is_a_file_is_said_so_with_what_to_do(tmp_path) -> None:
    """It said to move a history file that did not exist, and to use a flag of another
    command, run on from the OS error's words without a full stop."""
    taken = tmp_path / "afile"
    taken.write_text("x")
    with pytest.raises(StoreError) as refused:
        Store(taken / "history.sqlite3")
    said = refused.value.explained()
    assert said.startswith(f"the data folder {taken} is a file, not a folder. ")
    assert "GEMTUI_DATA_DIR" in said and "--no-history" not in said
    error = StoreError("cannot open the history: [Errno 13] Permission denied", "Check it.")
    assert error.explained() == "cannot open the history: [Errno 13] Permission denied. Check it."


def test_recent_prompts_are_each_once_newest_last_and_bounded(store, monkeypatch):
    cid = store.create_conversation(ChatSettings())
    for prompt in ("first", "second", "first", "big " * 30):
        synthetic_turn(store, cid, prompt, "answer")
    assert store.recent_prompts() == ["second", "first", "big " * 30]
    assert store.recent_prompts(limit=2) == ["first", "big " * 30]
    monkeypatch.setattr("gemtui.core.store.RECALLED_CHARS", 125)  # the big one and one more
    assert store.recent_prompts() == ["first", "big " * 30]
