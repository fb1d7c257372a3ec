"""``gemtui diff A B`` in its own process: history turns, interaction ids, recording files."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli_env import clean_env, run_gemtui
from support.stored import write_chat

from gemtui.core.recording import save_recording
from gemtui.core.store import Store


def _recording(path: Path, text: str, model: str) -> None:
    events = [
        {"event_type": "interaction.created", "interaction": {"id": f"v1_{text}"}},
        {
            "event_type": "step.start",
            "index": 0,
            "step": {"type": "model_output", "content": [{"type": "text", "text": text}]},
        },
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "interaction.completed",
            "interaction": {"id": f"v1_{text}", "status": "completed"},
        },
    ]
    request = {"model": model, "input": "same question"}
    save_recording(path, request, [(n * 0.1, e) for n, e in enumerate(events)])


def test_turns_of_the_history_are_compared_by_conversation_turn_and_by_id():
    with Store.open_default() as store:
        _live, cid = write_chat(store, ["first question", "second question"])
    result = run_gemtui("diff", f"{cid}:1", "v1_turn2", env=clean_env())
    assert result.returncode == 0, result.stderr
    assert f"A {cid}:1: «first question»" in result.stdout
    assert "B v1_turn2: «second question»" in result.stdout
    assert "-answer 1" in result.stdout and "+answer 2" in result.stdout
    last = run_gemtui("diff", f"{cid}:-1", f"{cid}:2", "--json", env=clean_env())
    assert json.loads(last.stdout)["output_diff"] == []


def test_recordings_are_compared_too(tmp_path: Path):
    _recording(tmp_path / "a.jsonl", "blue", "m1")
    _recording(tmp_path / "b.jsonl", "green", "m2")
    result = run_gemtui(
        "diff", str(tmp_path / "a.jsonl"), f"{tmp_path / 'b.jsonl'}#1", "--json", env=clean_env()
    )
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert diff["request"]["different"] == [{"field": "model", "a": "m1", "b": "m2"}]
    assert diff["request"]["same"] == ["input"]
    assert "-blue" in diff["output_diff"] and "+green" in diff["output_diff"]


def test_what_cannot_be_found_or_read_says_so(tmp_path: Path):
    with Store.open_default() as store:
        _live, cid = write_chat(store, ["only"])
    missing = run_gemtui("diff", f"{cid}:1", "v1_nowhere", env=clean_env())
    assert missing.returncode == 1
    assert "v1_nowhere is no file, no CONV:N turn and no interaction" in missing.stderr
    beyond = run_gemtui("diff", f"{cid}:1", f"{cid}:5", env=clean_env())
    assert beyond.returncode == 1 and "has 1 turns" in beyond.stderr
    zero = run_gemtui("diff", f"{cid}:0", f"{cid}:1", env=clean_env())
    assert zero.returncode == 2 and "count from 1" in zero.stderr
    _recording(tmp_path / "a.jsonl", "x", "m")
    part = run_gemtui("diff", f"{tmp_path / 'a.jsonl'}#3", f"{cid}:1", env=clean_env())
    assert part.returncode == 1 and "holds 1 recording," in part.stderr
