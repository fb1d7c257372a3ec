"""The account's custom agents in ``/agent`` completion and F2's agent field, in the real app
against the emulator: listed once when first wanted, refreshed after Alt+A creates one, and a
listing that fails leaves the SDK's names, without an error."""

from __future__ import annotations

import contextlib

import httpx
from support.chat_driver import FAKE_KEY, make_app, marker
from support.endpoints import closed_port_url
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from gemtui.core.model_names import SDK_AGENTS
from gemtui.ui.screens.resources import ResourceEditorScreen, ResourcesScreen
from gemtui.ui.screens.settings import SettingsScreen
from gemtui.ui.widgets.slash_popup import SlashPopup


def make_agent(emulator, agent_id: str) -> None:
    body = {"id": agent_id, "base_agent": "antigravity-preview-09-2026"}
    headers = {"x-goog-api-key": FAKE_KEY}
    response = httpx.post(f"{emulator.base_url}/v1beta/agents", json=body, headers=headers)
    assert response.status_code == 200, response.text


async def settle(pilot) -> None:
    """Wait for the app's workers (the listing) and a repaint."""
    await pilot.pause()
    while any(worker.is_running for worker in pilot.app.workers):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def offered(app) -> list[str]:
    popup = app.query_one(SlashPopup)
    return [c.text for c in popup.candidates] if popup.is_open else []


async def test_agent_completion_offers_the_accounts_agents(emulator):
    guard = f"repo-guard-{marker()[5:]}"
    make_agent(emulator, guard)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.custom_agents.ids == ()  # nothing listed at start-up
        await pilot.press(*"/agent repo")
        await settle(pilot)  # the list under the prompt is filled in once they come
        assert f"/agent {guard}" in offered(app)
        # Alt+A creates one: completion knows it without a listing of its own.
        made = f"made-{marker()[5:]}"
        app.composer.load_text("")
        await pilot.press("alt+a")
        await settle(pilot)
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, ResourceEditorScreen)
        editor.query_one(TextArea).load_text(f'{{"id": "{made}"}}')
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ResourcesScreen)
        await pilot.press("escape")
        await pilot.press(*"/agent made-")
        assert f"/agent {made}" in offered(app)
        await pilot.press("enter")
        assert app.conversation.settings.agent == made


async def test_f2_agent_field_suggests_the_accounts_agents(emulator):
    guard = f"repo-guard-{marker()[5:]}"
    make_agent(emulator, guard)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        field = screen.query_one("#agent", Input)
        field.focus()
        await pilot.press(*guard[:-2])
        await settle(pilot)
        await pilot.press("right")  # takes the suggestion
        assert field.value == guard


async def test_a_failed_listing_leaves_the_sdk_agents(emulator):
    app = make_app(emulator)
    app.connection.base_url = closed_port_url()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"/agent deep")
        await settle(pilot)
        assert offered(app) == [f"/agent {name}" for name in SDK_AGENTS if "deep" in name]
        await pilot.press(*"-r")  # typing goes on, without a second listing
        await settle(pilot)
        assert app.composer.text == "/agent deep-r"
        assert not [w for w in app.workers if w.group == "custom-agents" and w.is_running]
