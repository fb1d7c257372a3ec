"""F1: the keys in force where the reader is, ours first.

Textual's key panel lists the bindings in the order it looks for them, from the focused widget
out, so in the prompt editor a screenful of text-editing keys (inherited from ``TextArea``)
comes before the app's own. This screen orders them for a reader: the focused pane's own keys
(the ones with a binding id, which the keymap can change), then the app's, then the keys the
pane inherits from a Textual widget (a list's, and last the text editor's).

Two things Textual's own list gets wrong, and this one does not:

* A widget's key that passes the key on (Textual's ``SkipAction``) does not hide it: a one-line
  field's ↑↓ "Scroll Up/Down" cannot scroll, so ↓ goes on to the pane around the field (the
  find bar's next match, the picker's next file), and that is the key F1 shows. A copy with
  nothing selected passes Ctrl+C on too: F1 says the copy needs a selection and lists the
  app's Ctrl+C (cancel) as well.
* Keys a pane handles itself, before any binding (in its ``on_key``: the prompt's Enter, its
  ↑↓ at the first and last line, ``@``...), are declared in ``HELP_KEYS`` on the pane
  (:mod:`gemtui.ui.pane_keys`); F1 lists them as the pane's, first, instead of the field's
  own binding on that key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static, TextArea

from gemtui.ui.pane_keys import PaneKey

#: Titles of the panes whose class names say little to a reader.
PANE_TITLES = {
    "ConversationView": "Messages",
    "Composer": "Prompt",
    "StepTimeline": "Step timeline",
    "StepDetail": "Step detail",
    "AttachmentBar": "Attachments",
    # Dialogs as their titles say, and Textual's widgets by what they are to a reader (F1 in
    # F4 said "Jobs Screen" and "Data Table (built in)").
    "JobsScreen": "Background runs",
    "ConversationListScreen": "History",
    "ApprovalScreen": "Function calls",
    "DataTable": "List",
    "OptionList": "List",
    "SelectionList": "Checklist",
    "TickList": "Checklist",
    "Input": "Text field",
    "VerticalScroll": "Scrolling",
}


#: Actions of Textual's widgets that pass the key on (``SkipAction``) when the widget cannot
#: scroll that way now: ``vertical`` and ``horizontal`` as Textual's ``allow_*_scroll`` say.
_SCROLL_AXIS = {
    "scroll_up": "vertical",
    "scroll_down": "vertical",
    "page_up": "vertical",
    "page_down": "vertical",
    "scroll_left": "horizontal",
    "scroll_right": "horizontal",
    "page_left": "horizontal",
    "page_right": "horizontal",
}
#: Actions of Textual's widgets that act only with a selection and otherwise pass the key on
#: (Ctrl+C then reaches the app: cancel), with what F1 says of them.
_WITH_A_SELECTION = {
    "copy": "Copy the selection (none: passed on)",
    "screen.copy_text": "Copy the selection (none: passed on)",
}


@dataclass(frozen=True)
class HelpSection:
    title: str
    #: (keys as shown, what they do), in declaration order.
    rows: tuple[tuple[str, str], ...]


def help_sections(
    app: App[object], screen: Screen[object], id_order: Sequence[str] = ()
) -> list[HelpSection]:
    """The keys active on ``screen`` now, grouped as the module docstring says; within a group,
    the keys the pane handles itself come first, then bindings with an id in ``id_order`` (the
    order they are declared in), then the rest."""
    rank = {binding_id: number for number, binding_id in enumerate(id_order)}
    pane_keys = _pane_keys(screen)
    replaced = {
        key for _, pane_key in pane_keys if pane_key.replaces for key in _key_names(pane_key)
    }
    groups: dict[tuple[int, str], list[tuple[DOMNode, Binding]]] = {}
    order: list[tuple[int, str]] = []

    def group_of(group: tuple[int, str]) -> list[tuple[DOMNode, Binding]]:
        if group not in groups:
            groups[group] = []
            order.append(group)
        return groups[group]

    for node, binding in bindings_in_force(app, screen):
        if isinstance(node, App):
            group = (1, app.title or "App")
        elif binding.id is not None:
            group = (0, pane_title(node))
        elif binding.key in replaced:
            continue  # the pane takes this key before the field's binding sees it
        elif isinstance(node, TextArea):
            group = (3, "Text editor")
        else:
            group = (2, f"{pane_title(node)} (built in)")
        group_of(group).append((node, binding))
    sections = {
        group: _rows(app, sorted(groups[group], key=lambda b: rank.get(b[1].id, len(rank))))
        for group in order
    }
    for node, pane_key in reversed(pane_keys):  # before the pane's bindings, in their order
        group = (0, pane_title(node))
        group_of(group)
        _add_row(sections.setdefault(group, []), _pane_key_display(app, pane_key), pane_key)
    return [
        HelpSection(group[1], tuple(sections[group]))
        for group in sorted(order, key=lambda group: group[0])
    ]


def bindings_in_force(app: App[object], screen: Screen[object]) -> list[tuple[DOMNode, Binding]]:
    """The binding each key runs on ``screen`` now, as ``Screen.active_bindings`` finds them
    (from the focused widget out, a priority binding before the others), except that a binding
    that passes the key on (:func:`passes_key_on`) does not hide the next one for that key."""
    found: list[tuple[DOMNode, Binding]] = []
    holder: dict[str, int] = {}  # key -> where in ``found`` the binding that runs it is
    passed_on: set[str] = set()  # keys whose binding so far acts only with a selection
    for node, bindings in screen._modal_binding_chain:  # what active_bindings reads
        for key, binding in bindings:
            if app._check_action_state(binding.action, node) is False:
                continue  # disabled and hidden, as in Textual's own list
            passes = passes_key_on(node, binding)
            if passes == "always" or (passes == "without a selection" and key in passed_on):
                continue  # no use to the reader: a second copy of a selection
            at = holder.get(key)
            if at is not None and key not in passed_on:
                if binding.priority and not found[at][1].priority:
                    found[at] = (node, binding)
                continue
            holder[key] = len(found)
            if passes == "without a selection":
                passed_on.add(key)
                binding = replace(binding, description=_WITH_A_SELECTION[binding.action])
            else:
                passed_on.discard(key)
            found.append((node, binding))
    return found


def passes_key_on(
    node: DOMNode, binding: Binding
) -> Literal["never", "always", "without a selection"]:
    """Whether a binding of a Textual widget lets its key go on to the next one in the chain
    (Textual's ``SkipAction``): a scroll key where the widget cannot scroll that way now (a
    one-line field's ↑↓), a copy with nothing selected."""
    if binding.id is not None:
        return "never"  # gemtui's own keys act (or say why not)
    axis = _SCROLL_AXIS.get(binding.action)
    if axis is not None and isinstance(node, Widget):
        allowed = node.allow_vertical_scroll if axis == "vertical" else node.allow_horizontal_scroll
        return "never" if allowed else "always"
    return "without a selection" if binding.action in _WITH_A_SELECTION else "never"


def _pane_keys(screen: Screen[object]) -> list[tuple[DOMNode, PaneKey]]:
    """The ``HELP_KEYS`` of the focused widget and the panes around it, focused first."""
    start: DOMNode = screen.focused or screen
    return [
        (node, pane_key)
        for node in start.ancestors_with_self
        if not isinstance(node, App)
        for pane_key in getattr(node, "HELP_KEYS", ())
    ]


def _add_row(rows: list[tuple[str, str]], keys: str, pane_key: PaneKey) -> None:
    """The pane's key first; into the row of a binding that does the same (find's ⏎ and ↓)."""
    for number, (bound, description) in enumerate(rows):
        if description == pane_key.description:
            rows[number] = (f"{keys} {bound}", description)
            return
    rows.insert(0, (keys, pane_key.description))


def _key_names(pane_key: PaneKey) -> list[str]:
    return [key.strip() for key in pane_key.keys.split(",") if key.strip()]


def _pane_key_display(app: App[object], pane_key: PaneKey) -> str:
    if pane_key.display:
        return pane_key.display
    return " ".join(app.get_key_display(Binding(key, "")) for key in _key_names(pane_key))


def pane_title(node: DOMNode) -> str:
    if isinstance(node, Screen) and not isinstance(node, ModalScreen):
        return "Screen"
    name = type(node).__name__
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).removesuffix(" Screen")
    return PANE_TITLES.get(name) or words


