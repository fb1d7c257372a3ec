"""Code execution calls and results as the reader wants them: code and output, not JSON.

A ``code_execution_call`` carries ``arguments: {code, language}`` and its
``code_execution_result`` a ``result`` that is a string or a list of contents
(``interactions-api.md`` 4.1). Collapsed, the row shows the first line of the code or of the
output; expanded, the code highlighted in its language and the output as plain text. The raw
JSON of both stays in the step timeline.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from gemtui.api.models import CodeExecutionCallStep, CodeExecutionResultStep, StepBase
from gemtui.core.markdown_blocks import CodeBlock
from gemtui.core.safety import clean_terminal_text, safe_text
from gemtui.core.tool_steps import result_text

DEFAULT_LANGUAGE = "python"


def is_code_execution(step: StepBase) -> bool:
    return isinstance(step, CodeExecutionCallStep | CodeExecutionResultStep)


def code_of(step: CodeExecutionCallStep) -> tuple[str, str]:
    """The call's (code, language); language defaults to Python as the API's does."""
    arguments = step.arguments or {}
    code = arguments.get("code")
    language = arguments.get("language")
    return (
        clean_terminal_text(code) if isinstance(code, str) else "",
        language.lower() if isinstance(language, str) and language else DEFAULT_LANGUAGE,
    )


def output_of(step: CodeExecutionResultStep) -> str:
    """The result as text (see :func:`result_text`), an object as indented JSON."""
    result: Any = step.result
    if result is not None and not isinstance(result, str | list):
        return clean_terminal_text(json.dumps(result, ensure_ascii=False, indent=2))
    return clean_terminal_text(result_text(result))


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def copyable_code(step: StepBase) -> list[CodeBlock]:
    """What ``c`` copies from a code execution row: the code run, or the output it gave."""
    if isinstance(step, CodeExecutionCallStep):
        code, language = code_of(step)
        return [CodeBlock(language, code)] if code else []
    if isinstance(step, CodeExecutionResultStep):
        output = output_of(step)
        return [CodeBlock("", output)] if output else []
    return []


def code_summary(step: StepBase) -> str:
    """One line for the collapsed row: the first line of the code or of the output."""
    if isinstance(step, CodeExecutionCallStep):
        return first_line(code_of(step)[0])
    if isinstance(step, CodeExecutionResultStep):
        return first_line(output_of(step)) or "(no output)"
    return ""


def code_details(step: StepBase, code_theme: str) -> RenderableType:
    """What the expanded row shows: the code highlighted, or the output as plain text."""
    if isinstance(step, CodeExecutionCallStep):
        code, language = code_of(step)
        from rich.syntax import Syntax  # on first use: see gemtui.ui.render.warm_up

        return Syntax(code.rstrip("\n"), language, theme=code_theme, word_wrap=True)
    if isinstance(step, CodeExecutionResultStep):
        output = output_of(step).rstrip("\n")
        return safe_text(output) if output else Text("(no output)")
    return Text("")
