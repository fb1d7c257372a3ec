"""The emulator's HTTP surface: the Interactions API paths, headers and error bodies.

Routes exist under both ``/v1beta`` and ``/v1`` with the same behaviour. Any non-empty API
key is accepted (``x-goog-api-key``, ``?key=`` or ``Authorization: Bearer``). Every failure,
including unknown paths and internal errors, is the API's JSON error body, never a trace.

Choices where the real API is undocumented (wire reference §9):
- cancel of a finished or a foreground (non-background) interaction: 400 ``failed_precondition``;
- delete answers 200 with ``{}``; a later GET is 404 ``not_found``;
- GET ``?stream=true`` without ``last_event_id`` replays the run from its first event;
  an unknown ``last_event_id`` is 400 ``invalid_request``;
- a background create answers at once with ``status: in_progress`` and no steps.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import math
import secrets
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gemtui.emulator import ids, runner
from gemtui.emulator.continuation import Pending, check_continuation, split_answer
from gemtui.emulator.directives import Directives, parse
from gemtui.emulator.errors import MISSING_KEY_MESSAGE, ApiError, fault_error, invalid, not_found
from gemtui.emulator.model_table import get_model, list_models
from gemtui.emulator.options import EmulatorOptions
from gemtui.emulator.persist import PersistentRecords
from gemtui.emulator.request import CreateRequest, parse_create, text_of
from gemtui.emulator.resources import Resources, check_agent_config
from gemtui.emulator.scenarios import Plan, Turn, build_plan, usage_of
from gemtui.emulator.sse import EventStream, install_log_filter
from gemtui.emulator.store import RUNNING, Record, Store

VERSIONS = ("v1beta", "v1")
#: how many requests ``ReceivedRequests`` keeps (the oldest are forgotten first)
RECEIVED_LIMIT = 64


class Emulator:
    """State of one emulator instance: options, stored interactions, id counter, fault counts.

    With ``persist`` the stored interactions outlive the process (see :mod:`.persist`), and
    the id seed gets a random part of its own: a later run must never hand out an id an
    earlier one did, while an emulator without a file stays reproducible from its seed.
    """

    def __init__(self, options: EmulatorOptions, persist: PersistentRecords | None = None) -> None:
        self.options = options
        self.store = Store(persist)
        self.seed = options.seed if persist is None else f"{options.seed}/{secrets.token_hex(8)}"
        self.counter = 0
        self.attempts: dict[str, int] = {}
        #: Answers still owed in hops, by the continuation token that asks for the next one.
        self.continuations: dict[str, Pending] = {}
        self.tasks: set[asyncio.Task] = set()
        self.resources = Resources(self.seed, persist.path if persist is not None else None)

    # --- create ----------------------------------------------------------------------------

    async def create(self, request: Request) -> Any:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise invalid(
                "Invalid JSON payload received. The request body is not valid JSON."
            ) from None
        create = parse_create(body, request.headers.get("api-revision"))
        prompt, directives = _prompt_and_directives(create)
        pending = None
        if create.continuation_token:
            pending = check_continuation(
                self.continuations.get(create.continuation_token),
                store=create.store,
                previous_id=create.previous_interaction_id,
                has_input=bool(create.input_steps),
            )
            # The resent input's directives asked for the first hop; only its pacing stays.
            directives = Directives(slow_ms=directives.slow_ms)
        self._check_fault(directives, request.url.path, raw)
        if create.agent is not None and body.get("agent_config") is not None:
            check_agent_config(body["agent_config"], create.agent)
        file_notes = self.resources.described_uris(create.input_steps)
        history = self._history(create.previous_interaction_id)
        record, plan_turn = self._new_record(create, history, prompt, directives, raw)
        plan_turn.notes = file_notes
        if pending is None:
            plan = self._in_hops(record, create, build_plan(plan_turn), plan_turn)
        else:
            plan = self._next_hop(record, create, pending)
        record.environment_id = plan.environment_id
        self.resources.environment_used(plan.environment_id, create.environment)
        pacing = self._pacing(directives, create)
        if pacing.queued_ms:
            record.status = "queued"
        if create.store:
            self.store.add(record)
        steps = runner.script(record, plan, directives, pacing, self.options.chunk_chars)
        work = self._run(record, steps)
        if create.stream or create.background:
            record.task = asyncio.get_running_loop().create_task(work)
            self.tasks.add(record.task)
            record.task.add_done_callback(self.tasks.discard)
            if create.stream:
                return EventStream(record, drop_after=directives.drop_after)
            return JSONResponse(record.resource(with_input=False))
        await work
        return JSONResponse(record.resource(with_input=False))

    def _in_hops(self, record: Record, create: CreateRequest, plan: Plan, turn: Turn) -> Plan:
        """The first hop of ``plan`` when it is to arrive in hops (``!hops N``, or longer than
        the hop size option); background and agent runs are continued by the server itself."""
        hops = turn.directives.hops
        if hops is None and self.options.hop_kb:
            text = sum(len(json.dumps(step)) for step in plan.steps)
            hops = math.ceil(text / (self.options.hop_kb * 1024))
        if not hops or hops < 2 or create.background or create.agent:
            return plan
        parts = split_answer(plan.steps, hops)
        if parts is None:
            return plan
        pending = Pending(parts, plan.status, record.id if create.store else None, turn)
        return self._next_hop(record, create, pending)

    def _next_hop(self, record: Record, create: CreateRequest, pending: Pending) -> Plan:
        """The plan of the hop ``pending`` owes next; a token for the hop after it, if any."""
        steps, rest = pending.hops[0], pending.hops[1:]
        status = pending.final_status
        if rest:
            status = "requires_continuation"
            token = "ct_" + ids.token(self.seed, "continuation", record.id)
            owner = record.id if create.store else None
            self.continuations[token] = Pending(rest, pending.final_status, owner, pending.scenario)
            record.continuation_token = token
        return Plan(steps=steps, status=status, usage=usage_of(pending.scenario, steps))

    async def _run(self, record: Record, steps: Iterator[float]) -> None:
        """Run to the end, then keep the record (also when the task is cancelled at exit)."""
        try:
            await runner.run(record, steps)
        finally:
            self.store.keep(record)

    def _check_fault(self, directives: Directives, path: str, raw: bytes) -> None:
        if directives.http_status is None:
            return
        if directives.fail_first is not None:
            key = hashlib.sha256(path.encode() + b"\0" + raw).hexdigest()
            self.attempts[key] = self.attempts.get(key, 0) + 1
            if self.attempts[key] > directives.fail_first:
                return
        raise fault_error(directives.http_status, self.options.retry_after_seconds)

    def _history(self, previous_id: str | None) -> list[dict[str, Any]]:
        if previous_id is None:
            return []
        previous = self.store.get(previous_id)
        if previous is None:
            raise not_found(previous_id)
        if previous.status in RUNNING:
            raise ApiError(
                "failed_precondition",
                f"Interaction '{previous_id}' is still in progress; wait until it finishes "
                "before continuing the conversation.",
            )
        return self.store.history(previous)

    def _new_record(
        self,
        create: CreateRequest,
        history: list[dict[str, Any]],
        prompt: str,
        directives: Directives,
        raw: bytes,
    ) -> tuple[Record, Turn]:
        self.counter += 1
        own = ids.token(self.seed, str(self.counter), raw)
        previous = self.store.get(create.previous_interaction_id or "")
        root = previous.root_token if previous else own
        turn = Turn(create, history, prompt, directives, own, self.options.answer_kb)
        owner = {"agent": create.agent} if create.agent else {"model": create.model or ""}
        record = Record(
            id=ids.interaction_id(root, own),
            root_token=root,
            owner=owner,
            input_steps=create.input_steps,
            usage=usage_of(turn, []),
            background=create.background,
            previous_interaction_id=create.previous_interaction_id,
            service_tier=create.service_tier or "standard",
        )
        return record, turn

    def _pacing(self, directives: Directives, create: CreateRequest) -> runner.Pacing:
        """Streams and background runs take time; a plain JSON answer is computed at once."""
        paced = create.stream or create.background
        delta = directives.slow_ms if directives.slow_ms is not None else self.options.delay_ms
        queued = directives.queued_ms
        if queued is None and create.service_tier == "flex":
            queued = self.options.flex_queue_ms
        return runner.Pacing(
            delta_ms=delta if paced else 0.0,
            step_ms=self.options.background_step_ms if create.background else 0.0,
            stall_ms=directives.stall_ms or 0.0,
            queued_ms=(queued or 0.0) if paced else 0.0,
        )

    # --- get, cancel, delete -------------------------------------------------------------

    def _record(self, request: Request) -> Record:
        interaction_id = request.path_params["id"]
        record = self.store.get(interaction_id)
        if record is None:
            raise not_found(interaction_id)
        return record

    async def get(self, request: Request) -> Any:
        stream = _bool_param(request, "stream")
        last_event_id = request.query_params.get("last_event_id")
        if last_event_id is not None and not stream:
            raise invalid("'last_event_id' is only supported together with 'stream=true'.")
        record = self._record(request)
        if not stream:
            return JSONResponse(record.resource(with_input=True))
        start = 0
        if last_event_id is not None:
            position = record.position_after(last_event_id)
            if position is None:
                raise invalid(f"Unknown 'last_event_id' '{last_event_id}' for this interaction.")
            start = position
        return EventStream(record, start=start)

    async def cancel(self, request: Request) -> Any:
        record = self._record(request)
        if not record.background or record.finished:
            raise ApiError(
                "failed_precondition",
                "Only background interactions that are still running can be cancelled; "
                f"this one is '{record.status}'"
                + ("" if record.background else " and was not created with background=true")
                + ".",
            )
        task = record.task
        runner.cancel(record)
        if task is None:  # a run of an earlier process: no task will keep it
            self.store.keep(record)
        return JSONResponse(record.resource(with_input=True))

    async def delete(self, request: Request) -> Any:
        record = self._record(request)
        self.store.remove(record.id)
        if record.task is not None and not record.task.done():
            record.task.cancel()
        return JSONResponse({})

    # --- stopping ----------------------------------------------------------------------------

    def settle(self) -> None:
        """Before the server's tasks are cancelled: with a file, finish every run still
        going at once, as the real service would finish it after the client left, so it is
        kept completed; one that waits forever (``never-complete``) is kept in progress.
        Without a file nothing outlives the process, so nothing is done."""
        if self.store.persist is None:
            return
        for record in self.store.running():
            runner.rush(record)

    def close(self) -> None:
        """After the tasks are gone: wait for the file's pending writes and close it."""
        if self.store.persist is not None:
            self.store.persist.close()
        self.resources.close()


