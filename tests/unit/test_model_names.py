"""The model and agent names gemtui suggests (F2, /model, /agent) are the official SDK's enums."""

from __future__ import annotations

import typing

from google.genai._gaos.types.interactions.agentoption import AgentOption
from google.genai._gaos.types.interactions.model import Model

from gemtui.core.model_names import SDK_AGENTS, SDK_MODELS, agent_families


def literal_values(union: object) -> tuple[str, ...]:
    return tuple(v for arg in typing.get_args(union) for v in typing.get_args(arg))


def test_models_are_the_sdks_enum() -> None:
    assert literal_values(Model) == SDK_MODELS


def test_agents_are_the_sdks_enum() -> None:
    assert literal_values(AgentOption) == SDK_AGENTS


def test_the_agent_families_are_those_of_the_sdks_agents() -> None:
    """The palette's "Use an agent: …" names these; it named a Code Mender agent too, which
    /agent does not offer (the SDK has no name for one)."""
    assert agent_families() == ["Deep Research", "Antigravity"]
    assert agent_families(["code-mender-preview-01-2027", "deep-research-max-preview"]) == [
        "Code Mender",
        "Deep Research",
    ]
