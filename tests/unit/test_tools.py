"""Local function tools: the config entry, the approval policy and the runner (real processes)."""

from __future__ import annotations

import json
import os
import sys

import pytest

from gemtui.config import Settings, load_settings, save_settings
from gemtui.core import environment
from gemtui.core.environment import PLUGINS_VARIABLE
from gemtui.core.tools import (
    ApprovalPolicy,
    FunctionTool,
    ToolCall,
    answer_call,
    check_functions,
    denied_result,
    run_tool,
)

#: A tool that answers with exactly the bytes it read on stdin (as a JSON string).
ECHO_STDIN = "import sys, json; print(json.dumps({'stdin': sys.stdin.read()}))"


def python_tool(code: str, **fields) -> FunctionTool:
    return FunctionTool(name="probe", command=[sys.executable, "-c", code], **fields)


# ---------------------------------------------------------------------------------- running


async def test_arguments_arrive_on_stdin_as_exact_json():
    arguments = {"city": "Zürich", "days": [1, 2], "nested": {"ok": True, "none": None}}
    result, is_error = await run_tool(python_tool(ECHO_STDIN), arguments)
    assert not is_error
    assert isinstance(result, dict)
    assert result["stdin"] == json.dumps(arguments, ensure_ascii=False) + "\n"
    assert json.loads(result["stdin"]) == arguments


async def test_shell_syntax_in_arguments_stays_literal(tmp_path):
    victim = tmp_path / "x"
    victim.write_text("still here")
    # Whatever the model sends, it reaches the tool as data: no shell ever sees it.
    hostile = f"; rm -rf {victim} && echo pwned $(touch {tmp_path}/y) `id`"
    tool = FunctionTool(
        name="echo",
        command=[sys.executable, "-c", ECHO_STDIN, hostile],
    )
    result, is_error = await run_tool(tool, {"path": hostile})
    assert not is_error
    assert json.loads(result["stdin"]) == {"path": hostile}
    assert victim.read_text() == "still here"
    assert not (tmp_path / "y").exists()


async def test_the_argv_is_passed_as_given_without_a_shell(tmp_path):
    tool = FunctionTool(
        name="argv",
        command=[sys.executable, "-c", "import sys, json; print(json.dumps(sys.argv[1:]))", "$HOME",
                 "a b", "*"],
    )  # fmt: skip
    result, is_error = await run_tool(tool, {})
    assert not is_error
    assert result == '["$HOME", "a b", "*"]'


async def test_a_json_object_on_stdout_goes_back_as_an_object():
    result, is_error = await run_tool(python_tool("print('{\"temp\": 21}')"), {})
    assert (result, is_error) == ({"temp": 21}, False)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [("sunny", "sunny"), ("[1, 2]", "[1, 2]"), ("42", "42"), ("{broken", "{broken")],
)
async def test_anything_else_goes_back_as_text(printed, expected):
    result, is_error = await run_tool(python_tool(f"print({printed!r})"), {})
    assert (result, is_error) == (expected, False)


async def test_non_zero_exit_is_an_error_with_the_stderr_text():
    code = "import sys; print('partial'); sys.stderr.write('no such city: Atlantis\\n'); exit(4)"
    result, is_error = await run_tool(python_tool(code), {"city": "Atlantis"})
    assert is_error
    assert result == "probe exited with status 4: no such city: Atlantis"


async def test_a_tool_that_hangs_is_killed_at_its_timeout(tmp_path):
    pid_file = tmp_path / "pid"
    code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"
    tool = FunctionTool(
        name="slow", command=[sys.executable, "-c", code, str(pid_file)], timeout=0.5
    )
    result, is_error = await run_tool(tool, {})
    assert is_error
    assert result == "slow did not finish within 0.5 s and was stopped."
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def holds_fifo(fifo) -> str:
    """Python code that opens ``fifo`` for writing, writes one byte and hangs: the FIFO's
    reader sees EOF exactly when the process that runs it is gone."""
    return f"import time; f = open({str(fifo)!r}, 'w'); f.write('x'); f.flush(); time.sleep(600)"


