"""``gemtui export ID --format md|json [-o FILE]``: a stored conversation, written out.

Opens the history read-only, so it works while a TUI is writing to it and never changes it.
Markdown exports the branch in use (a readable page); JSON exports every turn of every branch
(each with its parent), so nothing stored is left out. Exit codes: 0 written, 1 no such
conversation or the history cannot be read or the file written, 2 a malformed ID.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO

from gemtui.core.credentials import api_key_from_env
from gemtui.headless import exits

LAST = "last"


def run_export(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    from gemtui.core.export import export_conversation, write_private
    from gemtui.core.store import Store, StoreError

    reference = args.id.strip().lower()
    if reference != LAST and not reference.isdigit():
        stderr.write(f"gemtui export: {args.id!r} is not a conversation id (a number, or last).\n")
        return exits.USAGE
    secrets = [key] if (key := api_key_from_env()) else []
    try:
        with Store.open_default(secrets=secrets, read_only=True) as store:
            found = store.last_conversation_id() if reference == LAST else int(reference)
            summary = store.get_conversation(found) if found is not None else None
            if summary is None:
                stderr.write(f"gemtui export: no conversation {args.id} in the history.\n")
                return exits.API_ERROR
            turns = store.load_turns(summary.id, limit=None, all_branches=args.format == "json")
    except StoreError as error:
        hint = f" {error.hint}" if error.hint else ""
        stderr.write(f"gemtui export: {error}{hint}\n")
        return exits.API_ERROR
    text = export_conversation(args.format, summary, turns, secrets=secrets)
    if args.output in (None, "-"):
        stdout.write(text)
        return exits.OK
    try:
        write_private(Path(args.output), text)
    except OSError as error:
        stderr.write(f"gemtui export: cannot write {args.output}: {error.strerror or error}\n")
        return exits.API_ERROR
    return exits.OK
