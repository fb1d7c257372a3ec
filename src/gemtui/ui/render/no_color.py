"""Markdown styles for ``NO_COLOR``: emphasis kept, colour left out.

Under ``NO_COLOR`` Textual draws every colour as the grey of its luminance. Rich's Markdown
styles headings, quotes and code in magenta and cyan, dark colours that came out as dark grey on
a near-black background (1.6:1): the headings and tips of an answer could hardly be read. Here
they are bold, italic and underlined in the text's own colour instead.
"""

from __future__ import annotations

from rich.theme import Theme

NO_COLOR_MARKDOWN = Theme(
    {
        "markdown.code": "bold",
        "markdown.code_block": "none",
        "markdown.block_quote": "italic",
        "markdown.list": "none",
        "markdown.item.number": "bold",
        "markdown.hr": "none",
        "markdown.h2": "bold underline",
        "markdown.h3": "bold",
        "markdown.h4": "bold italic",
        "markdown.h6": "italic",
        "markdown.h7": "italic",
        "markdown.link": "underline",
        "markdown.link_url": "underline",
        "markdown.table.border": "none",
        "markdown.table.header": "bold",
        "markdown.kbd": "bold",
    }
)
