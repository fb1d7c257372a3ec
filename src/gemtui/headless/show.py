"""``gemtui show ID`` and ``gemtui replay FILE`` without the TUI: print instead of opening panes.

They print when asked to (``--print``, or ``--output-format``) or when stdout is not a terminal,
so ``gemtui show ID | jq`` works. ``show`` prints the interaction from ``GET`` (``json``: the
Interaction JSON with every step, ``user_input`` included; ``text``: its answer text);
``replay`` prints what the recording assembles to. Textual is never imported here; the HTTP
stack only once the arguments are known to be good.

Exit codes (:mod:`gemtui.headless.exits`): 0 printed, 1 API or network error (no such
interaction, expired, wrong key), 2 usage (a recording that cannot be read, a base URL that is
not an http(s) URL).
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, TYPE_CHECKING

from gemtui.headless import exits
from gemtui.headless.endpoint import NoEndpoint, headless_endpoint
from gemtui.headless.exits import UsageError
from gemtui.headless.output import complain

if TYPE_CHECKING:
    from gemtui.api.models import Interaction
    from gemtui.core.recording import Recording


def wants_print(args: argparse.Namespace, stdout: IO[str] | None = None) -> bool:
    """Whether to print rather than open the TUI."""
    stdout = sys.stdout if stdout is None else stdout
    isatty = getattr(stdout, "isatty", None)
    return args.print or args.output_format is not None or not (isatty is not None and isatty())


def read_recordings(path: str, stderr: IO[str] | None = None) -> list[Recording] | None:
    """The recordings at ``path`` that hold events (a file may hold several, one per turn or
    captured exchange), or ``None`` after saying on stderr why it cannot be replayed."""
    from gemtui.core.recording import load_recordings

    stderr = sys.stderr if stderr is None else stderr
    try:
        recordings = [found for found in load_recordings(path) if found.events]
    except FileNotFoundError:
        complain(stderr, "gemtui replay", f"no such file: {path}")
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        complain(stderr, "gemtui replay", f"cannot read {path}: {reason}")
        return None
    if not recordings:
        complain(
            stderr,
            "gemtui replay",
            f"{path} holds no events. A recording is JSON Lines as written by "
            "Ctrl+S in the app or `gemtui ask --output-format stream-json`.",
        )
        return None
    return recordings


def run_replay_print(
    args: argparse.Namespace, recordings: list[Recording], *, stdout: IO[str] | None = None
) -> int:
    """Print what each recording assembles to, in order: its answer text, or the interaction
    as JSON (one object for one recording, else one per line)."""
    from gemtui.core.assembler import assembled_interaction
    from gemtui.core.replay import replay_instant

    out = sys.stdout if stdout is None else stdout
    codes = {exits.OK}
    for number, recording in enumerate(recordings):
        state = replay_instant(recording)
        interaction = assembled_interaction(state)
        if number and not args.output_format:
            out.write("\n")  # one answer from the next
        _print(interaction, args.output_format or "text", out, "gemtui replay", sys.stderr)
        error = state.error
        said = f"{error.code}: {error.message}" if error is not None else ""
        codes.add(_say_how_it_ended(interaction, "gemtui replay", sys.stderr, said, recorded=True))
    # A failure says the most; then one still running or cut short.
    return next(c for c in (exits.API_ERROR, exits.UNFINISHED, exits.OK) if c in codes)


def run_show(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """GET the interaction ``args.id`` and print it; errors go to stderr with their hint."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    captured = captured_interaction(args.id)
    if captured is not None:
        _print(captured, args.output_format or "text", stdout, "gemtui show", stderr)
        return _say_how_it_ended(captured, "gemtui show", stderr)
    import asyncio

    from gemtui.api.errors import GemtuiApiError
    from gemtui.core.interaction_ids import refused_id

    try:
        with headless_endpoint(demo=args.demo, base_url=args.base_url) as endpoint:
            api_key = endpoint.api_key
            # A capture is looked for above; what else the history holds is not printed
            # from it, so a word that is no id is refused at once, not answered with a 404.
            said = refused_id(args.id, demo=args.demo, base_url=endpoint.base_url, store=None)
            if said:
                raise UsageError(said)
            interaction = asyncio.run(_get(args.id, api_key, endpoint.base_url, stderr))
    except UsageError as error:
        complain(stderr, "gemtui show", error)
        return exits.USAGE
    except NoEndpoint as error:
        complain(stderr, "gemtui show", error)
        return exits.API_ERROR
    except GemtuiApiError as error:
        text = "\n  ".join(part for part in (str(error), error.hint) if part)
        complain(stderr, "gemtui show", text, [api_key or ""])
        return exits.API_ERROR
    except KeyboardInterrupt:
        stderr.write("\ngemtui show: interrupted.\n")
        return exits.INTERRUPTED
    _print(interaction, args.output_format or "text", stdout, "gemtui show", stderr)
    return _say_how_it_ended(interaction, "gemtui show", stderr)


