"""gemtui's Markdown is Rich's, drawn the same, with its parser and lexers made once.

If a Rich upgrade changes what its Markdown sets up or how it parses, these fail: then
``SharedParserMarkdown`` must follow."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown

from gemtui.ui.render.rich_markdown import SharedParserMarkdown, lexer_for

SAMPLE = """# Title

Some *emphasis*, **strong**, ~~struck~~, `code`, a [link](https://example.com) and
https://bare.example.com.

| a | b |
|---|---|
| 1 | 2 |

```python
def f(x):
\treturn x  # a tab
```

```no-such-language
plain as can be
```

    indented code

> a quote
1. one
2. two
"""


def drawn(markdown: Markdown) -> str:
    console = Console(width=60, record=True, color_system="truecolor", force_terminal=True)
    console.print(markdown)
    return console.export_text(styles=True)


def test_it_sets_what_rich_sets_and_parses_as_rich_does():
    ours = SharedParserMarkdown(SAMPLE, "monokai")
    rich = Markdown(SAMPLE, code_theme="monokai", hyperlinks=False)
    assert vars(ours).keys() == vars(rich).keys()
    assert [(t.type, t.content, t.info) for t in ours.parsed] == [
        (t.type, t.content, t.info) for t in rich.parsed
    ]
    assert {k: v for k, v in vars(ours).items() if k != "parsed"} == {
        k: v for k, v in vars(rich).items() if k != "parsed"
    }


def test_it_draws_as_rich_does():
    assert drawn(SharedParserMarkdown(SAMPLE, "monokai")) == drawn(
        Markdown(SAMPLE, code_theme="monokai", hyperlinks=False)
    )


def test_lexers_are_kept_by_name():
    assert lexer_for("python") is lexer_for("python") is not None
    assert lexer_for("no-such-language") is None
