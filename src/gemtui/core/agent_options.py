"""``agent_config`` and ``environment`` of an agent request, checked before they are sent.

``agent_config`` is an object discriminated by ``type`` (``interactions-api.md`` 2.7; the SDK's
``DeepResearchAgentConfig``, ``AntigravityAgentConfig``, ``CodeMenderAgentConfig`` and
``DynamicAgentConfig``). The typed kinds are checked field by field, so a misspelt field
(``visualisation``) is refused with the list of the real ones instead of being ignored by the
server; ``dynamic`` takes any fields. Without a ``type`` the kind comes from the agent's name
(``deep-research-…`` is ``deep-research``).

``environment`` is ``"remote"`` (a fresh sandbox), an environment id, or an object
``{type: "remote", sources, network, env, environment_id}`` (2.8), whose shape is checked the same
way.

Standard library only: ``gemtui ask`` checks ``--agent-config`` and ``--environment`` before it
imports pydantic.
"""

from __future__ import annotations

import json
from typing import Any

#: Agents that run for minutes; the API refuses them in the foreground (Deep Research).
BACKGROUND_AGENTS = ("deep-research",)


def runs_in_background(agent: str) -> bool:
    """Whether ``agent``'s turns must be background runs (streamed into the chat)."""
    return agent.startswith(BACKGROUND_AGENTS)


def needs_storing(agent: str) -> str:
    """Why ``agent`` (a background agent) cannot be asked with ``store: false``: the API
    refuses a background run that is not stored, with a 400 that names neither."""
    return (
        f"The {agent} agent runs in the background, which needs the interaction stored at "
        "the server"
    )


#: The fields of each typed agent config: a tuple of allowed strings, or the Python type.
AGENT_CONFIG_FIELDS: dict[str, dict[str, Any]] = {
    "deep-research": {
        "thinking_summaries": ("auto", "none"),
        "visualization": ("off", "auto"),
        "collaborative_planning": bool,
        "enable_bigquery_tool": bool,
    },
    "antigravity": {"model": str, "max_total_tokens": int},
    "code-mender": {
        "model": str,
        "session_id": str,
        "session_config": dict,
        "find_request": dict,
        "fix_request": dict,
    },
}
#: Kinds whose fields are free (the SDK's ``DynamicAgentConfig`` allows extra fields).
FREE_KINDS = ("dynamic",)
AGENT_KINDS = (*AGENT_CONFIG_FIELDS, *FREE_KINDS)

ENVIRONMENT_FIELDS = ("type", "sources", "network", "env", "environment_id")
SOURCE_TYPES = ("inline", "repository", "gcs", "skill_registry")
SOURCE_FIELDS = ("type", "source", "target", "content", "encoding")
#: An example for messages and placeholders.
ENVIRONMENT_EXAMPLE = (
    '{"type": "remote", "sources": [{"type": "repository", "source": '
    '"github.com/owner/repo", "target": "repo"}], "network": "disabled"}'
)


class AgentOptionError(ValueError):
    """An ``agent_config`` or ``environment`` that the API would refuse; says why."""


def kind_of_agent(agent: str | None) -> str | None:
    """The ``agent_config`` type an agent takes, from its name (``None`` if unknown)."""
    name = (agent or "").lower()
    for kind in ("deep-research", "antigravity", "code-mender"):
        if name.startswith(kind):
            return kind
    return None


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise AgentOptionError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise AgentOptionError(f"{what} must be a JSON object.")
    return value


def parse_agent_config(value: str | dict[str, Any], agent: str | None = None) -> dict[str, Any]:
    """The checked ``agent_config`` object (``type`` filled in from ``agent`` when missing)."""
    config = dict(_json_object(value, "agent_config") if isinstance(value, str) else value)
    kind = config.get("type") or kind_of_agent(agent)
    if not kind:
        raise AgentOptionError(
            f'agent_config needs a "type" ({", ".join(AGENT_KINDS)}): the agent\'s name does '
            "not tell which."
        )
    if kind not in AGENT_KINDS:
        raise AgentOptionError(
            f"agent_config type {kind!r} is not one of: {', '.join(AGENT_KINDS)}."
        )
    config = {"type": kind, **{k: v for k, v in config.items() if k != "type"}}
    fields = AGENT_CONFIG_FIELDS.get(kind)
    if fields is None:
        return config
    for name, item in config.items():
        if name == "type":
            continue
        if name not in fields:
            raise AgentOptionError(
                f"agent_config ({kind}) has no field {name!r}; its fields: {', '.join(fields)}."
            )
        _check_value(f"agent_config.{name}", item, fields[name])
    return config


