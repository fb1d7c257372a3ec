"""Text put into a Markdown page of our own (the export) without changing the page's structure.

An export is one page built from pieces written by others: prompts, answers, thoughts, error
messages, titles. Pasted in raw, a piece can reach outside its place: a prompt's ``## 1. Gemini``
line looks like a turn of the page, an answer cut off inside a code fence turns everything after
it into code, a ``</details>`` closes one of the page's collapsible sections. Each function
here makes one kind of piece stay where it is put:

- :func:`literal_block` (a prompt): shown as typed, as the TUI shows it (a prompt is not
  Markdown there): a block quote when Markdown would read it as the text it is, else a fence
  longer than any inside it;
- :func:`contained` (an answer, a thought: Markdown meant as Markdown): its headings moved
  below the page's own, its raw HTML shown as text, a fence it left open closed;
- :func:`literal` (one line of facts: a title, an error, a name): every character shown as is;
- :func:`plain_heading` (a title made from a prompt): the words, without Markdown's markers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from gemtui.core.markdown_blocks import fence_is_open

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: Characters Markdown may read as syntax inside a line (CommonMark escapes any ASCII
#: punctuation with a backslash; these are the ones that can mean something).
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>&|~!])")
#: A line Markdown surely shows as typed (no parser needed): none of the characters that can
#: mean something inside a line, nothing at its start that can open a block.
_SURELY_PLAIN = re.compile(r"(?![\s#>+\-=]|\d+[.)])[^\\`*_\[\]<>&|~]*")
#: Before a heading's ``#`` run on its line: quote markers, list markers, indentation.
_CONTAINERS = r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*[ \t]*"
_ATX = re.compile(rf"^({_CONTAINERS})(#{{1,6}})(?=[ \t]|$)")
_CONTAINER_PREFIX = re.compile(_CONTAINERS)
#: The start of an HTML tag, comment, declaration or processing instruction (an autolink such
#: as ``<https://…>`` or ``<a@b.c>`` is not one: it shows as its text anyway).
_HTML_START = re.compile(r"<(?=/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|!|\?)")
#: An inline code span on one line: a backtick run, text, the same run again.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
#: A line that only opens or closes a fence, such as "```python": no words of its own.
_FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})")
#: Markers a line of a prompt may start with that a title leaves out.
_LEADING_MARKERS = re.compile(r"^(?:\s*(?:#{1,6}(?=\s|$)|>|[-+*](?=\s)|\d{1,9}[.)](?=\s)))+")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only an export needs it

    # What GitHub and most viewers read: CommonMark with raw HTML, tables and strikethrough.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


# --------------------------------------------------------------------------- one line


def literal(text: str) -> str:
    """``text`` on one line, every character shown as typed when read as Markdown inline."""
    line = " ".join(text.split())
    if _SURELY_PLAIN.fullmatch(line):
        return line
    escaped = _INLINE_SYNTAX.sub(r"\\\1", line)
    # What could start a block only matters at the start (the text may begin a line).
    escaped = re.sub(r"^([#+\-=])", r"\\\1", escaped)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)


def plain_heading(text: str, limit: int | None = None) -> str:
    """The first line of ``text`` with words, without what Markdown reads as markers (a
    heading's ``#``, a quote's ``>``, a list's bullet, a fence line such as "```python"), cut
    to ``limit`` characters and escaped by :func:`literal`; "" when there is none."""
    for line in text.splitlines():
        if _FENCE_LINE.match(line):
            continue
        words = " ".join(_LEADING_MARKERS.sub("", line).split())
        if limit is not None and len(words) > limit:
            words = words[: limit - 1] + "…"
        if words:
            return literal(words)
    return ""


# --------------------------------------------------------------------------- a prompt


def literal_block(text: str) -> str:
    """``text`` as a block that shows it as typed, line by line.

    A block quote (lines kept apart by hard breaks) when Markdown reads it as exactly the text
    it is; anything Markdown would format (a ``#`` line, a list, a fence, HTML, ``*stars*``,
    indentation) goes in a fence longer than any backtick run inside, which shows it all as
    is and nothing in it can end early.
    """
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    body = "\n".join(
        f"{line}\\" if _hard_break_after(lines, n) else line for n, line in enumerate(lines)
    )
    if all(map(_SURELY_PLAIN.fullmatch, lines)) or _shows_as_typed(body, lines):
        return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))
    return fenced(text.strip("\n"), "text")


def _shows_as_typed(body: str, lines: list[str]) -> bool:
    """Whether Markdown renders ``body`` (``lines`` with hard breaks) as exactly their text."""
    return _parser().render(body) == _as_paragraphs(lines)


def _hard_break_after(lines: list[str], n: int) -> bool:
    """Whether line ``n`` is followed by another line of the same paragraph."""
    return bool(lines[n]) and n + 1 < len(lines) and bool(lines[n + 1])


def _as_paragraphs(lines: list[str]) -> str:
    """The HTML of ``lines`` shown as typed: blank lines between paragraphs, each line its own."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(_escape_html(line))
        elif paragraphs[-1]:
            paragraphs.append([])
    joined = ("<br />\n".join(p) for p in paragraphs if p)
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in joined)


