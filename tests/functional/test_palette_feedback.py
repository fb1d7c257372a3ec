"""What a tester met in the palette and its toasts at 80x24: Ctrl+L in an empty chat, an id not
found while scrolled up, a screenshot with no Downloads folder, palette entries that did
nothing without a word, two entries of one title, an agent the SDK has no name for, tool names
as on the wire, and F1's lower-case "palette"."""

from __future__ import annotations

from pathlib import Path

from support.chat_driver import make_app, notifications, palette, until


async def test_a_screenshot_without_a_downloads_folder_goes_to_the_working_directory(
    emulator, tmp_path: Path, monkeypatch
):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/Downloads, as on most SSH servers
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.chdir(work)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await palette(pilot, "screenshot")
        await until(pilot, lambda: notifications(app), "the screenshot's toast")
        (saved,) = list(work.glob("*.svg"))
        assert f"Saved screenshot to [$text-success]'{saved}'" == notifications(app)[-1]


async def test_a_screenshot_that_cannot_be_written_says_why(emulator, tmp_path: Path):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_screenshot(path=str(tmp_path / "no" / "such" / "folder"))
        await until(pilot, lambda: notifications(app), "the screenshot's toast")
        (said,) = notifications(app)
        assert said.startswith("Screenshot not saved: [Errno 2] No such file or directory")
