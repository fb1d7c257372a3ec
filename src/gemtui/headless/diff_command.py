"""``gemtui diff A B``: two turns compared, for scripts (the TUI's compare screen, printed).

A and B are each one of:

* a recording file (``run.jsonl``; ``run.jsonl#2`` for its second recording, as
  ``gemtui proxy --record`` appends one per exchange);
* ``CONV:N``, turn N of conversation CONV's branch in use (1 is the first, -1 the last);
* an interaction id the history holds (a turn of gemtui's, or one the inspector captured).

It only reads (the history read-only, the files), so it works beside a running gemtui, offline.
Exit codes: 0 printed, 1 a turn was not found or cannot be read, 2 usage.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from gemtui.core.wording import plural
from gemtui.headless import exits

if TYPE_CHECKING:
    from gemtui.core.store import Store
    from gemtui.core.turn import Turn
    from gemtui.core.turn_diff import Side

_CONVERSATION_TURN = re.compile(r"(\d+):(-?\d+)")
_RECORDING_PART = re.compile(r"(.+)#(\d+)")


class NotFound(Exception):
    """The operand names nothing there is; the text says what was looked for."""


class BadOperand(Exception):
    """The operand is malformed (a turn number of 0, say)."""


def run_diff(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    from gemtui.core.store import StoreError

    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    store: Store | None = None
    try:
        sides = []
        for letter, spec in (("A", args.a), ("B", args.b)):
            side, store = _resolve(spec, f"{letter} {spec}", store)
            sides.append(side)
    except BadOperand as error:
        err.write(f"gemtui diff: {error}\n")
        return exits.USAGE
    except (NotFound, StoreError, OSError) as error:
        err.write(f"gemtui diff: {error}\n")
        return exits.API_ERROR
    finally:
        if store is not None:
            store.close()
    from gemtui.core.turn_diff import diff_turns, report_text

    diff = diff_turns(sides[0], sides[1])
    if args.json:
        from gemtui.headless.output import print_json, stdout_writer

        print_json(stdout_writer(out), diff.to_json())
        return exits.OK
    width = shutil.get_terminal_size((80, 24)).columns if out.isatty() else 80
    out.write(report_text(diff, width))
    out.flush()
    return exits.OK


def _resolve(spec: str, label: str, store: Store | None) -> tuple[Side, Store | None]:
    """The turn ``spec`` names (see the module docstring), and the history if it was opened."""
    from gemtui.core.turn_diff import Side

    part = _RECORDING_PART.fullmatch(spec)
    path, number = (Path(part.group(1)), int(part.group(2))) if part else (Path(spec), 1)
    if path.is_file():
        return Side(_recorded_turn(path, number), label), store
    if store is None:
        from gemtui.core.store import Store

        store = Store.open_default(read_only=True)
    conversation_turn = _CONVERSATION_TURN.fullmatch(spec)
    if conversation_turn is not None:
        conversation_id, number = (int(group) for group in conversation_turn.groups())
        if number == 0:
            raise BadOperand(f"{spec}: turns count from 1 (or from -1 at the end)")
        turns = store.load_turns(conversation_id, limit=None)
        if not turns:
            raise NotFound(f"{spec}: the history has no conversation {conversation_id}")
        if abs(number) > len(turns):
            raise NotFound(f"{spec}: conversation {conversation_id} has {len(turns)} turns")
        stored = turns[number - 1 if number > 0 else number]
        return Side(stored.turn, label, stored.settings), store
    found = store.find_interaction(spec)
    stored = store.turn(found[1]) if found is not None else None
    if stored is None:
        raise NotFound(f"{spec} is no file, no CONV:N turn and no interaction in the history")
    return Side(stored.turn, label, stored.settings), store


def _recorded_turn(path: Path, number: int) -> Turn:
    """The ``number``-th recording of ``path`` as a turn (what a replay assembles)."""
    from gemtui.core.recording import load_recordings
    from gemtui.core.reopen_state import prompt_from_input
    from gemtui.core.replay import replay_instant
    from gemtui.core.turn import Asked, Exchange, Reply
    from gemtui.core.turn import Turn as RecordedTurn

    recordings = load_recordings(path)
    if not 1 <= number <= len(recordings):
        raise NotFound(f"{path} holds {plural(len(recordings), 'recording')}, not a #{number}")
    recording = recordings[number - 1]
    exchange = Exchange.from_json(recording.exchange) if recording.exchange else None
    asked = Asked(
        prompt=prompt_from_input(recording.request.get("input")),
        kind="captured" if exchange else "replayed",
        label=exchange.label if exchange else path.name,
        request=recording.request,
        exchange=exchange,
    )
    reply = Reply(state=replay_instant(recording))
    reply.settle()
    return RecordedTurn(asked=asked, reply=reply)
