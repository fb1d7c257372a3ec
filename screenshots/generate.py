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


async def main() -> None:
    with start_in_thread(options=EmulatorOptions(delay_ms=0)) as emulator:
        for name, (size, prompts, keys, settings) in SHOTS.items():
            print(await take(name, size, prompts, keys, settings, emulator.base_url))


if __name__ == "__main__":
    asyncio.run(main())
