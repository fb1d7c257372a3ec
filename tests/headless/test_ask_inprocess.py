"""``run_ask`` in-process against the emulator: what each flag puts in the request and what
each output shows. The request is read back from the stream-json header, i.e. as sent."""

from __future__ import annotations

import base64
import io
import json

import pytest

from gemtui.cli import build_parser
from gemtui.core.recording import parse_recording
from gemtui.headless.last_id import load_last, save_last_id, state_file


def sent(result) -> dict:
    assert result.code == 0, result.err
    return parse_recording(result.out.splitlines()).request


def test_attachments_tools_schema_system_and_model_reach_the_request(ask, tmp_path):
    picture, notes = tmp_path / "chart.png", tmp_path / "notes.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    notes.write_text("line one\n")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    argv = ["-o", "stream-json", "-m", "gemini-3.5-flash", "--system", "Be brief."]
    argv += ["-a", str(picture), "--attach", str(notes), "--schema", str(schema_file)]
    argv += ["--tool", "google_search", "--tool", "url_context", "--tool", "google_search"]
    request = sent(ask(*argv, "Where?"))
    assert request["model"] == "gemini-3.5-flash"
    assert request["system_instruction"] == "Be brief."
    assert request["input"][0]["content"] == [
        {
            "type": "image",
            "data": base64.b64encode(picture.read_bytes()).decode(),
            "mime_type": "image/png",
        },
        {"type": "text", "text": "File notes.txt:\n\nline one\n"},
        {"type": "text", "text": "Where?"},
    ]
    assert request["tools"] == [{"type": "google_search"}, {"type": "url_context"}]
    assert request["response_format"] == {
        "type": "text",
        "mime_type": "application/json",
        "schema": schema,
    }


def test_bytes_that_are_not_utf8_in_arguments_and_file_names_are_replaced(ask, tmp_path):
    """Python keeps such bytes of argv as lone surrogates; they failed the first JSON or
    SQLite write with a traceback, and left an empty conversation in the history."""
    latin1 = "caf\udce9"  # what Python makes of the Latin-1 bytes "caf\xe9"
    notes = tmp_path / f"n{latin1}.txt"
    notes.write_text("line one\n")
    request = sent(ask("-o", "stream-json", "--system", latin1, "-a", str(notes), latin1))
    assert request["system_instruction"] == "caf\ufffd"
    assert request["input"][0]["content"] == [
        {"type": "text", "text": "File ncaf\ufffd.txt:\n\nline one\n"},
        {"type": "text", "text": "caf\ufffd"},
    ]


def test_a_dash_prompt_means_stdin(ask):
    """`echo hi | gemtui ask -` sent "hi" as context and "-" as the prompt."""
    request = sent(ask("-o", "stream-json", "-", stdin="what is a pangolin"))
    assert request["input"][0]["content"] == [{"type": "text", "text": "what is a pangolin"}]


def test_schema_answer_is_json_on_stdout(ask, tmp_path):
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(
        '{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}'
    )
    result = ask("--schema", str(schema_file), "count")
    assert result.code == 0
    assert isinstance(json.loads(result.out)["n"], int)


@pytest.mark.parametrize(
    ("directive", "said"),
    [
        ("!not-json", "the answer is not JSON: "),
        ("!invalid-json", "the answer does not follow the schema (1 error)"),
    ],
)
def test_an_answer_that_breaks_the_schema_fails_the_run(ask, tmp_path, directive, said):
    """It printed the broken JSON and exited 0 without a word: a script read it next."""
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(
        '{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}'
    )
    result = ask("--schema", str(schema_file), f"{directive} a person")
    assert result.code == 1, result.err
    assert said in result.err


def test_agent_replaces_the_model(ask):
    request = sent(ask("-o", "stream-json", "--agent", "deep-research-pro-preview-12-2025", "go"))
    assert request["agent"] == "deep-research-pro-preview-12-2025"
    assert "model" not in request


def test_no_store_sends_store_false_and_remembers_nothing(ask):
    request = sent(ask("-o", "stream-json", "--no-store", "private"))
    assert request["store"] is False
    assert load_last() is None


def test_verbose_reports_thoughts_tools_status_and_usage_on_stderr_only(ask):
    quiet = ask("--tool", "google_search", "news about owls")
    loud = ask("-v", "--tool", "google_search", "news about owls")
    assert loud.code == quiet.code == 0
    assert loud.out == quiet.out
    assert quiet.err == ""
    for label in ("[thought]", "[google_search_call]", "[google_search_result]", "[usage]"):
        assert label in loud.err
    assert "[interaction] v1_" in loud.err


