"""The agents and environments screen (Alt+A) in the real app against the emulator: lists,
details with an environment's files, create from JSON, delete with a second d, use one in the
conversation; agent_config and the environment object from F2 reach the request."""

from __future__ import annotations

import contextlib

import httpx
from support.chat_driver import FAKE_KEY, last_notification, make_app, marker, send, sent_with
from support.endpoints import closed_port_url
from textual.widgets import Input, Static, TextArea
from textual.worker import WorkerCancelled

from gemtui.api.client import InteractionsClient
from gemtui.config import LoadedSettings, Settings
from gemtui.core.conversation import ChatSettings
from gemtui.ui.screens.resources import ResourceEditorScreen, ResourcesScreen
from gemtui.ui.screens.settings import SettingsScreen


def make_agent(emulator, agent_id: str, description: str = "Watches the repo") -> None:
    response = httpx.post(
        f"{emulator.base_url}/v1beta/agents",
        json={
            "id": agent_id,
            "base_agent": "antigravity-preview-09-2026",
            "description": description,
        },
        headers={"x-goog-api-key": FAKE_KEY},
    )
    assert response.status_code == 200, response.text


def detail(screen: ResourcesScreen) -> str:
    return str(screen.query_one("#resources-detail", Static).render())


async def settle(pilot) -> None:
    """Wait for the screen's workers (one cancelled by a newer one is fine) and a repaint."""
    app = pilot.app
    await pilot.pause()  # messages already posted (a row highlighted) start their workers
    while any(worker.is_running for worker in app.workers):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
    await pilot.pause()


async def open_screen(pilot) -> ResourcesScreen:
    await pilot.press("alt+a")
    screen = pilot.app.screen
    assert isinstance(screen, ResourcesScreen)
    await settle(pilot)
    return screen


async def test_lists_agents_shows_details_and_uses_one(emulator):
    agent_id = f"watch-{marker()[5:]}"
    make_agent(emulator, agent_id)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        ids = [item.id for item in screen.items["agents"]]
        assert agent_id in ids
        screen.table.move_cursor(row=ids.index(agent_id))
        await settle(pilot)
        assert f"agent {agent_id}" in detail(screen)
        assert "description: Watches the repo" in detail(screen)
        await pilot.press("u")
        assert not isinstance(app.screen, ResourcesScreen)
        assert app.conversation.settings.agent == agent_id
        assert last_notification(app) == f"Next turns ask the agent {agent_id}."
        word = marker()
        await send(pilot, f"check {word}")
        (body,) = sent_with(emulator, word)
        assert body["agent"] == agent_id and body["environment"] == "remote"


async def test_deleting_the_agent_this_chat_uses_is_warned_before_and_after(emulator):
    """It went without a word, and the chat's next turn failed on an agent gone."""
    used, other = f"used-{marker()[5:]}", f"other-{marker()[5:]}"
    make_agent(emulator, used)
    make_agent(emulator, other)
    app = make_app(emulator, settings=ChatSettings(agent=used))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        status = screen.query_one("#resources-status")
        ids = [item.id for item in screen.items["agents"]]
        screen.table.move_cursor(row=ids.index(other))
        await settle(pilot)
        await pilot.press("d")
        assert str(status.render()) == f"Press d again to delete {other}."
        screen.table.move_cursor(row=ids.index(used))
        await settle(pilot)
        await pilot.press("d")
        assert str(status.render()) == (
            f"Press d again to delete {used}, which this chat's next turn uses (it would fail)."
        )
        await pilot.press("d")
        await settle(pilot)
        assert last_notification(app) == (
            f"Deleted {used}, which this chat's next turn uses (it would fail): "
            "choose another with Alt+A or F2."
        )


