"""``gemtui ask`` as a real process against the emulator: outputs, exit codes, signals."""

from __future__ import annotations

import json
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli_env import clean_env, default_sigint, run_gemtui_in_terminal

from gemtui.api import models, schema_cache
from gemtui.core.recording import parse_recording


def test_answer_streams_to_stdout_and_nothing_else(cli):
    result = cli("what is a pangolin")
    assert result.code == 0
    assert result.out.startswith("## Answer: what is a pangolin\n")
    assert result.out.endswith("\n") and not result.out.endswith("\n\n")
    assert result.err == ""


def test_prompt_from_stdin(cli):
    result = cli(stdin="a question from a pipe\n")
    assert result.code == 0
    assert "## Answer: a question from a pipe" in result.out


def test_stream_json_is_a_recording_with_stdin_as_context(cli):
    result = cli("-o", "stream-json", "summarise it", stdin="the piped context")
    assert result.code == 0
    lines = result.out.splitlines()
    assert all(json.loads(line) for line in lines)
    recording = parse_recording(lines)
    content = recording.request["input"][0]["content"]
    assert content == [
        {"type": "text", "text": "the piped context"},
        {"type": "text", "text": "summarise it"},
    ]
    assert recording.request["stream"] is True
    assert len(recording.events) == len(lines) - 1
    assert recording.events[0].event["event_type"] == "interaction.created"
    assert recording.events[-1].event["event_type"] == "interaction.completed"
    offsets = [e.offset for e in recording.events]
    assert offsets == sorted(offsets)


def test_json_prints_the_final_interaction(cli):
    result = cli("--output-format", "json", "--no-history", "hello")
    assert result.code == 0
    interaction = json.loads(result.out)
    assert interaction["status"] == "completed"
    assert interaction["id"].startswith("v1_")
    assert [s["type"] for s in interaction["steps"]] == ["thought", "model_output"]


def test_rate_limit_exits_1_with_cause_and_fix(cli):
    result = cli("!fault 429")
    assert result.code == 1
    assert result.out == ""
    assert "HTTP 429" in result.err and "Rate limited" in result.err


def test_server_error_without_retries_exits_1(cli):
    result = cli("--retries", "0", "!fault 500")
    assert (result.code, result.out) == (1, "")
    assert "HTTP 500" in result.err and "retry later" in result.err


def test_error_event_exits_1_after_the_partial_answer(cli):
    result = cli("!fault error-event")
    assert result.code == 1
    assert result.out.startswith("## Answer")
    assert "gateway_timeout" in result.err


def test_a_dropped_stream_is_resumed_where_it_stopped(cli):
    dropped = cli("!fault drop-after 5 please")
    whole = cli("please")
    assert (dropped.code, whole.code) == (0, 0)
    assert "resuming it where it stopped" in dropped.err
    assert dropped.out == whole.out and dropped.out.startswith("## Answer: please\n")


def test_a_dropped_stream_that_cannot_be_resumed_exits_3(cli):
    dropped = cli("--no-store", "!fault drop-after 5 please")
    assert dropped.code == 3
    assert "interrupted after 5 events" in dropped.err
    assert "resuming" not in dropped.err and "--wait" not in dropped.err


