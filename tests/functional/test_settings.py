"""The settings pane end to end: F2 on the real app, values put into the pane's widgets, the save
key, then what the app made of them: the settings in force, the config file, the next request
the emulator got.

Values are set through the widgets' own APIs (``Input.value``, ``Select.value``...), not typed
key by key: typing every field made these tests take over a minute and tested Textual's
widgets more than the pane. One test types, the way a terminal delivers keys.
"""

from __future__ import annotations

import hashlib
import json
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support.chat_driver import FAKE_KEY, DrivenApp, make_app, notifications, send
from textual import events
from textual.pilot import Pilot
from textual.widgets import (
    Checkbox,
    Collapsible,
    DataTable,
    Input,
    Select,
    Static,
    Switch,
    TextArea,
)

from gemtui.config import LoadedSettings, Settings, load_settings
from gemtui.core.store import Store
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.screens.settings import SettingsScreen, field_id
from gemtui.ui.widgets.keymap_editor import KeymapEditor


def settings_app(emulator: Any, tmp_path: Path, settings: Settings) -> GemtuiApp:
    """The app with ``settings`` as read from a config file in ``tmp_path`` (not there yet:
    the pane's save writes it)."""
    return make_app(emulator, loaded=LoadedSettings(settings, tmp_path / "config.toml"))


def written(tmp_path: Path) -> dict[str, Any]:
    """The config file the pane's save wrote; empty if it wrote none."""
    path = tmp_path / "config.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


async def open_pane(pilot: Pilot) -> SettingsScreen:
    """F2, as a user opens the pane; returns it with every section in place."""
    await pilot.press("f2")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    await screen.mount_later_sections()
    return screen


def set_input(screen: SettingsScreen, selector: str, text: str) -> None:
    screen.query_one(selector, Input).value = text


def set_area(screen: SettingsScreen, selector: str, text: str) -> None:
    screen.query_one(selector, TextArea).load_text(text)


def choose(screen: SettingsScreen, selector: str, value: str) -> None:
    screen.query_one(selector, Select).value = value


def toggle(screen: SettingsScreen, selector: str) -> None:
    widget = screen.query_one(selector)
    assert isinstance(widget, Checkbox | Switch)
    widget.toggle()


