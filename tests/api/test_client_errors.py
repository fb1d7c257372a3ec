"""HTTP error answers become typed exceptions with the API's code, message and a hint."""

from __future__ import annotations

import pytest
from support.rawserver import ScriptedServer, reply

from gemtui.api.client import RetryPolicy
from gemtui.api.errors import (
    KEY_HINT,
    ApiStatusError,
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    StreamInterrupted,
    retry_after_seconds,
)

NO_RETRY = RetryPolicy(max_attempts=1)

# (status, code, class, a fragment of the hint) for every row of interactions-api.md §6.2.
TABLE = [
    (400, "invalid_request", InvalidRequestError, "change what the message names"),
    (400, "failed_precondition", InvalidRequestError, "billing"),
    (400, "parameter_unknown", InvalidRequestError, "API version"),
    (416, "out_of_range", ApiStatusError, "out of range"),
    (401, "authentication", AuthenticationError, "GEMINI_API_KEY"),
    (402, "payment_required", PaymentRequiredError, "credit"),
    (403, "permission_denied", PermissionDeniedError, "may not use"),
    (404, "not_found", NotFoundError, "expired"),
    (404, "model_not_found", NotFoundError, "model name"),
    (409, "already_exists", ConflictError, "already exists"),
    (409, "aborted", ConflictError, "try again"),
    (429, "rate_limit_exceeded", RateLimitedError, "wait"),
    (429, "too_many_requests", RateLimitedError, "wait"),
    (429, "quota_exceeded", RateLimitedError, "quota"),
    (499, "cancelled", ApiStatusError, "cancelled"),
    (500, "api_error", ServerError, "retry later"),
    (501, "unimplemented", ServerError, "does not support"),
    (503, "service_unavailable", ServerError, "retry later"),
    (504, "deadline_exceeded", ServerError, "retry later"),
]


async def raised_by(make_client, script, **kwargs):
    """The exception ``create()`` raises against ``script`` (one attempt unless told)."""
    kwargs.setdefault("retry", NO_RETRY)
    async with ScriptedServer(script) as server:
        client = make_client(server.base_url, **kwargs)
        with pytest.raises(ApiStatusError) as caught:
            await client.create({"model": "gemini-3.6-flash", "input": "Hi"})
    return caught.value


@pytest.mark.parametrize(("status", "code", "cls", "hint"), TABLE, ids=[r[1] for r in TABLE])
async def test_error_table_maps_to_classes_codes_and_hints(make_client, status, code, cls, hint):
    message = f"Something about {code}."
    body = {"error": {"code": code, "message": message}}
    error = await raised_by(make_client, reply(status, body))
    assert type(error) is cls
    assert (error.status, error.code, error.server_message) == (status, code, message)
    assert hint.lower() in error.hint.lower()
    assert str(error) == f"HTTP {status} {code}: {message}"
    assert error.body == body


async def test_chaining_onto_a_running_interaction_says_to_wait_not_to_check_billing(make_client):
    message = "Interaction 'v1_a' is still in progress; wait until it finishes."
    body = {"error": {"code": "failed_precondition", "message": message}}
    error = await raised_by(make_client, reply(400, body))
    assert "still running" in error.hint and "billing" not in error.hint


async def test_missing_key_sends_no_header_and_maps_401_to_the_key_hint(make_client):
    body = {"error": {"code": "authentication", "message": "API key not set."}}
    async with ScriptedServer(reply(401, body)) as server:
        client = make_client(server.base_url, api_key=None, retry=NO_RETRY)
        with pytest.raises(AuthenticationError) as caught:
            await client.get("v1_abc")
    assert "x-goog-api-key" not in server.requests[0].headers
    assert caught.value.hint == KEY_HINT
    assert "key" not in server.requests[0].target


async def test_classic_google_error_shape_with_an_invalid_key(make_client):
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ],
        }
    }
    error = await raised_by(make_client, reply(400, body))
    assert isinstance(error, AuthenticationError)
    assert (error.status, error.code) == (400, "invalid_argument")
    assert error.hint == KEY_HINT


async def test_unregistered_caller_403_is_a_key_problem(make_client):
    message = (
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API."
    )
    body = {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED"}}
    error = await raised_by(make_client, reply(403, body))
    assert isinstance(error, AuthenticationError)
    assert error.code == "permission_denied"


async def test_legacy_schema_rejection_is_an_invalid_request(make_client):
    message = (
        "The legacy Interactions API schema is no longer supported. Please upgrade your "
        "client SDK to Python >= 2.0.0 or JavaScript/TypeScript >= 2.0.0"
    )
    error = await raised_by(
        make_client, reply(400, {"error": {"message": message, "code": "invalid_request"}})
    )
    assert isinstance(error, InvalidRequestError)
    assert error.server_message == message


async def test_html_error_page_from_a_proxy(make_client):
    page = "<html><head><title>502</title></head><body><h1>502 Bad Gateway</h1>\n</body></html>"
    error = await raised_by(make_client, reply(502, page, content_type="text/html"))
    assert isinstance(error, ServerError)
    assert error.code == "bad_gateway"
    assert error.server_message == "502 502 Bad Gateway"
    assert error.body == page


async def test_empty_error_body_falls_back_to_the_status_name(make_client):
    error = await raised_by(make_client, reply(500, b""))
    assert (error.code, error.server_message) == ("internal_server_error", "")
    assert str(error) == "HTTP 500 internal_server_error"


async def test_str_is_one_line_without_control_characters(make_client):
    message = "line one\nline two\r\n\x1b[31mred\x1b[0m\tend"
    error = await raised_by(
        make_client, reply(400, {"error": {"code": "invalid_request", "message": message}})
    )
    text = str(error)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert text == "HTTP 400 invalid_request: line one line two [31mred [0m end"


async def test_very_long_messages_are_shortened_in_str_only(make_client):
    message = "x" * 5000
    error = await raised_by(
        make_client, reply(400, {"error": {"code": "invalid_request", "message": message}})
    )
    assert len(str(error)) == 300
    assert error.server_message == message


async def test_stream_open_error_is_raised_on_entering(make_client):
    body = {"error": {"code": "not_found", "message": "Result not found."}}
    async with ScriptedServer(reply(404, body)) as server:
        client = make_client(server.base_url)
        with pytest.raises(NotFoundError) as caught:
            async with client.stream_get("v1_gone"):
                pytest.fail("entered a stream that failed to open")
    assert "expired" in caught.value.hint


async def test_rate_limit_hint_names_the_wait(make_client):
    body = {"error": {"code": "too_many_requests", "message": "quota"}}
    error = await raised_by(make_client, reply(429, body, headers={"Retry-After": "7"}))
    assert error.retry_after == 7.0
    assert "7 s" in error.hint


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1"}, 0.001),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after-ms": "x"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers, expected):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(headers, now=now) == expected


def test_a_cut_stream_reads_back_from_the_history_as_the_error_it_was() -> None:
    cut = StreamInterrupted(
        "connection lost", last_event_id="e7", interaction_id="v1_a", events_received=7
    )
    read = StreamInterrupted.read_back(str(cut))
    assert read is not None and str(read) == str(cut)
    assert (read.events_received, read.reason, read.interaction_id) == (
        7,
        "connection lost",
        "v1_a",
    )
    assert StreamInterrupted.read_back("Quota exceeded for the model.") is None
