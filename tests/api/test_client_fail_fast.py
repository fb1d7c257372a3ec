"""Failures a retry cannot mend fail at once; those it can are retried, and every retry is
announced through ``on_retry``. Real sockets on this machine: a closed loopback port, a host
name the resolver rejects without sending a query, the emulator's ``!fault 503x2``."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest
from support.endpoints import UNRESOLVABLE_HOST, closed_port, own_address
from support.rawserver import ScriptedServer, reply

from gemtui.api.base_url import InvalidBaseUrl
from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.api.errors import ApiConnectionError, connection_error

PARAMS = {"model": "gemini-3.6-flash", "input": "Hi"}
OK = reply(200, {"id": "v1_ok", "object": "interaction", "status": "completed"})


class Retries:
    """An ``on_retry`` hook that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float, str]] = []

    def __call__(self, attempt: int, delay: float, reason: str) -> None:
        self.calls.append((attempt, delay, reason))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_refused_on_this_machine_fails_at_once(make_client, sleeps, host):
    port = closed_port()
    retries = Retries()
    client = make_client(f"http://{host}:{port}", on_retry=retries)
    with pytest.raises(ApiConnectionError) as caught:
        await client.create(PARAMS)
    error = caught.value
    assert (error.kind, error.retryable) == ("refused", False)
    assert str(error) == f"Could not reach {host}:{port}: connection refused"
    assert f"gemtui emulator --port {port}" in error.hint and "--base-url" in error.hint
    assert retries.calls == []
    assert sleeps.delays == []


async def test_refused_by_another_address_is_retried(make_client, sleeps):
    address = own_address()
    port = closed_port(address)
    retries = Retries()
    with pytest.raises(ApiConnectionError) as caught:
        await make_client(f"http://{address}:{port}", on_retry=retries).create(PARAMS)
    assert (caught.value.kind, caught.value.retryable) == ("refused", True)
    assert retries.calls == [(1, 0.5, "connection refused"), (2, 1.0, "connection refused")]
    assert sleeps.delays == [0.5, 1.0]


async def test_a_host_name_that_does_not_resolve_fails_at_once(make_client, sleeps):
    retries = Retries()
    client = make_client(f"http://{UNRESOLVABLE_HOST}", on_retry=retries)
    with pytest.raises(ApiConnectionError) as caught:
        await client.create(PARAMS)
    error = caught.value
    assert (error.kind, error.retryable) == ("dns", False)
    assert (
        str(error) == f"Could not reach {UNRESOLVABLE_HOST}: host name not resolved (no such host)"
    )
    assert "Check the host name" in error.hint and "GOOGLE_GEMINI_BASE_URL" in error.hint
    assert retries.calls == []
    assert sleeps.delays == []


def test_no_answer_from_dns_is_not_retried_either():
    # Offline, getaddrinfo fails at once with EAI_AGAIN; online it has already retried with its
    # own timeouts. Either way a backoff only adds seconds. (A real EAI_AGAIN needs a machine
    # without a name server, so the error is built as httpcore raises it.)
    cause = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    exc = httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    exc.__cause__ = cause
    error = connection_error(exc, "api.example:443", connecting=True)
    assert (error.kind, error.retryable) == ("dns", False)
    assert (
        str(error) == "Could not reach api.example:443: host name not resolved (no answer from DNS)"
    )
    assert "check the network connection" in error.hint


def test_google_s_own_host_not_found_points_at_the_network_not_the_base_url():
    """No base URL set and Google's host "does not exist": the network's DNS cannot see it
    (a firewall, a filter, no connection); a hint to fix the base URL would mislead."""
    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    exc = httpx.ConnectError("[Errno -2] Name or service not known")
    exc.__cause__ = cause
    error = connection_error(exc, "generativelanguage.googleapis.com", connecting=True)
    assert str(error) == (
        "Could not reach generativelanguage.googleapis.com: host name not resolved (no such host)"
    )
    assert "check the connection" in error.hint and "HTTPS_PROXY" in error.hint
    assert "base URL" not in error.hint and "GOOGLE_GEMINI_BASE_URL" not in error.hint
    elsewhere = connection_error(exc, "api.example:443", connecting=True)
    assert "Check the host name" in elsewhere.hint


async def test_a_503_from_the_emulator_is_retried_and_each_retry_announced(
    emulator_factory, make_client, sleeps, api_key
):
    emulator = emulator_factory()  # its count of failed identical requests starts at zero
    retries = Retries()
    client = make_client(emulator.base_url, on_retry=retries)
    interaction = await client.create({"model": "gemini-3.6-flash", "input": "!fault 503x2 hi"})
    assert interaction.status == "completed"
    assert [(attempt, reason) for attempt, _, reason in retries.calls] == [
        (1, "HTTP 503 service_unavailable"),
        (2, "HTTP 503 service_unavailable"),
    ]
    # The emulator's Retry-After sets the wait the hook is told about, and the one waited.
    assert [delay for _, delay, _ in retries.calls] == sleeps.delays == [0.01, 0.01]
    assert client.last_timings.attempts == 3
    assert all(api_key not in reason for _, _, reason in retries.calls)


async def test_the_hook_can_be_set_after_construction_and_its_errors_do_not_fail_the_request(
    make_client, sleeps, caplog
):
    def broken(attempt: int, delay: float, reason: str) -> None:
        raise RuntimeError("the status bar is gone")

    failing = reply(500, {"error": {"code": "internal", "message": "boom"}})
    async with ScriptedServer(failing, OK) as server:
        client = make_client(server.base_url)
        client.on_retry = broken
        with caplog.at_level(logging.ERROR, logger="gemtui.api.client"):
            interaction = await client.create(PARAMS)
    assert interaction.id == "v1_ok"
    assert len(server.requests) == 2
    assert "on_retry callback failed" in caplog.text


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("not-a-url", "must start with http:// or https://"),
        ("ftp://example.com", "only http:// and https://"),
        ("http://", "no host name"),
        ("http://example.com:99999", "port"),
        ("http://exa mple.com", "spaces"),
    ],
)
def test_a_base_url_the_client_cannot_use_is_refused_at_construction(base_url, problem):
    with pytest.raises(InvalidBaseUrl, match=problem):
        InteractionsClient(api_key="k", base_url=base_url, retry=RetryPolicy())
