"""Directives typed in the last user message steer the emulator (faults, pacing, size).

They are removed from the prompt before the answer echoes it. Grammar (one per ``!``, any
number per message, anywhere in the text):

``!fault 400|401|402|403|404|409|429|500|501|503|504``
    Fail the create with that HTTP status and the real error body. ``429`` and ``503`` carry
    ``Retry-After`` and ``retry-after-ms``. Suffix ``xN`` (``!fault 503x2``) fails only the
    first N *identical* requests (same path and body) and then answers normally, so retry
    logic can be exercised: the count is kept per emulator instance.
``!fault drop-after N``
    Streaming create only: the connection is closed abruptly after N events (no
    ``interaction.completed``, no ``[DONE]``). The run itself completes and is stored, so
    ``GET ?stream=true&last_event_id=…`` resumes it. Non-streaming requests answer normally.
``!fault error-event``
    After a few text deltas an ``error`` event (``gateway_timeout``) ends the stream, then
    ``[DONE]``. The stored interaction is ``failed`` with ``errors``; a non-streaming create
    returns that failed interaction (HTTP 200).
``!fault no-done``
    The stream ends at EOF after ``interaction.completed`` without ``[DONE]``.
``!fault malformed``
    One extra event whose ``data`` is not valid JSON (the rest of the stream is intact).
``!fault unknown``
    Adds an unknown event type, an unknown step type (``emulator_probe``) carrying an unknown
    delta type; the assembled step is the ``step.start`` seed.
``!fault stall MS``
    Pause MS milliseconds in the middle of the answer (streaming and not).
``!fault never-complete``
    The run stays ``in_progress`` until it is cancelled (or forever, for a foreground request).
``!fault failed``
    The run fails part-way through its answer: the text so far, then a ``model_output`` step
    that carries only an ``error`` (google.rpc.Status ``{code: 13, message, details}``), and
    the interaction ends with status ``failed`` and an ``errors`` entry. Streams end with a
    ``status_update`` and an ``interaction.completed`` saying ``failed`` (no ``error``
    event); a non-streaming create answers that failed interaction (HTTP 200); a background
    run is ``failed`` when polled.
``!fault budget``
    The run stops part-way with status ``budget_exceeded`` (deprecated in the API, which now
    answers ``incomplete`` for a spent budget, but still sent by older servers).
``!queued MS``
    The run waits MS milliseconds with status ``queued`` before it starts (as a ``flex``
    service tier does when capacity is short; ``service_tier: "flex"`` queues for a moment
    on its own). Streams show it as a ``status_update``; background runs when polled.
``!slow MS``
    Pause MS milliseconds between streamed deltas for this request.
``!size KB``
    Make the Markdown answer about KB kilobytes long.
``!long code|list N``
    The answer is one Markdown block of N lines: a Python code fence, or a bulleted list of
    N items. It stays open (no closing fence, no block after it) until its last line, so a
    client sees one huge open block streaming in (what costs a renderer most).
``!hops N``
    Foreground answers only: the answer arrives in N hops. Each hop but the last ends with
    status ``requires_continuation`` and a ``continuation_token``; the next hop is a create
    with that token (stored: ``previous_interaction_id`` set to the hop's id and no
    ``input``; ``store: false``: the original ``input`` again), as the official SDK's
    automatic continuation sends it. Background and agent runs ignore it (the server
    continues those itself).
``!invalid-json``
    Structured output (``response_format`` with a schema) only: the JSON answer breaks the
    schema (its first property gets a value of the wrong type; a schema that constrains
    nothing cannot be broken).
``!not-json``
    Structured output only: the answer is JSON cut off halfway, so it does not parse.

Other answers are chosen by the request itself, not by a directive (see ``scenarios.py`` and
``gemtui emulator --help``): speech (a WAV tone) for a model named ``…tts…``, for
``response_format {"type": "audio"}`` or ``response_modalities ["audio"]``; a video/mp4
container for ``…omni…``/``…veo…`` models or video formats; a PDF for ``response_modalities
["document"]``; a PNG shaped by ``aspect_ratio``/``image_size`` for image models (their thought
summaries carry a draft picture); a transcript for ``transcription_config``; a short ``queued``
wait for ``service_tier: "flex"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gemtui.emulator.errors import FAULT_ERRORS, invalid

_DIRECTIVE = re.compile(
    r"!(?:(?P<flag>invalid-json|not-json)\b"
    r"|(?P<name>fault|slow|size|hops|queued|long)\b"
    r"[ \t]*(?P<arg>[A-Za-z0-9-]+(?:[ \t]+\d+(?:\.\d+)?)?)?)"
)
_STATUS = re.compile(r"(?P<status>\d{3})(?:x(?P<times>\d+))?")


@dataclass(slots=True)
class Directives:
    """What the request asked of the emulator besides an answer."""

    http_status: int | None = None
    #: fail only the first N identical requests (``None``: every time)
    fail_first: int | None = None
    drop_after: int | None = None
    error_event: bool = False
    no_done: bool = False
    malformed: bool = False
    unknown: bool = False
    stall_ms: float | None = None
    never_complete: bool = False
    slow_ms: float | None = None
    size_kb: float | None = None
    #: the answer arrives in this many hops (automatic continuation)
    hops: int | None = None
    #: structured output made to fail its check: "invalid-json" or "not-json"
    json_fault: str | None = None
    #: how the run ends short of an answer: "failed" or "budget_exceeded"
    end_status: str | None = None
    queued_ms: float | None = None
    #: one huge block as the whole answer: ("code" or "list", its number of lines)
    long_block: tuple[str, int] | None = None


def parse(text: str) -> tuple[str, Directives]:
    """Split ``text`` into the prompt without directives and the directives it held."""
    found = Directives()
    clean = _DIRECTIVE.sub(lambda match: _apply(match, found), text)
    return " ".join(clean.split()) if clean != text else text, found


def _apply(match: re.Match[str], found: Directives) -> str:
    if match["flag"]:
        found.json_fault = match["flag"]
        return " "
    name, arg = match["name"], (match["arg"] or "").split()
    if name in ("slow", "size", "hops", "queued"):
        value = _number(arg[0] if arg else "", f"!{name}")
        if name == "slow":
            found.slow_ms = value
        elif name == "queued":
            found.queued_ms = value
        elif name == "size":
            found.size_kb = value
        else:
            found.hops = max(1, int(value))
        if len(arg) > 1:
            return " " + arg[1]
        return " "
    kind = arg[0] if arg else ""
    if name == "long":
        if kind not in ("code", "list") or len(arg) < 2:
            raise invalid(
                "Emulator directive '!long' needs code or list and a number of lines, "
                "e.g. '!long code 700'."
            )
        found.long_block = (kind, max(1, int(_number(arg[1], "!long " + kind))))
        return " "
    status = _STATUS.fullmatch(kind)
    if status and int(status["status"]) in FAULT_ERRORS:
        found.http_status = int(status["status"])
        found.fail_first = int(status["times"]) if status["times"] else None
    elif kind in ("drop-after", "stall"):
        value = _number(arg[1] if len(arg) > 1 else "", f"!fault {kind}")
        if kind == "drop-after":
            found.drop_after = int(value)
        else:
            found.stall_ms = value
        return " "
    elif kind in ("error-event", "no-done", "malformed", "unknown", "never-complete"):
        setattr(found, kind.replace("-", "_"), True)
    elif kind in ("failed", "budget"):
        found.end_status = "failed" if kind == "failed" else "budget_exceeded"
    else:
        statuses = ", ".join(str(s) for s in FAULT_ERRORS)
        raise invalid(
            f"Unknown emulator directive '!fault {kind}'. Supported: {statuses} (optionally "
            "with xN), drop-after N, error-event, no-done, malformed, unknown, stall MS, "
            "never-complete, failed, budget."
        )
    return " " + arg[1] if len(arg) > 1 else " "


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise invalid(f"Emulator directive '{what}' needs a number, e.g. '{what} 200'.") from None