def _rows(app: App[object], bindings: Iterable[tuple[DOMNode, Binding]]) -> list[tuple[str, str]]:
    """One row per action, its keys joined (``up,k`` is one row)."""
    rows: dict[tuple[int, str], list[str]] = {}
    descriptions: dict[tuple[int, str], str] = {}
    for node, binding in bindings:
        action = (id(node), binding.action)
        rows.setdefault(action, []).append(app.get_key_display(binding))
        descriptions.setdefault(action, binding.description or binding.action)
    return [(" ".join(keys), descriptions[action]) for action, keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    """The sections in one scrollable table; Escape (or F1 again) closes it."""

    BINDINGS = [Binding("escape", "close", "Close", id="help.close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100%; max-width: 80; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-keys { width: 100%; }
    """

    def __init__(self, sections: list[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll") as scroll:
            scroll.border_title = "Keys here · ↑↓ PgUp PgDn scroll · Esc or F1 closes"
            yield Static(self._table(), id="help-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for number, section in enumerate(self.sections):
            if number:
                table.add_row("", "")
            table.add_row(Text(section.title, style="reverse"), "")
            for keys, description in section.rows:
                table.add_row(Text(keys), Text(description))
        return table

    def action_close(self) -> None:
        self.dismiss(None)

    def reopened(self) -> None:
        """F1 while the keys are shown closes them (see :mod:`gemtui.ui.dialogs`)."""
        self.action_close()
