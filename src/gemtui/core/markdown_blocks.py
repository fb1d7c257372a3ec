"""Split a growing Markdown text into finished top-level blocks and an open tail.

Streaming answers arrive a few characters at a time. Rendering the whole answer again on every
flush is what makes other Textual chat clients slow down with length (``shared/peers.md`` 4.2b),
so the renderer freezes each top-level block once a later block has started after it and only
re-renders the open tail. A block is final at that point because Markdown block structure never
reaches back across a following top-level block (reference-style link definitions aside, which
the final full parse at the end of the step takes care of).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


#: Lines of a long open block that are frozen together (see :func:`open_block_pieces`).
FROZEN_LINES = 48
#: A fence's opening line: up to three spaces, then three or more backticks or tildes.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
#: A top-level list item's first line (its marker at the list's own indentation).
_ITEM = re.compile(r"^( {0,3})(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")

#: Core rules that work inside blocks. Splitting into blocks and finding code needs block
#: tokens only, and linkify's scan alone takes seconds on a multi-megabyte paragraph.
_INLINE_RULES = ["inline", "linkify", "replacements", "smartquotes", "text_join"]


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # on first use: see gemtui.ui.render.warm_up

    # "gfm-like" gives tables and strikethrough, as the renderer (Rich) understands them.
    return MarkdownIt("gfm-like").disable(_INLINE_RULES, ignoreInvalid=True)


def block_starts(text: str) -> list[int]:
    """The first source line of each top-level block of ``text``."""
    return [
        token.map[0]
        for token in _parser().parse(text)
        if token.level == 0 and token.nesting >= 0 and token.map is not None
    ]


def split_blocks(text: str) -> list[str]:
    """The top-level blocks of a whole Markdown text, each as its own source."""
    lines = text.split("\n")
    return _cut(lines, [*block_starts(text), len(lines)])


def _cut(lines: list[str], bounds: list[int]) -> list[str]:
    """The non-blank blocks of ``lines`` between consecutive ``bounds``."""
    blocks = ("\n".join(lines[start:end]).rstrip() for start, end in pairwise(bounds))
    return [block for block in blocks if block.strip()]


def _closes(fence: str, text: str) -> bool:
    """Whether a line of ``text`` closes a code block opened by ``fence`` (CommonMark: the
    same character, at least as many, nothing after but spaces)."""
    return any(
        line.strip().startswith(fence) and not line.strip().strip(fence[0])
        for line in text.split("\n")
        if len(line) - len(line.lstrip(" ")) <= 3
    )


def _open_fence(text: str) -> str | None:
    """The fence of the code block ``text`` opens, if its first line opens one that no later
    line closes."""
    first, _, rest = text.partition("\n")
    match = _FENCE.match(first)
    if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None  # not a fence (a backtick fence's info string has no backticks)
    return None if _closes(match.group(1), rest) else match.group(1)


def open_block_pieces(block: str) -> tuple[str, list[str]] | None:
    """A long open block cut at stable line boundaries, so that its finished part is rendered
    once and only the end again as it grows: ``(kind, pieces)``, each piece a Markdown source
    of its own (``kind`` is ``"fence"`` or ``"list"``), or ``None`` when the block is short or
    of another kind.

    An open code fence is cut every :data:`FROZEN_LINES` complete lines; each piece is a fence
    of its own (a renderer joins them without their inner padding). A list is cut between
    top-level items once a piece has :data:`FROZEN_LINES` lines; an ordered list keeps its
    numbering, since each piece starts with its own number. Only the last piece may change.
    """
    lines = block.split("\n")
    if len(lines) <= FROZEN_LINES:
        return None
    fence = _FENCE.match(lines[0])
    if fence is not None and _open_fence(block) is not None:
        marker = fence.group(1)
        body = lines[1:]
        frozen = (len(body) - 1) // FROZEN_LINES * FROZEN_LINES  # the last line may grow
        pieces = [
            "\n".join([lines[0], *body[start : start + FROZEN_LINES], marker])
            for start in range(0, frozen, FROZEN_LINES)
        ]
        return "fence", [*pieces, "\n".join([lines[0], *body[frozen:]])]
    item = _ITEM.match(lines[0])
    if item is None:
        return None
    indent = len(item.group(1))
    starts = [
        n for n, line in enumerate(lines) if (m := _ITEM.match(line)) and len(m.group(1)) == indent
    ]
    cuts = [0]
    for start in starts[1:]:
        if start - cuts[-1] >= FROZEN_LINES:
            cuts.append(start)
    if len(cuts) == 1:
        return None
    bounds = [*cuts, len(lines)]
    return "list", ["\n".join(lines[a:b]).rstrip("\n") for a, b in pairwise(bounds)]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One code block of an answer, as the reader would copy it."""

    #: The first word of the fence's info string ("" when none was given).
    language: str
    code: str

    @property
    def line_count(self) -> int:
        return len(self.code.splitlines())


def code_blocks(text: str) -> list[CodeBlock]:
    """Every code block of ``text`` (fenced or indented, nested in lists and quotes too), in order.

    The code is the block's content as markdown-it gives it, so list indentation and quote
    markers are already removed. The one newline that ends every block is dropped: pasted into
    a shell, it would run the last line before the reader has looked at it.
    """
    blocks = []
    for token in _parser().parse(text):
        if token.type in ("fence", "code_block"):
            language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
            code = token.content.removesuffix("\n")
            blocks.append(CodeBlock(language, code))
    return blocks


class IncrementalBlocks:
    """Accumulates fragments; hands out blocks as soon as they can no longer change."""

    def __init__(self) -> None:
        self._tail = ""
        self._finished: list[str] = []
        #: The fence of the code block the tail opens, while no line has closed it.
        self._fence: str | None = None

    @property
    def finished(self) -> list[str]:
        """Blocks that are final, in order."""
        return self._finished

    @property
    def tail(self) -> str:
        """The open last block (may still grow or change shape)."""
        return self._tail

    @property
    def text(self) -> str:
        """Everything fed so far, as blocks separated by blank lines."""
        return "\n\n".join([*self._finished, self._tail] if self._tail else self._finished)

    def feed(self, fragment: str) -> list[str]:
        """Add text; return the blocks this fragment finished (often none)."""
        if not fragment:
            return []
        changed_from = self._tail.rfind("\n") + 1  # the line the fragment goes on from
        self._tail += fragment
        if self._fence is not None and not _closes(self._fence, self._tail[changed_from:]):
            # Inside an open code fence every line is code: no block can start before the
            # fence closes, so the (growing) tail is not parsed again for every fragment.
            return []
        starts = block_starts(self._tail)
        self._fence = _open_fence(self._tail)
        if len(starts) < 2:
            return []
        lines = self._tail.split("\n")
        cut = starts[-1]
        # The blocks before the last start are final; the parse just made says where each
        # begins (parsing them again on their own would double the cost of a burst).
        newly = _cut(lines, [0, *starts[1:]])
        self._tail = "\n".join(lines[cut:])
        self._finished.extend(newly)
        return newly

    def close(self) -> list[str]:
        """End of the text: the tail becomes final too. Returns the blocks it finished."""
        newly = split_blocks(self._tail)
        self._tail = ""
        self._finished.extend(newly)
        return newly
