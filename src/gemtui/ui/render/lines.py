"""The rendering primitives every item uses: what a render needs, and Rich output as lines.

Kept apart from the items themselves so that parts of an item (the structured-output view, the
code rows) can render with the same context without importing the items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from gemtui.core.safety import hide_secrets

#: Characters of one Markdown block that are rendered; the rest is kept (copy has it all) but
#: not laid out: wrapping one multi-megabyte paragraph takes Rich many seconds.
MAX_RENDERED_BLOCK = 200_000


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs from the app: its console and the styles of the pane."""

    console: Console
    code_theme: str
    style: Callable[[str], Style]
    #: How many lines the pane shows (0: unknown): new blocks beyond a screenful of the newest
    #: need not be rendered before they are seen.
    rows: int = 0
    #: What is never drawn (the API key): shown as ``***`` (see ``safety.hide_secrets``).
    secrets: Sequence[str] = ()


def markdown(source: str, ctx: RenderContext) -> RenderableType:
    # On first use: see gemtui.ui.render.warm_up.
    from gemtui.ui.render.rich_markdown import SharedParserMarkdown

    source = hide_secrets(source, ctx.secrets)
    if len(source) <= MAX_RENDERED_BLOCK:
        return SharedParserMarkdown(source, ctx.code_theme)
    shown = SharedParserMarkdown(source[:MAX_RENDERED_BLOCK], ctx.code_theme)
    rest = (len(source) - MAX_RENDERED_BLOCK) // 1024
    note = Text(f"… {rest:,} KB more of this block not shown; y or Ctrl+Y copies it all.")
    note.stylize(ctx.style("conversation--dim"))
    return Group(shown, note)


def render_lines(renderable: RenderableType, width: int, ctx: RenderContext) -> list[Strip]:
    options = ctx.console.options.update(width=max(width, 1), height=None, highlight=False)
    return [Strip(line) for line in ctx.console.render_lines(renderable, options, pad=False)]


def _is_blank(strip: Strip) -> bool:
    return not strip.text.strip() and not any(
        segment.style is not None and segment.style.bgcolor is not None for segment in strip
    )


def trim_blank(lines: list[Strip], *, end: bool = True) -> list[Strip]:
    """Drop the empty lines Rich puts around some blocks (``end=False``: only those before);
    the pane sets its own spacing."""
    first, last = 0, len(lines)
    while first < last and _is_blank(lines[first]):
        first += 1
    while end and last > first and _is_blank(lines[last - 1]):
        last -= 1
    return lines[first:last]