async def cancel_once_running(run, reader: int) -> None:
    """Start ``run``, wait for the byte that says its process runs, then cancel it."""
    import asyncio

    task = asyncio.create_task(run)
    while True:
        try:
            if os.read(reader, 1) == b"x":
                break
        except BlockingIOError:
            pass
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("where", ["tool", "grandchild"])
async def test_cancelling_the_run_kills_the_tool_and_what_it_started(tmp_path, where):
    import select

    fifo = tmp_path / "alive"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    code = holds_fifo(fifo)
    if where == "grandchild":
        code = (
            "import subprocess, sys, time; "
            f"subprocess.Popen([sys.executable, '-c', {code!r}]); time.sleep(600)"
        )
    tool = FunctionTool(name="hangs", command=[sys.executable, "-c", code])
    try:
        await cancel_once_running(run_tool(tool, {}), reader)
        readable, _, _ = select.select([reader], [], [], 30)
        assert readable and os.read(reader, 1) == b""
    finally:
        os.close(reader)


async def test_huge_output_is_cut_and_says_so():
    code = "import sys; sys.stdout.write('x' * 5_000_000); sys.stdout.flush()"
    result, is_error = await run_tool(python_tool(code), {}, output_limit=1000)
    assert not is_error, result
    assert isinstance(result, str)
    assert result.startswith("x" * 1000 + "\n")
    assert "x" * 1001 not in result
    assert "output was cut at 1000 bytes" in result


async def test_a_tool_that_cannot_start_is_an_error(tmp_path):
    missing = str(tmp_path / "no-such-program")
    tool = FunctionTool(name="ghost", command=[missing])
    result, is_error = await run_tool(tool, {})
    assert is_error
    assert result.startswith(f"ghost could not be started ({missing}): ")
    assert "No such file" in result


async def test_a_tool_that_ignores_its_input_is_fine():
    big = {"blob": "y" * 1_000_000}  # more than a pipe buffer: the writer must not block
    result, is_error = await run_tool(python_tool("print('done')"), big)
    assert (result, is_error) == ("done", False)


async def test_the_api_key_is_not_passed_to_the_tool(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "key-NOT-FOR-TOOLS")
    monkeypatch.setenv("GOOGLE_API_KEY", "key-NOT-FOR-TOOLS")
    monkeypatch.setenv("SOME_SETTING", "visible")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    result, _ = await run_tool(python_tool(code), {})
    assert result["SOME_SETTING"] == "visible"
    assert "key-NOT-FOR-TOOLS" not in json.dumps(result)


async def test_the_tool_gets_the_users_pydantic_setting_not_gemtuis(monkeypatch):
    """gemtui turns pydantic's plugin search off for itself (gemtui.core.environment); a tool
    written in Python keeps whatever the user chose."""
    monkeypatch.setattr(environment, "_set_here", set())
    monkeypatch.delenv(PLUGINS_VARIABLE, raising=False)
    code = f"import os, json; print(json.dumps({{'value': os.environ.get({PLUGINS_VARIABLE!r})}}))"
    environment.skip_pydantic_plugins()
    assert os.environ[PLUGINS_VARIABLE] == "__all__"
    assert await run_tool(python_tool(code), {}) == ({"value": None}, False)

    monkeypatch.setattr(environment, "_set_here", set())
    monkeypatch.setenv(PLUGINS_VARIABLE, "logfire")
    environment.skip_pydantic_plugins()
    assert await run_tool(python_tool(code), {}) == ({"value": "logfire"}, False)


async def test_answer_call_wraps_results_and_refuses_unknown_or_broken_calls():
    tools = {"probe": python_tool("print('{\"ok\": 1}')")}
    call = ToolCall(call_id="c1", name="probe", arguments={})
    assert await answer_call(tools, call) == {
        "type": "function_result", "call_id": "c1", "name": "probe", "result": {"ok": 1},
    }  # fmt: skip
    unknown = await answer_call(tools, ToolCall(call_id="c2", name="rm", arguments={}))
    assert unknown["is_error"] is True and "no function named rm" in unknown["result"]
    broken = ToolCall(call_id="c3", name="probe", arguments={}, arguments_error='{"a":')
    result = await answer_call(tools, broken)
    assert result["is_error"] is True and "not valid JSON" in result["result"]
    denied = denied_result(call)
    assert denied["is_error"] is True and "denied" in denied["result"]


# ---------------------------------------------------------------------------------- approval


def test_only_allow_listed_or_granted_tools_skip_approval():
    policy = ApprovalPolicy()
    listed = FunctionTool(name="a", command=["a"], allow=True)
    other = FunctionTool(name="b", command=["b"])
    assert not policy.needs_approval(listed)
    assert policy.needs_approval(other)
    policy.always_allow(["b"])
    assert not policy.needs_approval(other)