async def save(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


def error(screen: SettingsScreen, field: str) -> str:
    """The error line under ``field`` ("" where none was ever shown)."""
    lines = screen.query(f"#error-{field}")
    return str(lines.first(Static).render()) if lines else ""


def errors(app: GemtuiApp) -> list[str]:
    return [text for line in app.screen.query(".field-error") if (text := str(line.render()))]


def last_request(emulator: Any, prompt: str) -> dict[str, Any]:
    """The last create request whose input carries ``prompt``."""
    for item in reversed(emulator.received_requests()):
        if item["method"] == "POST" and prompt in json.dumps(item["body"]):
            return item
    raise AssertionError(f"the emulator received no request for {prompt!r}")


SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
NEW_KEY = "another-key-0123456789"

#: (setting, how to change it in the pane, what the next request must then carry)
EDITS: list[tuple[str, Callable[[SettingsScreen], None], Callable[[dict[str, Any]], bool]]] = [
    (
        "model",
        lambda s: set_input(s, "#model", "gemini-2.5-pro"),
        lambda r: r["body"]["model"] == "gemini-2.5-pro",
    ),
    (
        "system_instruction",
        lambda s: set_area(s, "#system-instruction", "Be brief.\nUse French."),
        lambda r: r["body"]["system_instruction"] == "Be brief.\nUse French.",
    ),
    (
        "temperature",
        lambda s: set_input(s, "#generation-temperature", "0.3"),
        lambda r: r["body"]["generation_config"]["temperature"] == 0.3,
    ),
    (
        "top_p",
        lambda s: set_input(s, "#generation-top-p", "0.5"),
        lambda r: r["body"]["generation_config"]["top_p"] == 0.5,
    ),
    (
        "max_output_tokens",
        lambda s: set_input(s, "#generation-max-output-tokens", "4000"),
        lambda r: r["body"]["generation_config"]["max_output_tokens"] == 4000,
    ),
    (
        "seed",
        lambda s: set_input(s, "#generation-seed", "42"),
        lambda r: r["body"]["generation_config"]["seed"] == 42,
    ),
    (
        "stop_sequences",
        lambda s: set_area(s, "#generation-stop-sequences", "END\nSTOP"),
        lambda r: r["body"]["generation_config"]["stop_sequences"] == ["END", "STOP"],
    ),
    (
        "thinking_level",
        lambda s: choose(s, "#generation-thinking-level", "high"),
        lambda r: r["body"]["generation_config"]["thinking_level"] == "high",
    ),
    (
        "thinking_summaries",
        lambda s: choose(s, "#generation-thinking-summaries", "auto"),
        lambda r: r["body"]["generation_config"]["thinking_summaries"] == "auto",
    ),
    (
        "google_search",
        lambda s: toggle(s, "#tools-google-search"),
        lambda r: {"type": "google_search"} in r["body"]["tools"],
    ),
    (
        "code_execution",
        lambda s: toggle(s, "#tools-code-execution"),
        lambda r: {"type": "code_execution"} in r["body"]["tools"],
    ),
    (
        "url_context",
        lambda s: toggle(s, "#tools-url-context"),
        lambda r: {"type": "url_context"} in r["body"]["tools"],
    ),
    (
        "response_schema",
        lambda s: set_area(s, "#response-schema", json.dumps(SCHEMA)),
        lambda r: {"type": "text", "mime_type": "application/json", "schema": SCHEMA} in formats(r),
    ),
    (
        "output modality",  # an image: the image options below go only with one
        lambda s: choose(s, "#output-modality", "image"),
        lambda r: any(f.get("type") == "image" for f in formats(r)),
    ),
    (
        "image aspect ratio",
        lambda s: choose(s, "#output-aspect-ratio", "16:9"),
        lambda r: any(f.get("aspect_ratio") == "16:9" for f in formats(r)),
    ),
    (
        "image size",
        lambda s: choose(s, "#output-image-size", "2K"),
        lambda r: any(f.get("image_size") == "2K" for f in formats(r)),
    ),
    (
        "voice",
        lambda s: set_input(s, "#output-voice", "Kore"),
        lambda r: r["body"]["generation_config"]["speech_config"] == [{"voice": "Kore"}],
    ),
    (
        "transcription languages",
        lambda s: set_input(s, "#output-transcription-languages", "en-US, de-DE"),
        lambda r: (
            r["body"]["generation_config"]["transcription_config"]["language_codes"]
            == ["en-US", "de-DE"]
        ),
    ),
    (
        "transcription mode",
        lambda s: choose(s, "#output-transcription-mode", "smart"),
        lambda r: r["body"]["generation_config"]["transcription_config"]["mode"] == "smart",
    ),
    (
        "service_tier",
        lambda s: choose(s, "#service-tier", "priority"),
        lambda r: r["body"]["service_tier"] == "priority",
    ),
    (
        "safety",
        lambda s: set_area(s, "#safety", "harassment=block_only_high\njailbreak = off"),
        lambda r: (
            r["body"]["safety_settings"]
            == [
                {"type": "harassment", "threshold": "block_only_high"},
                {"type": "jailbreak", "threshold": "off"},
            ]
        ),
    ),
    (
        "labels",
        lambda s: set_area(s, "#labels", "team=docs\nrun=nightly-1"),
        lambda r: r["body"]["labels"] == {"team": "docs", "run": "nightly-1"},
    ),
    (
        "stateless",
        lambda s: toggle(s, "#stateful"),
        lambda r: r["body"]["store"] is False,
    ),
    (
        "api_version",
        lambda s: choose(s, "#api-version", "v1beta"),
        lambda r: r["path"] == "/v1beta/interactions",
    ),
    (
        "api_key",
        lambda s: set_input(s, "#api-key", NEW_KEY),
        lambda r: r["key_sha256"] == hashlib.sha256(NEW_KEY.encode()).hexdigest(),
    ),
]


def formats(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's ``response_format`` as a list (one object is a list of one)."""
    value = request["body"]["response_format"]
    return value if isinstance(value, list) else [value]


def carries(check: Callable[[dict[str, Any]], bool], request: dict[str, Any]) -> bool:
    """``check`` on ``request``; a field it looks for being absent means no."""
    try:
        return check(request)
    except (KeyError, TypeError):
        return False


async def test_every_setting_reaches_the_next_request(emulator, tmp_path):
    start = Settings(api_key=FAKE_KEY, base_url=emulator.base_url)
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "settings check before")
        before = last_request(emulator, "settings check before")
        assert [name for name, _edit, check in EDITS if carries(check, before)] == []
        screen = await open_pane(pilot)
        for _name, edit, _check in EDITS:
            edit(screen)
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        await send(pilot, "settings check after")
        after = last_request(emulator, "settings check after")
        assert [name for name, _edit, check in EDITS if not carries(check, after)] == []
    # What changed went into the config file; the key did not (it was not asked for).
    config = written(tmp_path)
    assert config["model"] == "gemini-2.5-pro"
    assert config["generation"]["stop_sequences"] == ["END", "STOP"]
    assert config["output"]["voice"] == "Kore" and config["service_tier"] == "priority"
    assert config["safety"] == {"harassment": "block_only_high", "jailbreak": "off"}
    assert config["labels"] == {"team": "docs", "run": "nightly-1"}
    assert "api_key" not in config


async def test_a_model_name_typed_and_saved_at_once_is_saved(emulator, tmp_path):
    """Keys as a terminal delivers them: a burst, the save key right behind the name. The pane
    used to read the field before the field had taken the keys, and refused the empty model
    name it saw ("String should have at least 1 character")."""
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        assert app.focused is screen.query_one("#model", Input)
        await pilot.press("ctrl+u")
        assert screen.query_one("#model", Input).value == ""
        names = {"-": "minus", ".": "full_stop"}
        for character in "gemini-2.5-pro":
            app.post_message(events.Key(names.get(character, character), character))
        app.post_message(events.Key("ctrl+s", None))
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        assert app.user_settings.model == "gemini-2.5-pro"
        assert app.conversation.settings.model == "gemini-2.5-pro"
    assert written(tmp_path) == {"model": "gemini-2.5-pro"}


async def test_saving_as_soon_as_the_pane_opens_keeps_every_setting(emulator, tmp_path):
    """F2 and the save key in one burst: the save comes before the sections below the first
    screenful are there, and must read them all the same (nothing changed, nothing lost)."""
    start = Settings(theme="ansi-dark", tools={"url_context": True}, keymap={"app.retry": "f12"})
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Key("f2", None))
        app.post_message(events.Key("ctrl+s", None))
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        assert app.user_settings == start
    assert written(tmp_path) == {}


