"""What a tester met in the palette and its toasts at 80x24: Ctrl+L in an empty chat, an id not
found while scrolled up, a screenshot with no Downloads folder, palette entries that did
nothing without a word, two entries of one title, an agent the SDK has no name for, tool names
as on the wire, and F1's lower-case "palette"."""

from __future__ import annotations

from pathlib import Path

from support.chat_driver import make_app, notices, notifications, palette, send, until

from gemtui.ui.screens.open_by_id import OpenByIdScreen


async def test_ctrl_l_in_an_empty_chat_keeps_the_prompt_and_says_why(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.panes.add_notice("Demo mode: answers come from the emulator.", "", "info")
        await pilot.press("ctrl+l", "e", "i")
        assert app.focused is app.composer
        assert app.composer.text == "ei"  # typed into the prompt, not into an empty pane
        assert notifications(app) == ["No messages yet: send a prompt first."]
        await send(pilot, "hello")
        await pilot.press("ctrl+l")
        assert app.focused is app.view


async def test_an_id_not_found_while_scrolled_up_is_shown(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "a long one !size 4")
        await pilot.press("pageup", "pageup")
        view = app.view
        assert view.scroll_y < view.max_scroll_y - 1
        await palette(pilot, "open an interaction by id")
        assert isinstance(app.screen, OpenByIdScreen)
        app.screen.query_one("#interaction-id").value = "v1_bogus"
        await pilot.press("enter")
        await until(pilot, lambda: any("v1_bogus" in n.message for n in notices(app)), "error")
        # The error at the end comes into view (followed, as after a prompt sent).
        await until(pilot, lambda: view.scroll_y >= view.max_scroll_y - 1, "the newest line")
        assert "new lines below" not in app.status.render_line(0).text


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
