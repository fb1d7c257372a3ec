"""Neutralise untrusted text before it reaches Rich, Textual or the terminal.

Model output, tool results, file names and server error messages are untrusted. Textual strips only
BEL, BS, VT, FF and CR, so an ESC in such text would reach the user's terminal: it could set the
window title, write the clipboard (OSC 52), plant hidden links (OSC 8), clear the screen or move the
cursor. And any of it parsed as markup could restyle the UI or raise ``MarkupError``. Everything
untrusted goes through :func:`clean_terminal_text` (directly or via :func:`safe_text`).

Choices, decided once here:

- Control sequences are removed, not shown escaped: the user wants the text, not the attack.
- CR is removed. CRLF becomes LF; a lone CR would let later text overwrite earlier text on the same
  line (a spoofing trick), so both parts stay visible side by side instead. Drafts in the prompt
  editor are the exception (:func:`clean_draft_text`): there a CR is a pasted line break.
- Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) are removed, so text
  is shown in the order it is stored: what you read is what a compiler or shell would see
  ("Trojan Source", CVE-2021-42574). Bidi *marks* (U+200E, U+200F, U+061C) only nudge neutral
  characters and stay, as do zero-width joiners and every other printable character.
- Lone surrogates (possible after ``json.loads`` of a malformed ``\\ud83d`` escape) cannot be
  encoded for the terminal and would crash the writer; they become U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gemtui.api.secret_values import MIN_SECRET_CHARS

if TYPE_CHECKING:
    from rich.text import Text


# One alternation, matched left to right. Every alternative starts at a control character and each
# repeated part is a character class disjoint from what follows it, so a failed match never
# backtracks more than the run it just consumed: the pass is linear even on hostile input.
_CONTROL = re.compile(
    # CSI (7-bit ESC [ or 8-bit U+009B): parameters, intermediates, final byte. An unterminated CSI
    # loses its introducer and parameters; whatever follows stays text.
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # String sequences: OSC, DCS, SOS, PM, APC (7-bit ESC ] P X ^ _ or 8-bit U+009D U+0090 U+0098
    # U+009E U+009F). The payload runs to BEL, ST (ESC \ or U+009C) or the end of the text; an ESC,
    # CAN or SUB aborts it as it does in xterm, and is then removed by the alternatives below.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\x18\x1a]*(?:\x07|\x9c|\x1b\\)?"
    # Any other escape sequence: ESC, intermediates, final (ESC 7, ESC c, ESC ( B, ESC # 8), or a
    # lone ESC.
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
    # Remaining C0 controls except TAB and LF, DEL, and remaining C1 controls.
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
    # Bidi embeddings, overrides and isolates.
    r"|[\u202a-\u202e\u2066-\u2069]"
)

# Every character that starts a match above, plus lone surrogates. A search for one class is about
# eight times faster than the alternation (which has no first-character prefilter), and most text
# contains none of these.
_UNSAFE_CHAR = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def os_text(text: str) -> str:
    """Text from the command line or a file name as it can be sent and stored: bytes that were
    not UTF-8 (Python keeps them as lone surrogates) become U+FFFD, as piped input does.
    Left as they are, they failed the first JSON or SQLite write with a traceback."""
    if _SURROGATE.search(text) is None:
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return _SURROGATE.sub("\ufffd", text)


def clean_terminal_text(text: str) -> str:
    """Return ``text`` with every terminal control sequence and bidi override removed.

    Idempotent and linear in the length of the text. Newlines and tabs are kept.
    """
    if _UNSAFE_CHAR.search(text) is None:
        return text
    cleaned = _CONTROL.sub("", text)
    if cleaned.isascii():
        return cleaned
    return _SURROGATE.sub("\ufffd", cleaned)


#: A control sequence still open at the end of a piece of text: its next piece may finish it.
_OPEN_AT_END = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\x18\x1a]*"
    r"|\x1b[\x20-\x2f]*"
)
_INTRODUCER = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
#: The longest open sequence held for the next piece; a longer one is cleaned as it is.
MAX_HELD_CHARS = 4096


class StreamCleaner:
    """:func:`clean_terminal_text` for text that arrives in pieces (a model's deltas).

    A sequence cut between two pieces (``"\x1b[3"``, then ``"1mred"``) was cleaned piece by
    piece: the first lost its introducer and the second kept ``1m`` as text. A piece that
    ends inside a sequence keeps that end back until the next piece. What is still held when
    the text ends is a sequence never finished, which cleaning removes whole: nothing shown
    is lost by dropping it."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        """The cleaned text that can be shown now."""
        text = self._held + piece if self._held else piece
        self._held = ""
        if _UNSAFE_CHAR.search(text) is None:
            return text
        start = max(0, len(text) - MAX_HELD_CHARS)
        for found in _INTRODUCER.finditer(text, start):
            if _OPEN_AT_END.fullmatch(text, found.start()):
                text, self._held = text[: found.start()], text[found.start() :]
                break
        return clean_terminal_text(text)


def clean_draft_text(text: str) -> str:
    """Return ``text`` as a prompt draft: CRLF and lone CR become LF, then it is cleaned.

    For text the user's terminal hands to the composer (a bracketed paste, a recalled prompt).
    Terminals and tmux send a pasted line break as CR, so removing CR as
    :func:`clean_terminal_text` does would run the lines together. Only here is a lone CR a line
    break: model output arrives in chunks, where a CRLF split across two chunks would become two
    line breaks, so the general cleaner keeps removing CR.
    """
    return clean_terminal_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """``text`` cleaned and on one line: every run of whitespace (line breaks too) is one space.

    For untrusted text shown in a list row (a title, a snippet, a source's name), where a line
    break would start a row of its own.
    """
    return " ".join(clean_terminal_text(text).split())


def safe_text(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of the cleaned text, built without markup parsing.

    ``[bold red]`` or ``[link=http://evil]`` in the input are shown literally.
    """
    from rich.text import Text  # here, so headless paths that only clean text skip Rich

    return Text(clean_terminal_text(text), style=style)


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` (the API key, MCP tokens) shown as ``***``: for what
    the screen draws (a prompt or an answer that repeats the key; a screenshot of it is a file
    that gets shared). Unlike :func:`redact_secrets` it leaves other text that only looks like
    a key, or a ``key=`` parameter, as the model wrote it."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_CHARS and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def escape_markup(text: str) -> str:
    """Clean ``text`` and escape it for embedding in Textual content markup.

    For the few APIs that always parse markup, such as ``App.notify``. Textual's parser treats
    ``\\[`` as a literal bracket and never consumes a backslash anywhere else, so escaping every
    ``[`` is exact: the parsed plain text equals :func:`clean_terminal_text` of the input. This is
    Textual's markup, not Rich's (Rich also treats backslashes before ``[`` as escapes); do not pass
    the result to ``Text.from_markup``. Template variables (``$name``) are substituted only when
    the caller passes variables, so ``$`` needs no escape.
    """
    return clean_terminal_text(text).replace("[", "\\[")


REDACTED = "***"

_SECRET_SHAPES = re.compile(
    # Google API keys.
    r"AIza[0-9A-Za-z_\-]{35}"
    # A key in a URL query string (?key=..., &api_key=...). Only after ? or & so that code such as
    # sorted(items, key=len) in an exported conversation is left alone.
    r"|(?P<param>[?&](?i:api[_\-]?)?(?i:key)=)[^\s&#\"'<>]+"
    # The header value, in a header dump, a JSON object or a Python repr.
    r"|(?P<header>(?i:x-goog-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]+"
)


def _redact_shape(match: re.Match[str]) -> str:
    prefix = match.group("param") or match.group("header") or ""
    return prefix + REDACTED


def redact_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace secrets in ``text`` with ``***`` for logs, exports, recordings and error text.

    Redacts each given secret value of ``MIN_SECRET_CHARS`` or more wherever it occurs (longest
    first, so a secret that contains another is replaced whole), anything shaped like a Google API
    key, ``key=`` / ``api_key=`` query
    parameters and ``x-goog-api-key`` header values. Idempotent.
    """
    findable = {secret for secret in secrets if len(secret) >= MIN_SECRET_CHARS}
    for secret in sorted(findable, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _SECRET_SHAPES.sub(_redact_shape, text)
