"""Split a growing Markdown text into finished top-level blocks and an open tail.

Streaming answers arrive a few characters at a time. Rendering the whole answer again on every
flush is what makes other Textual chat clients slow down with length (``shared/peers.md`` 4.2b),
so the renderer freezes each top-level block once a later block has started after it and only
re-renders the open tail. A block is final at that point because Markdown block structure never
reaches back across a following top-level block (reference-style link definitions aside, which
the final full parse at the end of the step takes care of).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


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
        self._tail += fragment
        starts = block_starts(self._tail)
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
