"""``gemtui ask`` with function tools from the config file: allow-listed ones run and the
interaction goes on; any other call ends the run with exit code 3 and runs nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gemtui.config import default_config_path
from gemtui.core.recording import FORMAT
from gemtui.core.store import Store

SCHEMA = '{type = "object", properties = {location = {type = "string"}}, required = ["location"]}'
#: Answers with the arguments it read on stdin.
ECHO = "import sys, json; print(json.dumps({'forecast': 'sunny', 'got': json.load(sys.stdin)}))"


def configure(*, allow: bool, code: str = ECHO, name: str = "get_weather") -> Path:
    """Write a config file with one function tool where ``gemtui ask`` looks for it."""
    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    command = json.dumps([sys.executable, "-c", code])
    path.write_text(
        "[[functions]]\n"
        f'name = "{name}"\n'
        'description = "Weather of a place"\n'
        f"parameters = {SCHEMA}\n"
        f"command = {command}\n"
        f"allow = {'true' if allow else 'false'}\n"
    )
    return path


def headers_and_events(out: str) -> tuple[list[dict], list[dict]]:
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    headers = [line["request"] for line in lines if line.get("recording") == FORMAT]
    events = [line["event"] for line in lines if "event" in line]
    return headers, events


def test_allow_listed_tool_runs_and_the_answer_follows(ask):
    configure(allow=True)
    result = ask("-o", "stream-json", "weather in Paris?")
    assert result.code == 0, result.err
    first, second = headers_and_events(result.out)[0]
    assert first["tools"][0]["name"] == "get_weather"
    [sent] = second["input"]
    assert sent["type"] == "function_result" and sent["name"] == "get_weather"
    assert sent["result"]["forecast"] == "sunny"
    assert sent["result"]["got"]["location"]
    assert "is_error" not in sent
    assert second["previous_interaction_id"].startswith("v1_")
    assert result.err == ""


def test_text_output_and_verbose_tool_activity_on_stderr(ask):
    configure(allow=True)
    quiet = ask("weather in Oslo?")
    loud = ask("-v", "weather in Oslo?")
    assert quiet.code == loud.code == 0
    assert "`get_weather` returned" in quiet.out
    assert quiet.err == ""
    assert "[run] get_weather" in loud.err
    assert '[function_result] {"forecast": "sunny"' in loud.err
    assert loud.out == quiet.out


def test_stateless_runs_resend_the_history_with_the_results(ask):
    configure(allow=True)
    result = ask("-o", "stream-json", "--no-store", "weather in Rome?")
    assert result.code == 0, result.err
    _, second = headers_and_events(result.out)[0]
    assert second["store"] is False and "previous_interaction_id" not in second
    types = [step["type"] for step in second["input"]]
    assert types[0] == "user_input" and types[-2:] == ["function_call", "function_result"]


def test_a_failing_tool_is_reported_to_the_model(ask):
    configure(allow=True, code="import sys; sys.stderr.write('service down'); sys.exit(3)")
    result = ask("-o", "stream-json", "weather in Bonn?")
    assert result.code == 0, result.err
    _, second = headers_and_events(result.out)[0]
    [sent] = second["input"]
    assert sent["is_error"] is True
    assert sent["result"] == "get_weather exited with status 3: service down"


def test_a_tool_that_is_not_allow_listed_ends_with_exit_3_and_runs_nothing(ask, tmp_path):
    marker = tmp_path / "ran"
    configure(allow=False, code=f"open({str(marker)!r}, 'w').write('ran')")
    result = ask("-o", "json", "weather in Lima?")
    assert result.code == 3
    assert json.loads(result.out)["status"] == "requires_action"
    assert "get_weather" in result.err and "allow = true" in result.err
    assert not marker.exists()


def test_function_decl_still_works_and_is_not_run(ask, tmp_path):
    configure(allow=True, name="get_time")
    declarations = tmp_path / "functions.json"
    declarations.write_text(json.dumps([{"name": "get_weather", "description": "Weather"}]))
    result = ask("--function-decl", str(declarations), "-o", "stream-json", "get_weather please")
    assert result.code == 3
    [request], _ = headers_and_events(result.out)
    assert [tool["name"] for tool in request["tools"]] == ["get_weather", "get_time"]


def test_bad_config_entries_are_named_on_stderr(ask):
    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[[functions]]\nname = "broken"\ncommand = []\n')
    result = ask("hello")
    assert result.code == 0
    assert "functions[0] (broken)" in result.err


def test_config_given_after_ask_is_the_one_used(ask, tmp_path):
    default = configure(allow=True)
    elsewhere = tmp_path / "other.toml"
    elsewhere.write_text(default.read_text().replace("allow = true", "allow = false"))
    result = ask("--config", str(elsewhere), "weather in Graz?")
    assert result.code == 3  # the other file does not allow-list it, so nothing runs
    assert "get_weather" in result.err


def test_a_stateless_tool_run_is_one_conversation_in_the_history(ask):
    configure(allow=True)
    result = ask("--no-store", "weather in Kyiv?")
    assert result.code == 0, result.err
    with Store.open_default() as store:
        [summary] = store.list_conversations()
        first, second = store.load_turns(summary.id)
    assert (
        first.turn.asked.prompt == "weather in Kyiv?"
        and first.turn.reply.outcome == "requires_action"
    )
    assert second.parent_turn_id == first.id
    assert second.turn.asked.results[0]["type"] == "function_result"
    assert second.turn.reply.outcome == "completed"
