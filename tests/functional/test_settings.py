"""The settings pane end to end: keys through Textual's pilot, the request the emulator got.

The app's own F2 wiring is not part of these tests: each test opens ``SettingsScreen`` on the
real ``GemtuiApp`` and applies the result the way the app is meant to (``apply`` below).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from support.chat_driver import FAKE_KEY, make_app, send
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from gemtui.config import Settings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.screens.settings import SettingsResult, SettingsScreen

#: Text up to this long is typed key by key; longer text is pasted.
SHORT_TEXT = 6


async def open_pane(pilot: Pilot, settings: Settings) -> list[SettingsResult | None]:
    """Put ``settings`` in force, open the pane with F2 as a user would, and collect what the
    pane hands back to the app (the app's own handler still applies it)."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    app.user_settings = settings
    app.conversation.settings = settings.to_chat_settings()
    results: list[SettingsResult | None] = []
    apply = app._settings_saved

    def recorded(before: Settings, result: SettingsResult | None) -> None:
        results.append(result)
        apply(before, result)

    app._settings_saved = recorded  # type: ignore[method-assign]
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(app.screen, SettingsScreen)
    return results


def pane(pilot: Pilot) -> SettingsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def focus(pilot: Pilot, selector: str) -> None:
    pane(pilot).query_one(selector).focus()
    await pilot.pause()


async def paste(pilot: Pilot, text: str) -> None:
    """A (bracketed) paste, delivered like the terminal driver does: to the app, which
    forwards it to the focused widget."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def type_input(pilot: Pilot, selector: str, text: str) -> None:
    """Clear an Input with keys (Home, Ctrl+K); type short text key by key, paste long text
    (every key press waits for the app to settle, which adds up)."""
    await focus(pilot, selector)
    await pilot.press("home", "ctrl+k")
    if len(text) <= SHORT_TEXT:
        await pilot.press(*text)
    else:
        await paste(pilot, text)


async def type_area(pilot: Pilot, selector: str, text: str) -> None:
    """Select all of a TextArea (F7), delete it and paste ``text``."""
    await focus(pilot, selector)
    await pilot.press("f7", "delete")
    if text:
        await paste(pilot, text)


async def choose(pilot: Pilot, selector: str, value: str) -> None:
    """Open a Select with Enter, move with Down to ``value``, take it with Enter."""
    await focus(pilot, selector)
    select = pane(pilot).query_one(selector, Select)
    await pilot.press("enter")
    for _ in range(len(select._options) + 1):
        overlay = select.query_one("SelectOverlay")
        option = overlay.highlighted_option  # type: ignore[attr-defined]
        if option is not None and str(option.prompt) == value:
            break
        await pilot.press("down")
    await pilot.press("enter")
    assert select.value == value


async def toggle(pilot: Pilot, selector: str) -> None:
    await focus(pilot, selector)
    await pilot.press("space")


async def save(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


def last_request(emulator: Any, prompt: str) -> dict[str, Any]:
    """The last create request whose input carries ``prompt``."""
    for item in reversed(emulator.received_requests()):
        if item["method"] == "POST" and prompt in json.dumps(item["body"]):
            return item
    raise AssertionError(f"the emulator received no request for {prompt!r}")


SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
NEW_KEY = "another-key-0123456789"

#: (setting, how to change it in the pane, what the next request must then carry)
EDITS: list[tuple[str, Callable[[Pilot], Awaitable[None]], Callable[[dict[str, Any]], bool]]] = [
    (
        "model",
        lambda p: type_input(p, "#model", "gemini-2.5-pro"),
        lambda r: r["body"]["model"] == "gemini-2.5-pro",
    ),
    (
        "system_instruction",
        lambda p: type_area(p, "#system-instruction", "Be brief.\nUse French."),
        lambda r: r["body"]["system_instruction"] == "Be brief.\nUse French.",
    ),
    (
        "temperature",
        lambda p: type_input(p, "#generation-temperature", "0.3"),
        lambda r: r["body"]["generation_config"]["temperature"] == 0.3,
    ),
    (
        "top_p",
        lambda p: type_input(p, "#generation-top-p", "0.5"),
        lambda r: r["body"]["generation_config"]["top_p"] == 0.5,
    ),
    (
        "max_output_tokens",
        lambda p: type_input(p, "#generation-max-output-tokens", "4000"),
        lambda r: r["body"]["generation_config"]["max_output_tokens"] == 4000,
    ),
    (
        "seed",
        lambda p: type_input(p, "#generation-seed", "42"),
        lambda r: r["body"]["generation_config"]["seed"] == 42,
    ),
    (
        "stop_sequences",
        lambda p: type_area(p, "#generation-stop-sequences", "END\nSTOP"),
        lambda r: r["body"]["generation_config"]["stop_sequences"] == ["END", "STOP"],
    ),
    (
        "thinking_level",
        lambda p: choose(p, "#generation-thinking-level", "high"),
        lambda r: r["body"]["generation_config"]["thinking_level"] == "high",
    ),
    (
        "thinking_summaries",
        lambda p: choose(p, "#generation-thinking-summaries", "auto"),
        lambda r: r["body"]["generation_config"]["thinking_summaries"] == "auto",
    ),
    (
        "google_search",
        lambda p: toggle(p, "#tools-google-search"),
        lambda r: {"type": "google_search"} in r["body"]["tools"],
    ),
    (
        "code_execution",
        lambda p: toggle(p, "#tools-code-execution"),
        lambda r: {"type": "code_execution"} in r["body"]["tools"],
    ),
    (
        "url_context",
        lambda p: toggle(p, "#tools-url-context"),
        lambda r: {"type": "url_context"} in r["body"]["tools"],
    ),
    (
        "response_schema",
        lambda p: type_area(p, "#response-schema", json.dumps(SCHEMA)),
        lambda r: (
            r["body"]["response_format"]
            == {"type": "text", "mime_type": "application/json", "schema": SCHEMA}
        ),
    ),
    (
        "stateless",
        lambda p: toggle(p, "#stateful"),
        lambda r: r["body"]["store"] is False,
    ),
    (
        "api_version",
        lambda p: choose(p, "#api-version", "v1"),
        lambda r: r["path"] == "/v1/interactions",
    ),
    (
        "api_key",
        lambda p: type_input(p, "#api-key", NEW_KEY),
        lambda r: r["key_sha256"] == hashlib.sha256(NEW_KEY.encode()).hexdigest(),
    ),
]


def carries(check: Callable[[dict[str, Any]], bool], request: dict[str, Any]) -> bool:
    """``check`` on ``request``; a field it looks for being absent means no."""
    try:
        return check(request)
    except (KeyError, TypeError):
        return False


async def test_every_setting_reaches_the_next_request(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "settings check before")
        before = last_request(emulator, "settings check before")
        assert [name for name, _edit, check in EDITS if carries(check, before)] == []
        results = await open_pane(pilot, Settings(api_key=FAKE_KEY, base_url=emulator.base_url))
        for _name, edit, _check in EDITS:
            await edit(pilot)
        await save(pilot)
        errors = [str(w.render()) for w in pilot.app.screen.query(".field-error")]
        assert results and results[0] is not None, [e for e in errors if e]
        await send(pilot, "settings check after")
        after = last_request(emulator, "settings check after")
        assert [name for name, _edit, check in EDITS if not carries(check, after)] == []


async def test_agent_and_background_reach_the_next_request(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot, Settings(api_key=FAKE_KEY, base_url=emulator.base_url))
        await type_input(pilot, "#agent", "deep-research-preview-04-2026")
        await type_input(pilot, "#generation-temperature", "0.3")
        await toggle(pilot, "#background")
        await save(pilot)
        await send(pilot, "settings check agent")
        body = last_request(emulator, "settings check agent")["body"]
        assert body["agent"] == "deep-research-preview-04-2026"
        assert body["background"] is True
        # An agent request carries no model and no generation config (the API refuses them).
        assert "model" not in body and "generation_config" not in body


async def test_base_url_sends_the_next_request_elsewhere(emulator, emulator_factory):
    other = emulator_factory()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot, Settings(api_key=FAKE_KEY, base_url=emulator.base_url))
        await type_input(pilot, "#base-url", other.base_url)
        await save(pilot)
        await send(pilot, "to the other emulator")
        assert last_request(other, "to the other emulator")["path"] == "/v1beta/interactions"


async def test_invalid_values_are_refused_next_to_their_fields(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings())
        await type_input(pilot, "#generation-temperature", "hot")
        await type_input(pilot, "#generation-top-p", "2")
        await type_input(pilot, "#generation-max-output-tokens", "0")
        await type_input(pilot, "#base-url", "ftp://example.com")
        await type_input(pilot, "#model", "")
        await type_area(pilot, "#response-schema", '{"type": ')
        await save(pilot)
        assert results == []
        screen = pane(pilot)

        def error(field: str) -> str:
            return str(screen.query_one(f"#error-{field}", Static).render())

        assert "valid number" in error("generation-temperature")
        assert "less than or equal to 1" in error("generation-top-p")
        assert "greater than or equal to 1" in error("generation-max-output-tokens")
        assert "http://" in error("base-url")
        assert "at least 1 character" in error("model")
        assert "not valid JSON" in error("response-schema")
        assert error("generation-seed") == ""
        # Fixing the values lets the pane save.
        for field, value in [
            ("#generation-temperature", "1"),
            ("#generation-top-p", "1"),
            ("#generation-max-output-tokens", "10"),
            ("#base-url", "http://127.0.0.1:9"),
            ("#model", "gemini-3.6-flash"),
        ]:
            await type_input(pilot, field, value)
        await type_area(pilot, "#response-schema", "")
        await save(pilot)
        assert results and results[0] is not None
        assert results[0].settings.generation.temperature == 1.0


async def test_escape_cancels_without_changes(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings())
        before = app.conversation.settings
        await type_input(pilot, "#model", "gemini-2.5-pro")
        await pilot.press("escape")
        await pilot.pause()
        assert results == [None]
        assert app.conversation.settings is before
        assert not isinstance(app.screen, SettingsScreen)


async def test_key_is_masked_in_the_pane_and_the_result(emulator):
    app = make_app(emulator)
    new_key = "replacement-KEY-abcdefgh-9876"
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings(api_key=FAKE_KEY))
        screen = pane(pilot)
        labels = " ".join(str(label.render()) for label in screen.query(Static))
        assert "…1234" in labels
        assert FAKE_KEY not in labels
        assert all(FAKE_KEY not in widget.value for widget in screen.query(Input))
        await type_input(pilot, "#api-key", new_key)
        await focus(pilot, "#save-api-key")
        await pilot.press("space")
        await focus(pilot, "#api-key")
        shown = app.export_screenshot()
        assert new_key not in shown and FAKE_KEY not in shown
        await save(pilot)
        result = results[0]
        assert result is not None and result.save_api_key
        assert result.settings.api_key is not None
        assert result.settings.api_key.get_secret_value() == new_key
        assert new_key not in repr(result) and new_key not in str(result)


async def test_keymap_editor_remaps_an_action(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings())
        screen = pane(pilot)
        await focus(pilot, "#keymap CollapsibleTitle")
        await pilot.press("enter")
        field = next(
            widget
            for widget in screen.query(Input)
            if widget.id and widget.id.startswith("keymap-") and widget.placeholder == "f6"
        )
        await type_input(pilot, f"#{field.id}", "f12")
        await save(pilot)
        assert results[0] is not None
        assert results[0].settings.keymap == {"app.toggle_mode": "f12"}
        await pilot.press("f6")
        assert app.conversation.settings.stateful
        await pilot.press("f12")
        assert not app.conversation.settings.stateful


async def test_keymap_conflict_is_reported_and_refused(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings())
        screen = pane(pilot)
        field = next(
            widget
            for widget in screen.query(Input)
            if widget.id and widget.id.startswith("keymap-") and widget.placeholder == "f6"
        )
        field.value = "ctrl+q"
        await save(pilot)
        assert results == []
        message = str(screen.query_one(f"#error-{field.id}", Static).render())
        assert "ctrl+q is bound to both app.quit and app.toggle_mode" in message
        assert not screen.query_one("#keymap").collapsed  # type: ignore[attr-defined]


async def test_theme_choice_is_applied(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings())
        await choose(pilot, "#theme", "ansi-dark")
        await save(pilot)
        assert results[0] is not None and results[0].settings.theme == "ansi-dark"
        assert app.theme == "ansi-dark"


async def test_pane_shows_the_settings_it_was_given(emulator):
    settings = Settings(
        model="gemini-2.5-flash",
        system_instruction="Be kind.",
        generation={"temperature": 0.2, "stop_sequences": ["A", "B"], "thinking_level": "low"},
        tools={"url_context": True},
        response_schema=SCHEMA,
        stateful=False,
    )
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, settings)
        screen = pane(pilot)
        assert screen.query_one("#model", Input).value == "gemini-2.5-flash"
        assert screen.query_one("#generation-stop-sequences", TextArea).text == "A\nB"
        await save(pilot)
        assert results[0] is not None
        assert results[0].settings == settings


async def test_status_bar_shows_what_is_in_force(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 24)) as pilot:
        assert app.status.info.extras == ""
        await open_pane(pilot, Settings())
        await toggle(pilot, "#tools-google-search")
        await type_area(pilot, "#system-instruction", "Be brief.")
        await save(pilot)
        assert app.status.info.extras == "search+system"
        assert "search+system" in str(app.status.render())


async def test_a_schema_file_loads_into_the_editor_and_reaches_the_request(emulator, tmp_path):
    schema_file = tmp_path / "person.json"
    schema_file.write_text(json.dumps(SCHEMA))
    not_a_schema = tmp_path / "list.json"
    not_a_schema.write_text("[1, 2]")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_pane(pilot, Settings(api_key=FAKE_KEY, base_url=emulator.base_url))
        screen = pane(pilot)

        def error() -> str:
            return str(screen.query_one("#error-schema-file", Static).render())

        await type_input(pilot, "#schema-file", str(tmp_path / "missing.json"))
        await pilot.press("enter")
        assert "cannot be read" in error() and "missing.json" in error()
        await type_input(pilot, "#schema-file", str(not_a_schema))
        await pilot.press("enter")
        assert "must be a JSON object" in error()
        await type_input(pilot, "#schema-file", str(schema_file))
        await pilot.press("enter")
        assert error() == ""
        assert json.loads(screen.query_one("#response-schema", TextArea).text) == SCHEMA
        await save(pilot)
        assert results and results[0] is not None
        await send(pilot, "settings check schema file")
        body = last_request(emulator, "settings check schema file")["body"]
        assert body["response_format"]["schema"] == SCHEMA