def test_function_call_exits_3_naming_the_function(cli, tmp_path):
    declarations = tmp_path / "functions.json"
    declarations.write_text(
        json.dumps(
            [
                {
                    "name": "get_weather",
                    "description": "Weather of a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                }
            ]
        )
    )
    result = cli("--function-decl", str(declarations), "-o", "json", "weather in Paris?")
    assert result.code == 3
    interaction = json.loads(result.out)
    assert interaction["status"] == "requires_action"
    assert "get_weather" in result.err and "does not run function tools" in result.err


def test_background_prints_the_id_and_wait_defaults_to_it(cli):
    started = cli("--background", "a long job")
    assert started.code == 0
    interaction_id = started.out.strip()
    assert interaction_id.startswith("v1_") and "\n" not in interaction_id
    waited = cli("--wait", "-v")
    assert waited.code == 0
    assert waited.out.startswith("## Answer: a long job\n")
    assert f"[interaction] {interaction_id} completed" in waited.err


def test_wait_defaults_to_the_last_background_run_not_the_last_question(cli):
    started = cli("--background", "a long job")
    assert started.code == 0
    assert cli("a quick question").code == 0
    waited = cli("--wait", "-v")
    assert waited.code == 0
    assert waited.out.startswith("## Answer: a long job\n")
    assert f"[interaction] {started.out.strip()} completed" in waited.err


def test_continue_chains_onto_the_last_interaction(cli):
    first = cli("-o", "json", "remember the word teal")
    first_id = json.loads(first.out)["id"]
    follow = cli("-o", "stream-json", "--continue", "which word?")
    assert follow.code == 0
    request = parse_recording(follow.out.splitlines()).request
    assert request["previous_interaction_id"] == first_id
    assert request["input"][0]["content"] == [{"type": "text", "text": "which word?"}]


def test_usage_error_exits_2_before_loading_the_http_stack(cli_env):
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gemtui", "ask", "-a", "/nonexistent.png", "hi"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=cli_env,
        timeout=60,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert "gemtui ask: cannot read attachment /nonexistent.png" in completed.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
    assert "gemtui.headless.inputs" in imported
    assert not imported & {"httpx", "pydantic", "gemtui.api.client"}


def test_no_key_and_no_endpoint_exits_1_naming_the_fix(state_dir):
    completed = subprocess.run(
        [sys.executable, "-m", "gemtui", "ask", "hi"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=clean_env(XDG_STATE_HOME=str(state_dir)),
        timeout=60,
    )
    assert completed.returncode == 1
    assert "GEMINI_API_KEY" in completed.stderr and "--demo" in completed.stderr
    assert completed.stdout == ""


def test_ctrl_c_exits_130_without_traceback(emulator, cli_env):
    process = subprocess.Popen(
        [sys.executable, "-m", "gemtui", "ask", "--base-url", emulator.base_url, "!slow 200 hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env,
        preexec_fn=default_sigint,
    )
    try:
        first = process.stdout.read(1)
        assert first == b"#"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err
    # Cancelled after the first deltas: far from the whole answer.
    assert b"Summary table" not in out


def test_demo_never_imports_textual():
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gemtui", "ask", "--demo", "hi"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=clean_env(),
        timeout=60,
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("## Answer: hi\n")
    imported = [line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()]
    assert "gemtui.emulator.app" in imported and "httpx" in imported
    assert not [name for name in imported if name.split(".")[0] == "textual"]
    # Nor the Markdown parser: citation markers load it only for an answer that cites.
    assert "markdown_it" not in imported


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_output_is_cleaned_of_escape_sequences(emulator, cli_env):
    """The emulator echoes the prompt, so hostile text comes back as model output."""
    hostile = "evil \x1b]0;TITLE\x07 \x1b[2J \x9b31m done"
    code, shown, _ = run_gemtui_in_terminal(
        "ask", "--base-url", emulator.base_url, hostile, env=cli_env
    )
    assert code == 0
    assert "## Answer: evil" in shown and "done" in shown
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown


def test_the_event_schema_is_kept_for_the_next_run(cli, cli_env, monkeypatch):
    kept_dir = Path(cli_env["XDG_CACHE_HOME"]) / "gemtui"
    assert cli("first").code == 0
    [kept] = kept_dir.glob(f"{schema_cache.PREFIX}*")
    kept.write_bytes(b"damaged by something else")
    second = cli("second")
    assert (second.code, second.err) == (0, "")
    assert second.out.startswith("## Answer: second\n")
    monkeypatch.setenv(schema_cache.PLUGINS_VARIABLE, "__all__")
    assert schema_cache.load(kept_dir, models) is not None  # written anew, whole
