"""The settings pane (F2): every setting the next request is made with, keyboard only.

Tab and Shift+Tab move between fields, Enter opens a choice list, Space toggles a switch,
Ctrl+S saves, Escape cancels. Nothing changes until the whole form is valid: a bad value is
refused with a message under its field. On save the screen dismisses with a
``SettingsResult``; applying the values and writing the file is the app's job.

The pane opens at once (DESIGN.md section 9: every screen within 0.3 s): its first frame holds
only the sections a first screenful shows (model and generation); the others are mounted right
after that frame. Error lines are made when a field first has an error, and the keymap is one
table (``KeymapEditor``), not a field per action: every widget costs a few milliseconds to
build and style, and Textual styles a new screen's whole tree several times while it opens.

The API key is never put into a widget: the pane shows only whether one is set and its last
four characters, and a password field takes a replacement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import SecretStr, ValidationError
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widget import AwaitMount, Widget
from textual.widgets import Checkbox, Collapsible, Input, Label, Select, Static, Switch, TextArea

from gemtui.config import (
    API_VERSIONS,
    BUILT_IN_TOOLS,
    THINKING_LEVELS,
    McpServer,
    Settings,
)
from gemtui.core import request_options as options
from gemtui.core.agent_options import agent_config_text, environment_text
from gemtui.core.json_files import JsonFileError, read_json_schema
from gemtui.core.model_names import SDK_AGENTS, SDK_MODELS
from gemtui.core.safety import escape_markup
from gemtui.core.validation_text import error_text
from gemtui.ui.keymap import BindingInfo, build_keymap
from gemtui.ui.widgets.keymap_editor import KeymapEditor
from gemtui.ui.widgets.tick_box import TickBox

#: The parameters of the server-side tools that have some: (tool, label, placeholder).
TOOL_OPTION_FIELDS = (
    ("google_maps", "Maps: location", "LAT,LNG (optional) · ;widget"),
    ("file_search", "File search: stores", "fileSearchStores/NAME,… · ;top_k=N · ;filter=…"),
    ("computer_use", "Computer use", "browser|mobile|desktop · ;exclude=FUNCTION,…"),
    ("retrieval", "Retrieval: types", "vertex_ai_search, rag_store, exa_ai_search, …"),
)
MCP_HELP = (
    "One server a line: NAME=URL;tools=A,B;header=Name: value  (# in front: off). "
    "Header values are kept out of logs and history."
)

#: What the pane shows instead of an MCP header's value (a token, most often).
HIDDEN_HEADER = "(hidden)"


class SuggestFrom(Suggester):
    """Suggests the first of ``names()`` that starts with what is typed. The names are asked
    for on each key (not cached): a list that grows while the pane is open is used at once."""

    def __init__(self, names: Callable[[], Sequence[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        return next((name for name in self.names() if name.startswith(value)), None)


def server_lines(servers: Iterable[McpServer]) -> str:
    """The MCP servers as the pane's lines, their header values hidden."""
    return "\n".join(
        server.model_copy(update={"headers": dict.fromkeys(server.headers, HIDDEN_HEADER)}).spec()
        for server in servers
    )


def restored_servers(lines: list[str], servers: Iterable[McpServer]) -> list[Any]:
    """The pane's lines as MCP servers, a hidden header value given back from the server of
    the same name; a line that does not parse is passed on for the settings to refuse."""
    before = {server.name: server for server in servers}
    result: list[Any] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            server = McpServer.from_spec(line)
        except ValueError:
            result.append(line)
            continue
        old = before.get(server.name)
        headers = {
            name: old.headers.get(name, "") if value == HIDDEN_HEADER and old else value
            for name, value in server.headers.items()
        }
        result.append(server.model_copy(update={"headers": headers}))
    return result


#: Fewer visible characters than this and the last four would give away too much of the key.
SHORTEST_KEY_TO_HINT = 16


@dataclass
class SettingsResult:
    """What the user saved: the new settings and whether the key may go into the file."""

    settings: Settings
    save_api_key: bool = False


