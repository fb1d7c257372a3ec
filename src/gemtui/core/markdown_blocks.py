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
    from markdown_it.token import Token

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
    return _blocks_between(lines, [*block_starts(text), len(lines)])


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


def _blocks_between(lines: list[str], bounds: list[int]) -> list[str]:
    """The non-empty blocks of ``lines`` that start at each of ``bounds`` (the last one ends)."""
    blocks = ("\n".join(lines[start:end]).rstrip() for start, end in pairwise(bounds))
    return [block for block in blocks if block.strip()]


def _fence_is_open(token: Token) -> bool:
    # An unclosed fence runs to the end of the text, every line after the opening one its
    # content; a closed one has one line (the closing fence) that is not content.
    assert token.map is not None
    return len(token.content.splitlines()) >= token.map[1] - token.map[0] - 1


class IncrementalBlocks:
    """Accumulates fragments; hands out blocks as soon as they can no longer change.

    A huge open block (a long code fence or bulleted list) is not parsed whole on every
    fragment: its lines divide into *settled* pieces (each complete line of an open fence,
    each item of a list but the last) that no later text can change, and parsing resumes at
    the first line not settled (after the fence's opening line, which gives the rest its
    meaning). The renderer freezes the settled pieces in chunks the same way.
    """

    def __init__(self) -> None:
        self._tail = ""
        self._finished: list[str] = []
        self._open_kind = ""
        self._settled = 0
        self._items: list[int] = []

    @property
    def finished(self) -> list[str]:
        """Blocks that are final, in order."""
        return self._finished

    @property
    def tail(self) -> str:
        """The open last block (may still grow or change shape)."""
        return self._tail

    @property
    def open_kind(self) -> str:
        """What the open block is, when it has settled pieces: "fence", "list" or ""."""
        return self._open_kind

    @property
    def settled(self) -> int:
        """Lines of the tail before this one are settled pieces of the open block (0: none)."""
        return self._settled

    @property
    def item_starts(self) -> list[int]:
        """For a list, the first line of each settled item (each ends where the next starts,
        the last at :attr:`settled`)."""
        return self._items

    @property
    def text(self) -> str:
        """Everything fed so far, as blocks separated by blank lines."""
        return "\n\n".join([*self._finished, self._tail] if self._tail else self._finished)

    def feed(self, fragment: str) -> list[str]:
        """Add text; return the blocks this fragment finished (often none)."""
        if not fragment:
            return []
        self._tail += fragment
        lines = self._tail.split("\n")
        context = lines[:1] if self._open_kind == "fence" else []
        shift = self._settled - len(context)
        tokens = _parser().parse("\n".join([*context, *lines[self._settled :]]))
        tops = [
            token
            for token in tokens
            if token.level == 0 and token.nesting >= 0 and token.map is not None
        ]
        starts = [token.map[0] + shift for token in tops if token.map is not None]
        if self._settled:
            starts[0] = 0  # the open block, resumed part-way: it starts the tail
        if len(starts) < 2:
            if tops:
                self._settle(tops[0], tokens, lines, shift)
            return []
        newly = _blocks_between(lines, starts)
        self._tail = "\n".join(lines[starts[-1] :])
        self._open_kind, self._settled, self._items = "", 0, []
        self._finished.extend(newly)
        return newly

    def _settle(self, top: Token, tokens: list[Token], lines: list[str], shift: int) -> None:
        """Note which pieces of the one open block no later text can change."""
        if top.type == "fence" and top.map is not None and top.map[0] == 0:
            if _fence_is_open(top) and len(lines) > 1:
                self._open_kind, self._settled = "fence", len(lines) - 1
        elif top.type == "bullet_list_open" and top.map is not None and top.map[0] == 0:
            # An item whose first line is still coming may yet turn out not to be one ("-"
            # becomes "---", a rule): parsing resumes only at an item whose first line is done.
            starts = [
                token.map[0] + shift
                for token in tokens
                if token.type == "list_item_open"
                and token.level == 1
                and token.map is not None
                and token.map[0] + shift < len(lines) - 1
            ]
            if len(starts) > 1:
                self._open_kind = "list"
                self._items.extend(starts[:-1])
                self._settled = starts[-1]

    def close(self) -> list[str]:
        """End of the text: the tail becomes final too. Returns the blocks it finished."""
        newly = split_blocks(self._tail)
        self._tail = ""
        self._open_kind, self._settled, self._items = "", 0, []
        self._finished.extend(newly)
        return newly
