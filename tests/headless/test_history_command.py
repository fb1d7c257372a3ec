"""``gemtui history`` and the ID forms of ``gemtui export``, as real processes: questions are
asked with ``gemtui ask`` against the emulator into a fresh history (the autouse fixture of
tests/conftest.py), then listed, searched and exported."""

from __future__ import annotations

import json
import sqlite3
import unicodedata

import pytest
from support.cli_env import run_gemtui

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store, default_path
from gemtui.core.turn import Asked, Turn

#: The keys of a ``gemtui history --json`` row; a search adds ``match`` and ``snippet``.
KEYS = {
    "id", "title", "model", "mode", "created", "updated", "archived", "head_turn_id", "turns",
    "all_turns",
}  # fmt: skip


HOSTILE = "evil \x1b]0;TITLE\x07\x1b[2J\nsecond\u202eline"


def gemtui(env, *args: str):
    return run_gemtui(*args, env=env)


@pytest.fixture
def asked(ask) -> dict[str, str]:
    """Three conversations, oldest first; the last has two turns. Prompt -> interaction id.
    (Asked in-process, which is quicker; the test below asks with ``gemtui ask`` processes.)"""
    ids = {}
    for prompt in ("What are fjords?", "How do bats navigate in the dark?", "Tell me about moles"):
        ids[prompt] = json.loads(ask("-o", "json", prompt).out)["id"]
    ids["and what do moles eat?"] = json.loads(
        ask("-o", "json", "--continue", "and what do moles eat?").out
    )["id"]
    return ids


