"""gemtui does not look for pydantic plugins unless the user asks (gemtui.core.environment):
the real ``gemtui ask`` process, with a plugin installed the way a package installs one (an
entry point in the ``pydantic`` group) that leaves a file behind when it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemtui.core.environment import PLUGINS_VARIABLE

PLUGIN = """
from pathlib import Path

Path({marker!r}).write_text("loaded")


class Plugin:
    def new_schema_validator(self, *args, **kwargs):
        return None, None, None


plugin = Plugin()
"""


@pytest.fixture
def plugin_env(tmp_path: Path, cli_env: dict[str, str]) -> tuple[dict[str, str], Path]:
    """``cli_env`` with a pydantic plugin on the path, and the file it writes when loaded."""
    site = tmp_path / "site"
    marker = tmp_path / "plugin-loaded"
    (site / "probe_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "probe_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: probe-plugin\nVersion: 1.0\n"
    )
    (site / "probe_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nprobe = probe_plugin:plugin\n"
    )
    (site / "probe_plugin.py").write_text(PLUGIN.format(marker=str(marker)))
    env = {k: v for k, v in cli_env.items() if k != PLUGINS_VARIABLE}
    env["PYTHONPATH"] = str(site)
    return env, marker


def test_ask_answers_without_loading_pydantic_plugins(cli, plugin_env):
    env, marker = plugin_env
    result = cli("hello", env=env)
    assert result.code == 0 and "## Answer: hello" in result.out
    assert not marker.exists()


@pytest.mark.parametrize("value", ["", "other_plugin"])
def test_a_value_the_user_set_is_kept_and_plugins_load(cli, plugin_env, value):
    env, marker = plugin_env
    result = cli("hello", env={**env, PLUGINS_VARIABLE: value})
    assert result.code == 0 and "## Answer: hello" in result.out
    assert marker.read_text() == "loaded"
