"""What ``gemtui emulator --help`` lists after its options: how each behaviour is reached.

Plain strings only: ``gemtui --help`` builds every subcommand's help, so this module must cost
nothing to import. The full grammar of the directives is in :mod:`gemtui.emulator.directives`;
a test checks the two name the same directives.
"""

from __future__ import annotations

import textwrap

#: The directives and the request fields that choose an output, as a table.
DIRECTIVES = """\
Directives in the last user message (removed before the answer echoes it):
  !fault 400|401|402|403|404|409|429|500|501|503|504[xN]
                         fail the create with that status (xN: only the first N times)
  !fault drop-after N    close a streamed answer after N events
  !fault error-event     an error event mid-stream; the interaction is failed
  !fault failed          the run fails part-way: status failed, errors[], and a
                         model_output step with an error (google.rpc.Status)
  !fault budget          the run stops part-way with status budget_exceeded
  !fault no-done         no [DONE] at the end of the stream
  !fault malformed       one event whose data is not JSON
  !fault unknown         an unknown event, step and delta type
  !fault stall MS        pause MS milliseconds mid-answer
  !fault never-complete  stay in progress until cancelled
  !queued MS             wait MS milliseconds with status queued first
  !slow MS               pause MS milliseconds between streamed deltas
  !size KB               a Markdown answer of about KB kilobytes
  !long code|list N      one huge block of N lines (a code fence or a list), open to its end
  !hops N                the answer arrives in N continuation hops
                         (requires_continuation; also past --hop-kb)
  !invalid-json          structured output that breaks its schema
  !not-json              structured output that does not parse

What the request chooses:
  a model name with "tts", response_format {"type": "audio"} or
  response_modalities ["audio"]      speech: a WAV tone (voice from speech_config)
  a model name with "omni" or "veo", response_format {"type": "video"} or
  response_modalities ["video"]      a video/mp4 container
  response_modalities ["document"]   an application/pdf document
  a model name with "image", or response_format {"type": "image"}
                                     a PNG (aspect_ratio, image_size shape it);
                                     thought summaries carry a draft picture
  generation_config.transcription_config, or a "transcribe" model
                                     a transcript naming the mode and languages
  service_tier "flex"                queued for a moment (streams, background runs)
  tools, function declarations, a JSON schema, agent + environment,
  background: true, previous_interaction_id, store: false
                                     their scripted answers
"""

#: The longer behaviours, one paragraph each, wrapped to the terminal by :func:`epilog`.
SECTIONS = (
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
)


def epilog(width: int = 79) -> str:
    """The table, then the sections wrapped to ``width``."""
    return (
        DIRECTIVES
        + "\n"
        + "\n\n".join(
            f"{title}:\n"
            + textwrap.fill(
                f"{text}.",
                width,
                initial_indent="  ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
            for title, text in SECTIONS
        )
    )