def _escape_html(text: str) -> str:
    """As markdown-it escapes text in the HTML it renders."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def fenced(text: str, language: str = "") -> str:
    """``text`` in a code fence longer than any backtick run in it, so nothing in it ends the
    fence early."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


# --------------------------------------------------------------------------- an answer


def contained(markdown: str, top: int = 3) -> str:
    """``markdown`` (an answer, a thought) made to stay inside its place in a page whose own
    headings go down to level ``top - 1``.

    Its headings move down so the highest is at level ``top`` (their order kept, none below 6),
    raw HTML outside code shows as text (a ``<details>`` or ``</details>`` of its own would open
    or close one of the page's), and a fence left open at its end (an answer cut off) is closed.
    Nothing inside code changes.
    """
    tokens = _parser().parse(markdown)
    code = _code_lines(tokens)
    lines: list[str | None] = [
        line if number in code else _html_as_text(line)
        for number, line in enumerate(markdown.split("\n"))
    ]
    _move_headings(tokens, lines, top)
    text = "\n".join(line for line in lines if line is not None)
    last_fence = next((t for t in reversed(tokens) if t.type == "fence" and t.level == 0), None)
    # An open fence runs to the end of the text, so only the last one can be open.
    if last_fence is not None and fence_is_open(last_fence):
        text = text.rstrip("\n") + "\n" + last_fence.markup
    return text


def _code_lines(tokens: list[Token]) -> set[int]:
    """The lines of code blocks (fenced or indented), fence lines included."""
    lines: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map is not None:
            lines.update(range(*token.map))
    return lines


def _html_as_text(line: str) -> str:
    """``line`` with the ``<`` of every HTML tag outside code spans written ``&lt;``."""
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(line):
        out.append(_HTML_START.sub("&lt;", line[last : span.start()]))
        out.append(span.group())
        last = span.end()
    out.append(_HTML_START.sub("&lt;", line[last:]))
    return "".join(out)


def _move_headings(tokens: list[Token], lines: list[str | None], top: int) -> None:
    """Rewrite every heading of ``lines`` (in place) one shift lower, as ATX headings; the
    extra lines of a setext heading become ``None``."""
    headings = [
        (token, tokens[n + 1].content)
        for n, token in enumerate(tokens)
        if token.type == "heading_open" and token.map is not None
    ]
    if not headings:
        return
    shift = max(0, top - min(int(token.tag[1]) for token, _ in headings))
    for token, content in headings:
        assert token.map is not None
        first, after = token.map
        level = "#" * min(6, int(token.tag[1]) + shift)
        line = lines[first] or ""
        if token.markup.startswith("#"):
            lines[first] = _ATX.sub(lambda m, lv=level: m.group(1) + lv, line, count=1)
            continue
        # Setext: "Title" over "=====" becomes "### Title" on one line.
        prefix = _CONTAINER_PREFIX.match(line)
        lead = prefix.group() if prefix else ""
        lines[first] = f"{lead}{level} {' '.join(content.split())}"
        for extra in range(first + 1, after):
            lines[extra] = None
