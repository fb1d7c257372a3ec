"""The tools checklist (F7): which tools this conversation's next requests carry.

Built-in tools (google_search, code_execution, url_context) and function tools (those in force
and those declared in the config) can be switched on and off here for this conversation only;
the config file is left alone (F2 is where defaults change). Tools of other kinds that the
settings carry are kept as they are. The same toggles are palette commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from gemtui.core.safety import clean_terminal_text
from gemtui.ui.widgets.tick_box import TickList

#: The built-in tools, with what each lets the model do.
BUILT_IN = {
    "google_search": "Google Search: answers with citations",
    "code_execution": "code execution: the model runs Python",
    "url_context": "URL context: the model reads the URLs you give",
}


@dataclass(frozen=True)
class ToolChoice:
    key: str
    label: str
    tool: dict[str, Any]


def tool_key(tool: dict[str, Any]) -> str:
    """What tells two tools apart: the type, and the name for function tools."""
    kind = str(tool.get("type", ""))
    return f"function:{tool.get('name', '')}" if kind == "function" else kind


def tool_choices(
    tools: list[dict[str, Any]], functions: Sequence[dict[str, Any]] = ()
) -> list[ToolChoice]:
    """The checklist: the built-in tools, then every function tool in force or declared."""
    choices = [ToolChoice(name, label, {"type": name}) for name, label in BUILT_IN.items()]
    seen = {choice.key for choice in choices}
    for tool in [*tools, *functions]:
        key = tool_key(tool)
        if tool.get("type") == "function" and key not in seen:
            seen.add(key)
            description = str(tool.get("description") or "function tool")
            choices.append(ToolChoice(key, f"{tool.get('name')}: {description}", tool))
    return choices


def apply_choices(
    tools: list[dict[str, Any]], choices: list[ToolChoice], enabled: set[str]
) -> list[dict[str, Any]]:
    """``tools`` with the checklist applied: tools keep their order, new ones go last, tools the
    checklist does not show stay as they are."""
    shown = {choice.key for choice in choices}
    kept = [tool for tool in tools if tool_key(tool) not in shown or tool_key(tool) in enabled]
    present = {tool_key(tool) for tool in kept}
    added = [c.tool for c in choices if c.key in enabled and c.key not in present]
    return kept + added


def toggle_tool(tools: list[dict[str, Any]], name: str) -> tuple[list[dict[str, Any]], bool]:
    """``tools`` with the built-in tool ``name`` switched; and whether it is now on."""
    if any(tool_key(tool) == name for tool in tools):
        return [tool for tool in tools if tool_key(tool) != name], False
    return [*tools, {"type": name}], True


class ToolsScreen(ModalScreen[list[dict[str, Any]]]):
    """Space or Enter toggles a tool; Escape closes with the tools now chosen."""

    BINDINGS = [Binding("escape", "done", "Done", id="tools.done")]

    DEFAULT_CSS = """
    ToolsScreen { align: center middle; }
    ToolsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ToolsScreen #tools-title { text-style: bold; }
    ToolsScreen #tools-help { color: $text-muted; }
    ToolsScreen SelectionList { height: auto; max-height: 16; }
    """

    def __init__(
        self, tools: list[dict[str, Any]], functions: Sequence[dict[str, Any]] = ()
    ) -> None:
        super().__init__()
        self.tools = tools
        self.choices = tool_choices(tools, functions)

    def compose(self) -> ComposeResult:
        in_force = {tool_key(tool) for tool in self.tools}
        with Vertical():
            yield Static("Tools of this conversation", id="tools-title")
            yield Static("Space toggles · Esc done · F2 changes the defaults", id="tools-help")
            yield TickList(
                *[
                    (Text(clean_terminal_text(choice.label)), choice.key, choice.key in in_force)
                    for choice in self.choices
                ],
                id="tools-list",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def function_tools(self) -> list[dict[str, Any]]:
        """Every function tool offered here (switched on or not), to offer again next time."""
        return [choice.tool for choice in self.choices if choice.tool.get("type") == "function"]

    def chosen(self) -> list[dict[str, Any]]:
        enabled = set(self.query_one(SelectionList).selected)
        return apply_choices(self.tools, self.choices, enabled)

    def action_done(self) -> None:
        self.dismiss(self.chosen())

    def reopened(self) -> None:
        """F7 while the checklist is shown closes it with the tools chosen (see
        :mod:`gemtui.ui.dialogs`)."""
        self.action_done()
