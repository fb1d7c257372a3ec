"""Where ``gemtui ask`` writes: the answer on stdout, everything else on stderr.

stdout carries only the result (answer text, Interaction JSON or recording lines), so it can be
piped. What reaches a terminal is cleaned of control sequences first (model text is untrusted);
what goes to a pipe or file is left exactly as received. stderr always carries messages for a
person: cleaned, one line each, with the API key redacted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import IO, Any

from gemtui.core.safety import StreamCleaner, clean_terminal_text, redact_secrets


def complain(stream: IO[str], command: str, text: object, secrets: Iterable[str] = ()) -> None:
    """Write ``command: text`` as one message on ``stream`` (stderr), cleaned of terminal
    control sequences and of ``secrets``: it carries what the user gave (file names, ids, a
    path), which can hold escape sequences that would set the title or clear the screen."""
    line = redact_secrets(f"{command}: {text}", [secret for secret in secrets if secret])
    stream.write(clean_terminal_text(line) + "\n")


PREFIX = "gemtui ask: "
#: Longest tool argument or result shown with ``-v``; the rest is in ``--output-format json``.
_DETAIL_CHARS = 200


class CleanWriter:
    """A text stream that removes terminal control sequences from everything written to it."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        #: The answer comes in deltas: a sequence cut between two is cleaned whole.
        self._cleaner = StreamCleaner()

    def write(self, text: str) -> int:
        return self._stream.write(self._cleaner.feed(text))

    def flush(self) -> None:
        self._stream.flush()


def stdout_writer(stream: IO[str]) -> IO[str] | CleanWriter:
    """``stream`` itself for a pipe or file, a :class:`CleanWriter` around it for a terminal."""
    isatty = getattr(stream, "isatty", None)
    return CleanWriter(stream) if isatty is not None and isatty() else stream


class AnswerPrinter:
    """Streams answer text to stdout, flushed per delta, ending with exactly one newline.

    With ``mark_citations`` the text of each answer step is held back (:meth:`hold`) until the
    step ends, so it can be printed with its citation markers in place (:meth:`release`): the
    annotations that place them arrive after the text. Whatever is still held when the stream
    ends (cut off, interrupted) is printed as received by :meth:`end_line`.
    """

    def __init__(self, out: IO[str] | CleanWriter, *, mark_citations: bool = False) -> None:
        self._out = out
        self.mark_citations = mark_citations
        self.at_line_start = True
        self.printed = False
        self._held: list[str] = []

    def write(self, text: str) -> None:
        if not text:
            return
        self._out.write(text)
        self._out.flush()
        self.at_line_start = text.endswith("\n")
        self.printed = True

    def hold(self, text: str) -> None:
        """Keep answer text back until :meth:`release` (or :meth:`end_line`)."""
        self._held.append(text)

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def release(self, text: str | None = None) -> None:
        """Print the held text, or ``text`` in its place (the same text with markers added)."""
        held = "".join(self._held)
        self._held.clear()
        self.write(held if text is None else text)

    def new_paragraph(self) -> None:
        """Separate a new block of answer text from the one before it."""
        self.release()
        if self.printed:
            self.write("\n" if self.at_line_start else "\n\n")

    def end_line(self) -> None:
        self.release()
        if not self.at_line_start:
            self.write("\n")


def print_json(out: IO[str] | CleanWriter, value: Any) -> None:
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    out.flush()


class Messages:
    """Messages for the person at the terminal, on stderr; ``detail`` ones only with ``-v``."""

    def __init__(
        self,
        err: IO[str],
        *,
        verbose: bool,
        secrets: Iterable[str] = (),
        answer: AnswerPrinter | None = None,
    ) -> None:
        self._err = err
        self.verbose = verbose
        self._secrets = [s for s in secrets if s]
        self._answer = answer

    def say(self, text: str) -> None:
        """One message, always shown."""
        self._write(PREFIX + text)

    def error(self, message: str, hint: str = "") -> None:
        """What went wrong, then what to do about it."""
        self.say(message)
        if hint:
            self._write("  " + hint)

    def detail(self, label: str, text: str = "") -> None:
        """A ``[label] text`` line about the run (thoughts, tool steps, usage), ``-v`` only."""
        if self.verbose:
            self._write(f"[{label}] {text}".rstrip())

    def _write(self, line: str) -> None:
        if self._answer is not None and not self._answer.at_line_start:
            # Both streams usually share one terminal: start on a line of our own.
            self._err.write("\n")
        text = clean_terminal_text(redact_secrets(line, self._secrets))
        self._err.write(text + "\n")
        self._err.flush()


def retry_notice(attempt: int, delay: float, reason: str, max_attempts: int) -> str:
    """The line for one retry (the client's ``on_retry``), e.g. ``HTTP 503 unavailable;
    retrying in 0.5 s (attempt 2 of 5)``: shown always, since otherwise the wait looks like a
    hang. ``reason`` may hold server text; the writer cleans it."""
    seconds = f"{delay:.2g}" if delay < 10 else f"{delay:.0f}"
    return f"{reason}; retrying in {seconds} s (attempt {attempt + 1} of {max_attempts})"


def short(value: Any) -> str:
    """A compact one-line rendering of a tool argument or result for ``-v``."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def silence(stdout: IO[str]) -> None:
    """Point the stdout file descriptor at /dev/null so the interpreter's final flush of a
    broken pipe (``gemtui … | head``) does not print an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
