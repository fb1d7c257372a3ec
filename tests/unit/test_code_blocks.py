"""code_blocks: the code of each block of a Markdown answer, exactly as written."""

from __future__ import annotations

from gemtui.core.markdown_blocks import CodeBlock, code_blocks


def test_fences_give_their_code_without_fences_and_language_from_info() -> None:
    text = "Intro\n\n```python title=x\na = 1\n\nb = 2\n```\n\nMiddle\n\n~~~\nplain\n~~~\n"
    assert code_blocks(text) == [CodeBlock("python", "a = 1\n\nb = 2"), CodeBlock("", "plain")]


def test_blocks_nested_in_lists_and_quotes_lose_the_indent_and_markers() -> None:
    text = "- item\n\n  ```sh\n  ls\n   -la\n  ```\n\n> ```js\n> x()\n> ```\n"
    assert code_blocks(text) == [CodeBlock("sh", "ls\n -la"), CodeBlock("js", "x()")]


def test_indented_code_counts_and_inline_code_does_not() -> None:
    text = "Use `x` here.\n\n    indented\n    code\n"
    assert code_blocks(text) == [CodeBlock("", "indented\ncode")]


def test_trailing_blank_lines_inside_a_fence_are_kept_but_the_last_newline_is_not() -> None:
    assert code_blocks("```\nx\n\n```") == [CodeBlock("", "x\n")]


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert code_blocks("```py\nprint(1)\nprint(2)") == [CodeBlock("py", "print(1)\nprint(2)")]


def test_no_code_blocks() -> None:
    assert code_blocks("# Title\n\nJust *text*.\n") == []


def test_line_count() -> None:
    assert CodeBlock("", "a\nb\n\nc").line_count == 4
    assert CodeBlock("", "").line_count == 0
