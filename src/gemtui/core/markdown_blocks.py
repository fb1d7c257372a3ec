"""Split a growing Markdown text into finished top-level blocks and an open tail.

Streaming answers arrive a few characters at a time. Rendering the whole answer again on every
flush is what makes other Textual chat clients slow down with length (``shared/peers.md`` 4.2b),
so the renderer freezes each top-level block once a later block has started after it and only
re-renders the open tail. A block is final at that point because Markdown block structure never
reaches back across a following top-level block (reference-style link definitions aside, which
the final full parse at the end of the step takes care of).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "gfm-like" gives tables and strikethrough, as the renderer (Rich) understands them.
    return MarkdownIt("gfm-like")


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
    starts = block_starts(text)
    bounds = [*starts, len(lines)]
    blocks = ("\n".join(lines[start:end]).rstrip() for start, end in pairwise(bounds))
    return [block for block in blocks if block.strip()]


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
        newly = split_blocks("\n".join(lines[:cut]))
        self._tail = "\n".join(lines[cut:])
        self._finished.extend(newly)
        return newly

    def close(self) -> list[str]:
        """End of the text: the tail becomes final too. Returns the blocks it finished."""
        newly = split_blocks(self._tail)
        self._tail = ""
        self._finished.extend(newly)
        return newly
