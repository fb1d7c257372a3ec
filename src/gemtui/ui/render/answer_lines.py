"""An answer's finished Markdown blocks laid out at one width, with lines kept for a few.

A 1 MB report is about 10 000 blocks and 40 000 screen lines. Keeping every rendered line took
about 60 MB, and every flush of the streaming answer walked them all. A :class:`BlockLayout`
keeps one height per block (exact once the block has been rendered, else estimated from its
plain text) and the rendered lines of the blocks shown lately, up to :data:`CACHE_LINES`; the
conversation pane reads the answer through :class:`AnswerLines`, a sequence that renders a
block again when one of its lines is asked for. Scrolling a long answer then costs what
scrolling a short one does, and its memory does not grow with its length.
"""

from __future__ import annotations

import time
import weakref
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

from rich.segment import Segment
from textual.strip import Strip

from gemtui.core.lazy_sequence import LazySequence

#: Rendered lines kept, of all answers together: a screen is 20–60 lines, so this is several
#: screens back (a block not kept is rendered again, about a millisecond, when it is scrolled
#: to). Shared, so that a chat's answers scrolled away hold none: kept per answer, each long
#: one held as many as the one being read, for as long as the chat was open.
CACHE_LINES = 600
#: The gap between blocks: one shared object, so an unchanged line is the same object from one
#: render to the next (the conversation pane repaints only from the first changed line).
BLANK_LINE = Strip.blank(0)

#: Lines kept without their ``Strip`` wrappers once the answer is final: a ``Strip`` carries
#: seven small caches (about fifteen objects a line), which made finished answers the largest
#: share of what the garbage collector walks in a long chat.
PackedLines = tuple[tuple[list[Segment], int], ...]
KeptLines = list[Strip] | PackedLines


def pack(lines: list[Strip]) -> PackedLines:
    return tuple((list(line), line.cell_length) for line in lines)


def unpack(packed: PackedLines) -> list[Strip]:
    return [Strip(segments, length) for segments, length in packed]


