"""Error bodies exactly as the Interactions API sends them (wire reference §6)."""

from __future__ import annotations

import json

from starlette.responses import Response

#: HTTP status for each error code the API documents (§6.2).
STATUS_OF_CODE = {
    "invalid_request": 400,
    "failed_precondition": 400,
    "parameter_unknown": 400,
    "authentication": 401,
    "payment_required": 402,
    "permission_denied": 403,
    "not_found": 404,
    "model_not_found": 404,
    "method_not_allowed": 405,
    "already_exists": 409,
    "aborted": 409,
    "out_of_range": 416,
    "rate_limit_exceeded": 429,
    "too_many_requests": 429,
    "quota_exceeded": 429,
    "cancelled": 499,
    "api_error": 500,
    "unimplemented": 501,
    "service_unavailable": 503,
    "deadline_exceeded": 504,
}

#: What ``!fault <status>`` answers with: the code and a message like the real one.
FAULT_ERRORS = {
    400: ("invalid_request", "Request contains an invalid argument."),
    401: (
        "authentication",
        "API key not valid. Please pass a valid API key in the x-goog-api-key header.",
    ),
    402: ("payment_required", "Your prepaid credit is exhausted. Add credit to continue."),
    403: ("permission_denied", "The caller does not have permission to use this model."),
    404: ("not_found", "Requested entity was not found."),
    409: ("aborted", "The operation was aborted because of a concurrent change. Try again."),
    416: ("out_of_range", "The requested range is out of bounds."),
    429: (
        "too_many_requests",
        "Resource has been exhausted (e.g. check quota). Please retry after a short delay.",
    ),
    499: ("cancelled", "The operation was cancelled."),
    500: ("api_error", "An internal error has occurred. Please retry or report it."),
    501: ("unimplemented", "This operation is not implemented."),
    503: ("service_unavailable", "The model is overloaded. Please try again later."),
    504: ("deadline_exceeded", "Deadline expired before operation could complete."),
}

MISSING_KEY_MESSAGE = (
    "Missing API key. Set an API key in the x-goog-api-key header (or the key query "
    "parameter); get one at https://aistudio.google.com/apikey."
)


class ApiError(Exception):
    """Raised anywhere in a request handler; the app turns it into the JSON error response."""

    def __init__(
        self, code: str, message: str, *, status: int | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_OF_CODE.get(code, 400)
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}

    def response(self) -> Response:
        return Response(
            json.dumps(self.body()),
            status_code=self.status,
            headers=self.headers,
            media_type="application/json",
        )


def invalid(message: str) -> ApiError:
    return ApiError("invalid_request", message)


def not_found(interaction_id: str) -> ApiError:
    return ApiError("not_found", f"Interaction '{interaction_id}' was not found.")


def retry_headers(seconds: float) -> dict[str, str]:
    """``Retry-After`` (seconds, fractional when configured so) plus ``retry-after-ms``."""
    text = str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
    return {"Retry-After": text, "retry-after-ms": str(round(seconds * 1000))}


def fault_error(status: int, retry_after_seconds: float) -> ApiError:
    code, message = FAULT_ERRORS[status]
    headers = retry_headers(retry_after_seconds) if status in (429, 503) else None
    return ApiError(code, message, status=status, headers=headers)
