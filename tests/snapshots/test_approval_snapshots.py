"""The approval dialog of local function tools at 80×24 (SVG snapshot): two parallel calls of
a configured tool, approved together, over the chat that asked for them.

Update after an intended change of look with
`pytest tests/snapshots/test_approval_snapshots.py --snapshot-update`, and look at the SVG.
"""

from __future__ import annotations

from support.cli_env import FAKE_KEY

from gemtui.config import LoadedSettings, Settings
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.screens.approval import ApprovalScreen

WEATHER = {
    "name": "get_weather",
    "description": "Weather of a place",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}, "units": {"type": "string"}},
        "required": ["location"],
    },
    # Never run here: the snapshot is taken while the dialog asks.
    "command": ["weather-tool", "--format", "json"],
}


def test_approval_dialog_for_two_parallel_calls(snap_compare, emulator, tmp_path):
    settings = Settings.model_validate({"functions": [WEATHER]})
    connection = Connection(base_url=emulator.base_url, api_key=FAKE_KEY, demo=True)
    app = GemtuiApp(connection, loaded=LoadedSettings(settings, tmp_path / "config.toml"))

    async def ask(pilot):
        app.composer.load_text("Weather in both [b]Paris[/b] and Nice?")
        await pilot.press("enter")
        for _ in range(2000):
            if isinstance(app.screen, ApprovalScreen):
                break
            await pilot.pause(0.005)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ask)
