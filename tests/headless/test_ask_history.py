"""``gemtui ask`` saves each interaction to the history (unless ``--no-history``), and
``gemtui export`` writes a stored conversation out; both against the session emulator."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gemtui.cli import build_parser
from gemtui.core.chat_history import ChatHistory
from gemtui.core.store import Store
from gemtui.headless.export_command import run_export

#: The key the ``ask`` and ``cli`` fixtures run with (tests/conftest.py ``api_key``).
FAKE_KEY = "test-key-NOT-A-REAL-KEY-1234"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    """Where the history lives during the test (``GEMTUI_DATA_DIR``)."""
    path = tmp_path / "data"
    monkeypatch.setenv("GEMTUI_DATA_DIR", str(path))
    return path


@pytest.fixture
def history(data_dir: Path):
    """Open the test's history (after the runs that write it)."""
    opened: list[Store] = []

    def open_store() -> Store:
        opened.append(Store(data_dir / "history.sqlite3"))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


def export(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_export(build_parser().parse_args(["export", *argv]), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_each_ask_is_saved_with_every_step_as_received(ask, history):
    result = ask("-o", "json", "--tool", "google_search", "How do bats navigate?")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    store = history()
    [summary] = store.list_conversations()
    assert (summary.title, summary.turn_count) == ("How do bats navigate?", 1)
    [stored] = store.load_turns(summary.id)
    assert stored.interaction_id == printed["id"]
    assert stored.turn.reply.outcome == "completed"
    assert stored.settings.tools == [{"type": "google_search"}]
    assert [s.step.to_wire() for s in stored.turn.reply.state.steps] == printed["steps"]
    assert stored.turn.usage.to_wire() == printed["usage"]
    assert all(s.done for s in stored.turn.reply.state.steps)


def test_attachments_are_saved_with_their_names(ask, history, tmp_path):
    """Read back (``--continue``, the TUI's Ctrl+O), an ``ask -a`` prompt's files showed
    only as ``image · 12 B``: their names were not kept."""
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4))
    result = ask("-a", f"{tmp_path / 'pic.png'};resolution=low", "what is it?")
    assert result.code == 0, result.err
    store = history()
    [summary] = store.list_conversations()
    [stored] = store.load_turns(summary.id)
    assert stored.turn.asked.attachment_labels == ["pic.png · image · 12 B · low"]


def test_no_history_saves_nothing(ask, data_dir):
    assert ask("--no-history", "a private question").code == 0
    assert not data_dir.exists()


def test_continue_adds_the_turn_to_the_same_conversation(ask, history):
    assert ask("first about moles").code == 0
    assert ask("--continue", "and what do moles eat?").code == 0
    assert ask("--no-store", "unrelated and stateless").code == 0
    store = history()
    stateless, chained = store.list_conversations()
    assert (chained.turn_count, stateless.turn_count) == (2, 1)
    assert stateless.mode == "stateless"
    first, second = store.load_turns(chained.id)
    assert second.parent_turn_id == first.id
    assert second.previous_interaction_id == first.interaction_id
    loaded = ChatHistory(store).open(chained.id, batch=50)
    assert loaded.conversation.previous_interaction_id == second.interaction_id


def test_a_background_run_is_completed_by_wait(ask, history):
    started = ask("--background", "-o", "json", "slowly, about tides")
    assert started.code == 0, started.err
    interaction_id = json.loads(started.out)["id"]
    [pending] = history().load_turns(1)
    assert (pending.interaction_id, pending.turn.reply.outcome) == (interaction_id, "interrupted")
    waited = ask("--wait", interaction_id, "-o", "json")
    assert waited.code == 0, waited.err
    [done] = history().load_turns(1)
    assert done.turn.reply.outcome == "completed"
    outputs = [s for s in json.loads(waited.out)["steps"] if s["type"] != "user_input"]
    assert [s.step.to_wire() for s in done.turn.reply.state.steps] == outputs


def test_an_unusable_history_warns_and_the_answer_still_comes(ask, data_dir):
    data_dir.mkdir()
    (data_dir / "history.sqlite3").write_bytes(b"garbage, not sqlite " * 100)
    result = ask("are you there?")
    assert result.code == 0
    assert "## Answer: are you there?" in result.out
    assert "the history was not saved" in result.err and "Move" in result.err


def test_the_key_is_in_no_byte_of_the_history(ask, data_dir):
    # stream-json: its output is redacted, so the fixture's own check that the key never
    # shows holds (a text answer echoes the prompt as the model wrote it).
    assert ask("-o", "stream-json", f"remember {FAKE_KEY} for me").code == 0
    assert ask("-o", "stream-json", "--continue", f"again: {FAKE_KEY}").code == 0
    files = list(data_dir.glob("history.sqlite3*"))
    raw = b"".join(path.read_bytes() for path in files)
    assert files and raw
    assert FAKE_KEY.encode() not in raw


