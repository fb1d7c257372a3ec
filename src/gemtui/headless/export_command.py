"""``gemtui export ID --format md|json [-o FILE]``: a stored conversation, written out.

``ID`` is a conversation id (a number, as ``gemtui history`` lists them), ``last`` (the most
recently updated conversation) or an interaction id (``v1_…``, as ``gemtui ask -o json`` prints
and ``gemtui show`` takes): the conversation that holds that interaction.

Opens the history read-only, so it works while a TUI is writing to it and never changes it.
Markdown exports one branch, a readable page: the branch in use, or for an interaction id the
branch that goes through it (the one in use if it does, else the newest). JSON exports every
turn of every branch (each with its parent), so nothing stored is left out. Exit codes: 0
written, 1 no such conversation or interaction in the history, or the history cannot be read
or the file written, 2 an ID of none of the three forms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from gemtui.core.credentials import api_key_from_env
from gemtui.core.request_options import INTERACTION_ID
from gemtui.headless import exits
from gemtui.headless.output import complain

if TYPE_CHECKING:
    from gemtui.core.store import Store
    from gemtui.core.store_records import ConversationSummary, StoredTurn

LAST = "last"
FORMS = "a conversation id (a number, see gemtui history), an interaction id (v1_…) or last"


class NotFound(Exception):
    """The ID names nothing in the history; the text says so."""


def run_export(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    from gemtui.core.export import export_conversation, write_private
    from gemtui.core.safety import one_line
    from gemtui.core.store import Store, StoreError

    reference = args.id.strip()
    if not (_is_last(reference) or reference.isdigit() or INTERACTION_ID.fullmatch(reference)):
        complain(stderr, "gemtui export", f"{one_line(args.id)!r} is not {FORMS}.")
        return exits.USAGE
    secrets = [key] if (key := api_key_from_env()) else []
    try:
        with Store.open_default(secrets=secrets, read_only=True) as store:
            summary, turns = _find(store, reference, all_branches=args.format == "json")
    except NotFound as error:
        complain(stderr, "gemtui export", error)
        return exits.API_ERROR
    except StoreError as error:
        complain(stderr, "gemtui export", error.explained())
        return exits.API_ERROR
    text = export_conversation(args.format, summary, turns, secrets=secrets)
    if args.output in (None, "-"):
        stdout.write(text)
        return exits.OK
    try:
        write_private(Path(args.output), text)
    except OSError as error:
        complain(stderr, "gemtui export", f"cannot write {args.output}: {error.strerror or error}")
        return exits.API_ERROR
    return exits.OK


def _is_last(reference: str) -> bool:
    return reference.lower() == LAST


def _find(
    store: Store, reference: str, *, all_branches: bool
) -> tuple[ConversationSummary, list[StoredTurn]]:
    """The conversation ``reference`` names and the turns to export; raises :class:`NotFound`."""
    turn_id = None
    if _is_last(reference):
        found = store.last_conversation_id()
        if found is None:
            raise NotFound("the history holds no conversation yet.")
    elif reference.isdigit():
        found = int(reference)
    else:
        located = store.find_interaction(reference)
        if located is None:
            raise NotFound(
                f"no interaction {reference} in the history (only interactions made by gemtui "
                "on this machine are kept; gemtui show ID fetches any from the server)."
            )
        found, turn_id = located
    summary = store.get_conversation(found)
    if summary is None:
        raise NotFound(f"no conversation {reference} in the history.")
    if all_branches or turn_id is None:
        return summary, store.load_turns(summary.id, limit=None, all_branches=all_branches)
    return summary, branch_through(store, summary, turn_id)


def branch_through(store: Store, summary: ConversationSummary, turn_id: int) -> list[StoredTurn]:
    """The turns, first to last, of the branch in use if it goes through ``turn_id``, else of
    the newest branch that does."""
    from gemtui.core.branching import branch_tips, path_to

    tree = {node.id: node for node in store.turn_tree(summary.id)}
    head = summary.head_turn_id
    ends = [] if head is None else [head]
    ends += [tip.leaf_id for tip in branch_tips(list(tree.values()), head)]  # newest first
    path = next(
        (path for path in (path_to(tree, end) for end in ends) if turn_id in {t.id for t in path}),
        [],
    )
    wanted = {node.id for node in path} or {turn_id}
    everything = store.load_turns(summary.id, limit=None, all_branches=True)
    return [turn for turn in everything if turn.id in wanted]
