"""What an agent's ``agent_config`` changes in the emulator's answer (``interactions-api.md``
2.7; the SDK's agent config types), deterministically:

* ``deep-research`` ``thinking_summaries: "none"`` drops the thought summaries (an agent shows
  them by default); ``visualization: "auto"`` adds a chart (a PNG) to the report;
  ``collaborative_planning: true`` answers the first turn with a research plan and status
  ``requires_action``, and writes the report once the next turn confirms it;
  ``enable_bigquery_tool`` adds a BigQuery step to what the agent did.
* ``antigravity`` ``model`` names the reasoning model in the report; every kind's fields are
  listed under "Agent config" in the report, so a client can see what arrived.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from gemtui.emulator import markdown
from gemtui.emulator.png import gradient_png

if TYPE_CHECKING:
    from gemtui.emulator.scenarios import Turn


def config_of(turn: Turn) -> dict[str, Any]:
    config = turn.request.body.get("agent_config")
    return config if isinstance(config, dict) else {}


def shows_summaries(turn: Turn) -> bool:
    """Whether an agent's thoughts carry summaries (they do unless the config says none)."""
    return config_of(turn).get("thinking_summaries") != "none"


def awaits_plan_confirmation(turn: Turn) -> bool:
    """Collaborative planning, and this is the conversation's first turn: answer with a plan."""
    return bool(config_of(turn).get("collaborative_planning")) and len(turn.user_prompts()) < 2


def plan_text(turn: Turn) -> str:
    topic = markdown.quote(turn.prompt)
    return (
        f"# Research plan\n\nBefore I start on «{topic}», here is my plan:\n\n"
        "1. Collect recent sources and surveys.\n2. Compare their figures.\n"
        "3. Write a report with the open questions.\n\n"
        "Reply to confirm the plan, or say what to change.\n"
    )


def report_lines(turn: Turn) -> list[str]:
    """Extra lines of the report's "What I did" and an "Agent config" section."""
    config = config_of(turn)
    lines = []
    if config.get("enable_bigquery_tool"):
        lines.append("- Queried BigQuery public datasets for figures.")
    if config.get("model"):
        lines.append(f"- Reasoned with `{config['model']}`.")
    if config.get("collaborative_planning") and not awaits_plan_confirmation(turn):
        lines.append("- Followed the research plan you confirmed.")
    if config:
        shown = ", ".join(
            f"{key} {json.dumps(value, ensure_ascii=False)}"
            for key, value in config.items()
            if key != "type"
        )
        lines.append(f"\n## Agent config\n\n`{config.get('type', '?')}`: {shown or 'defaults'}.")
    return lines


def visualization(turn: Turn) -> dict[str, Any] | None:
    """The chart of ``visualization: "auto"`` (an image content), else ``None``."""
    if config_of(turn).get("visualization") != "auto":
        return None
    data = base64.b64encode(gradient_png(f"chart {turn.prompt}")).decode()
    return {"type": "image", "mime_type": "image/png", "data": data}
