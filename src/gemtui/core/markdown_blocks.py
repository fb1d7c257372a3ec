"""Split a growing Markdown text into finished top-level blocks and an open tail.

Streaming answers arrive a few characters at a time. Rendering the whole answer again on every
flush is what makes other Textual chat clients slow down with length (``shared/peers.md`` 4.2b),
so the renderer freezes each top-level block once a later block has started after it and only
re-renders the open tail. A block is final at that point because Markdown block structure never
reaches back across a following top-level block (reference-style link definitions aside, which
the final full parse at the end of the step takes care of).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

from gemtui.core.lazy_sequence import LazySequence

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
    return [text[start:end] for start, end in _block_spans(text, 0)]


def _block_spans(text: str, at: int) -> list[tuple[int, int]]:
    """Where the non-empty top-level blocks of ``text[at:]`` are in ``text``."""
    rest = text[at:]
    lines = rest.split("\n")
    bounds = [*block_starts(rest), len(lines)]
    return _spans(text, _line_offsets(lines, at, len(lines) + 1), bounds)


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


def _line_offsets(lines: list[str], at: int, count: int) -> list[int]:
    """Where each of the first ``count`` lines starts, for lines that begin at ``at`` (one
    more than there are lines: where a line after the last would start)."""
    offsets = [at]
    for line in lines[: count - 1]:
        offsets.append(offsets[-1] + len(line) + 1)
    return offsets


def _spans(text: str, offsets: list[int], bounds: list[int]) -> list[tuple[int, int]]:
    """Where in ``text`` the non-empty blocks are that start at the lines of ``bounds`` (the
    last bound ends the last block), lines starting at ``offsets``; trailing space left out."""
    spans = []
    for start, end in pairwise(bounds):
        first = offsets[start]
        block = text[first : offsets[end] - 1].rstrip()  # to the line break before ``end``
        if block.strip():
            spans.append((first, first + len(block)))
    return spans


def fence_is_open(token: Token) -> bool:
    """Whether a ``fence`` token was never closed (it then runs to the end of the text)."""
    # An unclosed fence runs to the end of the text, every line after the opening one its
    # content; a closed one has one line (the closing fence) that is not content.
    assert token.map is not None
    return len(token.content.splitlines()) >= token.map[1] - token.map[0] - 1


class BlockTexts(LazySequence[str]):
    """The finished blocks of an :class:`IncrementalBlocks`, read as strings: each is cut from
    the one text they came from when it is asked for, so the answer's text is not held twice
    (a 1 MB report is thousands of blocks)."""

    __slots__ = ("_spans", "text")

    def __init__(self) -> None:
        #: The text the blocks are places in: the owner's text itself (it keeps it here, so
        #: there is one place for it and no reference cycle).
        self.text = ""
        #: Start and end of each block in the text, flat: [start0, end0, start1, ...] (4 bytes
        #: each: a text is far shorter than 4 G characters).
        self._spans = array("I")

    def __len__(self) -> int:
        return len(self._spans) // 2

    def _item(self, index: int) -> str:
        return self.text[self._spans[2 * index] : self._spans[2 * index + 1]]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"BlockTexts({list(self)!r})"

    def add(self, spans: list[tuple[int, int]]) -> list[str]:
        """Note blocks at ``spans`` of the text; returns them as strings."""
        for first, last in spans:
            self._spans.extend((first, last))
        return [self.text[first:last] for first, last in spans]


class IncrementalBlocks:
    """Accumulates fragments; hands out blocks as soon as they can no longer change.

    A huge open block (a long code fence or bulleted list) is not parsed whole on every
    fragment: its lines divide into *settled* pieces (each complete line of an open fence,
    each item of a list but the last) that no later text can change, and parsing resumes at
    the first line not settled (after the fence's opening line, which gives the rest its
    meaning). The renderer freezes the settled pieces in chunks the same way.

    The text is kept once (:attr:`fed`); the blocks and the tail are places in it.
    """

    def __init__(self) -> None:
        #: The finished blocks, and the text fed (``fed``), which they are places in.
        self._finished = BlockTexts()
        #: Where the open tail begins in the text.
        self._tail_at = 0
        self._open_kind = ""
        self._settled = 0
        self._items: list[int] = []

    @classmethod
    def whole(cls, text: str) -> IncrementalBlocks:
        """All of ``text``, split as one parse splits it (no open tail)."""
        blocks = cls()
        blocks._finished.text = text
        blocks.close()
        return blocks

    @property
    def fed(self) -> str:
        """Everything fed so far, as it came."""
        return self._finished.text

    def adopt(self, text: str) -> None:
        """Keep ``text`` (equal to :attr:`fed`, say the answer's final text held elsewhere)
        in place of the text fed, so that the two are one string."""
        if text != self.fed:
            raise ValueError("adopt() takes the same text as was fed")
        self._finished.text = text

    @property
    def finished(self) -> BlockTexts:
        """Blocks that are final, in order."""
        return self._finished

    @property
    def tail(self) -> str:
        """The open last block (may still grow or change shape)."""
        return self.fed[self._tail_at :]

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

    def feed(self, fragment: str) -> list[str]:
        """Add text; return the blocks this fragment finished (often none)."""
        if not fragment:
            return []
        self._finished.text += fragment
        lines = self.tail.split("\n")
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
        offsets = _line_offsets(lines, self._tail_at, starts[-1] + 1)
        newly = self._finished.add(_spans(self.fed, offsets, starts))
        self._tail_at = offsets[starts[-1]]
        self._open_kind, self._settled, self._items = "", 0, []
        return newly

    def _settle(self, top: Token, tokens: list[Token], lines: list[str], shift: int) -> None:
        """Note which pieces of the one open block no later text can change."""
        if top.type == "fence" and top.map is not None and top.map[0] == 0:
            if fence_is_open(top) and len(lines) > 1:
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
        newly = self._finished.add(_block_spans(self.fed, self._tail_at))
        self._tail_at = len(self.fed)
        self._open_kind, self._settled, self._items = "", 0, []
        return newly
