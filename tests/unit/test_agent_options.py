"""``agent_config`` and ``environment``: typed kinds are checked field by field, the kind comes
from the agent's name when left out, and the environment object has the API's shape."""

from __future__ import annotations

import pytest

from gemtui.core.agent_options import AgentOptionError, parse_agent_config, parse_environment


def test_the_kind_comes_from_the_agent_name():
    config = parse_agent_config('{"visualization": "auto"}', "deep-research-preview-04-2026")
    assert config == {"type": "deep-research", "visualization": "auto"}
    assert parse_agent_config({"max_total_tokens": 9000}, "antigravity-preview-09-2026") == {
        "type": "antigravity",
        "max_total_tokens": 9000,
    }
    # dynamic agents take any fields.
    assert parse_agent_config({"type": "dynamic", "anything": [1]}, "my-agent")["anything"] == [1]


@pytest.mark.parametrize(
    ("config", "agent", "says"),
    [
        ({"visualisation": "auto"}, "deep-research-x", "no field 'visualisation'"),
        ({"visualization": "on"}, "deep-research-x", "one of: off, auto"),
        ({"collaborative_planning": "yes"}, "deep-research-x", "true or false"),
        ({"max_total_tokens": True}, "antigravity-x", "a whole number"),
        ({"model": "m"}, "custom-agent", 'needs a "type"'),
        ({"type": "sorcerer"}, None, "not one of"),
        ("[1]", None, "must be a JSON object"),
    ],
)
def test_wrong_configs_are_refused_with_the_real_fields(config, agent, says):
    with pytest.raises(AgentOptionError, match=says):
        parse_agent_config(config, agent)


def test_environment_forms():
    assert parse_environment("remote") == "remote"
    assert parse_environment("env_abc") == "env_abc"
    parsed = parse_environment(
        '{"sources": [{"type": "repository", "source": "github.com/o/r", "target": "r"}],'
        ' "network": {"allowlist": [{"domain": "pypi.org"}]}, "env": {"A": "1",'
        ' "B": {"credential": "c"}}}'
    )
    assert parsed["type"] == "remote" and parsed["sources"][0]["target"] == "r"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"sources": [{"type": "ftp"}]}', "type is one of"),
        ('{"network": "open"}', "network is"),
        ('{"env": {"A": 1}}', "env.A is a string"),
        ('{"colour": "red"}', "no field 'colour'"),
        ("two words", "remote, an environment id, or a JSON object"),
    ],
)
def test_wrong_environments_are_refused(text, says):
    with pytest.raises(AgentOptionError, match=says):
        parse_environment(text)