def plain_height(text: str, width: int) -> int:
    """How tall ``text`` is as plain lines cut at ``width``: a block's height until it is
    rendered (Markdown joins and indents lines, so this is close, not exact)."""
    width = max(width, 1)
    return sum(max(1, -(-len(line) // width)) for line in text.split("\n")) or 1


def plain_lines(text: str, width: int) -> list[Strip]:
    """``text`` as plain lines cut at ``width``, exactly :func:`plain_height` of them: what a
    block not rendered yet shows (cheap: no Markdown, no wrapping at words)."""
    width = max(width, 1)
    return [
        Strip([Segment(line[start : start + width])])
        for line in text.split("\n")
        for start in range(0, max(len(line), 1), width)
    ]


class _KeptLines:
    """The rendered lines of blocks of any answer, the least lately read let go first.

    A layout is held weakly: an answer that is gone (a new chat) leaves at most lines here,
    never its text, and those go as newer ones come."""

    def __init__(self) -> None:
        self._lines: OrderedDict[tuple[weakref.ref[BlockLayout], int], KeptLines] = OrderedDict()
        self._count = 0

    def get(self, layout: BlockLayout, index: int) -> KeptLines | None:
        key = (weakref.ref(layout), index)
        lines = self._lines.get(key)
        if lines is not None:
            self._lines.move_to_end(key)
        return lines

    def put(self, layout: BlockLayout, index: int, lines: KeptLines) -> None:
        key = (weakref.ref(layout), index)
        old = self._lines.pop(key, None)
        if old is not None:
            self._count -= len(old)
        self._lines[key] = lines
        self._count += len(lines)
        while self._count > CACHE_LINES and len(self._lines) > 1:
            _, dropped = self._lines.popitem(last=False)
            self._count -= len(dropped)

    def pack(self, layout: BlockLayout) -> None:
        """``layout``'s lines, packed (see :data:`PackedLines`)."""
        for key, lines in self._lines.items():
            if key[0]() is layout and isinstance(lines, list):
                self._lines[key] = pack(lines)


_kept = _KeptLines()


class BlockLayout:
    """The heights of an answer's finished blocks at one width, and the lines of a few.

    ``render`` draws one block's text at this width. A block is rendered when it is new (the
    owner renders those newest first, as time allows) or when it is on screen: shown before it
    is rendered, it is drawn plain and noted in :attr:`wanted`, to be rendered in the next
    slice of :meth:`fill`. Unless the owner renders the rest while idle, blocks never seen
    are never rendered and their heights stay estimates: the pane keeps the reader's line in
    place when one becomes exact above it.
    """

    def __init__(self, width: int, render: Callable[[str], list[Strip]]) -> None:
        self.width = width
        self._render = render
        self.blocks: Sequence[str] = []
        # Arrays, not lists: a 1 MB report is ten thousand blocks, and a list holds an int
        # object (28 bytes) for each start beyond 256; 4 bytes each is room enough for lines.
        self.heights = array("i")
        self._exact = bytearray()
        #: Line of each block within the blocks' region (a blank line follows each block).
        self._starts = array("i", [0])
        #: Starts from this block on are stale (a height changed).
        self._stale: int | None = None
        self._packed = False
        #: Blocks drawn plain on screen: rendered first by the next :meth:`fill`.
        self.wanted: set[int] = set()
        #: How many blocks have never been rendered.
        self.rough = 0

    def sync(self, blocks: Sequence[str]) -> None:
        """Take on the blocks finished since the last call (``blocks`` only ever grows)."""
        self.blocks = blocks
        for block in blocks[len(self.heights) :]:
            height = plain_height(block, self.width)
            self.heights.append(height)
            self._exact.append(0)
            self._starts.append(self._starts[-1] + height + 1)
            self.rough += 1

    @property
    def starts(self) -> array[int]:
        """Where each block starts, and one past the last block's gap: entries are never
        changed once handed out (new ones replace them; blocks are only appended), so a
        snapshot stays true up to its own count."""
        if self._stale is not None:
            head = self._starts[: self._stale + 1]
            for height in self.heights[self._stale :]:
                head.append(head[-1] + height + 1)
            self._starts, self._stale = head, None
        return self._starts

    def exact(self, index: int) -> bool:
        return bool(self._exact[index])

    def draw(self, index: int) -> list[Strip]:
        """Render block ``index`` now; its height becomes exact."""
        lines = self._render(self.blocks[index])
        if not self._exact[index]:
            self._exact[index] = 1
            self.rough -= 1
        self.wanted.discard(index)
        if len(lines) != self.heights[index]:
            self.heights[index] = len(lines)
            self._stale = index if self._stale is None else min(self._stale, index)
        self._keep(index, lines)
        return lines

    def fill(self, until: float, newest: range, rows: int) -> None:
        """Render the wanted blocks, then those of ``newest`` (newer first) that a screen of
        ``rows`` lines at the end can show, until the clock passes ``until`` (at least one
        block is rendered when any is waiting).

        A burst finishes dozens of blocks at a time; while the reader follows the answer only
        the last screenful is seen, and the others are rendered if they ever come into view.
        """
        below = 0
        fresh = []
        for index in sorted(newest, reverse=True):
            if rows and below >= rows:
                break
            fresh.append(index)
            below += self.heights[index] + 1
        first = True
        for index in [*sorted(self.wanted, reverse=True), *fresh]:
            if self._exact[index]:
                continue
            if not first and time.perf_counter() >= until:
                break
            self.draw(index)
            first = False

    def lines_of(self, index: int, *, keep: bool = True) -> list[Strip]:
        """Block ``index``'s lines as laid out: its rendered lines (rendered again if they
        were let go), or its plain text if it has never been rendered. ``keep``: a line of it
        is on screen: keep its lines for the next read, and render it soon if it is plain;
        else (find reads every line) leave the cache and the rendering as they are."""
        cached = _kept.get(self, index)
        if cached is not None:
            return cached if isinstance(cached, list) else unpack(cached)
        if self._exact[index]:
            lines = self._render(self.blocks[index])
            if keep:
                self._keep(index, lines)
            return lines
        lines = plain_lines(self.blocks[index], self.width)
        if keep:
            self.wanted.add(index)
            self._keep(index, lines)
        return lines

    def pack_all(self) -> None:
        """The answer is final: keep lines packed from now on."""
        self._packed = True
        _kept.pack(self)

    def _keep(self, index: int, lines: list[Strip]) -> None:
        _kept.put(self, index, pack(lines) if self._packed else lines)


class AnswerLines(LazySequence[Strip]):
    """An answer's lines as the pane sees them: ``head`` (pictures and media before the text),
    the finished blocks of ``layout`` as they were when this was made, then ``tail`` (the open
    block, what follows the text). Gap lines between the parts are included."""

    __slots__ = ("_count", "_head", "_last", "_layout", "_length", "_region", "_starts", "_tail")

    def __init__(self, head: list[Strip], layout: BlockLayout | None, tail: list[Strip]) -> None:
        self._layout = layout
        self._count = len(layout.heights) if layout is not None else 0
        self._starts = layout.starts if layout is not None else array("i", [0])
        self._region = self._starts[self._count] - 1 if self._count else 0
        if head and (self._region or tail):
            head = [*head, BLANK_LINE]
        if tail and self._region:
            tail = [BLANK_LINE, *tail]
        self._head, self._tail = head, tail
        self._length = len(head) + self._region + len(tail)
        #: The block read last and its lines (a paint reads a block's lines one by one).
        self._last: tuple[int, list[Strip]] | None = None

    def __len__(self) -> int:
        return self._length

    def _item(self, index: int) -> Strip:
        head = len(self._head)
        if index < head:
            return self._head[index]
        inner = index - head
        if inner >= self._region:
            return self._tail[inner - self._region]
        block = bisect_right(self._starts, inner, 0, self._count) - 1
        lines = self._block(block)
        line = inner - self._starts[block]
        return lines[line] if line < len(lines) else BLANK_LINE

    def __iter__(self) -> Iterator[Strip]:
        """Every line, top to bottom, without keeping the lines of blocks read on the way
        (find reads a whole answer this way)."""
        yield from self._head
        layout = self._layout
        for block in range(self._count):
            lines = layout.lines_of(block, keep=False) if layout is not None else []
            height = self._starts[block + 1] - self._starts[block] - 1
            yield from lines[:height]
            yield from [BLANK_LINE] * (height - len(lines))
            if block < self._count - 1:
                yield BLANK_LINE
        yield from self._tail

    def _block(self, block: int) -> list[Strip]:
        if self._last is None or self._last[0] != block:
            assert self._layout is not None
            self._last = (block, self._layout.lines_of(block))
        return self._last[1]

    def anchor(self, y: int) -> tuple[int, int] | None:
        """Where line ``y`` is among the blocks (block, line in it), to find it again after a
        re-layout (see :meth:`locate`); ``None`` outside them."""
        inner = y - len(self._head)
        if not 0 <= inner < self._region:
            return None
        block = bisect_right(self._starts, inner, 0, self._count) - 1
        return block, inner - self._starts[block]

    def locate(self, anchor: tuple[int, int]) -> int | None:
        """The line an :meth:`anchor` of an earlier layout of the same blocks is on now."""
        block, line = anchor
        if block >= self._count:
            return None
        height = self._starts[block + 1] - self._starts[block] - 1
        return len(self._head) + self._starts[block] + min(line, max(height - 1, 0))
