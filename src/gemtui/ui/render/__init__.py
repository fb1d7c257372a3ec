"""How the conversation's items draw themselves: Rich renderables turned into lines."""


def warm_up() -> None:
    """Import what rendering an answer needs, beside the UI once the first frame is drawn.

    markdown_it and Rich's Markdown and Syntax (with Pygments) are imported on first use, not at
    start-up, where they cost about 35 ms before the first frame; importing them here, in the
    warm-up thread, keeps that cost off the first answer too.
    """
    import rich.syntax

    from gemtui.core.markdown_blocks import block_starts
    from gemtui.ui.render.rich_markdown import SharedParserMarkdown, lexer_for

    block_starts("warm up\n")  # builds the block parser
    SharedParserMarkdown("warm *up*", "monokai")  # builds the answers' parser
    # The first code block loads its lexer and the theme (about 20 ms): Python's, the most
    # common, is loaded here, and the plain one unknown languages get.
    rich.syntax.Syntax("x = 1", lexer_for("python") or "python").highlight("x = 1")
    lexer_for("text")
    rich.syntax.Syntax("", "json").highlight("{}")  # the step detail's JSON
