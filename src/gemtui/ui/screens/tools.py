"""The tools checklist (F7): which tools this conversation's next requests carry.

Every server-side tool (Google Search, code execution, URL context, Google Maps, file search,
computer use, retrieval), every MCP server of the settings and every function tool (those in
force and those declared in the config) can be switched on and off here for this conversation
only; the config file is left alone (F2 is where defaults and tool parameters change). A tool
that cannot run without parameters (file search without stores) is listed, greyed, with where
to set them. Tools of other kinds that the settings carry are kept as they are. The same
toggles are palette commands.
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
from textual.widgets.selection_list import Selection

from gemtui.core.safety import clean_terminal_text
from gemtui.core.tool_specs import tool_spec
from gemtui.ui.widgets.tick_box import TickList

#: The server-side tools, with what each lets the model do.
BUILT_IN = {
    "google_search": "Google Search: answers with citations",
    "code_execution": "code execution: the model runs Python",
    "url_context": "URL context: the model reads the URLs you give",
    "google_maps": "Google Maps: places, with citations",
    "file_search": "file search: your file search stores",
    "computer_use": "computer use: browser actions for you to run",
    "retrieval": "retrieval: Vertex AI Search, RAG stores, …",
}


def tool_title(kind: str) -> str:
    """A server-side tool's name as this checklist shows it (``google_search`` is "Google
    Search", ``code_execution`` "code execution"); any other type as it is."""
    described = BUILT_IN.get(kind)
    return described.partition(":")[0] if described else kind


#: Tools that need parameters to be sent at all, and where they are set.
NEEDS_PARAMETERS = {"file_search": "set its stores in F2 (Tools)"}


@dataclass(frozen=True)
class ToolChoice:
    key: str
    label: str
    tool: dict[str, Any]
    #: Why it cannot be switched on (empty: it can).
    missing: str = ""


def tool_key(tool: dict[str, Any]) -> str:
    """What tells two tools apart: the type, and the name for function tools and MCP servers."""
    kind = str(tool.get("type", ""))
    if kind in ("function", "mcp_server"):
        return f"{kind}:{tool.get('name', '')}"
    return kind


def _with_parameters(tool: dict[str, Any]) -> str:
    """`` (spec)`` after a label when the tool has parameters; MCP header values hidden."""
    if len(tool) == 1:
        return ""
    shown = dict(tool)
    if isinstance(shown.get("headers"), dict):
        shown["headers"] = dict.fromkeys(shown["headers"], "…")
    return f" ({tool_spec(shown).partition(':')[2] or tool_spec(shown)})"


def tool_choices(
    tools: list[dict[str, Any]], offered: Sequence[dict[str, Any]] = ()
) -> list[ToolChoice]:
    """The checklist: the server-side tools, then every MCP server and function tool offered
    (configured), in the order offered, then any other in force. A tool in force is listed as
    it is; one that is off, as offered (with its configured parameters) or bare. The order
    never follows what is on: it moved the rows under the cursor from one opening to the
    next, and the same keys then switched another tool."""
    known = {tool_key(tool): tool for tool in [*offered, *tools]}
    choices = []
    for name, label in BUILT_IN.items():
        tool = known.get(name, {"type": name})
        missing = NEEDS_PARAMETERS.get(name, "") if len(tool) == 1 else ""
        suffix = f" — {missing}" if missing else _with_parameters(tool)
        choices.append(ToolChoice(name, label + suffix, tool, missing))
    seen = {choice.key for choice in choices}
    for listed in [*offered, *tools]:
        key = tool_key(listed)
        if key in seen or listed.get("type") not in ("function", "mcp_server"):
            continue
        seen.add(key)
        tool = known[key]
        if tool.get("type") == "mcp_server":
            label = f"MCP server {tool.get('name')}: {tool.get('url')}"
        else:
            label = f"{tool.get('name')}: {tool.get('description') or 'function tool'}"
        choices.append(ToolChoice(key, label, tool))
    return choices


def apply_choices(
    tools: list[dict[str, Any]], choices: list[ToolChoice], enabled: set[str]
) -> list[dict[str, Any]]:
    """``tools`` with the checklist applied: tools keep their order, new ones go last, tools the
    checklist does not show stay as they are."""
    shown = {choice.key for choice in choices}
    kept = [tool for tool in tools if tool_key(tool) not in shown or tool_key(tool) in enabled]
    present = {tool_key(tool) for tool in kept}
    added = [c.tool for c in choices if c.key in enabled and c.key not in present and not c.missing]
    return kept + added


def toggle_tool(
    tools: list[dict[str, Any]], name: str, offered: Sequence[dict[str, Any]] = ()
) -> tuple[list[dict[str, Any]], bool]:
    """``tools`` with the server-side tool ``name`` switched (as ``offered`` configures it);
    and whether it is now on."""
    if any(tool_key(tool) == name for tool in tools):
        return [tool for tool in tools if tool_key(tool) != name], False
    tool = next((t for t in offered if tool_key(t) == name), {"type": name})
    return [*tools, tool], True


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
    ToolsScreen SelectionList { height: auto; max-height: 18; }
    """

    def __init__(self, tools: list[dict[str, Any]], offered: Sequence[dict[str, Any]] = ()) -> None:
        """``offered``: tools to list though not in force (the configured MCP servers and
        function tools, the server-side tools with their configured parameters)."""
        super().__init__()
        self.tools = tools
        self.choices = tool_choices(tools, offered)

    def compose(self) -> ComposeResult:
        in_force = {tool_key(tool) for tool in self.tools}
        with Vertical():
            yield Static("Tools of this conversation", id="tools-title")
            yield Static("Space toggles · Esc done · F2 changes the defaults", id="tools-help")
            yield TickList(
                *[
                    Selection(
                        Text(clean_terminal_text(choice.label)),
                        choice.key,
                        choice.key in in_force,
                        disabled=bool(choice.missing) and choice.key not in in_force,
                    )
                    for choice in self.choices
                ],
                id="tools-list",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def function_tools(self) -> list[dict[str, Any]]:
        """Every function tool and MCP server offered here (switched on or not), to offer
        again next time."""
        return [
            choice.tool
            for choice in self.choices
            if choice.tool.get("type") in ("function", "mcp_server")
        ]

    def chosen(self) -> list[dict[str, Any]]:
        enabled = set(self.query_one(SelectionList).selected)
        return apply_choices(self.tools, self.choices, enabled)

    def action_done(self) -> None:
        self.dismiss(self.chosen())

    def reopened(self) -> None:
        """F7 while the checklist is shown closes it with the tools chosen (see
        :mod:`gemtui.ui.dialogs`)."""
        self.action_done()
