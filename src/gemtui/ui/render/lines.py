"""The rendering primitives every item uses: what a render needs, and Rich output as lines.

Kept apart from the items themselves so that parts of an item (the structured-output view, the
code rows) can render with the same context without importing the items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.style import Style
from textual.strip import Strip


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs from the app: its console and the styles of the pane."""

    console: Console
    code_theme: str
    style: Callable[[str], Style]


def render_lines(renderable: RenderableType, width: int, ctx: RenderContext) -> list[Strip]:
    options = ctx.console.options.update(width=max(width, 1), height=None, highlight=False)
    return [Strip(line) for line in ctx.console.render_lines(renderable, options, pad=False)]


def _is_blank(strip: Strip) -> bool:
    return not strip.text.strip() and not any(
        segment.style is not None and segment.style.bgcolor is not None for segment in strip
    )


def trim_blank(lines: list[Strip]) -> list[Strip]:
    """Drop the empty lines Rich puts around some blocks; the pane sets its own spacing."""
    start, end = 0, len(lines)
    while start < end and _is_blank(lines[start]):
        start += 1
    while end > start and _is_blank(lines[end - 1]):
        end -= 1
    return lines[start:end]
