"""Server-wide knobs of the emulator; a request's directives override some of them per turn."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """How the emulator paces and sizes its answers.

    The defaults give a natural look in ``gemtui --demo``; tests pass ``delay_ms=0`` so that
    streams are sent as fast as the server can write them.
    """

    #: characters of answer text per streamed ``text`` delta
    chunk_chars: int = 12
    #: pause between streamed deltas, in milliseconds (0: no pause at all, never a sleep)
    delay_ms: float = 10.0
    #: default answer size in KB of Markdown; ``None`` keeps the natural (~1 KB) answer
    answer_kb: float | None = None
    #: value sent in ``Retry-After`` (and, in ms, ``retry-after-ms``) on 429 and 503 faults
    retry_after_seconds: float = 1.0
    #: simulated time each step of a background run takes, in milliseconds
    background_step_ms: float = 60.0
    #: answers longer than this many KB arrive in hops of about this size (each but the last
    #: ends ``requires_continuation``, as at a per-request decode limit); ``None``: only when a
    #: prompt asks (``!hops N``)
    hop_kb: float | None = None
    #: how long a ``service_tier: "flex"`` run waits ``queued`` (streams and background runs)
    flex_queue_ms: float = 400.0
    #: seed mixed into every id, so two emulators can be told apart and one is reproducible
    seed: str = "gemtui-emulator"