def _check_value(where: str, value: Any, expected: Any) -> None:
    if isinstance(expected, tuple):
        if value not in expected:
            raise AgentOptionError(f"{where} is one of: {', '.join(expected)}.")
        return
    # bool is an int in Python: a true/false given where a number goes is still refused.
    wrong_bool = expected is int and isinstance(value, bool)
    if not isinstance(value, expected) or wrong_bool:
        names = {bool: "true or false", int: "a whole number", str: "a string", dict: "an object"}
        raise AgentOptionError(f"{where} must be {names.get(expected, expected.__name__)}.")


def agent_config_text(config: dict[str, Any] | None) -> str:
    """How the settings pane shows a config: indented JSON (empty when there is none)."""
    return json.dumps(config, indent=2, ensure_ascii=False) if config else ""


def parse_environment(value: str | dict[str, Any]) -> str | dict[str, Any]:
    """``remote``, an environment id, or the checked environment object (JSON text or a dict)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{"):
            if not text or any(char.isspace() for char in text):
                raise AgentOptionError(
                    "environment is remote, an environment id, or a JSON object such as "
                    + ENVIRONMENT_EXAMPLE
                )
            return text
        value = _json_object(text, "environment")
    environment = {"type": "remote", **value}
    for name in environment:
        if name not in ENVIRONMENT_FIELDS:
            raise AgentOptionError(
                f"environment has no field {name!r}; its fields: {', '.join(ENVIRONMENT_FIELDS)}."
            )
    if environment["type"] != "remote":
        raise AgentOptionError('environment "type" is "remote" (the only kind the API has).')
    _check_sources(environment.get("sources"))
    _check_network(environment.get("network"))
    _check_env(environment.get("env"))
    if "environment_id" in environment and not isinstance(environment["environment_id"], str):
        raise AgentOptionError("environment.environment_id must be a string.")
    return environment


def _check_sources(sources: Any) -> None:
    if sources is None:
        return
    if not isinstance(sources, list):
        raise AgentOptionError("environment.sources must be a list of objects.")
    for number, source in enumerate(sources):
        where = f"environment.sources[{number}]"
        if not isinstance(source, dict):
            raise AgentOptionError(f"{where} must be an object.")
        for name, item in source.items():
            if name not in SOURCE_FIELDS:
                raise AgentOptionError(
                    f"{where} has no field {name!r}; its fields: {', '.join(SOURCE_FIELDS)}."
                )
            if not isinstance(item, str):
                raise AgentOptionError(f"{where}.{name} must be a string.")
        if source.get("type") is not None and source["type"] not in SOURCE_TYPES:
            raise AgentOptionError(f"{where}.type is one of: {', '.join(SOURCE_TYPES)}.")


def _check_network(network: Any) -> None:
    if network is None or network == "disabled":
        return
    allowlist = network.get("allowlist") if isinstance(network, dict) else None
    if (
        not isinstance(network, dict)
        or set(network) - {"allowlist"}
        or not (allowlist == "disabled" or isinstance(allowlist, list))
    ):
        raise AgentOptionError(
            'environment.network is "disabled" or {"allowlist": [{"domain": …}, …]}.'
        )
    for number, entry in enumerate(allowlist if isinstance(allowlist, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("domain"), str):
            raise AgentOptionError(
                f'environment.network.allowlist[{number}] needs a "domain" string.'
            )


def _check_env(env: Any) -> None:
    if env is None:
        return
    if not isinstance(env, dict):
        raise AgentOptionError("environment.env maps variable names to values.")
    for name, item in env.items():
        ok = isinstance(item, str) or (
            isinstance(item, dict)
            and set(item) <= {"value", "credential"}
            and all(isinstance(v, str) for v in item.values())
        )
        if not ok:
            raise AgentOptionError(
                f'environment.env.{name} is a string, {{"value": …}} or {{"credential": …}}.'
            )


def environment_text(environment: str | dict[str, Any] | None) -> str:
    """How the settings pane shows an environment: the id, or compact JSON."""
    if environment is None:
        return ""
    if isinstance(environment, str):
        return environment
    return json.dumps(environment, ensure_ascii=False)
