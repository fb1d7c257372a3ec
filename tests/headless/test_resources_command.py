"""``gemtui agents …`` and ``gemtui environments …`` as real processes against the loopback
emulator (and one with --demo, whose emulator keeps what was created for the next run)."""

from __future__ import annotations

import json

from support.cli_env import run_gemtui


def gemtui(emulator, env, *args: str):
    command, *rest = args
    return run_gemtui(command, *rest, "--base-url", emulator.base_url, env=env)


def test_agents_create_list_get_delete(emulator, cli_env):
    created = gemtui(
        emulator, cli_env, "agents", "create", "--id", "cli-guard",
        "--base-agent", "antigravity-preview-09-2026", "--system", "Guard the repo",
        "--tool", "code_execution", "--tool", "mcp_server:docs=https://example.com/mcp",
        "--agent-config", '{"model": "gemini-3.6-flash"}', "--environment", "remote",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[:3] == [
        "agent cli-guard",
        "based on antigravity-preview-09-2026",
        "system instruction: Guard the repo",
    ]
    assert "tool: mcp_server docs" in created.stdout
    assert 'agent_config: {"type": "antigravity", "model": "gemini-3.6-flash"}' in created.stdout
    listed = gemtui(emulator, cli_env, "agents", "list")
    assert any(
        line.split() == ["cli-guard", "antigravity-preview-09-2026", "Guard", "the", "repo"]
        for line in listed.stdout.splitlines()
    )
    as_json = json.loads(
        gemtui(emulator, cli_env, "agents", "get", "cli-guard", "-o", "json").stdout
    )
    assert as_json["base_environment"] == "remote" and as_json["tools"][0] == {
        "type": "code_execution"
    }
    assert (
        gemtui(emulator, cli_env, "agents", "delete", "cli-guard").stdout == "deleted cli-guard\n"
    )
    gone = gemtui(emulator, cli_env, "agents", "get", "cli-guard")
    assert gone.returncode == 1
    assert "HTTP 404 not_found: Agent 'cli-guard' was not found." in gone.stderr
    assert "`gemtui agents list` shows the ids there are." in gone.stderr


def test_environments_create_files_and_delete(emulator, cli_env):
    body = {
        "sources": [{"type": "repository", "source": "github.com/o/r", "target": "repo"}],
        "network": {"allowlist": [{"domain": "pypi.org"}]},
    }
    created = gemtui(emulator, cli_env, "environments", "create", "--json", json.dumps(body),
                     "-o", "json")  # fmt: skip
    assert created.returncode == 0, created.stderr
    environment = json.loads(created.stdout)
    env_id = environment["id"]
    shown = gemtui(emulator, cli_env, "environments", "get", env_id).stdout
    assert "network: only pypi.org" in shown and "source: repository github.com/o/r → repo" in shown
    root = gemtui(emulator, cli_env, "environments", "files", env_id).stdout
    assert root == "repo/\n"
    everything = gemtui(emulator, cli_env, "environments", "files", env_id, "-r").stdout
    assert everything == "repo/\nrepo/README.md  1.0 KB  text/markdown\n"
    # A path that is not there: the environment is, so the hint lists its files, not the ids.
    missing = gemtui(emulator, cli_env, "environments", "files", env_id, "nope")
    assert missing.returncode == 1 and "nope" in missing.stderr
    assert f"gemtui environments files {env_id}` lists" in missing.stderr
    assert env_id in gemtui(emulator, cli_env, "environments", "list").stdout
    assert gemtui(emulator, cli_env, "environments", "delete", env_id).returncode == 0
    assert gemtui(emulator, cli_env, "environments", "files", env_id).returncode == 1


def test_usage_errors(emulator, cli_env):
    config = '{"visualisation": 1}'
    bad_config = gemtui(emulator, cli_env, "agents", "create", "--id", "x",
                        "--base-agent", "deep-research-x", "--agent-config", config)  # fmt: skip
    assert bad_config.returncode == 2 and "no field 'visualisation'" in bad_config.stderr
    empty = gemtui(emulator, cli_env, "agents", "create")
    assert empty.returncode == 2 and "give the agent at least one field" in empty.stderr
    network = gemtui(emulator, cli_env, "environments", "create", "--json", '{"network": "open"}')
    assert network.returncode == 2 and "environment.network is" in network.stderr
    refused = gemtui(emulator, cli_env, "agents", "create", "--id", "Bad Id", "--base-agent", "a")
    assert refused.returncode == 1 and "HTTP 400 invalid_request" in refused.stderr


def test_demo_keeps_an_agent_for_the_next_run(cli_env, tmp_path):
    env = {**cli_env, "GEMTUI_DATA_DIR": str(tmp_path / "data")}
    created = run_gemtui("agents", "create", "--demo", "--id", "kept", "--base-agent", "a", env=env)
    assert created.returncode == 0, created.stderr
    listed = run_gemtui("--demo", "agents", "list", env=env)
    assert listed.stdout.split()[0] == "kept"


def test_create_arguments_say_what_is_wrong(emulator, cli_env, tmp_path):
    """Valid JSON that is no object is said to be that (it was taken for a missing file); an
    empty object says what it lacks; --id alone is an agent (the API requires no field)."""
    array = gemtui(emulator, cli_env, "agents", "create", "--json", "[]")
    assert array.returncode == 2
    assert "--json must be a JSON object ({...}), not an array." in array.stderr
    string = gemtui(emulator, cli_env, "environments", "create", "--json", '"remote"')
    assert string.returncode == 2 and "not a string." in string.stderr
    missing = gemtui(emulator, cli_env, "agents", "create", "--json", str(tmp_path / "no.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    empty = gemtui(emulator, cli_env, "agents", "create", "--json", "{}")
    assert empty.returncode == 2
    assert "--json is an empty object: give at least one of id, base_agent" in empty.stderr
    only_id = gemtui(emulator, cli_env, "agents", "create", "--id", "just-an-id")
    assert only_id.returncode == 0, only_id.stderr
    assert only_id.stdout.splitlines()[0] == "agent just-an-id"


def test_a_copy_takes_only_a_network_from_json(emulator, cli_env):
    """--from with --json: sources are refused before sending (the API wants them empty in a
    copy; they were sent and refused late); a network is sent with the copy and kept."""
    body = {"sources": [{"type": "inline", "content": "x", "target": "a.txt"}],
            "network": "disabled"}  # fmt: skip
    made = gemtui(emulator, cli_env, "environments", "create", "--json", json.dumps(body),
                  "-o", "json")  # fmt: skip
    origin = json.loads(made.stdout)["id"]
    refused = gemtui(emulator, cli_env, "environments", "create", "--from", origin,
                     "--json", json.dumps(body))  # fmt: skip
    assert refused.returncode == 2
    assert "--json may set only its network there, not sources." in refused.stderr
    network = {"allowlist": [{"domain": "pypi.org"}]}
    copied = gemtui(emulator, cli_env, "environments", "create", "--from", origin,
                    "--json", json.dumps({"network": network}), "-o", "json")  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    copy = json.loads(copied.stdout)
    assert copy["network"] == network and copy["sources"][0]["target"] == "a.txt"
