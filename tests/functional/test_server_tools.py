"""Server-side tools in the real app: readable rows for MCP, Maps and file search steps,
places and files as numbered sources, facts in the timeline detail, and the tools (with their
parameters and ``tool_choice``) set in F2 and switched per conversation in F7 and the palette."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from support.chat_driver import (
    answers,
    last_notification,
    make_app,
    marker,
    notices,
    send,
    sent_with,
)
from textual.widgets import Checkbox, Input, TextArea

from gemtui.config import LoadedSettings, McpServer, Settings
from gemtui.core.conversation import ChatSettings
from gemtui.ui.app import GemtuiApp
from gemtui.ui.render.chat_items import ToolItem
from gemtui.ui.screens.settings import SettingsScreen
from gemtui.ui.screens.tools import ToolsScreen

MAPS = {"type": "google_maps", "latitude": 52.52, "longitude": 13.4}
MCP = {
    "type": "mcp_server",
    "name": "docs",
    "url": "https://example.com/mcp",
    "allowed_tools": [{"tools": ["lookup"]}],
}
FILES = {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook"]}


def screen_lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def rows(app: GemtuiApp) -> list[ToolItem]:
    return [item for item in app.view.items if isinstance(item, ToolItem)]


async def test_mcp_and_maps_steps_read_as_rows_and_places_as_sources(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[MAPS, MCP]))
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "Where to eat in Berlin Mitte?")
        shown = "\n".join(screen_lines(app.view))
        assert "Google Maps  places for Berlin Mitte" in shown
        assert "Google Maps  3 places: Berlin Mitte Café, Museum of Berlin Mitte, Berlin" in shown
        assert 'MCP docs · lookup  (query="Berlin Mitte")' in shown
        assert "MCP docs · lookup  3 entries on docs match «Berlin Mitte»" in shown
        assert "which reviewers like most.[1]" in shown and "a short walk away.[2]" in shown
        (answer,) = answers(app)
        assert [(s.number, s.title, s.kind) for s in answer.sources] == [
            (1, "Berlin Mitte Café", "place"),
            (2, "Museum of Berlin Mitte", "place"),
        ]
        assert f"[1] Berlin Mitte Café  {answer.sources[0].url}" in shown
        # Enter on the places row lists each place with its link.
        maps_result = rows(app)[1]
        app.view.focus()
        app.view.select(app.view.items.index(maps_result))
        await pilot.press("enter")
        shown = "\n".join(screen_lines(app.view))
        assert "1. Berlin Mitte Café  https://maps.google.com/?cid=" in shown
        assert "review: A good visit to Museum of Berlin Mitte" in shown


async def test_file_search_lists_files_and_cites_them_with_pages(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[FILES]))
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "What do my notes say about Tides?")
        shown = "\n".join(screen_lines(app.view))
        assert "file search  2 files: tides-notes.pdf, handbook.md" in shown
        assert "[1] tides-notes.pdf · page 3  fileSearchStores/handbook/documents/" in shown
        assert "[2] handbook.md  fileSearchStores/handbook/documents/handbook-md" in shown


async def test_the_timeline_detail_gives_the_facts_of_each_tool_step(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[MAPS, FILES, MCP]))
    async with app.run_test(size=(240, 60)) as pilot:
        await send(pilot, "Where to eat in Berlin Mitte?")
        await pilot.press("ctrl+t")
        facts = {}
        for position, step in enumerate(app.conversation.turns[0].reply.state.steps):
            app.timeline.select(0, position)
            await pilot.pause()
            facts[step.step.type] = "\n".join(screen_lines(app.step_detail))
        assert "Google Maps: 3 places: Berlin Mitte Café" in facts["google_maps_result"]
        assert (
            "3. Berlin Mitte Market Hall  https://maps.google.com/" in facts["google_maps_result"]
        )
        assert "file search: 2 files: berlin-mitte-notes.pdf" in facts["file_search_result"]
        assert "Notes on Berlin Mitte: the main points" in facts["file_search_result"]
        assert "server docs · tool lookup · call id" in facts["mcp_server_tool_call"]
        assert "place_citation" in facts["model_output"]


def settings_app(emulator, tmp_path: Path, settings: Settings) -> GemtuiApp:
    return make_app(emulator, loaded=LoadedSettings(settings, tmp_path / "config.toml"))


async def open_pane(pilot) -> SettingsScreen:
    await pilot.press("f2")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    await screen.mount_later_sections()
    return screen


async def test_f2_sets_tools_with_parameters_mcp_servers_and_tool_choice(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        screen.query_one("#tools-file-search", Checkbox).toggle()
        screen.query_one("#tools-google-maps", Checkbox).toggle()
        screen.query_one("#tools-file-search-options", Input).value = "handbook;top_k=1"
        screen.query_one("#mcp-servers", TextArea).load_text(
            "docs=https://example.com/mcp;tools=lookup;header=Authorization: Bearer tok-4242\n"
            "# spare=https://spare.example.com/mcp\n"
        )
        screen.query_one("#tools-tool-choice", Input).value = "auto:lookup"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        word = marker()
        await send(pilot, f"Cafés near {word}")
        (body,) = sent_with(emulator, word)
        assert body["tools"] == [
            {"type": "google_maps"},
            {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook"],
             "top_k": 1},
            {"type": "mcp_server", "name": "docs", "url": "https://example.com/mcp",
             "headers": {"Authorization": "Bearer tok-4242"},
             "allowed_tools": [{"tools": ["lookup"]}]},
        ]  # fmt: skip
        assert body["generation_config"]["tool_choice"] == {
            "allowed_tools": {"mode": "auto", "tools": ["lookup"]}
        }
        assert app.status.info.extras == "maps+files+mcp:docs"
        path = tmp_path / "config.toml"
        saved = tomllib.loads(path.read_text())
        assert saved["tools"]["file_search_options"] == "handbook;top_k=1"
        assert [s["enabled"] for s in saved["mcp_servers"]] == [True, False]
        # A file holding a header (a token) is readable by its owner only.
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # The pane never shows the token; saved again, it keeps it.
        screen = await open_pane(pilot)
        lines = screen.query_one("#mcp-servers", TextArea).text
        assert "tok-4242" not in lines and "Authorization: (hidden)" in lines
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.user_settings.mcp_servers[0].headers == {"Authorization": "Bearer tok-4242"}


async def test_f2_refuses_file_search_without_stores_under_the_field(emulator, tmp_path):
    app = settings_app(emulator, tmp_path, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot)
        screen.query_one("#tools-file-search", Checkbox).toggle()
        screen.query_one("#mcp-servers", TextArea).load_text("docs=ftp://nowhere")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        lines = [str(line.render()) for line in screen.query(".field-error")]
        assert any("file search needs its stores" in line for line in lines)
        assert any("must be http:// or https://" in line for line in lines)


async def test_f7_switches_a_configured_mcp_server_for_this_conversation(emulator):
    settings = Settings(mcp_servers=[McpServer(name="docs", url="https://example.com/mcp")])
    app = make_app(emulator, loaded=LoadedSettings(settings, Path("/nonexistent/config.toml")))
    declared = {"type": "mcp_server", "name": "docs", "url": "https://example.com/mcp"}
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.conversation.settings.tools == [declared]
        await pilot.press("f7")
        screen = app.screen
        assert isinstance(screen, ToolsScreen)
        keys = [choice.key for choice in screen.choices]
        assert keys[-1] == "mcp_server:docs" and "file_search" in keys
        await pilot.press("end", "space", "escape")
        word = marker()
        await send(pilot, f"ask the docs about {word}")
        (body,) = sent_with(emulator, word)
        assert "tools" not in body
        # Off, it is still offered; on again, it is declared whole.
        await pilot.press("f7", "end", "space", "escape")
        word = marker()
        await send(pilot, f"ask the docs about {word}")
        (body,) = sent_with(emulator, word)
        assert body["tools"] == [declared]
        assert rows(app)[0].step.type == "mcp_server_tool_call"
        # The user's settings (the config file's) did not change.
        assert app.user_settings.mcp_servers[0].enabled


async def test_palette_toggle_of_file_search_needs_its_stores(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("toggle_tool('file_search')")
        await pilot.pause()
        assert "File search cannot be switched on yet" in last_notification(app)
        assert app.conversation.settings.tools == []
        await app.run_action("toggle_tool('google_maps')")
        assert app.conversation.settings.tools == [{"type": "google_maps"}]


async def test_a_computer_use_action_is_not_sent_to_the_functions_table(emulator):
    """A computer-use call (``navigate``) is one of the tool's predefined actions: the advice
    to declare it as a [[functions]] entry was wrong for it."""
    computer = {"type": "computer_use", "environment": "browser"}
    app = make_app(emulator, settings=ChatSettings(tools=[computer]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "open https://example.com")
        assert app.conversation.turns[-1].reply.outcome == "requires_action"
        (said,) = [n for n in notices(app) if "navigate" in n.message]
        assert said.message == (
            "The model asked for the computer-use action navigate, which gemtui does not carry out."
        )
        assert "[[functions]]" not in said.hint and "F7 switches computer use off" in said.hint
