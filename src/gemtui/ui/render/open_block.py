"""A huge open Markdown block drawn with its settled pieces frozen in chunks.

A code fence or a list still streaming is one block, and rendering it whole on every flush
costs more with every line (a 700-line fence: hundreds of milliseconds). Its settled pieces
(:class:`~gemtui.core.markdown_blocks.IncrementalBlocks`: complete lines of an open fence,
items of a list but the last) can no longer change, so they are rendered once, a chunk at a
time, and each render lays out only what follows the frozen chunks. The lines are the ones a
render of the whole block gives, so when the block closes its frozen chunks serve the final
render too:

* a list item renders on its own exactly as inside its list (Rich draws each bullet item
  alone);
* a fence chunk is rendered as a fence of its own lines and its padding rows dropped. Its
  highlighting is what the whole block gets only if the lexer starts the chunk in the state
  the whole text leaves it in (a docstring spanning the cut would not be), so a chunk ends
  only where the settled lines after it get the very tokens after it as they get alone (the
  lexer is back in its first state there; checked on the next chunk's worth of lines, not
  proven for the whole text: the test compares with a one-shot render), and only at a line
  that ends in a visible character (Rich strips the code's trailing white space, which must
  not reach into a frozen chunk).
"""

from __future__ import annotations

from textual.strip import Strip

from gemtui.core.markdown_blocks import IncrementalBlocks, code_blocks
from gemtui.ui.render.lines import (
    MAX_RENDERED_BLOCK,
    RenderContext,
    markdown,
    render_lines,
    trim_blank,
)

#: Lines of a fence, or items of a list, frozen at once: the rest after the frozen chunks,
#: laid out on every render, is about this long.
FENCE_CHUNK_LINES = 8
LIST_CHUNK_ITEMS = 6


def _tokens(lexer: object, code: str) -> list[tuple[object, str]]:
    return list(lexer.get_tokens(code))  # type: ignore[attr-defined]


def _lexes_alone(language: str, before: list[str], chunk: list[str]) -> bool:
    """Whether ``chunk`` gets the same tokens after ``before`` as on its own."""
    from gemtui.ui.render.rich_markdown import lexer_for  # on first use: see warm_up

    lexer = lexer_for(language or "text")
    if lexer is None or not before:
        return True
    alone = _tokens(lexer, "\n".join(chunk))
    # The lexer expands tabs (to Rich's tab size) before it cuts the text into tokens.
    offset = len(("\n".join(before) + "\n").expandtabs(lexer.tabsize))
    after: list[tuple[object, str]] = []
    position = 0
    for kind, value in _tokens(lexer, "\n".join([*before, *chunk])):
        if position >= offset:
            after.append((kind, value))
        elif position + len(value) > offset:
            return False  # one token runs across the cut
        position += len(value)
    return after == alone


class OpenBlockView:
    """The frozen chunks of one open block at one width, and how to draw the block with them.

    Frozen lines are the same ``Strip`` objects from one render to the next, so the pane
    repaints only from the first line that changed.
    """

    def __init__(self) -> None:
        self._clear(0)

    def _clear(self, width: int) -> None:
        self._width = width
        #: Source lines of the block before this one are frozen.
        self._upto = 0
        self._source = ""
        self._frozen: list[Strip] = []
        #: A fence: the padding row above the code.
        self._top: Strip | None = None

    def freeze(self, blocks: IncrementalBlocks, width: int, ctx: RenderContext) -> None:
        """Render the settled pieces not frozen yet, a chunk at a time, and keep them.

        All of them, however many arrived since the last render: each line is rendered once
        this way, where left in the rest it would be rendered again on every render.
        """
        kind, tail = blocks.open_kind, blocks.tail
        if not kind or len(tail) > MAX_RENDERED_BLOCK:
            return
        if width != self._width or not tail.startswith(self._source):
            self._clear(width)
        lines = tail.split("\n")
        upto = -1
        while self._upto != upto:
            upto = self._upto
            if kind == "fence":
                self._freeze_fence(lines, blocks.settled, ctx)
            else:
                self._freeze_items(lines, [*blocks.item_starts, blocks.settled], ctx)

    def lines(self, blocks: IncrementalBlocks, width: int, ctx: RenderContext) -> list[Strip]:
        """The open block's lines: the frozen chunks (see :meth:`freeze`) and the rest laid
        out now; ``[]`` when it has no settled pieces (it is then rendered whole)."""
        kind, tail = blocks.open_kind, blocks.tail
        if not kind or len(tail) > MAX_RENDERED_BLOCK:
            return []
        if width != self._width or not tail.startswith(self._source):
            self._clear(width)
        return self._with_rest(tail.split("\n"), kind, ctx)

    def closed(self, block: str, width: int, ctx: RenderContext) -> list[Strip] | None:
        """The lines of ``block``, now finished, from the chunks frozen while it was open;
        ``None`` when they are not its chunks."""
        if (
            not self._upto
            or width != self._width
            or len(block) > MAX_RENDERED_BLOCK
            or not block.startswith(self._source)
        ):
            return None
        kind = "fence" if self._top is not None else "list"
        return self._with_rest(block.split("\n"), kind, ctx)

    def _render(self, source: str, ctx: RenderContext) -> list[Strip]:
        return render_lines(markdown(source, ctx), self._width, ctx)

    def _with_rest(self, lines: list[str], kind: str, ctx: RenderContext) -> list[Strip]:
        rest = lines[self._upto :]
        if kind == "list":
            drawn = self._render("\n".join(rest), ctx)
            return trim_blank([*self._frozen, *trim_blank(drawn, end=False)])
        # A fence renders as its padding row, the code, and a padding row.
        drawn = self._render("\n".join([lines[0], *rest]), ctx)
        if self._top is None:
            return trim_blank(drawn)
        return trim_blank([self._top, *self._frozen, *drawn[1:]])

    def _freeze(self, lines: list[str], end: int, strips: list[Strip]) -> None:
        self._frozen.extend(strips)
        self._upto = end
        self._source = "\n".join(lines[:end]) + "\n"

    def _freeze_fence(self, lines: list[str], settled: int, ctx: RenderContext) -> None:
        start = self._upto or 1
        found = code_blocks(lines[0])
        language = found[0].language if found else ""
        # The chunk ends on a line that ends in a visible character, a visible character
        # comes after it among the settled lines, and the lines after it lex the same after
        # it as on their own: the lexer is back in its first state there (see the module's
        # docstring). The longest such chunk of at most FENCE_CHUNK_LINES lines is frozen.
        for end in range(min(start + FENCE_CHUNK_LINES, settled - 1), start, -1):
            after = lines[end : min(end + FENCE_CHUNK_LINES, settled)]
            if (
                lines[end - 1][-1:].strip()
                and any(line.strip() for line in after)
                and _lexes_alone(language, lines[start:end], after)
            ):
                break
        else:
            return
        drawn = self._render("\n".join([lines[0], *lines[start:end]]), ctx)
        if self._top is None:
            self._top = drawn[0]
        self._freeze(lines, end, drawn[1:-1])

    def _freeze_items(self, lines: list[str], starts: list[int], ctx: RenderContext) -> None:
        ahead = [start for start in starts if start > self._upto]
        if len(ahead) < LIST_CHUNK_ITEMS:
            return
        end = ahead[LIST_CHUNK_ITEMS - 1]
        drawn = self._render("\n".join(lines[self._upto : end]), ctx)
        self._freeze(lines, end, trim_blank(drawn, end=False))
