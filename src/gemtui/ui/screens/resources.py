"""The agents and environments screen (Alt+A): the API's custom agents and agent
environments, as resources.

Two lists, Tab switches between them. The selected row's details show below it (fetched with
``get``; an environment's with its workspace files). ``n`` creates one from its JSON (an
editor with a template), ``d`` twice deletes one, ``u`` uses it in this conversation (the app
sets the chat's agent or environment), ``r`` reads the lists again. Everything the server
returns is untrusted text: cells are ``Text`` (never markup) cleaned of control sequences.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, TextArea

from gemtui.api.client import InteractionsClient
from gemtui.api.errors import GemtuiApiError
from gemtui.api.resource_models import Agent, Environment
from gemtui.api.resources import Resources
from gemtui.core import resource_text
from gemtui.core.agent_options import AgentOptionError, parse_environment
from gemtui.core.safety import clean_terminal_text, escape_markup
from gemtui.core.wording import plural, sentences

KINDS = ("agents", "environments")
HELP = "Tab switch list · n new · d delete · u use here · r reload · Esc close"
COLUMNS = {
    "agents": (("id", 24), ("base agent", 30), ("about", 30)),
    "environments": (("id", 22), ("status", 8), ("files", 16), ("last used", 22)),
}
#: Cells a DataTable puts around each column (one each side), and the last column's least.
CELL_PADDING = 2
MIN_LAST_COLUMN = 8
TEMPLATES = {
    "agents": {
        "id": "my-agent",
        "base_agent": "antigravity-preview-09-2026",
        "description": "",
        "system_instruction": "",
        "tools": [{"type": "code_execution"}],
    },
    "environments": {
        "sources": [{"type": "repository", "source": "github.com/owner/repo", "target": "repo"}],
        "network": "disabled",
    },
}


@dataclass(frozen=True)
class UseResource:
    """What the screen was closed with: use this agent or environment in the conversation."""

    kind: str
    id: str


def _cell(text: str, width: int) -> Text:
    flat = " ".join(clean_terminal_text(text).split())
    return Text(flat if len(flat) <= width else flat[: width - 1] + "…", no_wrap=True)


class ResourcesScreen(ModalScreen[UseResource | None]):
    """Lists the account's agents and environments through ``client()``."""

    BINDINGS = [
        Binding("tab", "switch", "Agents/environments", id="resources.switch", priority=True),
        Binding("n", "new", "New", id="resources.new"),
        Binding("d", "delete", "Delete", id="resources.delete"),
        Binding("u", "use", "Use here", id="resources.use"),
        Binding("r", "reload", "Reload", id="resources.reload"),
        Binding("escape", "close", "Close", id="resources.close"),
        # Over the table's own Home and End, which scrolled it and left the selection.
        Binding("home", "first", "First", show=False, id="resources.first", priority=True),
        Binding("end", "last", "Last", show=False, id="resources.last", priority=True),
    ]

    DEFAULT_CSS = """
    ResourcesScreen { align: center middle; }
    ResourcesScreen > Vertical {
        width: 100%; max-width: 100; height: 100%; max-height: 32;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ResourcesScreen #resources-title { text-style: bold; }
    ResourcesScreen #resources-help, ResourcesScreen #resources-status { color: $text-muted; }
    ResourcesScreen DataTable { height: 1fr; min-height: 4; }
    ResourcesScreen #resources-detail { height: auto; max-height: 10; }
    """

    def __init__(
        self,
        client: Callable[[], InteractionsClient],
        agents_listed: Callable[[list[str]], None] | None = None,
        kind: str = "agents",
        in_use: Callable[[str, str], bool] | None = None,
    ) -> None:
        """``agents_listed`` hears the agents' ids each time they are listed (after a create
        or delete too): completion offers them without a listing of its own. ``in_use``: whether
        the chat's next turn uses the item of that kind with that id (deleting it is warned)."""
        super().__init__()
        self.client = client
        self.agents_listed = agents_listed
        self.in_use = in_use or (lambda kind, item_id: False)
        self.kind = kind
        self.items: dict[str, list[Any]] = {name: [] for name in KINDS}
        #: The id ``d`` was pressed on once (a second ``d`` deletes it).
        self._armed: str | None = None
        #: The lists were read: an empty one means there are none (not that none came yet,
        #: nor that the listing failed).
        self._listed = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="resources-title")
            yield Static(HELP, id="resources-help")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static("", id="resources-detail", markup=False)
            yield Static("", id="resources-status", markup=False)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self._layout()
        self.table.focus()
        self.action_reload()

    def _api(self) -> Resources:
        return Resources(self.client())

    def _say(self, text: str) -> None:
        self.query_one("#resources-status", Static).update(clean_terminal_text(text))

    def _layout(self) -> None:
        other = "environments" if self.kind == "agents" else "agents"
        self.query_one("#resources-title", Static).update(
            f"{self.kind.capitalize()} (Tab: {other})"
        )
        table = self.table
        table.clear(columns=True)
        widths = self._column_widths()
        for (title, _width), width in zip(COLUMNS[self.kind], widths, strict=True):
            table.add_column(title, width=width, key=title)
        for item in self.items[self.kind]:
            row = (
                resource_text.agent_row(item)
                if self.kind == "agents"
                else resource_text.environment_row(item)
            )
            cells = [_cell(cell, width) for cell, width in zip(row, widths, strict=True)]
            table.add_row(*cells, key=item.id or "?")
        if not self.items[self.kind]:
            none = f"No {self.kind}: n creates one." if self._listed else ""
            self.query_one("#resources-detail", Static).update(none)

    def _column_widths(self) -> list[int]:
        """The columns' widths, the last one given what the table has left: at 80 columns the
        agents' "about" ran past the edge, cut without a "…" and with a scrollbar."""
        widths = [width for _title, width in COLUMNS[self.kind]]
        room = self.table.size.width - CELL_PADDING * len(widths)
        if room > 0:
            widths[-1] = max(MIN_LAST_COLUMN, room - sum(widths[:-1]))
        return widths

    def on_resize(self) -> None:
        if self.items[self.kind]:
            row = self.table.cursor_row
            self._layout()
            self.table.move_cursor(row=row)

    def selected(self) -> Agent | Environment | None:
        table, items = self.table, self.items[self.kind]
        if not table.row_count or not items:
            return None
        row = table.cursor_coordinate.row
        return items[row] if 0 <= row < len(items) else None

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        self._say("loading…")
        self.run_worker(self._load, group="resources-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            agents = await self._api().list_agents()
            environments = await self._api().list_environments()
        except GemtuiApiError as error:
            self._listing_failed(error)
            return
        self._listed = True
        self.items = {"agents": agents, "environments": environments}
        if self.agents_listed is not None:
            self.agents_listed([agent.id or "" for agent in agents])
        self._say(self._counts())
        self._layout()
        self._show_detail()

    def _listing_failed(self, error: GemtuiApiError) -> None:
        """Say only that the listing failed: rows of an earlier one, or "No agents", would
        pass for what the server holds now."""
        self._listed = False
        self.items = {name: [] for name in KINDS}
        self._layout()
        said = sentences(f"Could not list the {' and '.join(KINDS)}: {error}", error.hint)
        self._say(f"{said} r tries again.")

    def _counts(self) -> str:
        agents, environments = (len(self.items[kind]) for kind in ("agents", "environments"))
        return f"{plural(agents, 'agent')} · {plural(environments, 'environment')}"

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._disarm()
        self._show_detail()

    def _disarm(self) -> None:
        """Forget a first ``d``, and the line asking for the second: it named the row left
        after the selection moved."""
        if self._armed is not None:
            self._armed = None
            self._say(self._counts())

    def _show_detail(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.run_worker(partial(self._detail, item), group="resources-detail", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    async def _detail(self, item: Agent | Environment) -> None:
        api = self._api()
        try:
            if isinstance(item, Agent):
                lines = resource_text.agent_details(await api.get_agent(item.id or ""))
            else:
                environment = await api.get_environment(item.id or "")
                lines = resource_text.environment_details(environment)
                files = await api.environment_files(item.id or "", recursive=True)
                lines.append("files: " + (", ".join(resource_text.file_line(f) for f in files)
                                          or "none"))  # fmt: skip
        except GemtuiApiError as error:
            lines = [f"{error}", error.hint]
        detail = "\n".join(" ".join(clean_terminal_text(line).split()) for line in lines if line)
        self.query_one("#resources-detail", Static).update(detail)

    # ------------------------------------------------------------------ actions

    def action_switch(self) -> None:
        self.kind = "environments" if self.kind == "agents" else "agents"
        self._disarm()
        self._layout()
        self._show_detail()

    def action_new(self) -> None:
        def created(made_id: str | None) -> None:
            if made_id is not None:
                self.notify(escape_markup(f"Created {made_id}."))
                self.run_worker(self._load, group="resources-load", exit_on_error=False)

        self.app.push_screen(ResourceEditorScreen(self.kind, self._create), created)

    async def _create(self, body: dict[str, Any]) -> str:
        """Create ``body``; returns its id. Raises :class:`GemtuiApiError` (the editor stays
        open with the JSON as typed and says why)."""
        api = self._api()
        if self.kind == "agents":
            made: Agent | Environment = await api.create_agent(body)
        else:
            made = await api.create_environment(body)
        return made.id or ""

    def action_delete(self) -> None:
        item = self.selected()
        if item is None or not item.id:
            return
        if self._armed != item.id:
            self._armed = item.id
            used = self._used_here(item.id)
            self._say(f"Press d again to delete {item.id}{used}.")
            return
        self._armed = None
        self.run_worker(self._delete(item.id), group="resources-delete", exit_on_error=False)

    async def _delete(self, item_id: str) -> None:
        api = self._api()
        try:
            if self.kind == "agents":
                await api.delete_agent(item_id)
            else:
                await api.delete_environment(item_id)
        except GemtuiApiError as error:
            self.notify(escape_markup(f"Not deleted: {error}"), severity="error", timeout=8)
            return
        used = self._used_here(item_id)
        if used:
            self.notify(
                escape_markup(f"Deleted {item_id}{used}: choose another with Alt+A or F2."),
                severity="warning",
                timeout=10,
            )
        else:
            self.notify(escape_markup(f"Deleted {item_id}."))
        row = self.table.cursor_row
        await self._load()
        # The row that took its place, not the top of the list.
        self.table.move_cursor(row=min(row, max(self.table.row_count - 1, 0)))

    def _used_here(self, item_id: str) -> str:
        """What deleting ``item_id`` does to this chat, to say after its id; "" if nothing."""
        if not self.in_use(self.kind, item_id):
            return ""
        return ", which this chat's next turn uses (it would fail)"

    def action_first(self) -> None:
        self.table.move_cursor(row=0)

    def action_last(self) -> None:
        self.table.move_cursor(row=max(self.table.row_count - 1, 0))

    def action_use(self) -> None:
        item = self.selected()
        if item is not None and item.id:
            self.dismiss(UseResource(self.kind, item.id))

    def action_close(self) -> None:
        self.dismiss(None)


class ResourceEditorScreen(ModalScreen[str | None]):
    """The JSON of a new agent or environment, from a template; Ctrl+S creates it (with
    ``create``) and closes with the new id. A refusal is shown in the dialog, the JSON kept:
    closed at once, the server's "409 already exists" lost everything typed."""

    BINDINGS = [
        Binding("ctrl+s", "create", "Create", id="resource_editor.create", priority=True),
        Binding("escape", "cancel", "Cancel", id="resource_editor.cancel"),
    ]

    DEFAULT_CSS = """
    ResourceEditorScreen { align: center middle; }
    ResourceEditorScreen > Vertical {
        width: 100%; max-width: 90; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ResourceEditorScreen TextArea { height: 14; }
    ResourceEditorScreen #editor-help, ResourceEditorScreen #editor-error { color: $text-muted; }
    """

    def __init__(self, kind: str, create: Callable[[dict[str, Any]], Awaitable[str]]) -> None:
        super().__init__()
        self.kind = kind
        self.create = create

    def compose(self) -> ComposeResult:
        noun = "agent" if self.kind == "agents" else "environment"
        with Vertical():
            yield Static(f"New {noun} (its JSON) · Ctrl+S create · Esc cancel", id="editor-help")
            yield TextArea(json.dumps(TEMPLATES[self.kind], indent=2), language="json")
            yield Static("", id="editor-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def body(self) -> dict[str, Any]:
        """The object typed; raises ``ValueError`` with what is wrong."""
        value = json.loads(self.query_one(TextArea).text)
        if not isinstance(value, dict):
            raise ValueError("it must be a JSON object")
        if self.kind == "environments" and any(k in value for k in ("sources", "network", "env")):
            try:
                checked = parse_environment(value)
            except AgentOptionError as error:
                raise ValueError(str(error)) from None
            assert isinstance(checked, dict)
            value = {k: v for k, v in checked.items() if k != "type"}
        return value

    def action_create(self) -> None:
        try:
            body = self.body()
        except ValueError as error:
            self.query_one("#editor-error", Static).update(f"Not valid: {error}")
            return
        self.query_one("#editor-error", Static).update("Creating…")
        self.run_worker(partial(self._send, body), group="resource-create", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    async def _send(self, body: dict[str, Any]) -> None:
        try:
            made_id = await self.create(body)
        except GemtuiApiError as error:
            said = " ".join(part for part in (f"Not created: {error}", error.hint) if part)
            self.query_one("#editor-error", Static).update(said)
            return
        self.dismiss(made_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