async def test_agent_and_background_reach_the_next_request(emulator, tmp_path):
    start = Settings(api_key=FAKE_KEY, base_url=emulator.base_url)
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, "#agent", "deep-research-preview-04-2026")
        set_input(screen, "#generation-temperature", "0.3")
        toggle(screen, "#background")
        await save(pilot)
        await send(pilot, "settings check agent")
        body = last_request(emulator, "settings check agent")["body"]
        assert body["agent"] == "deep-research-preview-04-2026"
        assert body["background"] is True
        # An agent request carries no model and no generation config (the API refuses them).
        assert "model" not in body and "generation_config" not in body


async def test_base_url_sends_the_next_request_elsewhere(emulator, emulator_factory, tmp_path):
    other = emulator_factory()
    start = Settings(api_key=FAKE_KEY, base_url=emulator.base_url)
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, "#base-url", other.base_url)
        await save(pilot)
        await send(pilot, "to the other emulator")
        assert last_request(other, "to the other emulator")["path"] == "/v1/interactions"


async def test_invalid_values_are_refused_next_to_their_fields(emulator, tmp_path):
    start = Settings()
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, "#generation-temperature", "hot")
        set_input(screen, "#generation-top-p", "2")
        set_input(screen, "#generation-max-output-tokens", "0")
        set_input(screen, "#base-url", "ftp://example.com")
        set_input(screen, "#model", "")
        set_area(screen, "#response-schema", '{"type": ')
        await save(pilot)
        # Refused: the pane stays, nothing is applied or written.
        assert app.screen is screen
        assert app.user_settings is start
        assert "valid number" in error(screen, "generation-temperature")
        assert "less than or equal to 1" in error(screen, "generation-top-p")
        assert "greater than or equal to 1" in error(screen, "generation-max-output-tokens")
        assert "http://" in error(screen, "base-url")
        assert "at least 1 character" in error(screen, "model")
        assert "not valid JSON" in error(screen, "response-schema")
        assert error(screen, "generation-seed") == ""
        # Fixing the values lets the pane save (and the old messages go).
        for field, value in [
            ("#generation-temperature", "1"),
            ("#generation-top-p", "1"),
            ("#generation-max-output-tokens", "10"),
            ("#base-url", "http://127.0.0.1:9"),
            ("#model", "gemini-3.6-flash"),
        ]:
            set_input(screen, field, value)
        set_input(screen, "#generation-top-p", "1.5")
        set_area(screen, "#response-schema", "")
        await save(pilot)
        assert app.screen is screen
        assert errors(app) == ["Input should be less than or equal to 1"]
        set_input(screen, "#generation-top-p", "1")
        await save(pilot)
        assert app.screen is not screen, errors(app)
        assert app.user_settings.generation.temperature == 1.0
    assert written(tmp_path)["generation"]["temperature"] == 1.0


