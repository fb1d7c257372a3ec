"""``gemtui ask --tool google_search``: the answer with its ``[n]`` markers and a Sources list.

The emulator answers a google_search request with three sentences, the second citing
example.org and the third docs.example.com (``url_citation`` byte offsets, sent in a
``text_annotation_delta`` after the text).
"""

from __future__ import annotations

import io
import json
import pty

import pytest
from support.cli_env import run_gemtui, run_gemtui_in_terminal

QUESTION = "What are fjords?"
FIRST_URL = "https://www.example.org/guides/what-are-fjords"
SECOND_URL = "https://docs.example.com/what-are-fjords/overview"
SOURCES = f"""

Sources:
[1] example.org
    {FIRST_URL}
[2] docs.example.com
    {SECOND_URL}
"""


def ask(emulator, env, *args: str):
    return run_gemtui("ask", "--base-url", emulator.base_url, *args, env=env)


def test_a_pipe_gets_the_marked_answer_then_the_sources(emulator, cli_env):
    result = ask(emulator, cli_env, "--tool", "google_search", QUESTION)
    assert (result.returncode, result.stderr) == (0, "")
    assert "explains the background in plain terms.[1] A second" in result.stdout
    assert result.stdout.endswith("practical detail and recent figures.[2]" + SOURCES)


def test_json_keeps_the_raw_annotations_and_no_markers(emulator, cli_env):
    result = ask(emulator, cli_env, "--tool", "google_search", "-o", "json", QUESTION)
    assert result.returncode == 0, result.stderr
    [answer] = [s for s in json.loads(result.stdout)["steps"] if s["type"] == "model_output"]
    [block] = answer["content"]
    assert "[1]" not in block["text"] and "Sources" not in result.stdout
    assert [(a["type"], a["url"]) for a in block["annotations"]] == [
        ("url_citation", FIRST_URL),
        ("url_citation", SECOND_URL),
    ]
    cited = block["text"].encode()[block["annotations"][0]["start_index"] :]
    assert cited.decode().startswith("The first source explains")


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_a_terminal_gets_the_text_as_it_streams_then_the_sources(emulator, cli_env):
    code, shown, err = run_gemtui_in_terminal(
        "ask", "--base-url", emulator.base_url, "--tool", "google_search", QUESTION, env=cli_env
    )
    assert (code, err) == (0, "")
    shown = shown.replace("\r\n", "\n")
    assert "in plain terms. A second source" in shown and "[1] A second" not in shown
    assert shown.endswith("practical detail and recent figures." + SOURCES)


def test_a_cut_stream_still_prints_the_text_held_back(emulator, cli_env):
    """Fifteen events end inside the answer's text deltas, before its annotations; nothing is
    stored (``--no-store``), so the stream cannot be resumed."""
    result = ask(
        emulator, cli_env, "--no-store", "--tool", "google_search", "!fault drop-after 15 fjords"
    )
    assert result.returncode == 3
    assert result.stdout.startswith("Search results give a clear") and result.stdout.endswith("\n")
    assert "Sources" not in result.stdout and "[1]" not in result.stdout


def test_a_cut_stream_of_a_stored_answer_is_resumed_and_printed_whole(emulator, cli_env):
    cut = ask(emulator, cli_env, "--tool", "google_search", "!fault drop-after 15 fjords")
    whole = ask(emulator, cli_env, "--tool", "google_search", "fjords")
    assert (cut.returncode, whole.returncode) == (0, 0)
    assert "resuming it where it stopped" in cut.stderr
    assert cut.stdout == whole.stdout and "[1]" in cut.stdout


class Writes(io.StringIO):
    """A pipe that counts the writes made to it."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def write(self, text: str) -> int:
        self.count += 1
        return super().write(text)


@pytest.mark.parametrize(
    ("argv", "held"),
    [
        (["--tool", "google_search"], True),
        (["--tool", "url_context"], True),
        (["--tool", "code_execution"], False),
        ([], False),
        (["--tool", "google_search", "--schema", "SCHEMA"], False),
    ],
)
def test_only_a_citable_answer_is_held_back_in_a_pipe(ask, tmp_path, argv, held):
    """Held: one write for the step's text. Streamed: one per text delta. A --schema answer
    streams: markers would break its JSON."""
    schema = tmp_path / "schema.json"
    schema.write_text('{"type": "object", "properties": {"name": {"type": "string"}}}')
    out = Writes()
    result = ask(*[str(schema) if a == "SCHEMA" else a for a in argv], QUESTION, stdout=out)
    assert result.code == 0, result.err
    assert (out.count <= 3) is held, out.count