# ---------------------------------------------------------------------------------- config


def test_declaration_is_the_wire_shape(tmp_path):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    inline = FunctionTool(name="w", description="Weather", parameters=schema, command=["w"])
    assert inline.declaration() == {
        "type": "function", "name": "w", "description": "Weather", "parameters": schema,
    }  # fmt: skip
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    from_file = FunctionTool(name="w", parameters_file=tmp_path / "schema.json", command=["w"])
    assert from_file.declaration()["parameters"] == schema
    assert FunctionTool(name="bare", command=["b"]).declaration() == {
        "type": "function",
        "name": "bare",
    }


CONFIG = """\
model = "gemini-2.5-pro"

[[functions]]
name = "weather"
description = "Weather of a city"
parameters_file = "schemas/weather.json"
command = ["weather-tool", "--json"]
timeout = 5
allow = true

[[functions]]
name = "empty"
command = []

[[functions]]
name = "weather"
command = ["another"]

[[functions]]
name = "typo"
command = ["t"]
timout = 3

[[functions]]
name = "bad schema"
command = ["b"]

[[functions]]
name = "missing_schema"
parameters_file = "nowhere.json"
command = ["m"]

[[functions]]
name = "slow"
command = ["s"]
timeout = 0
"""


def test_config_functions_load_with_each_bad_entry_reported(tmp_path):
    (tmp_path / "schemas").mkdir()
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    (tmp_path / "schemas" / "weather.json").write_text(json.dumps(schema))
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    loaded = load_settings(path, environ={})
    assert loaded.settings.model == "gemini-2.5-pro"
    [weather] = loaded.settings.functions
    assert weather.command == ["weather-tool", "--json"]
    assert (weather.timeout, weather.allow, weather.schema) == (5, True, schema)
    problems = loaded.problems
    assert len(problems) == 6, problems
    expected = [
        (11, "functions[1] (empty): command"),
        (15, "functions[2] (weather): another function is already named 'weather'"),
        (19, "functions[3] (typo): timout: unknown setting"),
        (24, "functions[4] (bad schema): name"),
        (28, "functions[5] (missing_schema): "),
        (33, "functions[6] (slow): timeout"),
    ]
    for problem, (line, text) in zip(problems, expected, strict=True):
        assert problem.startswith(f"{path}, line {line}: {text}"), problem
        assert problem.endswith("; that function is ignored.")
    assert "nowhere.json cannot be read" in problems[4]


def test_functions_that_are_not_tables_are_reported(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('functions = "run everything"\n')
    loaded = load_settings(path, environ={})
    assert loaded.settings.functions == []
    assert any("array of tables" in problem for problem in loaded.problems)
    assert check_functions(["x"])[1][0][1].startswith("functions[0]: ")


def test_enabled_declarations_follow_the_built_in_tools():
    settings = Settings.model_validate(
        {
            "tools": {"google_search": True},
            "functions": [
                {"name": "on", "command": ["on"]},
                {"name": "off", "command": ["off"], "enabled": False},
            ],
        }
    )
    chat = settings.to_chat_settings()
    assert chat.tools == [{"type": "google_search"}, {"type": "function", "name": "on"}]
    # Back from the chat settings: which functions are on is kept, the rest of each entry too.
    chat.tools = [{"type": "function", "name": "off"}]
    again = settings.with_chat_settings(chat)
    assert [(f.name, f.enabled) for f in again.functions] == [("on", False), ("off", True)]


def test_saving_other_settings_leaves_the_functions_alone(tmp_path):
    path = tmp_path / "config.toml"
    text = '# my tools\n[[functions]]\nname = "w"\ncommand = ["w"]  # keep me\n'
    path.write_text(text)
    before = load_settings(path, environ={}).settings
    toggled = before.model_copy(
        update={"model": "gemini-2.5-pro", "functions": [before.functions[0].model_copy(
            update={"enabled": False})]},
    )  # fmt: skip
    assert save_settings(path, before, toggled) == ["model"]
    saved = path.read_text()
    assert 'model = "gemini-2.5-pro"' in saved
    assert '[[functions]]\nname = "w"\ncommand = ["w"]  # keep me\n' in saved
    assert load_settings(path, environ={}).settings.functions[0].enabled is True
