"""Run a prompt template: pick one of ``templates/*.md`` and type its arguments.

The arguments field has the focus; Up and Down pick the template, Enter runs it (the expanded
prompt is sent as the next turn). Template names are file names, untrusted text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gemtui.core.safety import one_line
from gemtui.core.templates import NAME_RULE
from gemtui.ui.pane_keys import PaneKey


class TemplateScreen(ModalScreen[str | None]):
    """Dismisses with the prompt the chosen template made, or ``None`` when closed.

    A template that cannot be sent (a missing ``@{file}``, a turn still running) keeps the
    dialog open with what was typed: ``prepare`` says why and gives ``None``."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous template", show=False, id="templates.previous"),
        Binding("down", "move(1)", "Next template", show=False, id="templates.next"),
        Binding("escape", "close", "Close", id="templates.close"),
    ]
    #: The field's Enter (``on_input_submitted``), for F1.
    HELP_KEYS = (PaneKey("enter", "Run the template with the arguments typed"),)

    DEFAULT_CSS = """
    TemplateScreen { align: center middle; }
    TemplateScreen > Vertical {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    TemplateScreen OptionList { max-height: 12; }
    TemplateScreen #templates-help { color: $text-muted; }
    """

    def __init__(
        self,
        names: list[str],
        where: str,
        *,
        prepare: Callable[[str, str], str | None],
        misnamed: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.names = names
        self.where = where
        self.prepare = prepare
        #: ``.md`` files there whose names cannot be run, said so rather than left out quietly.
        self.misnamed = misnamed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Prompt templates in {one_line(self.where)}"))
            choices = OptionList(
                *(Option(Text(one_line(name))) for name in self.names),
                id="template-list",
                compact=True,
            )
            # Up and Down pick from the field, a click picks too: the list takes no focus, so
            # Tab cannot move away from the field and leave the next words typed to nothing.
            choices.can_focus = False
            yield choices
            yield Input(
                placeholder="arguments ({{args}} in the template)",
                id="template-args",
                compact=True,
            )
            help_text = "↑↓ template  Enter run  Esc close"
            if not self.names:
                help_text = "No templates yet: put NAME.md files there. " + help_text
            if self.misnamed:
                files = ", ".join(one_line(name) for name in self.misnamed)
                help_text = f"Not listed (a name has {NAME_RULE}): {files}\n{help_text}"
            yield Static(Text(help_text), id="templates-help")

    def on_mount(self) -> None:
        if self.names:
            self.query_one(OptionList).highlighted = 0
        self.query_one(Input).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self.names:
            current = options.highlighted or 0
            options.highlighted = (current + step) % len(self.names)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._run()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._run()

    def _run(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.names:
            self.notify("No template to run.", severity="warning")
            return
        prompt = self.prepare(self.names[index], self.query_one(Input).value)
        if prompt is not None:
            self.dismiss(prompt)

    def action_close(self) -> None:
        self.dismiss(None)