class ReceivedRequests:
    """The last requests, as received, so tests can check what a client sent.

    Read-only for clients: nothing in the emulator's behaviour depends on it. The API key is
    kept only as a SHA-256 digest, so a test can tell keys apart without the log holding one.
    Appended on the server's thread and read from others, hence the lock. Only the last
    ``limit`` are kept, so a test counts what came after a mark (:meth:`count`, :meth:`since`):
    the length of a full log no longer moves.
    """

    def __init__(self, limit: int = RECEIVED_LIMIT) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._count = 0

    async def record(self, request: Request) -> None:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        key = request.headers.get("x-goog-api-key", "")
        item = {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "key_sha256": hashlib.sha256(key.encode()).hexdigest() if key else None,
            "body": body,
        }
        with self._lock:
            self._items.append(item)
            self._count += 1

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._items))

    def count(self) -> int:
        """How many requests were received so far (not only those kept)."""
        with self._lock:
            return self._count

    def since(self, mark: int) -> list[dict[str, Any]]:
        """The requests received after :meth:`count` said ``mark``, oldest first; ``LookupError``
        if some of them are no longer kept."""
        with self._lock:
            new = self._count - mark
            if new > len(self._items):
                raise LookupError(f"{new} requests since the mark; only {len(self._items)} kept")
            return copy.deepcopy(list(self._items)[len(self._items) - new :]) if new else []


