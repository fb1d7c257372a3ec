"""Async client of the Gemini Interactions API over one ``httpx.AsyncClient``.

Every request goes through :meth:`InteractionsClient._send`, which owns the three rules that
matter for a chat client: retry only what is safe and may help (connect failures, 408, 429, 5xx;
never other 4xx, never once a stream has delivered events, never a host name that did not resolve
or a refused connection on this machine), turn every failure into a typed error from
:mod:`gemtui.api.errors`, and keep the API key in the ``x-goog-api-key`` header and nowhere else.
Front ends learn of each retry, and how long it waits, through ``on_retry``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from gemtui import __version__
from gemtui.api import tls
from gemtui.api.base_url import GOOGLE_HOST, InvalidBaseUrl, check_base_url, is_loopback
from gemtui.api.errors import (
    REDACTED,
    ApiConnectionError,
    ApiTimeoutError,
    GemtuiApiError,
    UnexpectedResponseError,
    connection_error,
    error_from_response,
)
from gemtui.api.models import Interaction, WireModel, build_event_schema, build_schemas
from gemtui.api.sse import EventStream, ReceivedEvent, guarded_chunks
from gemtui.api.timing import RequestTimings, RetryPolicy, Timeouts, TimingTrace

if TYPE_CHECKING:
    from gemtui.api.model_info import ModelInfo
    from gemtui.api.request_models import CreateInteractionParams

__all__ = [
    "API_VERSIONS",
    "DEFAULT_BASE_URL",
    "EventStream",
    "InteractionsClient",
    "RawResponse",
    "ReceivedEvent",
    "RequestExtras",
    "RequestTimings",
    "RetryCallback",
    "RetryPolicy",
    "Timeouts",
    "default_base_url",
]

DEFAULT_BASE_URL = f"https://{GOOGLE_HOST}"
API_VERSIONS = ("v1", "v1beta")
USER_AGENT = f"gemtui/{__version__}"
#: What httpcore imports on a client's first request (see ``InteractionsClient.warm_up``).
WARM_MODULES = (
    "anyio._backends._asyncio",
    "anyio.streams.memory",
    "anyio.streams.stapled",
    "anyio.streams.tls",
    "anyio.lowlevel",
    "httpcore._backends.anyio",
    "httpcore._async.http11",
    "httpcore._async.connection",
    "httpcore._async.connection_pool",
)
#: Error bodies are read up to this size; the rest is not needed to explain the error.
_MAX_ERROR_BODY = 256 * 1024

log = logging.getLogger(__name__)

#: ``on_retry(attempt, delay, reason)``: ``attempt`` failed (1 is the first try) and attempt
#: ``attempt + 1`` starts in ``delay`` seconds; ``reason`` is the failure's
#: :attr:`~gemtui.api.errors.GemtuiApiError.summary` (e.g. ``HTTP 503 unavailable``).
RetryCallback = Callable[[int, float, str], None]


def default_base_url(env: Mapping[str, str] = os.environ) -> str:
    """``GOOGLE_GEMINI_BASE_URL`` if set, else Google's endpoint."""
    return env.get("GOOGLE_GEMINI_BASE_URL") or DEFAULT_BASE_URL