def test_questions_asked_by_processes_are_listed_searched_and_exported(emulator, cli_env):
    def ask(*args: str) -> str:
        result = gemtui(cli_env, "ask", "--base-url", emulator.base_url, "-o", "json", *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["id"]

    first = ask("--tool", "google_search", "How do glaciers carve valleys?")
    ask("Why is the sky blue?")
    listed = json.loads(gemtui(cli_env, "history", "--json").stdout)
    assert [r["title"] for r in listed] == [
        "Why is the sky blue?",
        "How do glaciers carve valleys?",
    ]
    found = json.loads(gemtui(cli_env, "history", "--json", "--search", "glaciers").stdout)
    assert [r["id"] for r in found] == [listed[1]["id"]]
    exported = gemtui(cli_env, "export", first)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("# How do glaciers carve valleys?\n")
    assert "**Sources**" in exported.stdout
    assert gemtui(cli_env, "export", "last").stdout.startswith("# Why is the sky blue?\n")


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_history_lists_newest_first_in_80_columns(asked, cli_env):
    result = gemtui(cli_env, "history")
    assert (result.returncode, result.stderr) == (0, "")
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["ID", "UPDATED", "TURNS", "MODEL", "TITLE"]
    assert [row.split()[0] for row in rows] == ["3", "2", "1"]
    assert rows[0].split()[3:] == ["2", "gemini-3.6-flash", "Tell", "me", "about", "moles"]
    assert rows[1].endswith("How do bats navigate in the dark?")
    assert all(columns(line) <= 80 for line in result.stdout.splitlines())


def test_history_json_is_one_array_with_stable_keys(asked, cli_env):
    result = gemtui(cli_env, "history", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    rows = json.loads(result.stdout)
    assert [set(row) for row in rows] == [KEYS] * 3
    assert [(r["id"], r["title"], r["turns"]) for r in rows] == [
        (3, "Tell me about moles", 2),
        (2, "How do bats navigate in the dark?", 1),
        (1, "What are fjords?", 1),
    ]
    assert rows[0]["updated"].endswith("+00:00") and rows[0]["mode"] == "stateful"


def test_history_search_lists_the_matching_conversations_with_a_snippet(asked, cli_env):
    result = gemtui(cli_env, "history", "--search", "mole")
    assert (result.returncode, result.stderr) == (0, "")
    header, row, snippet = result.stdout.splitlines()
    assert header.startswith("ID  UPDATED")
    assert row.split()[0] == "3" and row.endswith("Tell me about moles")
    assert snippet.startswith("    prompt: ") and "mole" in snippet

    found = json.loads(gemtui(cli_env, "history", "--search", "bats navigate", "--json").stdout)
    assert [(r["id"], r["match"]) for r in found] == [(2, "prompt")]
    assert set(found[0]) == KEYS | {"match", "snippet"}
    assert found[0]["snippet"] == "How do bats navigate in the dark?"

    none = gemtui(cli_env, "history", "--search", "zebras")
    assert (none.returncode, none.stdout, none.stderr) == (
        0,
        "",
        "gemtui history: no conversation matches.\n",
    )


def test_history_limit_and_archived(asked, cli_env):
    with Store.open_default() as store:
        store.archive(1)
    limited = gemtui(cli_env, "history", "--limit", "1")
    assert limited.returncode == 0
    assert len(limited.stdout.splitlines()) == 2
    assert limited.stderr == "gemtui history: 1 older not shown; --limit 0 lists all.\n"

    listed = json.loads(gemtui(cli_env, "history", "--json", "--limit", "0").stdout)
    assert [r["id"] for r in listed] == [3, 2]
    everything = gemtui(cli_env, "history", "--archived").stdout.splitlines()
    assert everything[-1].endswith("(archived) What are fjords?")
    assert gemtui(cli_env, "history", "--search", "fjords", "--json").stdout == "[]\n"
    found = gemtui(cli_env, "history", "--search", "fjords", "--json", "--archived").stdout
    assert [r["archived"] for r in json.loads(found)] == [True]

    bad = gemtui(cli_env, "history", "--limit", "-1")
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "--limit" in bad.stderr


def test_an_empty_history_lists_nothing_and_is_no_error(cli_env):
    text = gemtui(cli_env, "history")
    assert (text.returncode, text.stdout, text.stderr) == (
        0,
        "",
        "gemtui history: no conversations yet.\n",
    )
    assert gemtui(cli_env, "history", "--json").stdout == "[]\n"


def test_titles_from_the_history_are_cleaned_and_kept_to_one_line(asked, cli_env):
    """A title written by another program may hold escape sequences and line breaks."""
    with sqlite3.connect(default_path()) as db:
        db.execute("UPDATE conversations SET title = ? WHERE id = 2", (HOSTILE,))
    text = gemtui(cli_env, "history").stdout
    assert " evil second" in text.splitlines()[2]
    assert not any(c in text for c in "\x1b\x07\u202e")
    data = gemtui(cli_env, "history", "--json").stdout
    assert "\x1b" not in data and "\u202e" not in data
    assert json.loads(data)[1]["title"] == HOSTILE


def test_export_by_interaction_id_and_last(asked, cli_env):
    by_first = gemtui(cli_env, "export", asked["What are fjords?"])
    assert by_first.returncode == 0, by_first.stderr
    assert by_first.stdout.startswith("# What are fjords?\n")
    by_follow_up = gemtui(cli_env, "export", asked["and what do moles eat?"], "-f", "json")
    assert by_follow_up.returncode == 0, by_follow_up.stderr
    document = json.loads(by_follow_up.stdout)
    assert document["conversation"]["id"] == 3 and len(document["turns"]) == 2
    last = gemtui(cli_env, "export", "last")
    assert last.returncode == 0
    assert last.stdout.startswith("# Tell me about moles\n") and "moles eat?" in last.stdout


def test_export_errors_say_which_ids_it_takes(asked, cli_env):
    unknown = gemtui(cli_env, "export", "v1_ChdOb3RJblRoaXNIaXN0b3J5")
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr.startswith(
        "gemtui export: no interaction v1_ChdOb3RJblRoaXNIaXN0b3J5 in the history"
    )
    assert "gemtui show" in unknown.stderr
    for malformed in ("first", "v1_ spaces", "12a"):
        bad = gemtui(cli_env, "export", malformed)
        assert (bad.returncode, bad.stdout) == (2, "")
        assert "interaction id (v1_…) or last" in bad.stderr
    missing = gemtui(cli_env, "export", "99")
    assert (missing.returncode, missing.stderr) == (
        1,
        "gemtui export: no conversation 99 in the history.\n",
    )


def test_export_by_interaction_id_follows_the_branch_that_holds_it(cli_env):
    """Conversation: a -> b, then a -> c (a branch; c is the head). The interaction of b is in
    the markdown of its own branch; a's is on the branch in use."""
    settings = ChatSettings()
    with Store.open_default() as store:
        cid = store.create_conversation(settings)
        a = store.start_turn(cid, Turn(Asked("first turn a")), settings, parent_turn_id=None)
        b = store.start_turn(cid, Turn(Asked("old branch b")), settings, parent_turn_id=a)
        store.start_turn(cid, Turn(Asked("new branch c")), settings, parent_turn_id=a)
        store.mark_created(a, "v1_turnA")
        store.mark_created(b, "v1_turnB")
    old = gemtui(cli_env, "export", "v1_turnB").stdout
    assert "first turn a" in old and "old branch b" in old and "new branch c" not in old
    in_use = gemtui(cli_env, "export", "v1_turnA").stdout
    assert "first turn a" in in_use and "new branch c" in in_use and "old branch b" not in in_use
