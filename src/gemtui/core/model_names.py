"""Model and agent names the API knows, as the official SDK lists them.

The google-genai SDK (3.3.0, ``_gaos/types/interactions/model.py`` and ``agentoption.py``)
declares ``model`` and ``agent`` as open enums: these names, and any other string. gemtui does
not depend on the SDK at run time, so the names are kept here; a test compares them with the
SDK's enums, so an SDK update that adds or drops a name is noticed. They are suggestions
(``/model`` completion): any other name is sent as typed.
"""

from __future__ import annotations

from collections.abc import Iterable

#: ``Model`` of the SDK, in its order.
SDK_MODELS = (
    "gemma-4-26b-a4b-it",
    "gemma-4-31b-it",
    "gemini-flash-latest",
    "gemini-flash-lite-latest",
    "gemini-pro-latest",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-2.5-flash-lite",
    "gemini-3.5-flash-lite",
    "gemini-2.5-flash-image",
    "gemini-3-flash-preview",
    "gemini-3.1-pro-preview",
    "gemini-3.1-pro-preview-customtools",
    "gemini-3.1-flash-lite",
    "gemini-3.1-flash-lite-image",
    "gemini-3-pro-image",
    "nano-banana-pro-preview",
    "gemini-3.1-flash-image",
    "gemini-nano-banana-2.1",
    "gemini-3.1-flash-tts-preview",
    "gemini-3.5-flash",
    "gemini-3.6-flash",
    "gemini-3.7-flash",
    "gemini-3.8-flash",
    "gemini-4-argon",
    "gemini-4-carbon",
    "gemini-4-hydrogen",
    "gemini-3.8-flash-tts",
    "gemini-3.8-flash-lite-tts",
    "gemini-3.5-transcribe",
    "lyria-3-clip-preview",
    "lyria-3-pro-preview",
    "gemini-robotics-er-1.6-preview",
    "gemini-robotics-er-2-preview",
    "lyria-3.5",
    "gemini-omni-1.2-flash",
    "gemini-omni-1.1-flash",
    "gemini-omni-flash-preview",
)

#: ``AgentOption`` of the SDK, in its order.
SDK_AGENTS = (
    "deep-research-pro-preview-12-2025",
    "deep-research-preview-04-2026",
    "deep-research-max-preview-04-2026",
    "antigravity-preview-05-2026",
    "antigravity-preview-09-2026",
)


def agent_families(agents: Iterable[str] = SDK_AGENTS) -> list[str]:
    """The families of ``agents`` as a reader names them (``Deep Research``,
    ``Antigravity``), each once, in order: what the palette says ``/agent`` offers, so the two
    cannot disagree (the palette named a Code Mender agent the SDK has no name for)."""
    families = []
    for name in agents:
        stem = name.split("-preview", 1)[0].removesuffix("-pro").removesuffix("-max")
        families.append(stem.replace("-", " ").title())
    return list(dict.fromkeys(families))
