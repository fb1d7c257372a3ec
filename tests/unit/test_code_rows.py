"""Code execution rows: the first line collapsed, code and output (not JSON) expanded."""

from __future__ import annotations

import pytest
from rich.syntax import Syntax

from gemtui.api.models import CodeExecutionCallStep, CodeExecutionResultStep, FunctionCallStep
from gemtui.ui.render.code_rows import code_details, code_summary, is_code_execution, output_of


def call(arguments):
    return CodeExecutionCallStep(id="c1", arguments=arguments)


def result(value, is_error=None):
    return CodeExecutionResultStep(call_id="c1", result=value, is_error=is_error)


def test_only_code_execution_steps_are_code_rows():
    assert is_code_execution(call({})) and is_code_execution(result(""))
    assert not is_code_execution(FunctionCallStep(id="f", name="f", arguments={}))


def test_collapsed_row_shows_the_first_non_blank_line():
    assert code_summary(call({"code": "\n\nimport os\nprint(1)\n"})) == "import os"
    assert code_summary(result("  \n3 files\nmore\n")) == "3 files"
    assert code_summary(result("")) == "(no output)"


def test_code_is_highlighted_in_its_language_defaulting_to_python():
    shown = code_details(call({"code": "ls -l\n", "language": "BASH"}), "monokai")
    assert isinstance(shown, Syntax)
    assert shown.lexer is not None and "bash" in shown.lexer.aliases
    assert shown.code == "ls -l"
    python = code_details(call({"code": "x = 1"}), "monokai")
    assert "python" in python.lexer.aliases


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("4 words\n", "4 words\n"),
        ([{"type": "text", "text": "a"}, {"type": "image", "data": "…"}], "a\n[image]"),
        ({"stdout": "x"}, '{\n  "stdout": "x"\n}'),
        (None, ""),
        ("\x1b]52;c;aGk=\x07ok\x1b[2J", "ok"),
    ],
)
def test_output_is_plain_cleaned_text(value, text):
    assert output_of(result(value)) == text


def test_expanded_output_is_plain_text():
    shown = code_details(result("line 1\nline 2\n"), "monokai")
    assert shown.plain == "line 1\nline 2"
    assert code_details(result(""), "monokai").plain == "(no output)"