def _prompt_and_directives(create: CreateRequest) -> tuple[str, Directives]:
    """The last user text of this request without directives, and those directives.

    A request that ends with function results carries no directives (in stateless history
    the earlier user turn, with its directives, is resent and must not fire again).
    """
    steps = create.input_steps
    if steps and steps[-1].get("type") == "function_result":
        users = [s for s in steps if s.get("type") == "user_input"]
        return (text_of(users[-1]) if users else ""), Directives()
    users = [s for s in steps if s.get("type") == "user_input"]
    return parse(text_of(users[-1])) if users else ("", Directives())


def _bool_param(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise invalid(f"Invalid value '{value}' for query parameter '{name}': expected a boolean.")


def _has_key(request: Request) -> bool:
    if request.headers.get("x-goog-api-key", "").strip():
        return True
    if request.query_params.get("key", "").strip():
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def create_app(options: EmulatorOptions | None = None, persist: Path | None = None) -> Starlette:
    """A new emulator (own store, own id counter) as a Starlette app; with ``persist``, its
    interactions are kept in that file between runs (see :mod:`.persist`)."""
    records = PersistentRecords(persist) if persist is not None else None
    emulator = Emulator(options or EmulatorOptions(), records)
    install_log_filter()

    received = ReceivedRequests()

    def endpoint(handler: Any, *, session: bool = False) -> Any:
        """``handler`` behind the key check (``session``: a request to an upload session's
        URL needs none, its ``upload_id`` authorises it), with every request recorded."""

        async def run(request: Request) -> Any:
            await received.record(request)
            try:
                keyless = session and "upload_id" in request.query_params
                if not keyless and not _has_key(request):
                    raise ApiError("authentication", MISSING_KEY_MESSAGE)
                return await handler(request)
            except ApiError as error:
                return error.response()

        return run

    routes = []
    for version in VERSIONS:
        base = f"/{version}/interactions"
        routes += [
            Route(base, endpoint(emulator.create), methods=["POST"]),
            Route(base + "/{id}", endpoint(emulator.get), methods=["GET"]),
            Route(base + "/{id}", endpoint(emulator.delete), methods=["DELETE"]),
            Route(base + "/{id}/cancel", endpoint(emulator.cancel), methods=["POST"]),
            Route(f"/{version}/models", endpoint(list_models), methods=["GET"]),
            Route(f"/{version}/models/{{model:path}}", endpoint(get_model), methods=["GET"]),
        ]
    routes += resource_routes(emulator.resources, endpoint)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.emulator = emulator
    app.state.received = received
    return app


def resource_routes(resources: Resources, endpoint: Any) -> list[Route]:
    """Agents, environments and the Files API under both versions. Upload chunks go to the
    session URL without a key (its ``upload_id`` authorises them), as the SDK sends them."""

    async def upload(request: Request) -> Any:
        if "upload_id" in request.query_params:
            return await resources.upload_chunk(request)
        return await resources.start_upload(request)

    routes = []
    for version in VERSIONS:
        routes += [
            Route(f"/{version}/agents", endpoint(resources.list_agents), methods=["GET"]),
            Route(f"/{version}/agents", endpoint(resources.create_agent), methods=["POST"]),
            Route(f"/{version}/agents/{{id}}", endpoint(resources.get_agent), methods=["GET"]),
            Route(
                f"/{version}/agents/{{id}}", endpoint(resources.delete_agent), methods=["DELETE"]
            ),
            Route(
                f"/{version}/environments", endpoint(resources.list_environments), methods=["GET"]
            ),
            Route(
                f"/{version}/environments",
                endpoint(resources.create_environment),
                methods=["POST"],
            ),
            Route(
                f"/{version}/environments/{{id}}/files/{{path:path}}",
                endpoint(resources.environment_files),
                methods=["GET"],
            ),
            Route(
                f"/{version}/environments/{{id}}",
                endpoint(resources.get_environment),
                methods=["GET"],
            ),
            Route(
                f"/{version}/environments/{{id}}",
                endpoint(resources.delete_environment),
                methods=["DELETE"],
            ),
            Route(f"/upload/{version}/files", endpoint(upload, session=True), methods=["POST"]),
            Route(f"/{version}/files", endpoint(resources.list_files), methods=["GET"]),
            Route(f"/{version}/files/{{name}}", endpoint(resources.get_file), methods=["GET"]),
            Route(
                f"/{version}/files/{{name}}", endpoint(resources.delete_file), methods=["DELETE"]
            ),
        ]
    return routes


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        return ApiError(
            "method_not_allowed", "Method not allowed for this path.", status=405
        ).response()
    return ApiError(
        "not_found", "The requested URL was not found on this server.", status=404
    ).response()


async def _internal_error(_request: Request, _exc: Exception) -> Response:
    return ApiError("api_error", "An internal error has occurred in the emulator.").response()