class _Secret:
    """Holds the key so that no repr, ``vars()`` dump or debugger view shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return REDACTED


class InteractionsClient:
    """create / stream / get / stream_get (resume) / cancel / delete of interactions.

    ``last_timings`` holds the :class:`RequestTimings` of the latest non-streaming request
    (streams carry their own on ``EventStream.timings``).

    ``on_retry`` (a constructor argument, or set the attribute later) is called before each
    wait between attempts, so a front end can show "retrying in 3 s (HTTP 503 unavailable)"
    instead of sitting silent: see :data:`RetryCallback`. It is called on the event loop that
    runs the request, must not block, and gets no key and no request. An exception it raises
    is logged and ignored: a display problem must not fail the request.

    ``base_url`` must be an http(s) URL (:func:`gemtui.api.base_url.check_base_url`); anything
    else raises :class:`~gemtui.api.base_url.InvalidBaseUrl`, a ``ValueError``.
    """

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        api_version: str = "v1",
        timeouts: Timeouts = Timeouts(),  # noqa: B008 - frozen, safe to share
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, safe to share
        http: httpx.AsyncClient | None = None,
        on_retry: RetryCallback | None = None,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {API_VERSIONS}, not {api_version!r}")
        self._key = _Secret(api_key) if api_key else None
        self.base_url = check_base_url(base_url or default_base_url())
        self.api_version = api_version
        self.timeouts = timeouts
        self.retry = retry
        self._owns_http = http is None
        # Created on the first request, or ahead of it by ``warm_up``: building an AsyncClient
        # imports the HTTP stack and loads the TLS certificates (0.1-0.25 s here), which must
        # delay neither the first frame of the TUI nor the first request.
        self._http_client = http
        self._http_lock = threading.Lock()
        self._httpx_timeout = httpx.Timeout(
            # Reads are bounded by our own first-byte and idle limits (see _send, EventStream).
            connect=timeouts.connect,
            read=None,
            write=timeouts.write,
            pool=timeouts.pool,
        )
        try:
            url = httpx.URL(self.base_url)
        except httpx.InvalidURL as exc:
            raise InvalidBaseUrl(f"is not a valid URL ({exc})") from None
        self._host = url.netloc.decode("ascii", "replace")
        #: A refused connection to this machine is not retried (nothing listens there).
        self._local = is_loopback(url.host)
        self.last_timings: RequestTimings | None = None
        self.on_retry: RetryCallback | None = on_retry

    def __repr__(self) -> str:
        key = REDACTED if self._key else None
        return (
            f"InteractionsClient(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"api_key={key})"
        )

    async def __aenter__(self) -> InteractionsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._http_client is None:
            with self._http_lock:  # ``warm_up`` may be building it in its thread
                if self._http_client is None:
                    self._http_client = httpx.AsyncClient(verify=tls.context())
        return self._http_client

    def warm_up(self) -> None:
        """Build the HTTP client and import what the first request needs, so that the
        request leaves at once when it is made. Blocking: run it in a thread (the TUI does,
        after its first frame); it touches no event loop."""
        self._http  # noqa: B018 - built for its side effect
        # Imported by httpcore on the first request otherwise (the asyncio backend of anyio
        # and its streams): a tenth of a second on the request's path.
        for module in WARM_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
        build_schemas()

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http and self._http_client is not None:
            await self._http_client.aclose()

    # ------------------------------------------------------------------ operations

    async def create(self, params: CreateInteractionParams | dict[str, Any]) -> Interaction:
        """``POST /{v}/interactions`` without streaming; returns the finished (or background)
        interaction."""
        body = _wire(params)
        body.pop("stream", None)
        return _interaction(await self._json("POST", "interactions", body=body))

    def stream(
        self,
        params: CreateInteractionParams | dict[str, Any],
        *,
        on_sent: Callable[[], None] | None = None,
    ) -> EventStream:
        """``POST /{v}/interactions`` with ``stream: true``; the request is sent on entering.
        ``on_sent`` is called when the request's last byte is written (each attempt)."""
        body = _wire(params)
        body["stream"] = True
        return self._event_stream("POST", "interactions", body=body, on_sent=on_sent)

    async def get(self, interaction_id: str) -> Interaction:
        """``GET /{v}/interactions/{id}``: the full timeline, ``user_input`` steps included."""
        return _interaction(await self._json("GET", _path(interaction_id)))

    def stream_get(self, interaction_id: str, last_event_id: str | None = None) -> EventStream:
        """``GET /{v}/interactions/{id}?stream=true``; with ``last_event_id`` the server resumes
        after that event."""
        query = {"stream": "true"}
        if last_event_id:
            query["last_event_id"] = last_event_id
        return self._event_stream("GET", _path(interaction_id), query=query)

    async def cancel(self, interaction_id: str) -> Interaction:
        """``POST /{v}/interactions/{id}/cancel`` (background runs only, per the API)."""
        return _interaction(await self._json("POST", _path(interaction_id) + "/cancel"))

    async def delete(self, interaction_id: str) -> None:
        """``DELETE /{v}/interactions/{id}``; the body (empty or ``{}``) is ignored."""
        await self._read("DELETE", _path(interaction_id))

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        extras: RequestExtras | None = None,
    ) -> RawResponse:
        """Any other request of the API (files, agents, environments), with the same retries
        and errors as the interaction calls; ``path`` follows ``/{v}/`` (or ``/upload/{v}/``
        with ``extras.upload``). The body is read whole."""
        response, timings = await self._send(
            method, path, body=body, query=query, stream=False, extras=extras
        )
        try:
            content = await self._read_body(response, timings)
        finally:
            await response.aclose()
            timings.finish()
        self.last_timings = timings
        return RawResponse(response.status_code, response.headers, content)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        """:meth:`request` whose answer is JSON (an empty body is ``{}``)."""
        raw = await self.request(method, path, body=body, query=query)
        return raw.json(f"{method} {path}")

    async def get_model(self, model: str) -> ModelInfo:
        """``GET /{v}/models/{model}`` (the Gemini API's models.get): the model's token
        limits. An unknown model is an ``ApiStatusError`` with status 404."""
        # Imported here, not at the top: no start-up path needs the models endpoint.
        from gemtui.api.model_info import ModelInfo

        name = quote(model.removeprefix("models/"), safe="")
        payload = await self._json("GET", f"models/{name}")
        try:
            return ModelInfo.model_validate(payload)
        except ValidationError as exc:
            raise UnexpectedResponseError(
                f"The response is not a model: {exc.errors()[0]['msg']}"
            ) from None

    # ------------------------------------------------------------------ machinery

    def _event_stream(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> EventStream:
        def sent() -> None:
            # The loop runs this while it waits for the answer's headers.
            asyncio.get_running_loop().call_soon(build_event_schema)
            if on_sent is not None:
                on_sent()

        async def opener() -> tuple[httpx.Response, RequestTimings]:
            return await self._send(method, path, body=body, query=query, stream=True, on_sent=sent)

        return EventStream(opener, idle_timeout=self.timeouts.idle, host=self._host)

    async def _json(self, method: str, path: str, *, body: dict[str, Any] | None = None) -> Any:
        content = await self._read(method, path, body=body)
        try:
            return json.loads(content)
        except ValueError:
            raise UnexpectedResponseError(
                f"{method} {path} returned a body that is not JSON ({len(content)} bytes)"
            ) from None

    async def _read(self, method: str, path: str, *, body: dict[str, Any] | None = None) -> bytes:
        """Send a non-streaming request and read its whole body."""
        response, timings = await self._send(method, path, body=body, stream=False)
        try:
            content = await self._read_body(response, timings)
        finally:
            await response.aclose()
            timings.finish()
        self.last_timings = timings
        return content

    async def _read_body(
        self, response: httpx.Response, timings: RequestTimings, limit: int | None = None
    ) -> bytes:
        """The body (up to ``limit`` bytes), under the idle limit between chunks."""
        parts: list[bytes] = []
        size = 0
        try:
            async with aclosing(guarded_chunks(response, timings, self.timeouts.idle)) as chunks:
                async for chunk in chunks:
                    parts.append(chunk)
                    size += len(chunk)
                    if limit is not None and size >= limit:
                        break
        except TimeoutError:
            raise ApiTimeoutError(
                phase="idle", seconds=self.timeouts.idle, host=self._host
            ) from None
        except httpx.TransportError as exc:
            raise connection_error(exc, self._host, connecting=False) from exc
        return b"".join(parts)

    def _build(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None,
        query: dict[str, str] | None,
        stream: bool,
        trace: TimingTrace,
        extras: RequestExtras | None = None,
    ) -> httpx.Request:
        extras = extras or RequestExtras()
        headers = {
            "accept": "text/event-stream" if stream else "application/json",
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        if self._key is not None and extras.url is None:
            # An upload session URL is authorised by its upload id: the key stays home.
            headers["x-goog-api-key"] = self._key.value
        headers.update(extras.headers)
        content = (
            json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            if body is not None
            else extras.content
        )
        prefix = f"upload/{self.api_version}" if extras.upload else self.api_version
        return self._http.build_request(
            method,
            extras.url or f"{self.base_url}/{prefix}/{path}",
            params=query,
            content=content,
            headers=headers,
            timeout=self._httpx_timeout,
            extensions={"trace": trace},
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        stream: bool,
        extras: RequestExtras | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> tuple[httpx.Response, RequestTimings]:
        """One request with retries; returns the open 2xx response (body not read yet)."""
        attempt = 0
        first_started = time.monotonic()
        while True:
            attempt += 1
            trace = TimingTrace(attempt, on_sent)
            trace.timings.retried_s = trace.timings.started_at - first_started
            request = self._build(
                method, path, body=body, query=query, stream=stream, trace=trace, extras=extras
            )
            try:
                response = await self._send_once(request)
            except GemtuiApiError as exc:
                error: GemtuiApiError = exc
            else:
                trace.timings.status_code = response.status_code
                if response.status_code < 300:
                    return response, trace.timings
                error = await self._status_error(response, trace.timings, method, path)
            self.last_timings = trace.timings
            delay = self.retry.delay(attempt, getattr(error, "retry_after", None))
            if not error.retryable or delay is None:
                raise error
            log.info("retrying %s %s in %.2f s: %s", method, path, delay, error)
            self._announce_retry(attempt, delay, error)
            await self.retry.sleep(delay)

    def _announce_retry(self, attempt: int, delay: float, error: GemtuiApiError) -> None:
        """Tell ``on_retry`` (if set) that attempt ``attempt`` failed and when the next starts."""
        if self.on_retry is None:
            return
        try:
            self.on_retry(attempt, delay, error.summary)
        except Exception:
            log.exception("on_retry callback failed; retrying anyway")

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        """Send and wait for the response head, mapping transport failures to typed errors."""
        limit = self.timeouts.first_byte
        try:
            async with asyncio.timeout(limit):
                return await self._http.send(request, stream=True)
        except TimeoutError:
            raise ApiTimeoutError(phase="first_byte", seconds=limit, host=self._host) from None
        except httpx.ConnectTimeout:
            raise ApiTimeoutError(
                phase="connect", seconds=self.timeouts.connect, host=self._host
            ) from None
        except httpx.WriteTimeout:
            raise ApiTimeoutError(
                phase="write", seconds=self.timeouts.write, host=self._host
            ) from None
        except httpx.PoolTimeout:
            raise ApiTimeoutError(
                phase="pool", seconds=self.timeouts.pool, host=self._host
            ) from None
        except httpx.ConnectError as exc:
            raise connection_error(exc, self._host, connecting=True, local=self._local) from exc
        except httpx.TransportError as exc:
            raise connection_error(exc, self._host, connecting=False) from exc

    async def _status_error(
        self, response: httpx.Response, timings: RequestTimings, method: str, path: str
    ) -> GemtuiApiError:
        try:
            content = await self._read_body(response, timings, limit=_MAX_ERROR_BODY)
        except (ApiTimeoutError, ApiConnectionError):
            content = b""
        finally:
            await response.aclose()
            timings.finish()
        return error_from_response(
            status=response.status_code,
            headers=response.headers,
            body=content,
            method=method,
            url=f"{self.base_url}/{self.api_version}/{path}",
            secret=self._key.value if self._key else None,
        )


@dataclass(frozen=True)
class RequestExtras:
    """What a request of :meth:`InteractionsClient.request` needs beyond a JSON body: its own
    headers, raw bytes, the ``/upload/`` prefix, or an absolute URL (an upload session's,
    which is sent without the API key)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    upload: bool = False
    url: str | None = None


@dataclass(frozen=True)
class RawResponse:
    """A whole response of :meth:`InteractionsClient.request`."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    def json(self, what: str = "the response") -> Any:
        if not self.content.strip():
            return {}
        try:
            return json.loads(self.content)
        except ValueError:
            raise UnexpectedResponseError(
                f"{what} returned a body that is not JSON ({len(self.content)} bytes)"
            ) from None


def _path(interaction_id: str) -> str:
    """``interactions/{id}`` with the id quoted so it can never change the path."""
    return "interactions/" + quote(interaction_id, safe="")


def _wire(params: CreateInteractionParams | dict[str, Any]) -> dict[str, Any]:
    return params.to_wire() if isinstance(params, WireModel) else dict(params)


def _interaction(payload: Any) -> Interaction:
    try:
        return Interaction.model_validate(payload)
    except ValidationError as exc:
        # Without pydantic's "Value error, " prefix, which tells the reader nothing.
        why = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise UnexpectedResponseError(f"The response is not an interaction: {why}") from None
