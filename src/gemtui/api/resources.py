"""Agents and environments as resources (``/{v}/agents``, ``/{v}/environments``), as the
google-genai SDK's ``agents`` and ``environments`` clients call them (``_gaos/agents.py``,
``_gaos/environments.py``, ``_gaos/files.py`` for an environment's files).

Every call goes through :meth:`InteractionsClient.request`, so it has the interaction calls'
retries, time limits and typed errors. Lists follow ``next_page_token`` to the end.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from gemtui.api.client import InteractionsClient
from gemtui.api.resource_models import (
    Agent,
    AgentList,
    Environment,
    EnvironmentFile,
    EnvironmentFiles,
    EnvironmentList,
)

#: How many pages a list follows at most (a server that never stops paging cannot hang us).
MAX_PAGES = 50


def _id(value: str) -> str:
    """One path segment: an id can never change the path."""
    return quote(value.removeprefix("agents/").removeprefix("environments/"), safe="")


class Resources:
    """The agents and environments of the account ``client`` talks to."""

    def __init__(self, client: InteractionsClient) -> None:
        self.client = client

    async def _pages(self, path: str, key: str, query: dict[str, str] | None = None) -> list[Any]:
        items: list[Any] = []
        token = ""
        for _ in range(MAX_PAGES):
            page_query = dict(query or {})
            if token:
                page_query["page_token"] = token
            page = await self.client.request_json("GET", path, query=page_query or None)
            items += page.get(key) or [] if isinstance(page, dict) else []
            token = page.get("next_page_token") if isinstance(page, dict) else None
            if not token:
                break
        return items

    # ------------------------------------------------------------------ agents

    async def list_agents(self) -> list[Agent]:
        page = AgentList(agents=await self._pages("agents", "agents"))
        return page.agents or []

    async def get_agent(self, agent_id: str) -> Agent:
        return Agent.model_validate(
            await self.client.request_json("GET", f"agents/{_id(agent_id)}")
        )

    async def create_agent(self, agent: dict[str, Any]) -> Agent:
        return Agent.model_validate(await self.client.request_json("POST", "agents", body=agent))

    async def delete_agent(self, agent_id: str) -> None:
        await self.client.request("DELETE", f"agents/{_id(agent_id)}")

    # ------------------------------------------------------------------ environments

    async def list_environments(self) -> list[Environment]:
        page = EnvironmentList(environments=await self._pages("environments", "environments"))
        return page.environments or []

    async def get_environment(self, environment_id: str) -> Environment:
        data = await self.client.request_json("GET", f"environments/{_id(environment_id)}")
        return Environment.model_validate(data)

    async def create_environment(self, body: dict[str, Any]) -> Environment:
        data = await self.client.request_json("POST", "environments", body=body)
        return Environment.model_validate(data)

    async def delete_environment(self, environment_id: str) -> None:
        await self.client.request("DELETE", f"environments/{_id(environment_id)}")

    async def environment_files(
        self, environment_id: str, path: str = "", *, recursive: bool = False
    ) -> list[EnvironmentFile]:
        """The files under ``path`` of the environment's workspace (its root by default)."""
        where = quote(path.strip("/"), safe="/")
        query = {"recursive": "true"} if recursive else None
        files = await self._pages(
            f"environments/{_id(environment_id)}/files/{where}", "files", query
        )
        return EnvironmentFiles(files=files).files or []
