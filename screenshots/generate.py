"""Regenerate the SVG screenshots the README shows: `python screenshots/generate.py`.

Each shot drives the real app against the built-in emulator, exactly as a user would type.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from gemtui.core.conversation import ChatSettings
from gemtui.emulator.options import EmulatorOptions
from gemtui.emulator.run import start_in_thread
from gemtui.ui.app import Connection, GemtuiApp

HERE = Path(__file__).parent

SEARCH = ChatSettings(tools=[{"type": "google_search"}])
IMAGES = ChatSettings(model="gemini-3-pro-image-preview")

#: name → (terminal size, prompts typed in order, keys pressed afterwards, chat settings)
SHOTS: dict[str, tuple[tuple[int, int], list[str], list[str], ChatSettings | None]] = {
    "chat-80x24": ((80, 24), ["Explain binary search"], [], None),
    "chat-120x40": ((120, 40), ["My name is Ada", "What is my name?"], [], None),
    "timeline-140x40": (
        (140, 40),
        ["Explain binary search"],
        ["ctrl+t", "down", "down", "down"],
        None,
    ),
    "search-100x30": ((100, 30), ["How do tides work?"], [], SEARCH),
    "image-100x30": ((100, 30), ["a sunset over the sea"], [], IMAGES),
}


async def take(
    name: str,
    size: tuple[int, int],
    prompts: list[str],
    keys: list[str],
    settings: ChatSettings | None,
    base_url: str,
) -> Path:
    app = GemtuiApp(Connection(base_url=base_url, api_key="demo-key", demo=True), settings)
    async with app.run_test(size=size) as pilot:
        for prompt in prompts:
            app.composer.load_text(prompt)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        path = HERE / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


async def take_inspector(base_url: str) -> Path:
    """``gemtui inspect`` at 80×24 while a program built on the SDK talks through it: a
    create, a streamed answer (shown), a GET and a models list."""
    import httpx

    from gemtui.proxy.run import bind
    from gemtui.ui.inspector.app import InspectorApp

    connection = Connection(base_url=base_url, api_key="demo-key", demo=True)
    app = InspectorApp(connection, sock=bind("127.0.0.1", 0))
    agent = "google-genai-sdk/3.3.0 gl-python/3.11"
    async with app.run_test(size=(80, 24)) as pilot:
        headers = {"x-goog-api-key": "demo-key", "user-agent": agent}
        async with httpx.AsyncClient(base_url=app.proxy.url, headers=headers) as client:
            body = {"model": "gemini-3.6-flash", "input": "Explain binary search"}
            first = (await client.post("/v1/interactions", json=body)).json()
            streamed = {**body, "input": "Write a haiku about tides", "stream": True}
            async with client.stream("POST", "/v1/interactions", json=streamed) as response:
                await response.aread()
            await client.get(f"/v1/interactions/{first['id']}")
            await client.get("/v1/models")
        while len(app.captures.table.rows) < 4 or not all(c.done for c in app.collector.captures):
            await pilot.pause()
        await pilot.press("up", "up", "enter")
        await pilot.pause()
        app.view.scroll_home(animate=False)
        await pilot.pause()
        app.save_screenshot(filename="inspector-80x24.svg", path=str(HERE))
    return HERE / "inspector-80x24.svg"


async def main() -> None:
    with start_in_thread(options=EmulatorOptions(delay_ms=0)) as emulator:
        for name, (size, prompts, keys, settings) in SHOTS.items():
            print(await take(name, size, prompts, keys, settings, emulator.base_url))
        print(await take_inspector(emulator.base_url))


if __name__ == "__main__":
    asyncio.run(main())