async def test_escape_cancels_without_changes(emulator, tmp_path):
    start = Settings()
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.conversation.settings
        screen = await open_pane(pilot)
        set_input(screen, "#model", "gemini-2.5-pro")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.conversation.settings is before
        assert app.user_settings is start
    assert written(tmp_path) == {}


async def test_key_is_masked_in_the_pane_and_saved_only_when_asked(emulator, tmp_path):
    new_key = "replacement-KEY-abcdefgh-9876"
    app = settings_app(emulator, tmp_path, Settings(api_key=FAKE_KEY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        labels = " ".join(str(label.render()) for label in screen.query(Static))
        assert "…1234" in labels
        assert FAKE_KEY not in labels
        assert all(FAKE_KEY not in widget.value for widget in screen.query(Input))
        set_input(screen, "#api-key", new_key)
        screen.query_one("#save-api-key", Checkbox).value = True
        screen.query_one("#api-key", Input).focus()
        await pilot.pause()
        shown = app.export_screenshot()
        assert new_key not in shown and FAKE_KEY not in shown
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        key = app.user_settings.api_key
        assert key is not None and key.get_secret_value() == new_key
        assert new_key not in repr(app.user_settings) and new_key not in str(app.user_settings)
    path = tmp_path / "config.toml"
    assert written(tmp_path)["api_key"] == new_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def keymap_editor(screen: SettingsScreen) -> KeymapEditor:
    return screen.query_one(KeymapEditor)


def keys_shown(screen: SettingsScreen, binding_id: str) -> str:
    """The keys the keymap table shows for ``binding_id``."""
    return str(screen.query_one("#keymap-table", DataTable).get_cell(binding_id, "keys"))


async def test_keymap_editor_remaps_an_action(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        screen.query_one("#keymap", Collapsible).collapsed = False
        editor = keymap_editor(screen)
        editor.highlight("app.toggle_mode")
        await pilot.pause()
        field = screen.query_one("#keymap-keys", Input)
        assert (field.value, field.placeholder) == ("f6", "f6")
        field.value = "f12"
        await pilot.pause()
        assert keys_shown(screen, "app.toggle_mode") == "f12"
        # Moving on keeps the edit, and the field then shows the next action's keys.
        editor.highlight("app.quit")
        await pilot.pause()
        assert (field.value, keys_shown(screen, "app.toggle_mode")) == ("ctrl+q", "f12")
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        assert app.user_settings.keymap == {"app.toggle_mode": "f12"}
        await pilot.press("f6")
        assert app.conversation.settings.stateful
        await pilot.press("f12")
        assert not app.conversation.settings.stateful
    assert written(tmp_path)["keymap"] == {"app.toggle_mode": "f12"}


async def remap(pilot: Pilot, screen: SettingsScreen, binding_id: str, keys: str) -> KeymapEditor:
    """Give ``binding_id`` ``keys`` in the keymap editor, then move to another action (the
    keys typed are taken when the highlight leaves them); returns the editor."""
    editor = keymap_editor(screen)
    editor.highlight(binding_id)
    await pilot.pause()
    screen.query_one("#keymap-keys", Input).value = keys
    editor.highlight("app.new_conversation")
    await pilot.pause()
    return editor


async def test_keymap_conflict_is_reported_and_refused(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        editor = await remap(pilot, screen, "app.toggle_mode", "ctrl+q")
        await save(pilot)
        assert app.screen is screen
        message = error(screen, "keymap")
        assert "ctrl+q is bound to both app.quit and app.toggle_mode" in message
        # The keymap opens on the action the message is about.
        assert not screen.query_one("#keymap", Collapsible).collapsed
        await pilot.pause()
        assert editor.highlighted == "app.toggle_mode"
        assert screen.query_one("#keymap-keys", Input).value == "ctrl+q"
    assert written(tmp_path) == {}


async def test_a_remap_to_no_key_is_refused_naming_the_action_once(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        await remap(pilot, screen, "app.toggle_mode", " , ")
        await save(pilot)
        assert app.screen is screen
        assert error(screen, "keymap") == "app.toggle_mode: give at least one key"


async def test_theme_choice_is_applied(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        choose(screen, "#theme", "ansi-dark")
        await save(pilot)
        assert app.user_settings.theme == "ansi-dark"
        assert app.theme == "ansi-dark"
    assert written(tmp_path)["theme"] == "ansi-dark"


async def test_pane_shows_the_settings_it_was_given(emulator, tmp_path):
    settings = Settings(
        model="gemini-2.5-flash",
        system_instruction="Be kind.",
        generation={"temperature": 0.2, "stop_sequences": ["A", "B"], "thinking_level": "low"},
        tools={"url_context": True},
        response_schema=SCHEMA,
        stateful=False,
    )
    app = settings_app(emulator, tmp_path, settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        assert screen.query_one("#model", Input).value == "gemini-2.5-flash"
        assert screen.query_one("#generation-stop-sequences", TextArea).text == "A\nB"
        assert screen.query_one("#generation-thinking-level", Select).value == "low"
        assert screen.query_one("#tools-url-context", Checkbox).value
        assert not screen.query_one("#stateful", Switch).value
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        # The form read back is what it was given: the same settings, nothing to write.
        assert app.user_settings == settings
    assert written(tmp_path) == {}


async def test_status_bar_shows_what_is_in_force(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(120, 24)) as pilot:
        assert app.status.info.extras == ""
        screen = await open_pane(pilot)
        toggle(screen, "#tools-google-search")
        set_area(screen, "#system-instruction", "Be brief.")
        await save(pilot)
        assert app.status.info.extras == "search+system"
        assert "search+system" in str(app.status.render())


async def test_a_schema_file_loads_into_the_editor_and_reaches_the_request(emulator, tmp_path):
    schema_file = tmp_path / "person.json"
    schema_file.write_text(json.dumps(SCHEMA))
    not_a_schema = tmp_path / "list.json"
    not_a_schema.write_text("[1, 2]")
    start = Settings(api_key=FAKE_KEY, base_url=emulator.base_url)
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)

        async def load(path: Path) -> None:
            set_input(screen, "#schema-file", str(path))
            screen.query_one("#schema-file", Input).focus()
            await pilot.press("enter")

        await load(tmp_path / "missing.json")
        message = error(screen, "schema-file")
        assert "cannot be read" in message and "missing.json" in message
        await load(not_a_schema)
        assert "must be a JSON object" in error(screen, "schema-file")
        await load(schema_file)
        assert error(screen, "schema-file") == ""
        assert json.loads(screen.query_one("#response-schema", TextArea).text) == SCHEMA
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        await send(pilot, "settings check schema file")
        body = last_request(emulator, "settings check schema file")["body"]
        assert body["response_format"]["schema"] == SCHEMA


async def test_output_and_serving_settings_open_as_saved_and_a_document_is_asked_for(
    emulator, tmp_path
):
    """What the pane saved comes back into it (the chat's settings are read back into the
    pane's fields), and a document, which has no response format, goes as a modality."""
    start = Settings(api_key=FAKE_KEY, base_url=emulator.base_url)
    app = settings_app(emulator, tmp_path, start)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        choose(screen, "#output-modality", "document")
        choose(screen, "#output-image-size", "1K")
        choose(screen, "#service-tier", "flex")
        set_area(screen, "#labels", "team=docs")
        await save(pilot)
        await send(pilot, "settings check document")
        body = last_request(emulator, "settings check document")["body"]
        assert body["response_modalities"] == ["document"]
        assert "response_format" not in body  # the image size is for images only
        assert body["service_tier"] == "flex"
        reopened = await open_pane(pilot)
        assert reopened.query_one("#output-modality", Select).value == "document"
        assert reopened.query_one("#output-image-size", Select).value == "1K"
        assert reopened.query_one("#service-tier", Select).value == "flex"
        assert reopened.query_one("#labels", TextArea).text == "team=docs"
        assert reopened.query_one("#api-version", Select).value == "v1"


async def test_bad_safety_and_label_lines_are_refused_next_to_their_fields(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_area(screen, "#safety", "harassment")
        await save(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "is not KEY=VALUE" in error(screen, "safety")
        set_area(screen, "#safety", "harassment=sometimes")
        set_area(screen, "#labels", "Team=Docs")
        await save(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "unknown threshold 'sometimes'" in error(screen, "safety")
        assert "label key 'Team'" in error(screen, "labels")
    assert written(tmp_path) == {}


async def test_a_save_keeps_what_the_pane_has_no_field_for(emulator, tmp_path):
    """Presets, prices, notifications, compress_at...: the pane shows none of them, and a save
    used to write their defaults over the file's, presets and all."""
    path = tmp_path / "config.toml"
    path.write_text(
        'compress_at = 80  # percent\nnotify = "bell"\nnotify_after = 5\nclipboard = "osc52"\n'
        'auto_continue = false\nlog_level = "debug"\n\n'
        '[presets.reviewer]  # my reviewer\nmodel = "gemini-2.5-pro"\n'
        'system_instruction = "Review it."\n\n[presets.reviewer.generation]\ntemperature = 0.2\n'
    )
    loaded = load_settings(path, environ={})
    assert not loaded.problems and loaded.settings.presets
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, "#generation-temperature", "0.3")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        kept = app.user_settings
        assert kept.presets == loaded.settings.presets and kept.compress_at == 80
        assert (kept.notify, kept.notify_after, kept.clipboard) == ("bell", 5, "osc52")
        assert not kept.auto_continue and kept.log_level == "debug"
    text = path.read_text()
    assert "[presets.reviewer]  # my reviewer" in text and "compress_at = 80  # percent" in text
    saved = tomllib.loads(text)
    assert saved["generation"] == {"temperature": 0.3}
    assert saved["notify"] == "bell" and saved["presets"]["reviewer"]["generation"]


async def test_a_key_typed_in_the_pane_is_redacted_from_the_history_from_then_on(
    emulator, tmp_path
):
    """The history is opened with the keys known at start; one typed in the pane later was
    written in clear (a prompt that quotes it, the request, the export)."""
    typed = "typed-in-the-pane-KEY-0123456789"
    connection = Connection(
        base_url=emulator.base_url, api_key=FAKE_KEY, demo=True, secrets=[FAKE_KEY]
    )
    path = tmp_path / "history.sqlite3"
    store = Store(path, secrets=connection.secrets)  # as gemtui.ui.launch opens it
    loaded = LoadedSettings(Settings(api_key=FAKE_KEY), tmp_path / "config.toml")
    app = DrivenApp(connection, None, loaded=loaded, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, "#base-url", emulator.base_url)
        set_input(screen, "#api-key", typed)
        await save(pilot)
        assert not isinstance(app.screen, SettingsScreen), errors(app)
        await send(pilot, f"repeat {typed} please")
        assert app.conversation.turns[-1].reply.outcome == "completed"
    store.close()
    assert typed.encode() not in path.read_bytes()
    with Store(path) as reread:
        [summary] = reread.list_conversations()
        [stored] = reread.load_turns(summary.id)
    assert stored.turn.asked.prompt == "repeat *** please"


async def test_a_refused_save_shows_the_first_bad_field_however_far_down(emulator, tmp_path):
    """At 80x24 the field can be screens away from the focus: the save said only "see the
    messages", and none was on screen."""
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        set_input(screen, f"#{field_id('tools', 'tool_choice')}", "sometimes")
        screen.query_one("#editor", Input).focus()
        await save(pilot)
        await pilot.pause()
        assert app.screen is screen
        assert app.focused is screen.query_one(f"#{field_id('tools', 'tool_choice')}")
        assert "sometimes" in error(screen, field_id("tools", "tool_choice"))
        line = screen.query_one(f"#error-{field_id('tools', 'tool_choice')}")
        assert app.screen.region.contains_region(line.region)  # on screen, not scrolled away
        assert "Not saved" in notifications(app)[-1]


async def test_narrow_terminals_get_each_label_above_its_field(emulator, tmp_path):
    """At 40 columns the labels took 24 of 36 columns: "server default" read "server", the
    base URL ".0.1:8791"."""
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(40, 15)) as pilot:
        screen = await open_pane(pilot)
        await pilot.pause()
        label = screen.query_one("#model").parent.query_one(".field-label")
        field = screen.query_one("#model", Input)
        assert label.region.y < field.region.y and field.region.width >= 30
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        await pilot.pause()
        label = screen.query_one("#model").parent.query_one(".field-label")
        assert label.region.y == screen.query_one("#model", Input).region.y  # side by side
