"""Server-side tool steps at 80×24 (SVG snapshots): an MCP server call with its result, and a
Google Maps answer with its places expanded and cited as numbered sources.

Update after an intended change of look with
`pytest tests/snapshots/test_server_tool_snapshots.py --snapshot-update`, and look at the new
SVGs before committing them.
"""

from __future__ import annotations

from support.chat_driver import make_app, send

from gemtui.core.conversation import ChatSettings
from gemtui.ui.render.chat_items import ToolItem

MCP = {
    "type": "mcp_server",
    "name": "docs",
    "url": "https://example.com/mcp",
    "allowed_tools": [{"tools": ["lookup"]}],
}
MAPS = {"type": "google_maps", "latitude": 52.52, "longitude": 13.4}


def test_mcp_server_call(snap_compare, emulator):
    async def ask(pilot):
        await send(pilot, "Look up the Release notes")

    app = make_app(emulator, settings=ChatSettings(tools=[MCP]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=ask)


def test_maps_places(snap_compare, emulator):
    async def ask(pilot):
        await send(pilot, "Cafés in Berlin Mitte?")
        app = pilot.app
        places = [item for item in app.view.items if isinstance(item, ToolItem)][1]
        app.view.focus()
        app.view.select(app.view.items.index(places))
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(emulator, settings=ChatSettings(tools=[MAPS]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=ask)
