"""Exit codes of ``gemtui ask``, one per thing a calling script may want to branch on."""

from __future__ import annotations

#: The interaction completed; the answer was printed.
OK = 0
#: The API or the network failed (HTTP error, connection, timeout, a failed interaction), the
#: answer is not JSON that follows ``--schema``, or a ``--save-media`` file was not written.
API_ERROR = 1
#: The command line cannot be carried out (no prompt, unreadable file, bad JSON, bad flags).
USAGE = 2
#: The interaction stopped short: it needs function results (``requires_action``), it is
#: ``incomplete`` or ``cancelled``, or its stream was cut off.
UNFINISHED = 3
#: Ctrl+C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


class UsageError(Exception):
    """A problem with the command line or the files it names; its text says what to change."""
