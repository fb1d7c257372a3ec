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
    assert empty.returncode == 2 and "--json, or at least --id and --base-agent" in empty.stderr
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