def mask_key(key: SecretStr | None) -> str:
    """How the key is shown anywhere: never in full, at most its last four characters."""
    if key is None or not key.get_secret_value():
        return "not set"
    secret = key.get_secret_value()
    if len(secret) < SHORTEST_KEY_TO_HINT:
        return "set"
    return f"set (…{secret[-4:]})"


def field_id(*loc: str) -> str:
    """Widget id of the field for a setting (ids cannot contain dots)."""
    return "-".join(loc).replace(".", "--").replace("_", "-")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class SettingsScreen(ModalScreen[SettingsResult | None]):
    """Edit ``settings``; dismisses with a ``SettingsResult``, or ``None`` on Escape."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
    ]

    #: Focus the first field straight away. Without this Textual first focuses the form's
    #: scroll container, and each focus change restyles the whole form below it.
    AUTO_FOCUS = "#model"
    #: No width classes (the app's ``-narrow``/``-wide``): the pane does not use them, and
    #: adding one when the screen first gets its size restyles every widget in it.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = []

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > #settings-box {
        width: 100%; max-width: 100; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    SettingsScreen #settings-title { text-style: bold; }
    SettingsScreen #settings-help { color: $text-muted; }
    SettingsScreen .section { text-style: bold; color: $accent; margin-top: 1; }
    SettingsScreen .row { height: auto; }
    SettingsScreen .field-label { width: 24; color: $text-muted; }
    SettingsScreen .row > Input, SettingsScreen .row > Select { width: 1fr; }
    SettingsScreen .row > TextArea { width: 1fr; height: 5; }
    SettingsScreen #generation-stop-sequences { height: 3; }
    SettingsScreen #safety, SettingsScreen #labels { height: 3; }
    SettingsScreen .field-error { color: $error; height: auto; padding-left: 24; }
    SettingsScreen .field-error.-empty { display: none; }
    SettingsScreen KeymapEditor > .field-error { padding-left: 0; }
    SettingsScreen .row > Switch { width: auto; margin-right: 1; }
    SettingsScreen .switch-label { padding-top: 1; }
    SettingsScreen Checkbox { margin-left: 24; }
    SettingsScreen .field-help { color: $text-muted; padding-left: 24; }
    /* Narrow: each label above its field (beside it, labels took 24 of 36 columns at 40). */
    SettingsScreen.-stacked .row { layout: vertical; }
    SettingsScreen.-stacked .row > Input, SettingsScreen.-stacked .row > Select,
    SettingsScreen.-stacked .row > TextArea, SettingsScreen.-stacked .field-label {
        width: 100%;
    }
    SettingsScreen.-stacked .field-error, SettingsScreen.-stacked .field-help {
        padding-left: 0;
    }
    SettingsScreen.-stacked Checkbox { margin-left: 0; }
    """
    #: Below this width the labels go above their fields.
    STACKED_BELOW = 70

    def __init__(
        self,
        settings: Settings,
        *,
        themes: Iterable[str] = (),
        bindings: Iterable[BindingInfo] = (),
        base: Settings | None = None,
        preset: str = "",
        agent_names: Callable[[], Sequence[str]] = lambda: SDK_AGENTS,
    ) -> None:
        """``settings``: what is in force, which the form shows. ``base``: the settings
        without a preset, which a preset chosen here applies over (not over the preset in
        force: the two mixed); ``preset``: the one in force, which the field starts on.
        ``agent_names``: what the agent field suggests, asked as it is typed in (the
        account's custom agents come in once listed)."""
        super().__init__()
        self.agent_names = agent_names
        self.settings = settings
        self.base = base or settings
        self.preset = preset if preset in settings.presets else ""
        self.themes = sorted({*themes, settings.theme})
        self.bindings = list(bindings)
        #: The sections after the first screenful, once their mounting has started.
        self._later_sections: AwaitMount | None = None
        #: What the keymap's error line says, one line per refused remap.
        self._keymap_errors: list[str] = []
        #: ``KEY=VALUE`` fields (safety, labels) whose lines did not parse: id -> message.
        self._pair_errors: dict[str, str] = {}

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-box"):
            yield Static("Settings", id="settings-title")
            yield Static(
                "Ctrl+S save · Esc cancel · Tab/Shift+Tab move · → completes a name",
                id="settings-help",
            )
            with VerticalScroll(id="settings-form"):
                yield from self._compose_model()
                yield from self._compose_generation()

    def on_mount(self) -> None:
        self.call_after_refresh(self.mount_later_sections)

    def on_resize(self, event: events.Resize) -> None:
        # A class of its own, set only when narrow: a width class on every opening would
        # restyle the whole form (see HORIZONTAL_BREAKPOINTS).
        self.set_class(event.size.width < self.STACKED_BELOW, "-stacked")

    def mount_later_sections(self) -> AwaitMount:
        """Mount the sections below the first screenful (once); await the result to know they
        are there. The pane does it right after its first frame."""
        if self._later_sections is None:
            form = self.query_one("#settings-form", VerticalScroll)
            self._later_sections = form.mount_compose(self._compose_later_sections())
        return self._later_sections

    def _compose_model(self) -> ComposeResult:
        s = self.settings
        yield Label("Model", classes="section")
        if s.presets:  # a preset fills the fields below; Ctrl+S then saves them
            yield from self._field(
                "Preset (fills these)",
                Select(
                    [(name, name) for name in s.presets],
                    prompt="none",
                    id="preset",
                    value=self.preset or Select.NULL,
                ),
            )
        yield from self._field(
            "Model",
            Input(s.model, id="model", suggester=SuggestFromList(SDK_MODELS)),
        )
        yield from self._field(
            "Agent (replaces model)",
            Input(
                _text(s.agent),
                id="agent",
                placeholder="none: use the model",
                suggester=SuggestFrom(self.agent_names),
            ),
        )
        yield from self._field(
            "Agent environment",
            Input(
                environment_text(s.environment),
                id="environment",
                placeholder='remote, an environment id, or {"sources": […], …}',
            ),
        )
        yield from self._field(
            "Agent config (JSON)",
            TextArea(agent_config_text(s.agent_config), id="agent-config"),
        )
        yield from self._field(
            "System instruction",
            TextArea(_text(s.system_instruction), id="system-instruction"),
        )

    def _compose_generation(self) -> ComposeResult:
        """The generation config up to its choice lists (which come with the later sections)."""
        generation = self.settings.generation
        yield Label("Generation", classes="section")
        for name, label in (
            ("temperature", "Temperature (0–2)"),
            ("top_p", "Top P (0–1)"),
            ("max_output_tokens", "Max output tokens"),
            ("seed", "Seed"),
        ):
            yield from self._field(
                label,
                Input(
                    _text(getattr(generation, name)),
                    id=field_id("generation", name),
                    placeholder="server default",
                ),
            )
        yield from self._field(
            "Stop sequences",
            TextArea(
                "\n".join(generation.stop_sequences),
                id=field_id("generation", "stop_sequences"),
            ),
        )

    def _compose_later_sections(self) -> ComposeResult:
        """Everything below the first screenful at 80×24. The choice lists come first: they
        cost the most to build (several widgets each), and only their row would be on screen."""
        s = self.settings
        generation = s.generation
        yield from self._field(
            "Thinking level",
            Select(
                [(level, level) for level in THINKING_LEVELS],
                value=generation.thinking_level or Select.NULL,
                prompt="server default",
                id=field_id("generation", "thinking_level"),
            ),
        )
        yield from self._field(
            "Thinking summaries",
            Select(
                [("auto", "auto"), ("none", "none")],
                value=generation.thinking_summaries or Select.NULL,
                prompt="server default",
                id=field_id("generation", "thinking_summaries"),
            ),
        )
        yield Label("Tools", classes="section")
        for name in BUILT_IN_TOOLS:
            yield TickBox(name, getattr(s.tools, name), id=field_id("tools", name), compact=True)
        for name, label, hint in TOOL_OPTION_FIELDS:
            yield from self._field(
                label,
                Input(
                    getattr(s.tools, f"{name}_options"),
                    id=field_id("tools", f"{name}_options"),
                    placeholder=hint,
                ),
            )
        yield from self._field(
            "MCP servers",
            TextArea(server_lines(s.mcp_servers), id="mcp-servers"),
        )
        yield Static(MCP_HELP, classes="field-help")
        yield from self._field(
            "Tool choice",
            Input(
                _text(s.tools.tool_choice),
                id=field_id("tools", "tool_choice"),
                placeholder="server default · auto · any · none · validated · any:NAME,NAME",
            ),
        )
        for number, function in enumerate(s.functions):
            listed = ", allow-listed" if function.allow else ""
            yield TickBox(
                f"{function.name} (local function{listed})",
                function.enabled,
                id=f"function-{number}",
                compact=True,
            )
        yield from self._field(
            "JSON schema of answer",
            TextArea(
                json.dumps(s.response_schema, indent=2) if s.response_schema else "",
                id="response-schema",
            ),
        )
        yield from self._field(
            "Schema from a file",
            Input(id="schema-file", placeholder="path to a .json file; Enter loads it"),
        )
        yield from self._compose_output()
        yield Label("Conversation", classes="section")
        yield from self._switch("stateful", "Stateful: the server keeps the history")
        yield from self._switch("background", "Run in the background by default")
        yield Label("Connection", classes="section")
        yield from self._field(
            "API version",
            Select(
                [(version, version) for version in API_VERSIONS],
                value=s.api_version,
                allow_blank=False,
                id="api-version",
            ),
        )
        yield from self._field(
            "Base URL",
            Input(_text(s.base_url), id="base-url", placeholder="Google's endpoint"),
        )
        yield from self._field(
            f"API key: {mask_key(s.api_key)}",
            Input(
                id="api-key",
                password=True,
                placeholder="type a new key to replace it",
            ),
        )
        yield TickBox(
            "Save the key to the config file (mode 0600)",
            False,
            id="save-api-key",
            compact=True,
        )
        yield Label("Appearance", classes="section")
        yield from self._field(
            "Theme",
            Select(
                [(theme, theme) for theme in self.themes],
                value=s.theme,
                allow_blank=False,
                id="theme",
            ),
        )
        yield Label("Prompt", classes="section")
        yield from self._field(
            "Editor (Ctrl+G)",
            Input(_text(s.editor), id="editor", placeholder="unset: $VISUAL, else $EDITOR"),
        )
        yield from self._switch("vim_mode", "Vim keys in the prompt (Esc: normal mode)")
        if self.bindings:
            with Collapsible(title="Keymap", id="keymap"):
                yield KeymapEditor(self.bindings, s.keymap, id="keymap-editor")

    def _compose_output(self) -> ComposeResult:
        """What to ask for besides text (media, speech, transcription), and how the request
        is served: tier, safety settings, labels."""
        s = self.settings
        output = s.output

        def choice(name: str, values: Iterable[str], value: str | None) -> Select[str]:
            return Select(
                [(v, v) for v in values],
                value=value or Select.NULL,
                prompt="server default",
                id=field_id("output", name),
            )

        yield Label("Output", classes="section")
        yield from self._field("Ask for", choice("modality", options.MODALITIES, output.modality))
        yield from self._field(
            "Image aspect ratio", choice("aspect_ratio", options.ASPECT_RATIOS, output.aspect_ratio)
        )
        yield from self._field(
            "Image size", choice("image_size", options.IMAGE_SIZES, output.image_size)
        )
        yield from self._field(
            "Voice (speech)",
            Input(_text(output.voice), id=field_id("output", "voice"), placeholder="e.g. Kore"),
        )
        yield from self._field(
            "Transcription languages",
            Input(
                ", ".join(output.transcription_languages),
                id=field_id("output", "transcription_languages"),
                placeholder="BCP-47 codes, e.g. en-US, de-DE",
            ),
        )
        yield from self._field(
            "Transcription mode",
            choice("transcription_mode", options.TRANSCRIPTION_MODES, output.transcription_mode),
        )
        yield Label("Serving", classes="section")
        yield from self._field(
            "Service tier",
            Select(
                [(tier, tier) for tier in options.SERVICE_TIERS],
                value=s.service_tier or Select.NULL,
                prompt="server default",
                id="service-tier",
            ),
        )
        yield from self._field(
            "Safety (category=threshold)",
            TextArea("\n".join(f"{k}={v}" for k, v in s.safety.items()), id="safety"),
        )
        yield from self._field(
            "Labels (key=value)",
            TextArea("\n".join(f"{k}={v}" for k, v in s.labels.items()), id="labels"),
        )

    async def on_select_changed(self, event: Select.Changed) -> None:
        """A preset chosen: its values go into the fields (over the settings without a
        preset), to be saved or changed further; "none" puts those settings back."""
        if event.select.id != "preset":
            return
        event.stop()
        chosen = "" if event.value is Select.NULL else str(event.value)
        if chosen == self.preset:
            return  # the field's first value, or chosen again: nothing to fill
        self.preset = chosen
        await self.mount_later_sections()
        self.load_values(self.base.with_preset(chosen) if chosen else self.base)

    def load_values(self, s: Settings) -> None:
        """Put the model, system instruction, generation config and tools of ``s`` into the
        form (the later sections must be mounted)."""
        self.query_one("#model", Input).value = s.model
        self.query_one("#agent", Input).value = _text(s.agent)
        self.query_one("#system-instruction", TextArea).load_text(_text(s.system_instruction))
        generation = s.generation
        for name in ("temperature", "top_p", "max_output_tokens", "seed"):
            field = self.query_one(f"#{field_id('generation', name)}", Input)
            field.value = _text(getattr(generation, name))
        stops = self.query_one(f"#{field_id('generation', 'stop_sequences')}", TextArea)
        stops.load_text("\n".join(generation.stop_sequences))
        for name in ("thinking_level", "thinking_summaries"):
            choice = self.query_one(f"#{field_id('generation', name)}", Select)
            choice.value = getattr(generation, name) or Select.NULL
        for name in BUILT_IN_TOOLS:
            self.query_one(f"#{field_id('tools', name)}", Checkbox).value = getattr(s.tools, name)
        for number, function in enumerate(s.functions):
            self.query_one(f"#function-{number}", Checkbox).value = function.enabled

    def _field(self, label: str, widget: Input | Select[Any] | TextArea) -> ComposeResult:
        """A labelled field (its error line is made when it first has an error); one-line
        fields are borderless so that the form reads well at 80×24."""
        widget.compact = not isinstance(widget, TextArea)
        with Horizontal(classes="row"):
            yield Label(label, classes="field-label")
            yield widget

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the schema file field loads that file into the schema editor."""
        if event.input.id != "schema-file" or not event.value.strip():
            return
        event.stop()
        path = Path(event.value.strip()).expanduser()
        message = ""
        try:
            schema = read_json_schema(path, "Schema file")
        except JsonFileError as error:
            message = str(error)
        else:
            self.query_one("#response-schema", TextArea).load_text(json.dumps(schema, indent=2))
            self.notify(escape_markup(f"Loaded the schema from {path}; Ctrl+S saves it."))
        self._show_field_error("schema-file", message)

    def _switch(self, name: str, label: str) -> ComposeResult:
        value = getattr(self.settings, name)
        with Horizontal(classes="row"):
            yield Switch(value, id=name)
            yield Label(label, classes="switch-label")

    # ------------------------------------------------------------------ reading the form

    def _input(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _area(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", TextArea).text

    def _select(self, widget_id: str) -> Any:
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value is Select.NULL else value

    def form_values(self) -> dict[str, Any]:
        """The form as raw settings data; validation is ``Settings``' job. The later sections
        must be mounted (``mount_later_sections``)."""

        def optional(widget_id: str) -> str | None:
            return self._input(widget_id) or None

        new_key = self._input("api-key")
        self._pair_errors = {}
        languages = self._input(field_id("output", "transcription_languages"))
        return {
            "api_key": new_key or self.settings.api_key,
            "base_url": optional("base-url"),
            "api_version": self._select("api-version"),
            "model": self._input("model"),
            "agent": optional("agent"),
            "environment": optional("environment"),
            "system_instruction": self._area("system-instruction").strip() or None,
            "generation": {
                "temperature": optional(field_id("generation", "temperature")),
                "top_p": optional(field_id("generation", "top_p")),
                "max_output_tokens": optional(field_id("generation", "max_output_tokens")),
                "seed": optional(field_id("generation", "seed")),
                "stop_sequences": [
                    line
                    for line in self._area(field_id("generation", "stop_sequences")).splitlines()
                    if line
                ],
                "thinking_level": self._select(field_id("generation", "thinking_level")),
                "thinking_summaries": self._select(field_id("generation", "thinking_summaries")),
            },
            "agent_config": self._area("agent-config").strip() or None,
            "tools": {
                **{
                    name: self.query_one(f"#{field_id('tools', name)}", Checkbox).value
                    for name in BUILT_IN_TOOLS
                },
                **{
                    f"{name}_options": self._input(field_id("tools", f"{name}_options"))
                    for name, _label, _hint in TOOL_OPTION_FIELDS
                },
                "tool_choice": optional(field_id("tools", "tool_choice")),
            },
            "mcp_servers": restored_servers(
                self._area("mcp-servers").splitlines(), self.settings.mcp_servers
            ),
            # Switched on or off for the next requests; the rest of each entry is the file's.
            "functions": [
                function.model_copy(
                    update={"enabled": self.query_one(f"#function-{number}", Checkbox).value}
                )
                for number, function in enumerate(self.settings.functions)
            ],
            "response_schema": self._area("response-schema"),
            "output": {
                "modality": self._select(field_id("output", "modality")),
                "aspect_ratio": self._select(field_id("output", "aspect_ratio")),
                "image_size": self._select(field_id("output", "image_size")),
                "voice": optional(field_id("output", "voice")),
                "transcription_languages": languages.replace(",", " ").split(),
                "transcription_mode": self._select(field_id("output", "transcription_mode")),
            },
            "service_tier": self._select("service-tier"),
            "safety": self._pairs("safety", "safety setting"),
            "labels": self._pairs("labels", "label"),
            "stateful": self.query_one("#stateful", Switch).value,
            "background": self.query_one("#background", Switch).value,
            "theme": self._select("theme"),
            "editor": optional("editor"),
            "vim_mode": self.query_one("#vim_mode", Switch).value,
            "keymap": self._keymap_values(),
        }

    def _pairs(self, widget_id: str, what: str) -> dict[str, str]:
        """The ``KEY=VALUE`` lines of a text field; a line that is not one is noted for
        ``validate_form`` to show under the field."""
        lines = [line for line in self._area(widget_id).splitlines() if line.strip()]
        try:
            return options.parse_pairs(lines, what)
        except ValueError as error:
            self._pair_errors[widget_id] = str(error)
            return {}

    def _keymap_values(self) -> dict[str, str]:
        """Only the bindings whose keys differ from their defaults go into the keymap."""
        known = {info.id for info in self.bindings}
        keymap = {
            binding_id: keys
            for binding_id, keys in self.settings.keymap.items()
            if binding_id not in known
        }
        if self.bindings:
            keymap.update(self.query_one(KeymapEditor).remapped())
        return keymap

    # ------------------------------------------------------------------ validating and saving

    def validate_form(self) -> Settings | None:
        """The settings in the form, or ``None`` after showing what is wrong next to it."""
        for error in self.query(".field-error"):
            self._show_error(error, "")
        self._keymap_errors = []
        values = self.form_values()
        if self._pair_errors:
            for widget_id, message in self._pair_errors.items():
                self._show_field_error(widget_id, message)
            return None
        # What the pane has no field for (presets, prices, notify, compress_at...) stays as
        # it was: built from the form alone, those took their defaults, which the save then
        # wrote over the file's (and dropped its presets).
        kept = {name: getattr(self.settings, name) for name in Settings.model_fields}
        try:
            settings = Settings(**(kept | values))
        except ValidationError as error:
            for detail in error.errors(include_input=False, include_url=False):
                loc = [str(part) for part in detail["loc"]]
                self._error_for(loc, error_text(detail))
            return None
        report = build_keymap(settings.keymap, self.bindings)
        if report.refused:
            for binding_id, message in report.refused.items():
                self._error_for(["keymap", binding_id], message)
            return None
        return settings

    def _error_for(self, loc: list[str], message: str) -> None:
        """Show ``message`` under the field ``loc`` names (or its nearest enclosing one)."""
        if loc and loc[0] == "keymap" and self.bindings:
            self._keymap_error(loc[1] if len(loc) > 1 else None, message)
            return
        for n in range(len(loc), 0, -1):
            if self._show_field_error(field_id(*loc[:n]), message):
                return
        where = ".".join(loc)
        self.notify(escape_markup(f"{where}: {message}" if where else message), severity="error")

    def _keymap_error(self, binding_id: str | None, message: str) -> None:
        """Open the keymap, add ``message`` to its error line and show the action it is about
        (the first such action, when several are refused)."""
        self.query_one("#keymap", Collapsible).collapsed = False
        if binding_id is not None:
            if not self._keymap_errors:
                self.query_one(KeymapEditor).highlight(binding_id)
            if not message.startswith(f"{binding_id}:"):  # build_keymap's say which already
                message = f"{binding_id}: {message}"
        self._keymap_errors.append(message)
        self._show_error(self.query_one("#error-keymap", Static), "\n".join(self._keymap_errors))

    def _show_field_error(self, widget_id: str, message: str) -> bool:
        """Show ``message`` on the error line under the field ``widget_id``, making the line
        the first time; ``False`` if there is no such field in a row of the form."""
        lines = self.query(f"#error-{widget_id}")
        if lines:
            self._show_error(lines.first(), message)
            return True
        fields = self.query(f"#{widget_id}")
        row = fields.first().parent if fields else None
        if not isinstance(row, Widget) or not row.has_class("row") or row.parent is None:
            return False
        if message:
            line = Static(escape_markup(message), id=f"error-{widget_id}", classes="field-error")
            row.parent.mount(line, after=row)
        return True

    @staticmethod
    def _show_error(widget: Widget, message: str) -> None:
        assert isinstance(widget, Static)
        widget.update(escape_markup(message))
        widget.set_class(not message, "-empty")

    def action_save(self) -> None:
        """Save once the focused field has taken every key typed before the save key.

        The save key is a priority binding, so the app acts on it as soon as it reads it,
        while keys typed just before it may still wait in the focused field's queue: reading
        the form then missed them (a model name typed over the old one and saved at once was
        read as the empty field it was for a moment). Queued behind those keys, the save reads
        what the user typed."""
        (self.focused or self).call_later(self._save)

    async def _save(self) -> None:
        if not self.is_active:  # saved or cancelled already (two quick presses)
            return
        await self.mount_later_sections()
        settings = self.validate_form()
        if settings is None:
            self._show_first_error()
            return
        save_key = self.query_one("#save-api-key", Checkbox).value
        self.dismiss(SettingsResult(settings=settings, save_api_key=save_key))

    def _show_first_error(self) -> None:
        """Bring the first refused field into view, focused, with its message: at 80x24 it
        could be screens away from the focus, and the save said only "see the messages"."""
        shown = [line for line in self.query(".field-error") if not line.has_class("-empty")]
        if not shown:
            self.notify("Some settings are not valid.", severity="error")
            return
        first = shown[0]
        fields = self.query(f"#{(first.id or '').removeprefix('error-')}")
        target = fields.first() if fields else first
        for ancestor in target.ancestors:
            if isinstance(ancestor, Collapsible):
                ancestor.collapsed = False
        if target.focusable:
            target.focus()
        self.call_after_refresh(first.scroll_visible)
        count = f" ({len(shown)} fields)" if len(shown) > 1 else ""
        self.notify(f"Not saved: a setting is not valid{count}; the first is shown.",
                    severity="error")  # fmt: skip

    def action_cancel(self) -> None:
        self.dismiss(None)
