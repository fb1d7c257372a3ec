"""A structured (JSON) answer as the reader sees it once its step has stopped.

The JSON is pretty-printed and highlighted, followed by a mark line: valid against the schema
(√), invalid (× and the first errors with their JSON paths) or not JSON (× and where parsing
broke). The model's text is untrusted and so are the strings inside it; everything shown is
cleaned of terminal control sequences. Lines are kept for the last width drawn.
"""

from __future__ import annotations

import json

from rich.console import RenderableType
from rich.text import Text
from textual.strip import Strip

from gemtui.core.safety import clean_terminal_text, safe_text
from gemtui.core.structured import StructuredCheck
from gemtui.ui.render.lines import RenderContext, render_lines

#: Characters of pretty-printed JSON that are highlighted; the rest is shown plain.
MAX_HIGHLIGHTED = 200_000


class StructuredView:
    """The checked JSON of one answer and its lines for the last width drawn."""

    def __init__(self, check: StructuredCheck, source: str) -> None:
        self.check = check
        self.source = source
        self._width = -1
        self._lines: list[Strip] = []

    def lines(self, width: int, ctx: RenderContext) -> list[Strip]:
        if width != self._width:
            self._lines = render_lines(self._body(ctx), width, ctx) + render_lines(
                self._mark(ctx), width, ctx
            )
            self._width = width
        return self._lines

    def _body(self, ctx: RenderContext) -> RenderableType:
        if self.check.verdict == "not_json":
            return safe_text(self.source)
        shown = clean_terminal_text(json.dumps(self.check.value, indent=2, ensure_ascii=False))
        if len(shown) > MAX_HIGHLIGHTED:
            return Text(shown)
        from rich.syntax import Syntax  # on first use: see gemtui.ui.render.warm_up

        return Syntax(shown, "json", theme=ctx.code_theme, word_wrap=True)

    def _mark(self, ctx: RenderContext) -> Text:
        check = self.check
        good = check.verdict == "valid"
        style = ctx.style("conversation--success" if good else "conversation--warning")
        mark = safe_text(f"{'√' if good else '×'} {check.summary}", style=style)
        for error in check.errors:
            mark.append("\n")
            mark.append_text(safe_text(f"  {error}", style=ctx.style("conversation--dim")))
        if check.error_count > len(check.errors):
            more = check.error_count - len(check.errors)
            mark.append(f"\n  … and {more} more", style=ctx.style("conversation--dim"))
        return mark
