"""How the conversation's items draw themselves: Rich renderables turned into lines."""


def warm_up() -> None:
    """Import what rendering an answer needs, beside the UI once the first frame is drawn.

    markdown_it and Rich's Markdown and Syntax (with Pygments) are imported on first use, not at
    start-up, where they cost about 35 ms before the first frame; importing them here, in the
    warm-up thread, keeps that cost off the first answer too.
    """
    import rich.markdown
    import rich.syntax

    from gemtui.core.markdown_blocks import block_starts

    block_starts("warm up\n")  # builds the block parser
    rich.markdown.Markdown("warm *up*")
    # The first code block loads its lexer and the theme (about 20 ms): Python's, the most
    # common, is loaded here.
    rich.syntax.Syntax("x = 1", "python").highlight("x = 1")
    rich.syntax.Syntax("", "json").highlight("{}")  # the step detail's JSON
