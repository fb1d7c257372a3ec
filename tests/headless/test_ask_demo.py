"""``--demo`` commands as real processes, one after the other: each starts its own emulator,
and all of them share its file in the data dir, so a later one goes on from an earlier one."""

from __future__ import annotations

import json

from support.cli_env import clean_env, run_gemtui

from gemtui.core.recording import parse_recording
from gemtui.headless.last_id import load_last, state_file


def test_wait_prints_the_background_run_an_earlier_demo_process_started():
    env = clean_env()
    started = run_gemtui("ask", "--demo", "--background", "a long job", env=env)
    assert started.returncode == 0, started.stderr
    interaction_id = started.stdout.strip()
    assert run_gemtui("ask", "--demo", "a quick question", env=env).returncode == 0
    waited = run_gemtui("ask", "--demo", "--wait", "-v", env=env)
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout.startswith("## Answer: a long job\n")
    assert f"[interaction] {interaction_id} completed" in waited.stderr
    again = run_gemtui("ask", "--demo", "--background", "a long job", env=env)
    assert again.stdout.strip() != interaction_id


def test_show_and_continue_reach_an_earlier_demo_interaction():
    env = clean_env()
    first = run_gemtui("ask", "--demo", "-o", "json", "remember the word teal", env=env)
    assert first.returncode == 0, first.stderr
    interaction_id = json.loads(first.stdout)["id"]
    shown = run_gemtui("show", "--demo", interaction_id, "-o", "json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == interaction_id
    follow = run_gemtui("ask", "--demo", "-o", "stream-json", "--continue", "which word?", env=env)
    assert follow.returncode == 0, follow.stderr
    recording = parse_recording(follow.stdout.splitlines())
    assert recording.request["previous_interaction_id"] == interaction_id
    answer = "".join(
        e.event["delta"].get("text", "") for e in recording.events if "delta" in e.event
    )
    assert "Earlier you asked: «remember the word teal»" in answer
    # Demo ids are kept apart from those of the real API, which would not know them.
    assert load_last(state_file()) is None
    assert load_last(state_file(demo=True)) is not None
