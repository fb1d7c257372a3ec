"""Habits from other agent CLIs in a real terminal: ``gemtui --demo`` in tmux at 80×24 with a
fresh HOME. The prompt goes through ``$EDITOR`` (a script that rewrites the file) and back, a
draft outlives ``kill -9`` of the pane, and ``--continue`` / ``--resume`` reopen the history."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from support.cli_env import run_gemtui
from support.tmux_pane import TmuxPane, fresh_home_env, needs_tmux

from gemtui.core.store import Store

pytestmark = needs_tmux

PLACEHOLDER = "Ask Gemini…"
#: In the status bar; a notification can cover its right end, not this.
STATUS = " · stateful · "


def editor_script(tmp_path: Path) -> Path:
    """An "editor" that rewrites the file it is given: ``EDITED: `` before the old text."""
    path = tmp_path / "editor.py"
    path.write_text(
        "import sys\n"
        "p = sys.argv[-1]\n"
        "old = open(p, encoding='utf-8').read()\n"
        "open(p, 'w', encoding='utf-8').write('EDITED: ' + old + '\\n')\n",
        encoding="utf-8",
    )
    return path


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = fresh_home_env(tmp_path, **extra)
    env.pop("VISUAL", None)
    return env


def start(tmp_path: Path, env: dict[str, str], *args: str, name: str = "pane") -> TmuxPane:
    workdir = tmp_path / name
    workdir.mkdir(exist_ok=True)
    return TmuxPane(workdir, [sys.executable, "-m", "gemtui", "--demo", *args], env=env)


def composer_rows(screen: list[str]) -> list[str]:
    """The rows between the last rule and the status bar: the chips and the prompt."""
    rules = [n for n, line in enumerate(screen) if line.startswith("─" * 20)]
    status = [n for n, line in enumerate(screen) if STATUS in line]
    if not rules or not status or status[-1] < rules[-1]:
        return []
    return [line.strip() for line in screen[rules[-1] + 1 : status[-1]]]


def showing(text: str):
    return lambda screen: any(text in row for row in composer_rows(screen))


def data_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def drafts(tmp_path: Path) -> dict[str, dict]:
    directory = data_home(tmp_path) / ".local" / "state" / "gemtui" / "drafts"
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in directory.glob("*.json")
    }


def stored_turns(tmp_path: Path) -> list:
    path = data_home(tmp_path) / "gemtui-data" / "history.sqlite3"
    if not path.exists():
        return []
    with Store(path, read_only=True) as store:
        conversation = store.last_conversation_id()
        return [] if conversation is None else [t.turn for t in store.load_turns(conversation)]


def test_ctrl_g_edits_the_draft_in_the_editor_and_keeps_the_attachments(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("some notes", encoding="utf-8")
    env = environment(tmp_path, EDITOR=f"{sys.executable} {editor_script(tmp_path)}")
    saved = data_home(tmp_path) / ".local" / "state" / "gemtui" / "drafts"
    saved.mkdir(parents=True)
    (saved / "new.json").write_text(
        json.dumps({"text": "my draft", "attachments": [str(notes)]}), encoding="utf-8"
    )
    with start(tmp_path, env) as pane:
        pane.wait_for(showing("my draft"), "the saved draft")
        assert any("notes.txt" in row for row in composer_rows(pane.screen()))
        pane.send_keys("C-g")
        pane.wait_for(showing("EDITED: my draft"), "the edited draft")
        # The chord shells know does the same.
        pane.send_keys("C-x", "C-e")
        pane.wait_for(showing("EDITED: EDITED: my draft"), "the second round trip")
        assert any("notes.txt" in row for row in composer_rows(pane.screen()))
        pane.send_keys("Enter")
        pane.wait_for(lambda _s: stored_turns(tmp_path), "the stored turn")
        (turn,) = stored_turns(tmp_path)
        assert turn.asked.prompt == "EDITED: EDITED: my draft"
        (item,) = turn.asked.attachments
        assert item["type"] == "text" and item["text"].endswith("some notes")


def test_the_editor_edits_an_earlier_prompt_too(tmp_path):
    env = environment(tmp_path, EDITOR=f"{sys.executable} {editor_script(tmp_path)}")
    with start(tmp_path, env) as pane:
        pane.wait_for(showing(PLACEHOLDER), "the first frame")
        pane.type("first prompt")
        pane.send_keys("Enter")
        # The tokens count while the answer streams too: wait for the turn to end.
        pane.wait_for(lambda s: any("· ready ·" in line and "tokens" in line for line in s),
                      "the answer")  # fmt: skip
        # One key at a time: a focus change takes effect after the keys already read.
        pane.send_keys("C-l")
        pane.wait_for(lambda s: "e Edit" in s[-1], "the messages in focus")
        pane.send_keys("Up")
        # Up selects the newest message, the answer (its lines get the bar; the view stays at
        # its end, where it was); e edits the prompt of its turn.
        pane.wait_for(lambda s: any(line.startswith("▌") for line in s), "the answer selected")
        pane.send_keys("e")
        pane.wait_for(lambda s: any("editing" in line for line in s), "editing")
        pane.send_keys("C-g")
        pane.wait_for(showing("EDITED: first prompt"), "the edited prompt")
        assert any("editing" in line for line in pane.screen())
        pane.send_keys("Enter")
        pane.wait_for(
            lambda _s: [t.asked.prompt for t in stored_turns(tmp_path)] == ["EDITED: first prompt"],
            "the branch from the edited prompt",
        )


def test_no_editor_is_said_in_the_terminal(tmp_path):
    env = environment(tmp_path)
    env.pop("EDITOR", None)
    with start(tmp_path, env) as pane:
        pane.wait_for(showing(PLACEHOLDER), "the first frame")
        pane.type("kept")
        pane.send_keys("C-g")
        pane.wait_for(lambda s: any("No editor is set" in line for line in s), "the message")
        assert showing("kept")(pane.screen())


def test_a_draft_outlives_kill_9_of_the_pane(tmp_path):
    env = environment(tmp_path)
    with start(tmp_path, env, name="first") as pane:
        pane.wait_for(showing(PLACEHOLDER), "the first frame")
        pane.type("do not lose this")
        pane.wait_for(
            lambda _s: drafts(tmp_path).get("new", {}).get("text") == "do not lose this",
            "the saved draft",
        )
        pid = int(pane.run("display", "-p", "#{pane_pid}"))
        os.killpg(os.getpgid(pid), signal.SIGKILL)
        pane.wait_for(lambda _s: pane.run("display", "-p", "#{pane_dead}").strip() == "1",
                      "the pane's death")  # fmt: skip
    with start(tmp_path, env, name="second") as pane:
        pane.wait_for(showing("do not lose this"), "the draft, back")


def test_continue_and_resume_reopen_the_history(tmp_path):
    env = environment(tmp_path)
    nothing = run_gemtui("--demo", "--continue", env=env)
    assert nothing.returncode == 1
    assert "nothing to continue" in nothing.stderr
    for prompt in ("the older chat", "the newer chat"):
        assert run_gemtui("ask", "--demo", prompt, env=env).returncode == 0
    path = data_home(tmp_path) / "gemtui-data" / "history.sqlite3"
    with Store(path, read_only=True) as store:
        older = store.list_conversations()[-1]
        interaction = store.load_turns(older.id)[0].turn.interaction_id
    assert interaction
    with start(tmp_path, env, "--continue", name="continue") as pane:
        pane.wait_for(lambda s: any("the newer chat" in line for line in s), "the last chat")
    with start(tmp_path, env, "--resume", str(older.id), name="number") as pane:
        pane.wait_for(lambda s: any("the older chat" in line for line in s), "chat by number")
    with start(tmp_path, env, "--resume", interaction, name="id") as pane:
        pane.wait_for(lambda s: any("the older chat" in line for line in s), "chat by id")
    with start(tmp_path, env, "--resume", name="list") as pane:
        pane.wait_for(
            lambda s: (
                any("the older chat" in line for line in s)
                and any("the newer chat" in line for line in s)
            ),
            "the list of conversations",
        )
    missing = run_gemtui("--demo", "--resume", "99", env=env)
    assert missing.returncode == 1
    assert "no conversation 99" in missing.stderr
