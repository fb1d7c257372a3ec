"""``gemtui show ID`` and ``gemtui replay FILE`` printing instead of opening the TUI."""

from __future__ import annotations

import io
import json
from pathlib import Path

from support.cli_env import clean_env, run_gemtui, run_gemtui_in_terminal

from gemtui.cli import build_parser
from gemtui.core.recording import parse_recording
from gemtui.headless.show import run_show, wants_print


def test_show_prints_the_interaction_json_with_its_user_input(ask, emulator, cli_env):
    asked = ask("What is a pangolin?", "--output-format", "json")
    interaction_id = json.loads(asked.out)["id"]
    result = run_gemtui(
        "show", interaction_id, "--base-url", emulator.base_url, "--output-format", "json",
        env=cli_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["id"] == interaction_id
    assert shown["status"] == "completed"
    steps = shown["steps"]
    assert steps[0] == {
        "type": "user_input",
        "content": [{"type": "text", "text": "What is a pangolin?"}],
    }
    assert steps[1:] == json.loads(asked.out)["steps"]


def test_show_into_a_pipe_prints_the_answer_text(ask, emulator):
    asked = ask("Tell me about pipes")
    interaction = json.loads(ask("Tell me about pipes", "-o", "json").out)
    args = build_parser().parse_args(["show", interaction["id"], "--base-url", emulator.base_url])
    out, err = io.StringIO(), io.StringIO()
    assert wants_print(args, out)
    assert run_show(args, stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue() == asked.out
    assert err.getvalue() == ""


def test_show_and_replay_name_the_pictures_text_output_leaves_out(
    ask, emulator, cli_env, tmp_path: Path
):
    """A generated image was left out of --print without a word (ask says it, export too)."""
    recorded = ask("--modality", "image", "-o", "stream-json", "Draw an owl").out
    path = tmp_path / "owl.jsonl"
    path.write_text(recorded, encoding="utf-8")
    said = "the answer has a part that text output cannot show (image · image/png · "
    replayed = run_gemtui("replay", str(path), "--print", env=cli_env)
    assert replayed.returncode == 0, replayed.stderr
    assert f"gemtui replay: {said}" in replayed.stderr
    assert "--output-format json keeps it." in replayed.stderr
    interaction = json.loads(ask("--modality", "image", "-o", "json", "Draw an owl").out)
    args = build_parser().parse_args(["show", interaction["id"], "--base-url", emulator.base_url])
    out, err = io.StringIO(), io.StringIO()
    assert run_show(args, stdout=out, stderr=err) == 0, err.getvalue()
    assert f"gemtui show: {said}" in err.getvalue()


def test_show_of_an_unknown_id_fails_with_the_reason_and_a_hint(emulator, cli_env):
    result = run_gemtui("show", "v1_missing", "--base-url", emulator.base_url, "-p", env=cli_env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "gemtui show: HTTP 404 not_found" in result.stderr
    assert "v1_missing" in result.stderr
    assert "expired" in result.stderr


def test_replay_print_prints_the_answer_of_a_recording(ask, emulator, cli_env, tmp_path: Path):
    answer = ask("Explain replays").out
    recorded = ask("Explain replays", "--output-format", "stream-json").out
    assert parse_recording(recorded.splitlines()).events
    path = tmp_path / "turn.jsonl"
    path.write_text(recorded, encoding="utf-8")
    result = run_gemtui("replay", str(path), "--print", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer
    as_json = run_gemtui("replay", str(path), "--output-format", "json", env=cli_env)
    assert as_json.returncode == 0
    interaction = json.loads(as_json.stdout)
    assert interaction["status"] == "completed"
    assert [step["type"] for step in interaction["steps"]] == ["thought", "model_output"]


def test_replay_of_a_missing_file_is_a_usage_error(tmp_path: Path, cli_env):
    missing = tmp_path / "nowhere.jsonl"
    result = run_gemtui("replay", str(missing), env=cli_env)
    assert result.returncode == 2
    assert result.stderr == f"gemtui replay: no such file: {missing}\n"
    assert result.stdout == ""


def test_replay_of_a_file_without_events_is_a_usage_error(tmp_path: Path, cli_env):
    path = tmp_path / "notes.jsonl"
    path.write_text("not a recording\n", encoding="utf-8")
    result = run_gemtui("replay", str(path), "--print", env=cli_env)
    assert result.returncode == 2
    assert "holds no events" in result.stderr


def test_replay_speed_must_not_be_negative(tmp_path: Path, cli_env):
    result = run_gemtui("replay", str(tmp_path / "x.jsonl"), "--speed", "-2", env=cli_env)
    assert result.returncode == 2
    assert "--speed: must be 0 (at once) or more" in result.stderr


def test_a_terminal_opens_the_tui_unless_printing_is_asked_for():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    parse = build_parser().parse_args
    assert not wants_print(parse(["show", "v1_x"]), Terminal())
    assert wants_print(parse(["show", "v1_x", "--print"]), Terminal())
    assert wants_print(parse(["show", "v1_x", "-o", "json"]), Terminal())
    assert not wants_print(parse(["replay", "f.jsonl", "--speed", "4"]), Terminal())
    assert wants_print(parse(["replay", "f.jsonl"]), io.StringIO())


def test_replay_print_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path, cli_env):
    """`gemtui replay F -p | head -1` printed a BrokenPipeError traceback and exited 1."""
    import subprocess
    import sys

    lines = []
    for number in range(40):  # past a pipe's buffer, so the writer meets the closed pipe
        lines.append(json.dumps({"recording": "gemtui/1", "request": {"input": f"q{number}"}}))
        events = [
            {"event_type": "interaction.created", "interaction": {"id": f"v1_{number}"}},
            {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
            {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "x" * 4000}},
            {"event_type": "step.stop", "index": 0},
            {"event_type": "interaction.completed", "interaction": {"id": f"v1_{number}"}},
        ]
        lines += [json.dumps({"offset": 0.0, "event": event}) for event in events]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    command = f"set -o pipefail; {sys.executable} -m gemtui replay {path} --print | head -c 10"
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=cli_env, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "x" * 10, "")


def test_show_and_replay_say_how_an_interaction_that_did_not_complete_ended(
    ask, emulator, cli_env, tmp_path: Path
):
    """A running, cancelled or failed interaction printed nothing and exited 0."""
    started = ask("--background", "!fault never-complete forever")
    running = started.out.strip()
    shown = run_gemtui("show", running, "--base-url", emulator.base_url, "-p", env=cli_env)
    assert shown.returncode == 3
    assert f"gemtui show: it is still in_progress at the server (gemtui ask --wait {running}" in (
        shown.stderr
    )
    recorded = ask("!fault error-event broken", "--output-format", "stream-json").out
    path = tmp_path / "failed.jsonl"
    path.write_text(recorded, encoding="utf-8")
    replayed = run_gemtui("replay", str(path), "-p", env=cli_env)
    assert replayed.returncode == 1
    assert "gemtui replay: it failed: gateway_timeout: Deadline expired" in replayed.stderr


def test_replaying_a_recording_cut_short_says_so_not_that_the_server_still_runs_it(
    ask, cli_env, tmp_path: Path
):
    """It said "still in_progress at the server (gemtui ask --wait … waits)" of a file."""
    whole = ask("tell me a story", "--output-format", "stream-json").out.splitlines()
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(whole[: len(whole) // 2]) + "\n", encoding="utf-8")
    replayed = run_gemtui("replay", str(path), "-p", env=cli_env)
    assert replayed.returncode == 3
    assert replayed.stderr == (
        "gemtui replay: the recording stops before the interaction ended (it was in_progress)\n"
    )


def test_show_of_a_word_that_is_no_id_is_a_usage_error_before_any_request(tmp_path: Path):
    """``gemtui show --demo notanid`` asked the server and reported "HTTP 404 not_found …
    was not found" (the TUI opened on that error); ``ask --wait notanid`` says what an id
    looks like. Both ways, printing and the TUI, say it with exit code 2 and no screen."""
    env = clean_env(GEMTUI_DATA_DIR=str(tmp_path))
    printed = run_gemtui("show", "--demo", "notanid", "-p", env=env)
    assert printed.returncode == 2
    assert printed.stdout == ""
    said = "gemtui show: 'notanid' is not an interaction id: ids look like v1_ChdoRkJn…"
    assert said in printed.stderr
    assert "404" not in printed.stderr
    code, shown, err = run_gemtui_in_terminal("show", "--demo", "notanid", env=env)
    assert code == 2
    assert said in err
    assert "\x1b[?1049h" not in shown  # no screen was drawn
