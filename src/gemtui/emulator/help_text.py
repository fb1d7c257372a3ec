"""What ``gemtui emulator --help`` lists after its options: how each behaviour is reached.

Plain strings only: ``gemtui --help`` builds every subcommand's help, so this module must cost
nothing to import.
"""

from __future__ import annotations

import textwrap

#: One section per line group; ``gemtui emulator --help`` prints them in this order.
SECTIONS = (
    (
        "Directives in the prompt",
        "!fault 400|401|402|403|404|409|429|500|501|503|504[xN], !fault drop-after N, "
        "!fault error-event, !fault no-done, !fault malformed, !fault unknown, !fault stall MS, "
        "!fault never-complete, !slow MS, !size KB, !invalid-json, !not-json",
    ),
    (
        "Tools in the request",
        "google_search: search call/result, url_citation answer; url_context, code_execution: "
        "their call/result steps; google_maps: maps call, places result, place_citation answer "
        "(widget_context_token with enable_widget); file_search: call, files of the first "
        "store (top_k), file_citation answer; mcp_server: mcp_server_tool_call/_result per "
        "server (the first allowed tool, or one the prompt names); retrieval: call/result, "
        "file_citation answer; computer_use: a function_call of a predefined action (navigate, "
        "or the next one not excluded), status requires_action; function tools: function_call "
        "steps. generation_config.tool_choice: none calls no tools, {allowed_tools} only those "
        "named",
    ),
    (
        "Agents",
        "agent_config is checked against its type (deep-research, antigravity, code-mender, "
        "dynamic; a typed one must match the agent): deep-research thinking_summaries none "
        "drops the thought summaries, visualization auto adds a chart to the report, "
        "collaborative_planning answers the first turn with a plan (requires_action) and "
        "reports on the next; every field is echoed under Agent config in the report; an "
        "environment object's sources become the environment's files",
    ),
    (
        "Resources",
        "/agents (list, create, get, delete; 409 for a taken id), /environments (list, "
        "create with sources or from_environment, get, delete; files/{path} lists a "
        "workspace, recursive=true all of it; an agent run's environment is listed too), "
        "/upload/{v}/files (resumable: start, then upload / upload, finalize chunks to the "
        "session URL, no key needed there) and /files/{name}: a video is PROCESSING until "
        "first read back; a content uri naming an unknown file is 403, a processing one 400. "
        "With --persist (and --demo) agents, environments and files are kept in the file too",
    ),
    (
        "Other requests",
        "an image model name: a generated PNG; response_format with a schema: JSON valid "
        "against it; agent (+ environment, agent_config): agent steps and an environment_id; "
        "background: true: in_progress then completed over GET; previous_interaction_id / "
        "store: false: server-side history / none",
    ),
)


def epilog(width: int = 79) -> str:
    """The sections as the help text shows them, wrapped to ``width``."""
    return "\n\n".join(
        f"{title}:\n"
        + textwrap.fill(
            f"{text}.", width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
        )
        for title, text in SECTIONS
    )
