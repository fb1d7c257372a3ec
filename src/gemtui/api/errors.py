"""Typed errors of the Interactions API client, each with a one-line hint for the user.

The UI shows ``str(error)`` and ``error.hint`` as they are, so both are single lines, never
carry the API key and never need the caller to know HTTP: an :class:`AuthenticationError` means
"fix the key", a :class:`RateLimitedError` means "wait", a :class:`StreamInterrupted` means
"resume from ``last_event_id``". Hierarchy::

    GemtuiApiError
     ├─ ApiStatusError (status, code, message, hint, retry_after)
     │   ├─ InvalidRequestError 400   ├─ AuthenticationError 401 (and key errors sent as 400/403)
     │   ├─ PaymentRequiredError 402  ├─ PermissionDeniedError 403
     │   ├─ NotFoundError 404         ├─ ConflictError 409
     │   ├─ RateLimitedError 429      └─ ServerError 5xx
     ├─ ApiConnectionError (kind: refused, dns, tls, dropped, other)
     ├─ ApiTimeoutError (phase: connect, first_byte, idle, write, pool)
     │   └─ StreamIdleTimeout (also a StreamInterrupted)
     ├─ StreamInterrupted (last_event_id, interaction_id)
     └─ UnexpectedResponseError (a 2xx answer we cannot read)
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from gemtui.api.base_url import GOOGLE_HOST
from gemtui.api.secret_values import MIN_SECRET_CHARS

#: The hint for every "no key / wrong key" answer.
KEY_HINT = (
    "Set GEMINI_API_KEY (or GOOGLE_API_KEY), or run `gemtui --demo` to use the offline emulator."
)
REDACTED = "<redacted>"
_MAX_STR = 300
_MAX_SUMMARY = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
#: Google API keys, in case a server or proxy echoes one back in an error message.
_GOOGLE_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
_MENTIONS_KEY = re.compile(r"api[ _-]?key", re.IGNORECASE)


def one_line(text: str) -> str:
    """Control characters and runs of whitespace collapsed into single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def redact(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` or anything shaped like a Google API key."""
    if secret and len(secret) >= MIN_SECRET_CHARS:
        text = text.replace(secret, REDACTED)
    return _GOOGLE_KEY.sub(REDACTED, text)


class GemtuiApiError(Exception):
    """Base of every client error. ``str()`` is one line; ``hint`` says what the user can do."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = one_line(message)
        self.hint = hint
        super().__init__(self.message)

    def __str__(self) -> str:
        text = self.message
        return text if len(text) <= _MAX_STR else text[: _MAX_STR - 1] + "…"

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again may succeed (used by the retry loop)."""
        return False

    @property
    def summary(self) -> str:
        """A few words naming the failure (``HTTP 503 unavailable``, ``connection refused``)
        for a status line such as "retrying in 3 s (…)"; one line, no key."""
        text = self.message
        return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 1] + "…"


# --------------------------------------------------------------------------- HTTP status errors


class ApiStatusError(GemtuiApiError):
    """The server answered with an HTTP error status and (usually) an error body."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        hint: str = "",
        retry_after: float | None = None,
        body: Any = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.body = body
        self.method = method
        self.url = url
        summary = (
            f"HTTP {status} {code}: {one_line(message)}" if message else f"HTTP {status} {code}"
        )
        super().__init__(summary, hint=hint)
        #: The server's own message, without the status prefix.
        self.server_message = one_line(message)

    @property
    def retryable(self) -> bool:
        if self.code == "quota_exceeded":  # a daily quota does not come back within a backoff
            return False
        return self.status in (408, 429) or (self.status >= 500 and self.status != 501)

    @property
    def summary(self) -> str:
        text = one_line(f"HTTP {self.status} {self.code}")
        return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 1] + "…"


class InvalidRequestError(ApiStatusError):
    """400: the request itself is wrong; sending it again will not help."""


class AuthenticationError(ApiStatusError):
    """The key is missing or invalid (401, or a 400/403 whose message is about the API key)."""


class PaymentRequiredError(ApiStatusError):
    """402: prepaid credit is exhausted."""


class PermissionDeniedError(ApiStatusError):
    """403: the key may not use this model, agent or feature."""


class NotFoundError(ApiStatusError):
    """404: unknown or expired interaction id, or unknown model."""


class ConflictError(ApiStatusError):
    """409: ``already_exists`` or ``aborted``."""


class RateLimitedError(ApiStatusError):
    """429: too many requests or quota exhausted; ``retry_after`` says how long to wait if known."""


class ServerError(ApiStatusError):
    """5xx: the service failed; usually worth retrying later."""


_CLASS_BY_STATUS: dict[int, type[ApiStatusError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}

_HINT_BY_CODE = {
    "failed_precondition": "The account is not set up for this request (billing or region); "
    "check it in Google AI Studio.",
    "parameter_unknown": "A request field is not supported here; try the other API version "
    "(v1beta or v1) or remove the setting.",
    "model_not_found": "Check the model name; the model may be retired or not available to you.",
    "quota_exceeded": "Your quota is used up; wait for it to reset or raise your limits.",
    "aborted": "The request clashed with another change; try again.",
    "already_exists": "That resource already exists.",
    "unimplemented": "This model or API version does not support the request.",
    "not_implemented": "This model or API version does not support the request.",
}

_HINT_BY_STATUS = {
    400: "The server refused the request as it was sent: change what the message names "
    "(a setting, the model, an attachment), or the prompt, and send it again.",
    402: "Prepaid credit is exhausted; add credit in Google AI Studio.",
    403: "The key may not use this model or feature; check its project and permissions.",
    404: "The interaction does not exist: it may have expired (retention period) or been "
    "deleted, or the id or model name is wrong.",
    408: "The server timed out waiting for the request; retry.",
    409: "The request clashed with another change; try again.",
    416: "A value is out of range; check the request.",
    499: "The request was cancelled.",
    501: "This model or API version does not support the request.",
    503: "The service is overloaded or down; retry later.",
    504: "The server ran out of time; retry later or make the request smaller.",
}


#: A precondition that is no account problem: chaining onto an interaction that still runs.
STILL_RUNNING_HINT = (
    "The interaction it goes on from is still running at the server: wait until it is done "
    "(gemtui ask --wait ID waits for one), then send again."
)


def _hint_for(status: int, code: str, retry_after: float | None, message: str = "") -> str:
    if code == "failed_precondition" and "in progress" in message.lower():
        return STILL_RUNNING_HINT  # the account hint read like a billing problem
    if status == 429 and code != "quota_exceeded":
        if retry_after is not None:
            return f"Rate limited: wait {retry_after:.3g} s, then retry."
        return "Rate limited: wait a little, then retry."
    if code in _HINT_BY_CODE:
        return _HINT_BY_CODE[code]
    if status in _HINT_BY_STATUS:
        return _HINT_BY_STATUS[status]
    if status >= 500:
        return "The service had a problem; retry later."
    return "The request failed; see the message."


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return f"http_{status}"


def _read_error_body(status: int, text: str) -> tuple[str, str, Any]:
    """``(code, message, parsed body)`` from either error shape, or from a non-JSON body."""
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        # The classic Google shape: {"code": 400, "status": "INVALID_ARGUMENT", "message": ...}.
        if not isinstance(code, str) or not code:
            code = error.get("status") if isinstance(error.get("status"), str) else None
        message = error.get("message")
        return (
            code.lower() if code else _status_name(status),
            message if isinstance(message, str) else "",
            parsed,
        )
    # Not the API's JSON (a proxy's HTML page, plain text, nothing): keep a readable first line.
    first = one_line(re.sub(r"<[^>]*>", " ", text))[:200]
    return _status_name(status), first, parsed if parsed is not None else text


def _is_key_problem(status: int, code: str, message: str, body: Any) -> bool:
    if status == 401 or code in ("authentication", "unauthenticated", "api_key_invalid"):
        return True
    if status in (400, 403):
        return bool(_MENTIONS_KEY.search(message)) or "API_KEY_INVALID" in json.dumps(body)
    return False


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait the server asked for: ``retry-after-ms``, or ``Retry-After`` in seconds or as an
    HTTP date. ``None`` when absent or unreadable; never negative."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_from_response(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    method: str = "",
    url: str = "",
    secret: str | None = None,
) -> ApiStatusError:
    """The typed error for an HTTP error response; ``secret`` is scrubbed from all of it."""
    code, message, parsed = _read_error_body(
        status, redact(body.decode("utf-8", "replace"), secret)
    )
    retry_after = retry_after_seconds(headers)
    if _is_key_problem(status, code, message, parsed):
        cls: type[ApiStatusError] = AuthenticationError
        hint = KEY_HINT
    else:
        cls = _CLASS_BY_STATUS.get(status, ServerError if status >= 500 else ApiStatusError)
        hint = _hint_for(status, code, retry_after, message)
    return cls(
        status=status,
        code=code,
        message=message,
        hint=hint,
        retry_after=retry_after,
        body=parsed,
        method=method,
        url=url,
    )


# --------------------------------------------------------------------------- transport errors


class ApiConnectionError(GemtuiApiError):
    """No HTTP answer: connection refused, name not resolved, TLS failed, or dropped early."""

    def __init__(
        self, message: str, *, kind: str, host: str, hint: str = "", retryable: bool = False
    ) -> None:
        self.kind = kind
        self.host = host
        self._retryable = retryable
        super().__init__(message, hint=hint)

    @property
    def retryable(self) -> bool:
        return self._retryable

    @property
    def summary(self) -> str:
        return _KIND_TEXT.get(self.kind, self.kind)


_CONNECTION_HINTS = {
    "refused": "Nothing is listening there; check --base-url / GOOGLE_GEMINI_BASE_URL, "
    "or run `gemtui --demo`.",
    "dns": "The host name did not resolve; check the network and the base URL.",
    "tls": "The secure connection failed; check the system clock, proxy and certificates "
    "(SSL_CERT_FILE).",
    "dropped": "The server closed the connection before answering; retry.",
    "other": "Check the network connection and the base URL.",
}

#: Hints that say more than the kind's own, for the cases that are not retried.
_LOCAL_REFUSED_HINT = (
    "Nothing is listening at that port on this machine: start the server (the emulator: "
    "`gemtui emulator --port {port}`), fix --base-url / GOOGLE_GEMINI_BASE_URL, or run "
    "`gemtui --demo`."
)
_NO_SUCH_HOST_HINT = (
    "Check the host name in --base-url / GOOGLE_GEMINI_BASE_URL (or the endpoint in the "
    "settings); leave it unset for Google's endpoint."
)
#: The same at Google's own endpoint, which exists: this network cannot see it.
_GOOGLE_NOT_FOUND_HINT = (
    "This network's name servers do not know Google's API host: check the connection "
    "(offline? a VPN, firewall or DNS filter?); through a web proxy, set HTTPS_PROXY. "
    "`gemtui --demo` runs without a network."
)
_NO_DNS_ANSWER_HINT = (
    "No name server answered: check the network connection (offline? VPN or proxy?), "
    "then try again."
)

_KIND_TEXT = {
    "refused": "connection refused",
    "dns": "host name not resolved",
    "tls": "TLS handshake failed",
    "dropped": "connection closed before a response",
    "other": "connection failed",
}

#: getaddrinfo's answers for a name that does not exist (as opposed to "no answer").
_NO_SUCH_NAME = {
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
}


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The OS-level failure behind ``exc`` (TLS, name lookup, refusal), found by walking its
    cause chain, or ``None``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | socket.gaierror | ConnectionRefusedError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _connection_kind(cause: BaseException | None) -> str:
    if isinstance(cause, ssl.SSLError):
        return "tls"
    if isinstance(cause, socket.gaierror):
        return "dns"
    if isinstance(cause, ConnectionRefusedError):
        return "refused"
    return "other"


def connection_error(
    exc: BaseException, host: str, *, connecting: bool, local: bool = False
) -> ApiConnectionError:
    """Map a transport exception; ``local`` says the host is this machine (loopback).

    Retried (``retryable``) only where waiting can help, and only while ``connecting``: after
    that the request may have reached the server, and a create is not idempotent. Not retried:
    TLS failures; name lookups that failed (the system resolver has already retried, and a
    name that does not exist will not appear in seconds); and a refused connection on this
    machine (nothing listens at that port). A refusal from another host is retried: a server
    or load balancer restarting refuses for a moment.
    """
    cause = _transport_cause(exc) if connecting else None
    if connecting:
        kind = _connection_kind(cause)
    else:
        # Not imported at the top: the TUI loads these classes before its first frame and
        # the HTTP stack only after it (whoever caught ``exc`` has loaded httpx already).
        import httpx

        dropped = httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError
        kind = "dropped" if isinstance(exc, dropped) else "other"
    detail = one_line(str(exc))
    what, hint = _KIND_TEXT[kind], _CONNECTION_HINTS[kind]
    if kind == "refused" and local:
        port = host.rpartition(":")[2]
        hint = _LOCAL_REFUSED_HINT.format(port=port if port.isdigit() else "PORT")
    elif isinstance(cause, socket.gaierror):
        if cause.errno in _NO_SUCH_NAME:
            what = "host name not resolved (no such host)"
            google = host in (GOOGLE_HOST, f"{GOOGLE_HOST}:443")
            hint = _GOOGLE_NOT_FOUND_HINT if google else _NO_SUCH_HOST_HINT
        else:
            what, hint = "host name not resolved (no answer from DNS)", _NO_DNS_ANSWER_HINT
    message = f"Could not reach {host}: {what}"
    if detail and kind in ("tls", "other"):
        message += f" ({detail})"
    retryable = connecting and kind not in ("tls", "dns") and not (kind == "refused" and local)
    return ApiConnectionError(message, kind=kind, host=host, hint=hint, retryable=retryable)


class ApiTimeoutError(GemtuiApiError):
    """A time limit of :class:`~gemtui.api.timing.Timeouts` ran out (``phase`` says which)."""

    _PHASE_TEXT: dict[str, str] = {
        "connect": "connecting",
        "first_byte": "waiting for the response",
        "idle": "waiting for more data",
        "write": "sending the request",
        "pool": "waiting for a free connection",
    }

    def __init__(self, *, phase: str, seconds: float | None, host: str) -> None:
        self.phase = phase
        self.seconds = seconds
        self.host = host
        limit = f" after {seconds:g} s" if seconds is not None else ""
        # Not super(): in StreamIdleTimeout the next class in the MRO is StreamInterrupted.
        GemtuiApiError.__init__(
            self,
            f"Timed out {self._PHASE_TEXT.get(phase, phase)} ({host}){limit}",
            hint="The server or network is slow or stalled; retry, or raise the timeout "
            "([network] in the config file).",
        )

    @property
    def retryable(self) -> bool:
        return self.phase in ("connect", "pool")

    @property
    def summary(self) -> str:
        return f"timed out {self._PHASE_TEXT.get(self.phase, self.phase)}"


class StreamInterrupted(GemtuiApiError):
    """The event stream ended before ``interaction.completed`` (or ``[DONE]``).

    Everything received so far is valid; resume with
    ``client.stream_get(interaction_id, last_event_id)`` or fetch the interaction.
    """

    def __init__(
        self,
        reason: str,
        *,
        last_event_id: str | None,
        interaction_id: str | None,
        events_received: int,
    ) -> None:
        self.reason = reason
        self.last_event_id = last_event_id
        self.interaction_id = interaction_id
        self.events_received = events_received
        where = f" of {interaction_id}" if interaction_id else ""
        super().__init__(
            f"Stream{where} interrupted after {events_received} events: {reason}",
            hint=_resume_hint(interaction_id),
        )

    @classmethod
    def read_back(cls, text: str) -> StreamInterrupted | None:
        """The error again from its message as the history keeps it (``str()`` of one), so a
        chat read back says it as it was said live; ``None`` for any other text."""
        found = _INTERRUPTED.fullmatch(text)
        if found is None:
            return None
        return cls(
            found["reason"],
            last_event_id=None,
            interaction_id=found["id"],
            events_received=int(found["count"]),
        )


_INTERRUPTED = re.compile(
    r"Stream(?: of (?P<id>\S+))? interrupted after (?P<count>[0-9]+) events: (?P<reason>.*)",
    re.DOTALL,
)


def _resume_hint(interaction_id: str | None) -> str:
    if interaction_id:
        return "The partial answer is kept; resume the stream or retry the turn."
    return "The stream dropped before the interaction had an id; retry the turn."


class StreamIdleTimeout(ApiTimeoutError, StreamInterrupted):
    """No data arrived for ``Timeouts.idle`` seconds in the middle of a stream."""

    def __init__(
        self,
        *,
        seconds: float | None,
        host: str,
        last_event_id: str | None,
        interaction_id: str | None,
        events_received: int,
    ) -> None:
        ApiTimeoutError.__init__(self, phase="idle", seconds=seconds, host=host)
        self.reason = self.message
        self.last_event_id = last_event_id
        self.interaction_id = interaction_id
        self.events_received = events_received
        self.hint = (
            "The stream stalled (a slow link may need a longer [network] idle_timeout). "
            + _resume_hint(interaction_id)
        )


class UnexpectedResponseError(GemtuiApiError):
    """A success status with a body this client cannot use (wrong content type, bad JSON)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            hint="Check that the base URL points at the Gemini API (or the gemtui emulator).",
        )