def _say_how_it_ended(
    interaction: Interaction,
    command: str,
    stderr: IO[str],
    error: str = "",
    *,
    recorded: bool = False,
) -> int:
    """An interaction that did not complete says so on stderr, with its exit code (as
    ``gemtui ask``'s): a running, cancelled or failed one printed nothing and exited 0.
    ``recorded``: read from a recording, which says nothing of the server now."""

    status = interaction.status or ("failed" if error else "completed")
    if status == "completed" and not error:
        return exits.OK
    if status in ("in_progress", "queued") and recorded:
        said = f"the recording stops before the interaction ended (it was {status})"
        code = exits.UNFINISHED
    elif status in ("in_progress", "queued"):
        said = f"it is still {status} at the server (gemtui ask --wait {interaction.id} waits)"
        code = exits.UNFINISHED
    elif status == "failed" or error:
        from gemtui.core.run_errors import failure_report

        said = f"it failed: {error}" if error else failure_report(interaction).message
        code = exits.API_ERROR
    elif status == "requires_action":
        said = "it ends asking for function results (requires_action)"
        code = exits.UNFINISHED
    else:
        said = f"it ended {status}"
        code = exits.UNFINISHED
    complain(stderr, command, said)
    return code


def captured_interaction(interaction_id: str) -> Interaction | None:
    """The interaction as the inspector captured it (``gemtui proxy``), from the history:
    what the program got, even where the server no longer has it or the key is another's.
    ``None`` when the history holds no capture of it (or cannot be read)."""
    from gemtui.core.assembler import assembled_interaction
    from gemtui.core.store import Store, StoreError

    try:
        with Store.open_default(read_only=True) as store:
            turn_id = store.find_captured(interaction_id)
            stored = store.turn(turn_id) if turn_id is not None else None
    except StoreError:
        return None
    if stored is None:
        return None
    from gemtui.api.models import parse_step

    turn = stored.turn
    interaction = assembled_interaction(turn.reply.state)
    asked = turn.asked
    sent = ([asked.user_input_step] if asked.has_user_input else []) + asked.results
    steps = [parse_step(step) for step in sent] + list(interaction.steps or ())
    return interaction.model_copy(update={"steps": steps})


async def _get(
    interaction_id: str, api_key: str | None, base_url: str | None, stderr: IO[str]
) -> Interaction:
    from gemtui.api.client import InteractionsClient
    from gemtui.core.safety import clean_terminal_text
    from gemtui.headless.output import retry_notice

    async with InteractionsClient(api_key=api_key, base_url=base_url) as client:
        attempts = client.retry.max_attempts

        def say_retry(attempt: int, delay: float, reason: str) -> None:
            notice = retry_notice(attempt, delay, reason, attempts)
            stderr.write(clean_terminal_text(f"gemtui show: {notice}") + "\n")
            stderr.flush()

        client.on_retry = say_retry
        return await client.get(interaction_id)


def _print(
    interaction: Interaction, output_format: str, stdout: IO[str], command: str, stderr: IO[str]
) -> None:
    """The interaction as JSON, or its answer's text; in text, the answer's pictures, audio
    and documents are named on stderr (they were left out without a word)."""
    from gemtui.core.interaction_text import output_text
    from gemtui.headless.output import print_json, stdout_writer

    out = stdout_writer(stdout)
    if output_format == "json":
        print_json(out, interaction.to_wire())
        return
    text = output_text(interaction.steps or ()) or ""
    out.write(text if not text or text.endswith("\n") else text + "\n")
    out.flush()
    for step in interaction.steps or ():
        if getattr(step, "type", None) != "model_output":
            continue
        from gemtui.core.media import facts_of, media_of

        for item in media_of(getattr(step, "content", None)):
            complain(
                stderr,
                command,
                f"the answer has a part that text output cannot show ({facts_of(item).describe()});"
                " --output-format json keeps it.",
            )
