"""The keymap part of the settings pane: every remappable action in one table, one field for
the keys of the highlighted action.

One table rather than a labelled field per action: with some seventy actions, a field each
(a row, a label, an input and an error line: about 280 widgets) took seconds to build and
style, and Tab stopped seventy times on the way through the form. The table is one widget that
draws only the rows on screen.

Keys: ↑↓ in the table pick an action and the field below shows its keys; Enter goes to the
field; Enter in the field goes back to the table. The table shows every change as it is typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from gemtui.core.safety import safe_text
from gemtui.ui.keymap import BindingInfo

ACTION_COLUMN, KEYS_COLUMN = "action", "keys"


class KeymapEditor(Vertical):
    """Edit the keys of ``bindings``, starting from ``keymap`` (binding id -> keys)."""

    DEFAULT_CSS = """
    KeymapEditor { height: auto; }
    KeymapEditor > #keymap-table { height: 10; }
    KeymapEditor > .row { height: auto; }
    """

    def __init__(
        self, bindings: Iterable[BindingInfo], keymap: Mapping[str, str], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.bindings = {info.id: info for info in bindings}
        #: The keys of every action as edited so far (its default keys when not remapped).
        self.keys = {
            binding_id: keymap.get(binding_id, info.keys)
            for binding_id, info in self.bindings.items()
        }
        self._highlighted = next(iter(self.bindings), None)

    def compose(self) -> ComposeResult:
        yield Static("", id="error-keymap", classes="field-error -empty")
        table: DataTable[Text] = DataTable(id="keymap-table", cursor_type="row")
        table.add_column("Action", key=ACTION_COLUMN)
        table.add_column("Keys", key=KEYS_COLUMN)
        for binding_id, info in self.bindings.items():
            table.add_row(
                safe_text(f"{info.description} ({binding_id})"),
                safe_text(self.keys[binding_id]),
                key=binding_id,
            )
        yield table
        first = self.bindings.get(self._highlighted or "")
        with Horizontal(classes="row"):
            yield Label("Keys of the action", classes="field-label")
            yield Input(
                self.keys.get(self._highlighted or "", ""),
                id="keymap-keys",
                placeholder=first.keys if first else "",
                compact=True,
            )

    # ------------------------------------------------------------------ editing

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#keymap-table", DataTable)

    @property
    def field(self) -> Input:
        return self.query_one("#keymap-keys", Input)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The field follows the table: it shows the highlighted action's keys."""
        event.stop()
        binding_id = event.row_key.value
        if binding_id is None or binding_id == self._highlighted:
            return
        self._keep_typed_keys()
        self._highlighted = binding_id
        field = self.field
        # Not a change the user made: the table must not hear of it as one.
        with self.prevent(Input.Changed):
            field.value = self.keys[binding_id]
        field.placeholder = self.bindings[binding_id].keys

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "keymap-keys":
            return
        event.stop()
        self._keep_typed_keys()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "keymap-keys":
            return
        event.stop()
        self.table.focus()

    def _keep_typed_keys(self) -> None:
        """Take what the field holds as the highlighted action's keys, and show it in the
        table."""
        if self._highlighted is None:
            return
        keys = self.field.value.strip()
        if keys != self.keys[self._highlighted]:
            self.keys[self._highlighted] = keys
            self.table.update_cell(self._highlighted, KEYS_COLUMN, safe_text(keys))

    # ------------------------------------------------------------------ reading, errors

    def remapped(self) -> dict[str, str]:
        """Binding id -> keys, for the actions whose keys differ from their defaults.

        The field is read again here: a save right after typing can come before the field's
        change messages have reached the table."""
        self._keep_typed_keys()
        return {
            binding_id: keys
            for binding_id, keys in self.keys.items()
            if keys != self.bindings[binding_id].keys
        }

    def highlight(self, binding_id: str) -> None:
        """Move the table to ``binding_id``'s row (its keys then show in the field)."""
        if binding_id in self.bindings:
            self.table.move_cursor(row=self.table.get_row_index(binding_id))

    @property
    def highlighted(self) -> str | None:
        """The id of the action whose keys the field shows."""
        return self._highlighted
