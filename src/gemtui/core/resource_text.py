"""Agents, environments and their files in words: the rows of ``gemtui agents list`` /
``gemtui environments list`` and of the TUI's agents screen, and the lines of their details.

The values come from the server and are untrusted: callers clean them before a terminal sees
them (:mod:`gemtui.core.safety`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gemtui.core.attachments import format_size

if TYPE_CHECKING:
    from gemtui.api.resource_models import Agent, Environment, EnvironmentFile


def _short(text: str | None, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agent_row(agent: Agent) -> tuple[str, str, str]:
    """(id, base agent, description or instruction)."""
    about = agent.description or agent.system_instruction or ""
    return (agent.id or "?", agent.base_agent or "", _short(about))


def agent_details(agent: Agent) -> list[str]:
    lines = [f"agent {agent.id}"]
    if agent.base_agent:
        lines.append(f"based on {agent.base_agent}")
    if agent.description:
        lines.append(f"description: {_short(agent.description, 300)}")
    if agent.system_instruction:
        lines.append(f"system instruction: {_short(agent.system_instruction, 300)}")
    for tool in agent.tools or []:
        name = tool.get("name") or tool.get("type") or "?"
        lines.append(
            f"tool: {name}" if name == tool.get("type") else f"tool: {tool['type']} {name}"
        )
    if agent.agent_config:
        lines.append(f"agent_config: {json.dumps(agent.agent_config, ensure_ascii=False)}")
    if agent.base_environment:
        environment = agent.base_environment
        shown = environment if isinstance(environment, str) else json.dumps(environment)
        lines.append(f"base environment: {shown}")
    return lines


def network_text(network: Any) -> str:
    if network is None:
        return "default"
    if isinstance(network, str):
        return network
    allow = network.get("allowlist") if isinstance(network, dict) else None
    if isinstance(allow, list):
        domains = [str(e.get("domain", "?")) for e in allow if isinstance(e, dict)]
        return "only " + ", ".join(domains) if domains else "no domains"
    return json.dumps(network)


def environment_row(environment: Environment) -> tuple[str, str, str, str]:
    """(id, status, files and size, last used)."""
    files = environment.file_count or 0
    size = format_size(environment.size_bytes or 0)
    return (
        environment.id or "?",
        environment.status or "",
        f"{files} file{'s' if files != 1 else ''}, {size}",
        environment.last_accessed or environment.updated or environment.created or "",
    )


def environment_details(environment: Environment) -> list[str]:
    lines = [
        f"environment {environment.id} · {environment.status or 'status ?'}",
        f"created {environment.created or '?'} · last used {environment.last_accessed or '?'}",
        f"network: {network_text(environment.network)}",
    ]
    for source in environment.sources or []:
        kind = source.get("type") or "source"
        origin = source.get("source") or ("inline content" if kind == "inline" else "?")
        target = f" → {source['target']}" if source.get("target") else ""
        lines.append(f"source: {kind} {origin}{target}")
    return lines


def file_line(entry: EnvironmentFile) -> str:
    """``path/  directory`` or ``path  1.2 KB  text/markdown``."""
    path = entry.path or entry.name or "?"
    if entry.type == "directory":
        return f"{path}/"
    size = format_size(entry.size_bytes) if entry.size_bytes is not None else ""
    return "  ".join(part for part in (path, size, entry.mime_type or "") if part)
