"""Rich's Markdown, with what Rich rebuilds for every block built once.

Rich makes a new markdown-it parser for each ``Markdown`` (its set-up and linkify's regular
expressions: about 0.7 ms, two thirds of what reading a short block costs), and looks up a
code block's lexer by name among Pygments' hundreds (about 0.25 ms) every time it draws one.
An answer is rendered a block at a time, and an open code fence again at every flush while it
grows: here the parser is shared and lexers are kept by name. Imported on first use (see
:func:`gemtui.ui.render.warm_up`), as Rich's Markdown is.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, ClassVar

from markdown_it import MarkdownIt
from rich.markdown import CodeBlock, Markdown, MarkdownElement
from rich.syntax import Syntax

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from rich.console import Console, ConsoleOptions, RenderResult

#: Rich's ``Syntax`` expands tabs to this size unless told otherwise (code blocks are not).
TAB_SIZE = 4


@cache
def lexer_for(name: str) -> Lexer | None:
    """The Pygments lexer ``Syntax(code, name)`` would look up (``None``: there is none)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
    except ClassNotFound:
        return None


@cache
def _parser() -> MarkdownIt:
    # The parser Rich's Markdown makes for itself (tests/unit/test_rich_markdown.py checks).
    return MarkdownIt().enable("strikethrough").enable("table")


class _CodeBlock(CodeBlock):
    """Rich's code block, given its lexer rather than its name."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A name Pygments does not know is drawn as plain text, as Syntax does.
        lexer = lexer_for(self.lexer_name) or lexer_for("text")
        code = str(self.text).rstrip()
        yield Syntax(code, lexer or "text", theme=self.theme, word_wrap=True, padding=1)


class SharedParserMarkdown(Markdown):
    """Rich's ``Markdown`` as gemtui draws model output: no hyperlinks (a link must not
    become an OSC 8 escape sequence), one shared parser, lexers kept by name."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "fence": _CodeBlock,
        "code_block": _CodeBlock,
    }

    def __init__(self, markup: str, code_theme: str) -> None:
        # Not Rich's __init__, which builds a parser: the attributes it sets, with the shared
        # parser's tokens (tests/unit/test_rich_markdown.py keeps the two in step).
        self.markup = markup
        self.parsed = _parser().parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = False
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme
