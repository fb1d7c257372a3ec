"""``gemtui ask``: check the command line, find the endpoint, run, and map the result to an
exit code.

Only the standard library and :mod:`gemtui.headless.inputs` are imported up front; the HTTP
stack, pydantic and (for ``--demo``) the emulator load after the arguments are known to be good.
Textual is never imported on this path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO

from gemtui.api import tls
from gemtui.core import start_up_gc
from gemtui.core.safety import os_text
from gemtui.headless import exits
from gemtui.headless.endpoint import NoEndpoint, headless_endpoint
from gemtui.headless.exits import UsageError
from gemtui.headless.inputs import (
    AskRequest,
    build_request,
    check_combinations,
    split_continue,
)
from gemtui.headless.last_id import load_last, save_last_id, state_file
from gemtui.headless.output import complain

#: How long ``ask`` keeps the collector still (gemtui.core.start_up_gc) if its answer has not
#: ended first: past its first byte from a nearby server, and inside Gemini's own wait for one.
START_UP_SECONDS = 1.0


def run_ask(
    args: argparse.Namespace,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run ``gemtui ask`` for parsed ``args``; returns the exit code (:mod:`.exits`).

    The streams default to the process's own; tests pass their own to run in-process.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    try:
        return _run(args, stdin, stdout, stderr)
    except UsageError as error:
        complain(stderr, "gemtui ask", error)
        return exits.USAGE
    except KeyboardInterrupt:
        # asyncio.run cancelled the task (closing the connection) before re-raising this.
        stderr.write("\ngemtui ask: interrupted.\n")
        return exits.INTERRUPTED
    except BrokenPipeError:
        # The reader stopped reading (`gemtui ask … | head`): it has what it wanted, so stop
        # quietly and successfully, as ripgrep does, rather than fail a `pipefail` script.
        from gemtui.headless.output import silence

        silence(stdout)
        return exits.OK
    finally:
        tls.settle()
        start_up_gc.release()


def _run(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    for name in ("prompt", "system", "continue_id"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, os_text(value))
    split_continue(args)
    check_combinations(args)
    wait_id = request = None
    if args.wait is not None:
        wait_id = args.wait or _last("--wait", state_file(background=True, demo=args.demo))[0]
    else:
        request = build_request(args, stdin)
        if args.continue_id is not None:
            if args.continue_id:
                request.previous_id, request.previous_id_given = args.continue_id, True
            else:
                last = _last("--continue", state_file(demo=args.demo))
                request.previous_id, request.previous_may_run = last
    tls.prepare()  # the certificates load beside the imports below (see gemtui.api.tls)
    import asyncio

    try:
        with headless_endpoint(demo=args.demo, base_url=args.base_url) as endpoint:
            return asyncio.run(
                _session_run(
                    args, request, wait_id, endpoint.api_key, endpoint.base_url, stdout, stderr
                )
            )
    except NoEndpoint as error:
        complain(stderr, "gemtui ask", error)
        return exits.API_ERROR


def _last(flag: str, path: Path) -> tuple[str, bool]:
    found = load_last(path)
    if found is None:
        earlier = (
            "`gemtui ask --background` to wait for"
            if flag == "--wait"
            else ("`gemtui ask` to continue from")
        )
        raise UsageError(
            f"{flag} without an id needs an earlier {earlier}; none is recorded. "
            "Give the interaction id."
        )
    return found


async def _session_run(
    args: argparse.Namespace,
    request: AskRequest | None,
    wait_id: str | None,
    api_key: str | None,
    base_url: str | None,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    import asyncio  # loaded by _run already: a name lookup

    asyncio.get_running_loop().call_later(START_UP_SECONDS, start_up_gc.release)
    from gemtui.api.models import keep_schemas_in
    from gemtui.core.data_dir import cache_dir
    from gemtui.core.jobs import endpoint_of
    from gemtui.headless import runner
    from gemtui.headless.functions import declare, load_functions
    from gemtui.headless.history import close_history, open_history
    from gemtui.headless.output import (
        AnswerPrinter,
        CleanWriter,
        Messages,
        retry_notice,
        stdout_writer,
    )

    keep_schemas_in(cache_dir())  # the event validator's schema: see gemtui.api.schema_cache
    out = stdout_writer(stdout)
    answer = AnswerPrinter(
        out, mark_citations=not isinstance(out, CleanWriter) and _may_cite(request)
    )
    secrets = [api_key] if api_key else []
    if request is not None:  # MCP header values (tokens) are kept out of history and stderr
        from gemtui.core.tool_specs import secret_values

        secrets += secret_values(request.tools)
    messages = Messages(
        stderr,
        verbose=args.verbose,
        secrets=secrets,
        answer=answer if isinstance(out, CleanWriter) else None,
    )

    def remember(interaction_id: str, *, unfinished: bool = False) -> None:
        """Called with each interaction worth continuing from; with ``--background`` that is
        the run just started, which ``--wait`` then defaults to. ``unfinished``: it may still
        be running at the server (the next ``--continue`` waits for it)."""
        try:
            save_last_id(interaction_id, state_file(demo=args.demo), unfinished=unfinished)
            if args.background:
                save_last_id(interaction_id, state_file(background=True, demo=args.demo))
        except OSError as error:
            messages.say(f"could not record the interaction id for --continue: {error}")

    functions = {}
    if request is not None:
        functions = load_functions(getattr(args, "config", None), messages)
        declare(request.tools, functions)
    history = open_history(secrets, messages, enabled=not args.no_history)
    history.endpoint = endpoint_of(base_url, demo=args.demo)  # kept with a --background run
    try:
        async with runner.make_client(
            api_key=api_key,
            base_url=base_url,
            retries=args.retries,
            api_version=getattr(args, "api_version", "v1"),
        ) as client:
            attempts = client.retry.max_attempts
            client.on_retry = lambda attempt, delay, reason: messages.say(
                retry_notice(attempt, delay, reason, attempts)
            )
            session = runner.Session(
                client=client,
                out=out,
                messages=messages,
                answer=answer,
                output_format=args.output_format,
                secrets=secrets,
                remember=remember,
                history=history,
                functions=functions,
                save_media=getattr(args, "save_media", None),
            )
            if wait_id is not None:
                return await runner.wait(session, wait_id)
            assert request is not None
            return await runner.ask(session, request)
    finally:
        close_history(history)


#: Server-side tools whose answers carry citation annotations (URL, place or file).
CITING_TOOLS = frozenset(
    {"google_search", "url_context", "google_maps", "file_search", "retrieval"}
)


def _may_cite(request: AskRequest | None) -> bool:
    """Whether the answer may carry citations worth holding each answer step back for, in a
    pipe, to print it with ``[n]`` markers (see :mod:`gemtui.headless.view`): a grounding tool
    or an agent (Deep Research cites), and no ``--schema`` (markers would break the JSON)."""
    if request is None or request.has_schema:
        return False
    return bool(request.agent) or any(tool.get("type") in CITING_TOOLS for tool in request.tools)