async def test_create_an_environment_see_its_files_use_it_then_delete_it(emulator):
    app = make_app(emulator, settings=ChatSettings(agent="antigravity-preview-05-2026"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("tab")
        assert screen.kind == "environments"
        before = len(screen.items["environments"])
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, ResourceEditorScreen)
        editor.query_one(TextArea).load_text('{"network": "open"}')
        await pilot.press("ctrl+s")
        assert "Not valid: environment.network is" in str(
            editor.query_one("#editor-error", Static).render()
        )
        editor.query_one(TextArea).load_text(
            '{"sources": [{"type": "inline", "content": "x = 1\\n", "target": "main.py"}]}'
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert len(screen.items["environments"]) == before + 1
        created_id = last_notification(app).removeprefix("Created ").rstrip(".")
        ids = [e.id for e in screen.items["environments"]]
        screen.table.move_cursor(row=ids.index(created_id))
        await settle(pilot)
        assert "source: inline inline content → main.py" in detail(screen)
        assert "files: main.py 6 B text/plain" in detail(screen)
        await pilot.press("d")
        assert "Press d again to delete" in str(screen.query_one("#resources-status").render())
        await pilot.press("d")
        await settle(pilot)
        assert created_id not in [e.id for e in screen.items["environments"]]
        assert last_notification(app) == f"Deleted {created_id}."
        await pilot.press("alt+a")
        assert not isinstance(app.screen, ResourcesScreen)


async def test_f2_agent_config_and_environment_object_reach_the_request(emulator, tmp_path):
    settings = Settings(agent="deep-research-preview-04-2026")
    app = make_app(emulator, loaded=LoadedSettings(settings, tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        await screen.mount_later_sections()
        screen.query_one("#agent-config", TextArea).load_text('{"visualisation": "auto"}')
        await pilot.press("ctrl+s")
        await pilot.pause()
        lines = [str(line.render()) for line in screen.query(".field-error")]
        assert any("no field 'visualisation'" in line for line in lines)
        screen.query_one("#agent-config", TextArea).load_text(
            '{"visualization": "auto", "thinking_summaries": "none"}'
        )
        screen.query_one("#environment", Input).value = '{"network": "disabled"}'
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        word = marker()
        await send(pilot, f"research {word}")
        (body,) = sent_with(emulator, word)
        assert body["agent_config"] == {
            "type": "deep-research", "visualization": "auto", "thinking_summaries": "none",
        }  # fmt: skip
        assert body["environment"] == {"type": "remote", "network": "disabled"}
        # The agent's report carries the chart the config asked for.
        output = app.conversation.turns[-1].reply.state.steps[-1].step
        assert [c.type for c in output.content] == ["text", "image"]
        saved = (tmp_path / "config.toml").read_text()
        assert "[agent_config]" in saved and 'visualization = "auto"' in saved


async def test_a_refused_create_keeps_the_json_and_says_why_and_d_forgets_a_moved_row(emulator):
    """A 409 closed the editor and lost the JSON typed; and "Press d again to delete X"
    stayed up after the selection had moved to another row."""
    taken = f"taken-{marker()[5:]}"
    make_agent(emulator, taken)
    make_agent(emulator, f"other-{marker()[5:]}")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, ResourceEditorScreen)
        typed = f'{{"id": "{taken}", "base_agent": "antigravity-preview-09-2026"}}'
        editor.query_one(TextArea).load_text(typed)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor and editor.query_one(TextArea).text == typed
        said = str(editor.query_one("#editor-error", Static).render())
        assert said.startswith("Not created: HTTP 409")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        status = screen.query_one("#resources-status", Static)
        await pilot.press("d")
        assert "Press d again" in str(status.render())
        await pilot.press("down")
        await settle(pilot)
        assert "Press d again" not in str(status.render())
        assert "agent" in str(status.render())


async def test_a_failed_listing_says_only_that(emulator):
    """Alt+A with nothing listening said "No agents: n creates one." beside "Could not list
    them: … connection refused Nothing is listening…" (no full stop between); a reload that
    fails left the earlier rows up as if they were still what the server holds."""
    make_agent(emulator, f"listed-{marker()[5:]}")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert screen.items["agents"] and detail(screen)
        app.client = InteractionsClient(api_key=FAKE_KEY, base_url=closed_port_url())
        await pilot.press("r")
        await settle(pilot)
        status = str(screen.query_one("#resources-status", Static).render())
        assert status.startswith("Could not list the agents and environments: ")
        assert "refused. " in status and status.endswith(" r tries again.")
        assert "No agents" not in detail(screen) and detail(screen) == ""
        assert screen.table.row_count == 0
        await pilot.press("tab")
        assert detail(screen) == ""


async def test_home_end_move_and_a_delete_leaves_the_selection_in_place(emulator):
    """Home and End did not move the selection; after a delete it jumped to the top."""
    for _ in range(3):
        make_agent(emulator, f"row-{marker()[5:]}")
    app = make_app(emulator)
    async with app.run_test(size=(80, 30)) as pilot:
        screen = await open_screen(pilot)
        count = len(screen.items["agents"])
        await pilot.press("end")
        assert screen.table.cursor_row == count - 1
        await pilot.press("home")
        assert screen.table.cursor_row == 0
        await pilot.press("down", "d", "d")
        await settle(pilot)
        assert len(screen.items["agents"]) == count - 1
        assert screen.table.cursor_row == 1


async def test_a_long_description_ends_in_an_ellipsis_inside_80_columns(emulator):
    """The "about" column ran past the edge at 80 columns: cut with no "…", and a
    horizontal scrollbar."""
    agent_id = f"long-{marker()[5:]}"
    make_agent(emulator, agent_id, "Reviews every change to the repository before merging " * 3)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        table = screen.table
        row = [item.id for item in screen.items["agents"]].index(agent_id)
        about = str(table.get_row_at(row)[-1])
        assert about.endswith("…") and table.max_scroll_x == 0