def test_export_writes_markdown_and_json(ask, history, tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    prompt = f"What are fjords? {FAKE_KEY}"
    assert ask("-o", "stream-json", "--tool", "google_search", prompt).code == 0
    cid = history().last_conversation_id()

    code, markdown, err = export("last")
    assert (code, err) == (0, "")
    assert markdown.startswith("# What are fjords? \\*\\*\\*\n")  # the key, redacted, as typed
    assert "**Sources**" in markdown and FAKE_KEY not in markdown

    target = tmp_path / "out.json"
    code, out, err = export(str(cid), "--format", "json", "-o", str(target))
    assert (code, out, err) == (0, "", "")
    document = json.loads(target.read_text())
    assert document["conversation"]["id"] == cid
    assert document["turns"][0]["interaction"]["steps"][0]["type"] == "thought"
    assert FAKE_KEY not in target.read_text()
    assert target.stat().st_mode & 0o077 == 0


def test_export_into_a_missing_folder_is_refused(ask, tmp_path):
    """A mistyped folder is not made: nothing is written, and the error names the folder."""
    assert ask("something to store").code == 0
    target = tmp_path / "no-such-folder" / "x.md"
    assert export("last", "-o", str(target)) == (
        1,
        "",
        f"gemtui export: cannot write {target}: there is no folder {target.parent}\n",
    )
    assert not target.parent.exists()


def test_export_errors_are_clear(ask, data_dir):
    assert export("1") == (
        1,
        "",
        f"gemtui export: there is no history yet ({data_dir / 'history.sqlite3'} does not "
        "exist).\n",
    )
    assert ask("something to store").code == 0
    assert export("99") == (1, "", "gemtui export: no conversation 99 in the history.\n")
    code, _, err = export("first")
    assert code == 2 and "not a conversation id" in err


def test_two_processes_share_the_history(emulator, cli, cli_env, tmp_path, history):
    """A `gemtui ask` process writes while this process holds the history open; then a
    `gemtui export` process reads it while this one still holds it."""
    env = {**cli_env, "GEMTUI_DATA_DIR": str(tmp_path / "data")}
    store = history()  # creates the file and keeps a connection open
    assert store.list_conversations() == []
    first = cli("a question from another process", env=env)
    assert first.code == 0, first.err
    second = cli("--continue", "and a follow-up", env=env)
    assert second.code == 0, second.err
    [summary] = store.list_conversations()
    assert summary.turn_count == 2
    exported = subprocess.run(
        [sys.executable, "-m", "gemtui", "export", str(summary.id), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["turns"]) == 2


class ClosedPipe(io.StringIO):
    """A reader that went away after the first write, like `gemtui ask … | head -c1`."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_an_answer_cut_by_its_reader_is_kept_and_continued_from(ask, history):
    """`gemtui ask … | head`: --continue went on from the ask before it, in another
    conversation. The cut turn reads back as interrupted (the TUI can fetch the rest)."""
    assert ask("first about moles").code == 0
    assert ask("a long answer about rivers", stdout=ClosedPipe()).code == 0
    assert ask("--continue", "and then?").code == 0
    store = history()
    summaries = store.list_conversations()
    [rivers] = [s for s in summaries if s.title.startswith("a long answer")]
    cut, after = store.load_turns(rivers.id)
    assert cut.turn.reply.outcome == "interrupted"
    assert cut.turn.reply.state.steps, "the part received is kept"
    assert after.previous_interaction_id == cut.interaction_id
    assert after.turn.reply.outcome == "completed"


def test_waiting_for_a_run_whatever_the_reader_does_keeps_one_completed_row(ask, history):
    """`ask --wait | head -1` twice, then a full --wait: each had left a conversation of its
    own holding the same interaction, the cut ones "interrupted" though the run was done."""
    started = ask("--background", "-o", "json", "about tides")
    interaction_id = json.loads(started.out)["id"]
    for _ in range(2):
        assert ask("--wait", interaction_id, stdout=ClosedPipe()).code == 0
        [summary] = history().list_conversations()
        [cut] = history().load_turns(summary.id)
        assert cut.turn.reply.outcome == "completed"  # the run was done: its events came
    assert ask("--wait", interaction_id).code == 0
    [summary] = history().list_conversations()
    [stored] = history().load_turns(summary.id)
    assert (stored.interaction_id, stored.turn.reply.outcome) == (interaction_id, "completed")
    assert stored.turn.asked.prompt == "about tides"
    kinds = [s.step.type for s in stored.turn.reply.state.steps]
    assert kinds.count("model_output") == 1, kinds  # written anew, not appended


def test_continue_right_after_a_reader_stopped_early_waits_for_the_answer(ask, history):
    """`gemtui ask … | head` then `--continue` at once: the server was still writing the
    first answer, and refused to chain onto it with a 400 whose hint spoke of billing."""
    assert ask("!slow 40 a long answer about rivers", stdout=ClosedPipe()).code == 0
    result = ask("--continue", "and then?")
    assert result.code == 0, result.err
    assert "waiting for v1_" in result.err and "to finish at the server" in result.err
    store = history()
    [rivers] = [s for s in store.list_conversations() if s.title.startswith("!slow")]
    cut, after = store.load_turns(rivers.id)
    assert after.previous_interaction_id == cut.interaction_id
    assert after.turn.reply.outcome == "completed"
    assert ask("--continue", "and after that?").err == ""  # that one finished: no wait