def test_pipes_get_the_text_exactly_as_received(ask):
    result = ask("bell \x07 and \x1b[1mbold")
    assert result.code == 0
    assert "bell \x07 and \x1b[1mbold" in result.out


class ClosedPipe(io.StringIO):
    """A reader that went away after the first write, like `gemtui ask … | head -c1`."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_closed_pipe_ends_the_run_quietly(ask):
    result = ask("a long answer", stdout=ClosedPipe())
    assert (result.code, result.err) == (0, "")
    assert result.out == "## Answer: a long answer"[: len(result.out)]


def test_image_answer_in_text_mode_points_to_save_media_and_json(ask):
    result = ask("-m", "gemini-3.1-flash-image", "a cat")
    assert result.code == 0
    assert "image · image/png · " in result.err and "--output-format json" in result.err
    assert "--save-media DIR" in result.err


@pytest.mark.parametrize("question", ["and then?", "thanks"])  # one word was taken for an id
def test_continue_takes_a_following_question_as_the_prompt(ask, question):
    first = json.loads(ask("-o", "json", "one").out)
    request = sent(ask("-o", "stream-json", "--continue", question))
    assert request["previous_interaction_id"] == first["id"]
    assert request["input"][0]["content"] == [{"type": "text", "text": question}]


def test_continue_from_an_explicit_unknown_id_explains_the_404(ask):
    result = ask("--continue", "v1_unknown", "next")
    assert result.code == 1
    assert "HTTP 404" in result.err
    assert "put the prompt before --continue" in result.err


def test_background_json_prints_the_running_interaction(ask):
    result = ask("--background", "-o", "json", "slowly")
    assert result.code == 0
    interaction = json.loads(result.out)
    assert interaction["status"] == "in_progress"
    assert load_last() == (interaction["id"], False)


def test_wait_for_an_unknown_id_exits_1(ask):
    result = ask("--wait", "v1_nothing_here")
    assert (result.code, result.out) == (1, "")
    assert "HTTP 404" in result.err


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        ((), None, "nothing to ask"),
        ((), "   \n", "nothing to ask"),
        (("--continue",), "q", "none is recorded"),
        (("--wait",), None, "none is recorded"),
        (("--wait", "v1_x", "a prompt"), None, "give no prompt"),
        (("--wait", "notanid"), None, "'notanid' is not an interaction id: ids look like v1_"),
        (("--background", "-o", "stream-json", "q"), None, "--background prints an id"),
        (("--background", "--no-store", "q"), None, "drop --no-store"),
        (("--continue", "v1_x", "--no-store", "q"), None, "drop --no-store"),
        (("--agent", "deep-research-preview-04-2026", "--no-store", "q"), None, "background"),
        (("--retries", "-1", "q"), None, "--retries"),
        (("--save-media", "/proc/no-such-folder", "q"), None, "--save-media /proc/no-such"),
        (("--save-media", __file__, "q"), None, "it is a file, not a folder"),
    ],
)
def test_usage_errors_exit_2(ask, argv, stdin, message):
    result = ask(*argv, stdin=stdin)
    assert (result.code, result.out) == (2, "")
    assert message in result.err


@pytest.mark.parametrize(
    ("flag", "content", "message"),
    [
        ("--schema", "{not json", "is not valid JSON"),
        ("--schema", "[1, 2]", "must be a JSON object"),
        ("--schema", '{"type": "strin"}', "is not a valid JSON schema: 'strin' is not valid"),
        ("--function-decl", '[{"description": "no name"}]', "each with a name"),
        ("--function-decl", "\xff", "is not valid JSON"),
    ],
)
def test_bad_json_files_exit_2(ask, tmp_path, flag, content, message):
    path = tmp_path / "file.json"
    path.write_text(content)
    result = ask(flag, str(path), "q")
    assert result.code == 2
    assert message in result.err and str(path) in result.err


def test_top_level_flags_carry_into_ask():
    args = build_parser().parse_args(["--base-url", "http://x", "-m", "m1", "ask", "q"])
    assert (args.demo, args.base_url, args.model) == (False, "http://x", "m1")
    args = build_parser().parse_args(["--demo", "-m", "m1", "ask", "q"])
    assert (args.demo, args.base_url, args.model) == (True, None, "m1")
    args = build_parser().parse_args(["ask", "--demo", "-m", "m2", "q"])
    assert (args.demo, args.model) == (True, "m2")


def test_last_id_file_is_replaced_whole(state_dir, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(state_dir))
    path = state_file()
    assert path.is_relative_to(state_dir)
    assert load_last() is None
    save_last_id("v1_first")
    save_last_id("v1_second")
    assert load_last() == ("v1_second", False)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    path.write_text("{torn")
    assert load_last() is None
