"""What a run that ended short says, for a person: a failed run's errors, a spent budget.

A failed interaction carries its reasons in two places (``interactions-api.md`` 3.2): the
interaction's ``errors[]`` (``{code: "snake_case", message}``), and the ``error`` of a
``model_output`` step, a google.rpc.Status (``{code: int, message, details[]}``). Both front
ends show the same sentences: the server's own message, its code, and what to do about it.

Pure: no I/O, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gemtui.api.models import ErrorDetail, Interaction, ModelOutputStep, StepBase

#: google.rpc.Code names (https://github.com/googleapis/googleapis, google/rpc/code.proto).
RPC_CODES = {
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}
#: Codes (either form) of a failure that sending the same request again may mend.
_TRANSIENT = frozenset(
    {
        "api_error",
        "internal",
        "unavailable",
        "service_unavailable",
        "deadline_exceeded",
        "gateway_timeout",
        "aborted",
        "unknown",
        "too_many_requests",
        "rate_limit_exceeded",
        "resource_exhausted",
    }
)
_QUOTA = frozenset({"quota_exceeded", "resource_exhausted", "too_many_requests"})
_POLICY = frozenset(
    {
        "safety",
        "recitation",
        "prohibited_content",
        "blocklist",
        "spii",
        "image_safety",
        "image_prohibited_content",
        "content_blocked",
    }
)

BUDGET_MESSAGE = (
    "The run used up its token or execution budget (status budget_exceeded); "
    "the answer stops where the budget ended."
)
BUDGET_HINT = "Ask for less at a time, or raise max_output_tokens in the settings."


@dataclass(frozen=True)
class StepError:
    """A ``model_output`` step's ``error``, read leniently (any field may be missing)."""

    code: int | None
    message: str
    details: list[str]

    @property
    def name(self) -> str:
        return RPC_CODES.get(self.code, "") if self.code is not None else ""

    def line(self) -> str:
        code = f"{self.name} ({self.code})" if self.name else f"code {self.code}"
        text = f"{code}: {self.message}" if self.code is not None else self.message
        return text + (f" [{'; '.join(self.details)}]" if self.details else "")


def step_error(step: StepBase) -> StepError | None:
    """The error a ``model_output`` step carries, if any."""
    raw = step.error if isinstance(step, ModelOutputStep) else None
    if not isinstance(raw, dict):
        return None
    code = raw.get("code")
    message = raw.get("message")
    details = raw.get("details")
    return StepError(
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        message=message if isinstance(message, str) and message else "no message",
        details=[_detail(d) for d in details if _detail(d)] if isinstance(details, list) else [],
    )


def _detail(detail: Any) -> str:
    """One google.rpc detail in a few words: its reason (ErrorInfo) or its message."""
    if not isinstance(detail, dict):
        return ""
    for key in ("reason", "message", "description"):
        value = detail.get(key)
        if isinstance(value, str) and value:
            return value
    kind = detail.get("@type")
    return kind.rsplit(".", 1)[-1] if isinstance(kind, str) else ""


def error_line(error: ErrorDetail) -> str:
    """One entry of ``errors[]``: ``message (code)``."""
    message = error.message or "no message"
    return f"{message} ({error.code})" if error.code is not None else message


@dataclass(frozen=True)
class FailureReport:
    """What to say about a failed run: the server's reasons, and what to do."""

    message: str
    hint: str
    #: Every reason: the ``errors[]`` entries first, then the failed steps' errors.
    reasons: list[str]
    #: How many of ``reasons`` are ``errors[]`` entries (the rest are steps' errors).
    run_reasons: int = 0


def failure_report(interaction: Interaction, *, again: str = "send it again") -> FailureReport:
    """The reasons a failed interaction gives (``errors[]``, then each failed step's error)
    and what to do; ``again`` names the way to retry in this front end ("press F5 to send
    it again", "run the command again")."""
    errors = list(interaction.errors or ())
    steps = interaction.steps or ()
    failed_steps = [found for step in steps if (found := step_error(step)) is not None]
    reasons = [error_line(error) for error in errors]
    reasons += [f"the model's output stopped: {found.line()}" for found in failed_steps]
    message = "The run failed at the server"
    message += f": {reasons[0]}" if reasons else " without saying why."
    codes = {str(error.code).lower() for error in errors if error.code is not None}
    codes |= {found.name.lower() for found in failed_steps if found.name}
    return FailureReport(
        message=message, hint=_hint(codes, again), reasons=reasons, run_reasons=len(errors)
    )


def _hint(codes: set[str], again: str) -> str:
    if codes & _POLICY:
        return "The request or its answer was blocked by a policy; rephrase it."
    if codes & _QUOTA:
        return f"A quota or rate limit was reached: wait a little, then {again}."
    if not codes or codes & _TRANSIENT:
        retry = again[:1].upper() + again[1:]
        return f"This was the server's own failure; the partial answer is kept. {retry}."
    return f"The partial answer is kept. Check the request, then {again}."
