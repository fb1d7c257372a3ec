"""``gemtui ask --tool SPEC`` for every server-side tool, ``--tool-choice``, ``--agent-config``
and ``--environment``: what reaches the request, what -v says of each tool step, the places and
files in the Sources list, and usage errors that name what would work."""

from __future__ import annotations

import sqlite3

import pytest

from gemtui.core.recording import parse_recording
from gemtui.core.store import default_path

MCP = "mcp_server:docs=https://example.com/mcp;tools=lookup;header=Authorization: Bearer tok-7q7q7"


def sent(result, code: int = 0) -> dict:
    assert result.code == code, result.err
    return parse_recording(result.out.splitlines()).request


def test_specs_and_tool_choice_reach_the_request(ask, emulator):
    argv = ["-o", "stream-json", "--tool", "google_maps:52.5,13.4;widget", "--tool", MCP]
    argv += ["--tool", "file_search:handbook;top_k=2", "--tool", "computer_use:browser;exclude=a"]
    argv += ["--tool", "retrieval:rag_store", "--tool-choice", "any:lookup"]
    request = sent(ask(*argv, "cafés?"), code=3)  # computer use waits for the client
    assert request["tools"] == [
        {"type": "google_maps", "latitude": 52.5, "longitude": 13.4, "enable_widget": True},
        {"type": "mcp_server", "name": "docs", "url": "https://example.com/mcp",
         "headers": {"Authorization": "***"}, "allowed_tools": [{"tools": ["lookup"]}]},
        {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook"],
         "top_k": 2},
        {"type": "computer_use", "environment": "browser", "excluded_predefined_functions": ["a"]},
        {"type": "retrieval", "retrieval_types": ["rag_store"]},
    ]  # fmt: skip
    # The recording keeps the token out; the server got it.
    received = [r["body"] for r in emulator.received_requests() if "cafés?" in str(r["body"])]
    assert received[-1]["tools"][1]["headers"] == {"Authorization": "Bearer tok-7q7q7"}
    assert request["generation_config"] == {
        "tool_choice": {"allowed_tools": {"mode": "any", "tools": ["lookup"]}}
    }


def test_verbose_rows_and_sources_for_maps_files_and_mcp(ask):
    result = ask("-v", "--tool", "google_maps", "--tool", "file_search:handbook", "--tool", MCP,
                 "Where to eat in Berlin Mitte?")  # fmt: skip
    assert result.code == 0, result.err
    err = result.err
    assert "[Google Maps] 3 places: Berlin Mitte Café, Museum of Berlin Mitte" in err
    assert "    1. Berlin Mitte Café https://maps.google.com/?cid=" in err
    assert '[MCP docs · lookup] (query="Berlin Mitte")' in err
    assert "[file search] 2 files: berlin-mitte-notes.pdf, handbook.md" in err
    out = result.out
    assert "which reviewers like most.[1]" in out
    assert "\nSources:\n[1] Berlin Mitte Café\n    https://maps.google.com/?cid=" in out
    assert "[3] berlin-mitte-notes.pdf (page 3)\n    fileSearchStores/handbook/documents/" in out
    # The MCP token never reaches the screen, and the history keeps it out too.
    assert "tok-7q7q7" not in result.out + result.err
    database = default_path()
    dump = "\n".join(sqlite3.connect(database).iterdump())
    assert "tok-7q7q7" not in dump and "Authorization" in dump


def test_computer_use_ends_waiting_for_the_clients_action(ask):
    result = ask("-v", "--tool", "computer_use", "open https://example.org")
    assert result.code == 3
    assert '[function_call] navigate({"url": "https://example.org"})' in result.err
    # An action of computer use, not a [[functions]] entry to allow-list.
    assert "the model asked for the computer-use action navigate (interaction v1_" in result.err
    assert "which gemtui does not carry out." in result.err
    assert "allow = true" not in result.err


def test_agent_config_and_environment_object_reach_the_request(ask):
    environment = '{"sources": [{"type": "repository", "source": "github.com/o/r"}]}'
    argv = ["-o", "stream-json", "--agent", "deep-research-preview-04-2026"]
    argv += ["--agent-config", '{"visualization": "auto", "collaborative_planning": true}']
    argv += ["--environment", environment]
    result = ask(*argv, "research tides")
    # Collaborative planning: the agent answers with its plan and waits for a confirmation.
    assert "waiting for input (status requires_action)" in result.err
    request = sent(result, code=3)
    assert request["agent_config"] == {
        "type": "deep-research", "visualization": "auto", "collaborative_planning": True,
    }  # fmt: skip
    assert request["environment"] == {
        "type": "remote",
        "sources": [{"type": "repository", "source": "github.com/o/r"}],
    }
    assert (
        sent(ask("-o", "stream-json", "--agent", "a", "--environment", "env_x1", "hi"))[
            "environment"
        ]
        == "env_x1"
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--tool", "file_search"], "--tool file_search: file_search needs the names"),
        (["--tool", "mcp_server:docs"], "NAME=URL"),
        (["--tool", "maps"], "unknown tool 'maps'"),
        (["--tool-choice", "often"], "--tool-choice: the mode 'often' is one of auto"),
        (["--agent-config", "{}"], "go with --agent NAME"),
        (
            ["--agent", "deep-research-x", "--agent-config", '{"visualisation": "auto"}'],
            "no field 'visualisation'",
        ),
        (["--agent", "x", "--environment", '{"network": "open"}'], "environment.network is"),
    ],
)
def test_usage_errors_name_what_would_work(ask, argv, says):
    result = ask(*argv, "hi")
    assert result.code == 2
    assert says in result.err


def test_help_lists_the_new_flags(capsys):
    from gemtui.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "--help"])
    shown = capsys.readouterr().out
    for flag in ("--tool SPEC", "mcp_server:NAME=URL", "--tool-choice", "--agent-config",
                 "--environment"):  # fmt: skip
        assert flag in shown
