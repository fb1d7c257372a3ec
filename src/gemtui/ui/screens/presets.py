"""The preset selector: the named presets of the config file, to apply to this conversation.

Each row is a preset's name and what it sets; the first row goes back to the settings of F2
and the config file without a preset. Choosing one changes the next turns of this
conversation only (F2's preset field makes it the saved settings instead).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gemtui.config import PresetSettings
from gemtui.core.safety import one_line

#: The row that stands for "no preset": its name and what it means.
NO_PRESET = ("(none)", "the settings of F2 and the config file")


def describe_preset(preset: PresetSettings, unknown: Collection[str] = ()) -> str:
    """What a preset sets, in a few words: model, tools, system instruction, generation.
    ``unknown``: tools it names that do not exist; they are said apart, not listed as set."""
    parts = []
    if preset.agent or preset.model:
        parts.append(preset.agent or preset.model or "")
    if preset.tools is not None:
        known = [tool for tool in preset.tools if tool not in unknown]
        tools = "tools: " + (", ".join(known) or "none")
        missing = [tool for tool in preset.tools if tool in unknown]
        if missing:
            tools += f" (no tool called {', '.join(missing)})"
        parts.append(tools)
    if preset.system_instruction:
        parts.append(f"system: {one_line(preset.system_instruction)}")
    if preset.generation is not None:
        parts += [f"{k} {v}" for k, v in preset.generation.model_dump(exclude_unset=True).items()]
    # Presets apply over the settings of F2, not over the preset before: one that sets nothing
    # gives those settings back (it said "changes nothing" while the status bar changed).
    return " · ".join(parts) or "the settings of F2 as they are"


def preset_row(name: str, description: str) -> Table:
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(no_wrap=True, max_width=24, overflow="ellipsis")
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_row(Text(one_line(name), style="bold"), Text(one_line(description)))
    return row


class PresetScreen(ModalScreen[str | None]):
    """Dismisses with the chosen preset's name, ``""`` for no preset, or ``None`` (closed)."""

    BINDINGS = [
        Binding("enter", "choose", "Apply", id="presets.apply", priority=True),
        Binding("escape", "close", "Close", id="presets.close"),
    ]

    DEFAULT_CSS = """
    PresetScreen { align: center middle; }
    PresetScreen > Vertical {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PresetScreen #presets-help { color: $text-muted; }
    """

    def __init__(
        self,
        presets: Mapping[str, PresetSettings],
        where: str = "",
        *,
        in_use: str = "",
        unknown_tools: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        super().__init__()
        self.names = ["", *presets]
        self.presets = dict(presets)
        self.where = where
        #: The preset this conversation uses ("": none); the list starts on it.
        self.in_use = in_use if in_use in presets else ""
        self.unknown_tools = unknown_tools or {}

    def compose(self) -> ComposeResult:
        rows = [Option(preset_row(*NO_PRESET), id="preset-none")]
        rows += [
            Option(
                preset_row(name, describe_preset(preset, self.unknown_tools.get(name, ()))),
                id=f"preset-{number}",
            )
            for number, (name, preset) in enumerate(self.presets.items())
        ]
        with Vertical():
            in_use = one_line(self.in_use) if self.in_use else "none"
            yield Static(
                Text(f"Presets: for the next turns of this conversation (in use: {in_use})")
            )
            yield OptionList(*rows, id="presets", compact=True)
            help_text = "Enter apply  Esc close"
            if not self.presets:
                help_text = f"No presets yet: add [presets.NAME] to {self.where}. {help_text}"
            yield Static(Text(help_text), id="presets-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.in_use:
            options.highlighted = self.names.index(self.in_use)
        else:  # on the first preset: choosing "none" when none is in use changes nothing
            options.highlighted = 1 if self.presets else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        index = self.query_one(OptionList).highlighted
        self.dismiss(self.names[index] if index is not None else None)

    def action_close(self) -> None:
        self.dismiss(None)
