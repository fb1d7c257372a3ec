"""The items of the conversation pane and how each renders to lines.

An item is one thing the reader can select and copy: a prompt, an answer, a thought, a tool
call, an error. Items render to Rich lines (``Strip``s) at a given width; the pane caches those
lines, so a finished item costs nothing until the width changes, and the streaming answer
re-renders only its open last block (see :mod:`gemtui.core.markdown_blocks`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from gemtui.api.models import (
    CallStep,
    FunctionCallStep,
    ImageContent,
    MediaContent,
    ModelOutputStep,
    ResultStep,
    StepBase,
    TextContent,
    ThoughtStep,
    UnknownStep,
    parse_content,
)
from gemtui.core.citations import Citation, Source, citations_of, marked_text, sources_of
from gemtui.core.markdown_blocks import CodeBlock, IncrementalBlocks, code_blocks
from gemtui.core.media import media_of
from gemtui.core.run_errors import StepError, step_error
from gemtui.core.safety import StreamCleaner, clean_terminal_text, hide_secrets, safe_text
from gemtui.core.structured import check_structured
from gemtui.core.tool_steps import describe
from gemtui.core.turn import Turn
from gemtui.ui.render.answer_lines import BLANK_LINE, AnswerLines, BlockLayout
from gemtui.ui.render.code_rows import (
    code_details,
    code_summary,
    copyable_code,
    is_code_execution,
)
from gemtui.ui.render.image_lines import InlineImage
from gemtui.ui.render.lines import RenderContext, markdown, render_lines, trim_blank
from gemtui.ui.render.media_rows import MediaRow
from gemtui.ui.render.open_block import OpenBlockView
from gemtui.ui.render.structured_view import StructuredView

#: Glyphs chosen from what a plain Linux console font has (CP437), so nothing essential is lost.
GLYPH_COLLAPSED = "►"
GLYPH_EXPANDED = "▼"
#: Longest answer whose block split is checked against a parse of the whole text at its end:
#: the check is for late link definitions, and parsing a 1 MB report at once stalls the app
#: for a second.
FULL_SPLIT_CHARS = 200_000
#: What a link reference definition can start with: only an answer that has one can have a
#: block split that later text changed (a definition gives meaning to links above it).
LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
#: A final answer up to this long has all its blocks rendered while the app is idle, so its
#: height is exact and paging through it finds every line ready; a longer one (a 1 MB report)
#: is rendered only where it is read, which keeps its CPU and memory to what is seen.
DRAW_ALL_CHARS = 64_000
#: An open block is re-rendered only after this many times its last render cost has passed.
TAIL_COST_FACTOR = 4.0
#: How long one render of an answer may spend on Markdown blocks it has not rendered before
#: (see AnswerItem._laid_out_blocks); the others show as plain text until a later render. A
#: burst of a hundred blocks then paints at once instead of after a second of rendering.
RENDER_SLICE = 0.008


class ChatItem:
    """Base of every item; ``version`` changes whenever its rendering would. ``turn`` is the
    turn the item shows part of (``None``: a message of the app's own). ``pending``: its last
    render left parts drawn roughly, to be drawn properly when it is rendered again (the pane
    does that when it is idle)."""

    expandable = False
    pending = False
    #: More of the item is still coming (its next update will render it again).
    streaming = False
    #: When the pane last rendered it (``time.monotonic()``).
    rendered_at = 0.0

    def __init__(self) -> None:
        self.version = 0
        self.expanded = False
        self.turn: Turn | None = None

    def touch(self) -> None:
        self.version += 1

    def toggle(self) -> bool:
        """Expand or collapse; returns whether anything changed."""
        if not self.expandable:
            return False
        self.expanded = not self.expanded
        self.touch()
        return True

    def nothing_to_expand(self) -> str:
        """What Enter says when :meth:`toggle` changed nothing."""
        return "Nothing more to show in this message."

    def render(self, width: int, ctx: RenderContext) -> Sequence[Strip]:
        raise NotImplementedError

    def copy_text(self) -> str:
        """What `copy` puts on the clipboard: the original text, never wrapped screen lines."""
        raise NotImplementedError

    def code_blocks(self) -> list[CodeBlock]:
        """The code blocks the reader can copy one by one (answers', code execution's)."""
        return []

    def media(self) -> list[MediaContent]:
        """The media ``o`` opens and ``s`` saves (pictures, audio, video, documents)."""
        return []


def _label(glyph: str, title: str, style: Style, detail: str = "") -> Text:
    text = Text(f"{glyph} {title}", style=style, no_wrap=True, overflow="ellipsis")
    if detail:
        text.append("  ")
        text.append(safe_text(detail))
    return text


class UserItem(ChatItem):
    """The prompt as typed, shown literally (a prompt is not rendered as Markdown); ``note``
    says what a turn without prompt text was (a replayed recording, say); ``who`` sent it
    (another program, for a turn the inspector captured)."""

    def __init__(
        self, prompt: str, attachments: list[str] | None = None, note: str = "", who: str = "You"
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.attachments = attachments or []
        self.note = note
        self.who = who

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        header = safe_text(self.who, style=ctx.style("conversation--user-label"))
        dim = ctx.style("conversation--dim")
        for name in self.attachments:
            header.append(f"  [{clean_terminal_text(name)}]", style=dim)
        if self.note:
            header.append_text(safe_text(f"  {self.note}", dim))
        lines = render_lines(header, width, ctx)
        if self.prompt:
            body = safe_text(
                hide_secrets(self.prompt, ctx.secrets), ctx.style("conversation--user")
            )
            lines += render_lines(body, width, ctx)
        return lines

    def copy_text(self) -> str:
        return self.prompt

    def media(self) -> list[MediaContent]:
        """The pictures, audio, video and documents the prompt was sent with, from its turn's
        request, so ``o`` and ``s`` work on them as on an answer's (a text file went as text)."""
        attached = self.turn.asked.attachments if self.turn is not None else []
        return media_of(parse_content(item) for item in attached if item.get("type") != "text")


class ResultsSentItem(UserItem):
    """The user's side of a turn that sends function results: which ones went back."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        super().__init__("")
        self.results = results

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        names = ", ".join(str(result.get("name")) for result in self.results)
        header = Text("You", style=ctx.style("conversation--user-label"))
        header.append_text(safe_text(f"  sent results of {names}", ctx.style("conversation--dim")))
        return render_lines(header, width, ctx)

    def copy_text(self) -> str:
        return json.dumps(self.results, indent=2, ensure_ascii=False)


class AnswerItem(ChatItem):
    """A model_output step: Markdown that streams in, its finished blocks laid out by a
    :class:`BlockLayout` that keeps rendered lines only for the blocks seen lately (see
    :mod:`gemtui.ui.render.answer_lines`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.blocks = IncrementalBlocks()
        self.source = ""
        self.images: list[ImageContent] = []
        self.citations: list[Citation] = []
        self.final = False
        #: The JSON schema the request asked the answer to follow (set by the presenter).
        self.schema: dict[str, Any] | None = None
        self.structured: StructuredView | None = None
        self.inline_images: list[InlineImage] = []
        #: How many of the images come before the answer's text.
        self.leading_images = 0
        #: Audio, video and documents, one row each; ``leading_media`` of them before the text.
        self.media_rows: list[MediaRow] = []
        self.leading_media = 0
        #: What the step's ``error`` says, when the model's output failed.
        self.error: StepError | None = None
        self.sources: list[Source] = []
        # The open tail block, as last rendered: (finished-block count, width) it belongs to,
        # its lines, when it was rendered and what that cost (see _render_tail).
        self._tail_key: tuple[int, int] | None = None
        self._tail_lines: list[Strip] = []
        self._tail_at = 0.0
        self._tail_cost = 0.0
        self._open = OpenBlockView()
        #: Deltas are cleaned as one text: a sequence cut between two left its tail shown.
        self._cleaner = StreamCleaner()
        #: The finished blocks at the width last rendered, and how many of them that render saw.
        self._layout: BlockLayout | None = None
        self._seen = 0
        #: The context of the last render: a block rendered again when it scrolls back into
        #: view is drawn with it.
        self._ctx: RenderContext | None = None

    @property
    def streaming(self) -> bool:  # type: ignore[override]
        return not self.final

    @property
    def pending(self) -> bool:  # type: ignore[override]
        """Blocks on screen are drawn plain (see BlockLayout), or a final answer short enough
        to be drawn whole has blocks never rendered."""
        layout = self._layout
        return layout is not None and (
            bool(layout.wanted) or (self._draws_all() and layout.rough > 0)
        )

    def _draws_all(self) -> bool:
        return self.final and len(self.source) <= DRAW_ALL_CHARS

    def feed(self, text: str) -> None:
        self.blocks.feed(self._cleaner.feed(text))
        self.source = self.blocks.fed
        self.touch()

    def finish(self, *steps: StepBase) -> None:
        """The answer's steps have stopped (more than one when it came in continuation hops):
        take their final content and check the block split once."""
        shown = fed = self.source
        outputs = [step for step in steps if isinstance(step, ModelOutputStep)]
        if outputs:
            contents = [item for step in outputs for item in step.content or []]
            texts = [c for c in contents if isinstance(c, TextContent)]
            self.images = [c for c in contents if isinstance(c, ImageContent)]
            self.inline_images = [InlineImage(image) for image in self.images]
            # Images that come before any text are shown first, as the answer has them.
            first_text = next(
                (n for n, c in enumerate(contents) if isinstance(c, TextContent)), len(contents)
            )
            self.leading_images = sum(isinstance(c, ImageContent) for c in contents[:first_text])
            others = [c for c in media_of(contents) if not isinstance(c, ImageContent)]
            self.media_rows = [MediaRow(item) for item in others]
            self.leading_media = sum(
                1 for c in contents[:first_text] if any(c is item for item in others)
            )
            # The hop that failed says why (the others of a continued answer carry none).
            self.error = next(filter(None, map(step_error, outputs)), None)
            self.citations = citations_of(texts)
            self.sources = sources_of(self.citations)
            raw = "".join(c.text for c in texts)
            self.source = shown = clean_terminal_text(raw)
            if self.sources:
                # Citation markers go into what is shown only; copy keeps the original text.
                shown = clean_terminal_text(marked_text(texts))
            if self.schema is not None:
                check = check_structured(raw, self.schema)
                self.structured = StructuredView(check, self.source)
        self.blocks.close()
        if len(shown) <= FULL_SPLIT_CHARS and (shown != fed or LINK_DEFINITION.search(shown)):
            whole = IncrementalBlocks.whole(shown)
            if whole.finished != self.blocks.finished:
                # The final text is not what streamed (citation markers, or text that came
                # only with the step's end), or the incremental split disagreed with a full
                # parse (a link definition that arrived late): the full parse wins.
                self.blocks = whole
                self._layout = None
        if self.blocks.fed == self.source:
            # One string for the answer's text: the step's, which the blocks then cut from.
            self.blocks.adopt(self.source)
        self.final = True
        if self._layout is not None:
            self._layout.pack_all()
        self.touch()

    def _render_block(self, block: str, width: int) -> list[Strip]:
        ctx = self._ctx
        assert ctx is not None, "rendered before its first render()"
        # A block that was a huge open one has its chunks drawn already (see open_block).
        strips = self._open.closed(block, width, ctx) if self.schema is None else None
        if strips is None:
            strips = trim_blank(render_lines(self._renderable(block, ctx), width, ctx))
        return strips

    def _renderable(self, block: str, ctx: RenderContext) -> RenderableType:
        # JSON asked for by a schema streams in as the raw text it is, not as Markdown.
        return safe_text(block) if self.schema is not None else markdown(block, ctx)

    def settle(self) -> None:
        """The stream ended without a ``step.stop`` (cancel, drop): show all text received."""
        self._tail_key = None
        self.touch()

    def reopen(self) -> None:
        """More of this answer is coming (the next continuation hop, a resumed stream): its
        text goes on from what is shown."""
        if self.final:
            self.final = False
            self.blocks = IncrementalBlocks()
            self.blocks.feed(self.source)
            self._layout = None
            self.touch()

    def _render_tail(self, tail: str, width: int, ctx: RenderContext) -> list[Strip]:
        """The open block, re-rendered at most as often as keeps it cheap.

        One long block (a big code fence or list) costs more to render with every character,
        so re-rendering it on every flush would be quadratic and would stall the event loop:
        a fence or a bulleted list freezes its settled pieces in chunks (OpenBlockView) and
        lays out only the rest. Any tail is re-rendered only once the time since its last
        render is TAIL_COST_FACTOR times what that render cost: rendering then takes a bounded
        share of the time, and a small tail still updates on every flush.
        """
        key = (len(self.blocks.finished), width)
        now = time.perf_counter()
        if key == self._tail_key and now - self._tail_at < self._tail_cost * TAIL_COST_FACTOR:
            return self._tail_lines
        # A huge open fence or list lays out only what follows its frozen chunks. Freezing is
        # work done once per line, so only the rest counts in what a render costs.
        lines: list[Strip] = []
        start = now
        if self.schema is None:
            self._open.freeze(self.blocks, width, ctx)
            start = time.perf_counter()
            lines = self._open.lines(self.blocks, width, ctx)
        self._tail_lines = lines or trim_blank(
            render_lines(self._renderable(tail, ctx), width, ctx)
        )
        self._tail_at = time.perf_counter()
        self._tail_cost = self._tail_at - start
        self._tail_key = key
        return self._tail_lines

    def _laid_out_blocks(self, width: int, ctx: RenderContext) -> BlockLayout:
        """The finished blocks at ``width``, the newest rendered as time allows.

        Each render gives RENDER_SLICE to blocks never rendered: first those shown plain on
        screen, then, newest first, the blocks finished since the last render that the last
        screenful holds (what a reader following the answer sees). The others keep their plain
        height until they come into view, or (a final answer of up to DRAW_ALL_CHARS) until
        the app is idle: a 1 MB report is not rendered whole, only what is read of it.
        """
        layout = self._layout
        if layout is None or layout.width != width:
            layout = self._layout = BlockLayout(
                width, lambda block: self._render_block(block, width)
            )
            if self.final:
                layout.pack_all()
            self._seen = 0
        layout.sync(self.blocks.finished)
        count = len(layout.heights)
        until = time.perf_counter() + RENDER_SLICE
        if self._draws_all():
            layout.fill(until, range(count), rows=0)
        else:
            layout.fill(until, range(self._seen, count), ctx.rows)
        self._seen = count
        return layout

    def render(self, width: int, ctx: RenderContext) -> Sequence[Strip]:
        self._ctx = ctx
        dim = ctx.style("conversation--dim")
        warning = ctx.style("conversation--warning")
        # Before the text: pictures (a gap between each), media rows, a structured view.
        head: list[Strip] = []
        for image in self.inline_images[: self.leading_images]:
            if head:
                head.append(BLANK_LINE)
            head.extend(image.lines(width, dim, warning))
        head.extend(self._media_lines(self.media_rows[: self.leading_media], width, ctx))
        layout = None
        # After the finished blocks, each part a gap apart.
        parts: list[list[Strip]] = []
        if self.structured is not None:
            head.extend(self.structured.lines(width, ctx))
        else:
            layout = self._laid_out_blocks(width, ctx)
            tail = self.blocks.tail
            if tail.strip():
                parts.append(self._render_tail(tail, width, ctx))
        parts.extend(
            image.lines(width, dim, warning) for image in self.inline_images[self.leading_images :]
        )
        parts.append(self._media_lines(self.media_rows[self.leading_media :], width, ctx))
        if self.error is not None:
            failed = f"The model's output failed: {self.error.line()}"
            parts.append(
                _hanging(safe_text(failed, ctx.style("conversation--error")), "× ", width, ctx)
            )
        if self.sources:
            sources = Text("Sources", style=dim)
            for source in self.sources:
                sources.append(f"\n[{source.number}] ")
                sources.append(safe_text(source.title or source.url or "?"))
                if source.detail:
                    sources.append(f" · {clean_terminal_text(source.detail)}", dim)
                if source.url and source.title:
                    sources.append(f"  {clean_terminal_text(source.url)}", dim)
            parts.append(render_lines(sources, width, ctx))
        after: list[Strip] = []
        for part in filter(None, parts):
            if after:
                after.append(BLANK_LINE)
            after.extend(part)
        if not head and not after and (layout is None or not layout.heights):
            after = render_lines(Text("…", style=dim), width, ctx)
        return AnswerLines(head, layout, after)

    def _media_lines(self, rows: list[MediaRow], width: int, ctx: RenderContext) -> list[Strip]:
        style, dim = ctx.style("conversation--tool"), ctx.style("conversation--dim")
        return [line for row in rows for line in render_lines(row.text(style, dim), width, ctx)]

    def copy_text(self) -> str:
        return self.source

    def code_blocks(self) -> list[CodeBlock]:
        # From the Markdown source, so the code is exactly what the model wrote.
        return code_blocks(self.source)

    def media(self) -> list[MediaContent]:
        return [*self.images, *(row.item for row in self.media_rows)]


class ThoughtItem(ChatItem):
    """A thought step: collapsed to one line by default; its summary (if any) on expand."""

    expandable = True

    def __init__(self) -> None:
        super().__init__()
        self.summary = ""
        self.signature_length = 0
        self.final = False
        #: The turn ended before the thought did.
        self.cut = False
        #: Pictures in the summary (image models think in drafts), shown when expanded.
        self.images: list[ImageContent] = []
        self.inline_images: list[InlineImage] = []

    def feed(self, text: str) -> None:
        self.summary += clean_terminal_text(text)
        self.touch()

    def finish(self, step: StepBase) -> None:
        if isinstance(step, ThoughtStep):
            texts = [c.text for c in step.summary or [] if isinstance(c, TextContent)]
            self.summary = clean_terminal_text("".join(texts))
            self.signature_length = len(step.signature or "")
            self.images = [c for c in step.summary or [] if isinstance(c, ImageContent)]
            self.inline_images = [InlineImage(image) for image in self.images]
        self.final = True
        self.touch()

    def cut_short(self) -> None:
        """The turn ended before this thought did (a cut stream, Escape)."""
        self.cut = True
        self.touch()

    def media(self) -> list[MediaContent]:
        return list(self.images)

    def toggle(self) -> bool:
        # A thought without a summary looks the same either way: Enter seemed to do nothing.
        return bool(self.summary or self.images) and super().toggle()

    def nothing_to_expand(self) -> str:
        if not self.final:
            return "This thought has no summary yet."
        return (
            "This thought has no summary: the model sent only its signature "
            "(F2, Thinking summaries, asks for them)."
        )

    @property
    def title(self) -> str:
        first = next((line for line in self.summary.splitlines() if line.strip()), "")
        return first.strip().strip("*").strip()

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        style = ctx.style("conversation--thought")
        if not self.summary and not self.images:
            detail = "(no summary; signature kept)" if self.final else "thinking…"
            if self.cut:
                detail = "(cut off before it ended)"
            return render_lines(_label(GLYPH_COLLAPSED, "Thought", style, detail), width, ctx)
        glyph = GLYPH_EXPANDED if self.expanded else GLYPH_COLLAPSED
        detail = self.title
        if self.images:
            count = len(self.images)
            detail = f"{detail} · {count} picture{'s' if count != 1 else ''}".lstrip(" ·")
        label = render_lines(_label(glyph, "Thought", style, detail), width, ctx)
        if not self.expanded:
            return label
        lines = label + render_lines(markdown(self.summary, ctx), width, ctx)
        dim, warning = ctx.style("conversation--dim"), ctx.style("conversation--warning")
        for image in self.inline_images:
            lines.extend(image.lines(width, dim, warning))
        return lines

    def copy_text(self) -> str:
        return self.summary


def _call_summary(step: StepBase) -> str:
    """One line that says what a tool step did, for the collapsed row."""
    data = step.to_wire()
    if isinstance(step, FunctionCallStep):
        args = ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in (step.arguments or {}).items()
        )
        return f"{step.name}({args})"
    arguments = data.get("arguments")
    if isinstance(arguments, dict):
        for key in ("queries", "urls", "code"):
            if key in arguments:
                value = arguments[key]
                return value if isinstance(value, str) else ", ".join(map(str, value))
    result = data.get("result")
    if isinstance(result, list):
        return f"{len(result)} item{'s' if len(result) != 1 else ''}"
    if isinstance(result, str):
        return result
    if result is not None:
        return json.dumps(result, ensure_ascii=False)
    return ""


class ToolItem(ChatItem):
    """A tool call or result (built-in, function, MCP, unknown): one row; its JSON on expand."""

    expandable = True

    def __init__(self, step: StepBase) -> None:
        super().__init__()
        self.step = step
        self.final = False

    def update(self, step: StepBase, final: bool = False) -> None:
        self.step = step
        self.final = self.final or final
        self.touch()

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        step = self.step
        kind = step.type or "step"
        if isinstance(step, UnknownStep):
            style, glyph = ctx.style("conversation--warning"), "?"
            kind = f"unknown step '{kind}'"
        elif isinstance(step, ResultStep):
            failed = bool(step.is_error)
            style = ctx.style("conversation--error" if failed else "conversation--tool")
            glyph = "×" if failed else "√"
        else:
            style, glyph = ctx.style("conversation--tool"), "»"
        code = is_code_execution(step)
        view = None if code else describe(step)
        if view is not None:
            kind, summary = view.title, view.summary
        else:
            summary = code_summary(step) if code else _call_summary(step)
        summary = summary.replace("\n", " ")
        if not self.final and isinstance(step, CallStep):
            summary = f"{summary} …" if summary else "…"
        marker = GLYPH_EXPANDED if self.expanded else GLYPH_COLLAPSED
        lines = render_lines(_label(f"{marker}{glyph}", kind, style, summary), width, ctx)
        if self.expanded and view is not None and view.details:
            details = safe_text("\n".join(f"  {line}" for line in view.details))
            lines += render_lines(details, width, ctx)
        elif self.expanded and code:
            lines += render_lines(code_details(step, ctx.code_theme), width, ctx)
        elif self.expanded:
            raw = json.dumps(step.to_wire(), indent=2, ensure_ascii=False)
            from rich.syntax import Syntax  # on first use: see gemtui.ui.render.warm_up

            syntax = Syntax(clean_terminal_text(raw), "json", theme=ctx.code_theme, word_wrap=True)
            lines += render_lines(syntax, width, ctx)
        return lines

    def copy_text(self) -> str:
        return json.dumps(self.step.to_wire(), indent=2, ensure_ascii=False)

    def code_blocks(self) -> list[CodeBlock]:
        return copyable_code(self.step)


class NoticeItem(ChatItem):
    """A message from gemtui itself: an error with what to do, or a turn's end state."""

    def __init__(self, message: str, hint: str = "", *, level: str = "info") -> None:
        super().__init__()
        self.message = message
        self.hint = hint
        self.level = level

    def render(self, width: int, ctx: RenderContext) -> list[Strip]:
        glyph = {"error": "×", "warning": "!", "info": "·"}.get(self.level, "·")
        style = ctx.style(f"conversation--{self.level}")
        # Wrapped lines hang under the text, not under the glyph: the hint's ran back to the
        # glyph's column after its first line.
        lines = _hanging(safe_text(self.message, style=style), f"{glyph} ", width, ctx)
        if self.hint:
            hint = safe_text(self.hint, style=ctx.style("conversation--dim"))
            lines += _hanging(hint, "  ", width, ctx)
        return lines

    def copy_text(self) -> str:
        return f"{self.message}\n{self.hint}".strip()


def _hanging(text: Text, first: str, width: int, ctx: RenderContext) -> list[Strip]:
    """``text`` wrapped two columns in, its first line after ``first`` (two cells)."""
    indent = Segment(" " * cell_len(first))
    lines = render_lines(text, max(width - indent.cell_length, 1), ctx)
    head = Segment(first, text.style if isinstance(text.style, Style) else None)
    return [Strip([head if n == 0 else indent, *line]) for n, line in enumerate(lines)]


def item_for_step(step: StepBase) -> ChatItem:
    """The item that shows a step of this type."""
    if isinstance(step, ModelOutputStep):
        return AnswerItem()
    if isinstance(step, ThoughtStep):
        return ThoughtItem()
    return ToolItem(step)
