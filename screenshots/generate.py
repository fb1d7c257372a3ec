"""Regenerate the SVG screenshots the README shows: `python screenshots/generate.py`.

Each shot drives the real app against the built-in emulator, exactly as a user would type.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from gemtui.emulator.options import EmulatorOptions
from gemtui.emulator.run import start_in_thread
from gemtui.ui.app import Connection, GemtuiApp

HERE = Path(__file__).parent

#: name → (terminal size, prompts typed in order, keys pressed afterwards)
SHOTS: dict[str, tuple[tuple[int, int], list[str], list[str]]] = {
    "chat-80x24": ((80, 24), ["Explain binary search"], []),
    "chat-120x40": ((120, 40), ["My name is Ada", "What is my name?"], []),
    "timeline-140x40": ((140, 40), ["Explain binary search"], ["ctrl+t", "down", "down", "down"]),
}


async def take(
    name: str, size: tuple[int, int], prompts: list[str], keys: list[str], base_url: str
) -> Path:
    app = GemtuiApp(Connection(base_url=base_url, api_key="demo-key", demo=True))
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
        for name, (size, prompts, keys) in SHOTS.items():
            print(await take(name, size, prompts, keys, emulator.base_url))


if __name__ == "__main__":
    asyncio.run(main())
