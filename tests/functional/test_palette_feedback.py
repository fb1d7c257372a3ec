"""What a tester met in the palette and its toasts at 80x24: Ctrl+L in an empty chat, an id not
found while scrolled up, a screenshot with no Downloads folder, palette entries that did
nothing without a word, two entries of one title, an agent the SDK has no name for, tool names
as on the wire, and F1's lower-case "palette"."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chat_driver import FAKE_KEY, make_app, notices, notifications, palette, send, until
from textual.command import CommandInput, CommandList

from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.screens.help_screen import HelpScreen
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


async def test_a_screenshot_in_the_home_folder_says_the_working_one_is_gone(
    emulator, tmp_path: Path, monkeypatch
):
    """The folder gemtui started in, deleted, and no Downloads folder: the screenshot went to
    the home folder and its toast gave only the path, where F3 and ``s`` say why."""
    home, gone = tmp_path / "home", tmp_path / "gone"
    home.mkdir()
    gone.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.chdir(gone)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        gone.rmdir()
        await palette(pilot, "screenshot")
        await until(pilot, lambda: notifications(app), "the screenshot's toast")
        (saved,) = list(home.glob("*.svg"))
        assert notifications(app)[-1] == (
            f"The folder gemtui was started in is gone (deleted or moved): using {home} "
            f"instead.\nSaved screenshot to '{saved}'"
        )


def svg_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.svg"))


@pytest.mark.parametrize("width", [80, 34])
async def test_the_api_key_is_never_drawn_nor_in_a_screenshot(
    emulator, tmp_path: Path, monkeypatch, width
):
    """A prompt that held the key drew it, and the answer that echoed it; the screenshot's SVG
    had it too, and where the key wrapped onto two lines 31 of its characters stayed."""
    monkeypatch.chdir(tmp_path)
    app = make_app(emulator)
    async with app.run_test(size=(width, 24)) as pilot:
        await send(pilot, f"why does {FAKE_KEY} fail?")
        drawn = "".join(strip.text for strip in app.view.render_lines(app.view.region))
        assert "***" in drawn and "NOT-A-REAL" not in drawn
        await pilot.press("ctrl+t")
        await pilot.pause()
        detail = app.step_detail
        assert "NOT-A-REAL" not in "".join(map(detail.line_text, range(detail.virtual_size.height)))
        app.action_screenshot(path=str(tmp_path))
        await until(pilot, lambda: svg_files(tmp_path), "the screenshot file")
        (svg,) = [path.read_text() for path in svg_files(tmp_path)]
        assert "NOT-A-REAL" not in svg and "***" in svg


async def test_a_screenshot_that_cannot_be_written_says_why(emulator, tmp_path: Path):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_screenshot(path=str(tmp_path / "no" / "such" / "folder"))
        await until(pilot, lambda: notifications(app), "the screenshot's toast")
        (said,) = notifications(app)
        assert said.startswith("Screenshot not saved: [Errno 2] No such file or directory")


async def test_palette_actions_that_have_nothing_to_do_say_so(emulator, tmp_path: Path):
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await palette(pilot, "cancel the running answer")
            assert notifications(app) == ["Nothing is running: there is no answer to cancel."]
            await send(pilot, "hello")
            await palette(pilot, "continue the last conversation")
            assert notifications(app)[-1] == "The last conversation is the one open already."


async def test_the_palette_has_one_newest_output_and_names_only_known_agents(emulator):
    app = make_app(emulator)
    titles = [title for title, _help, _action in app.PALETTE]
    assert titles.count("Go to the newest output") == 1
    assert "Use an agent: Deep Research, Antigravity" in titles
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one(CommandInput).value = "newest output"
        matches = app.screen.query_one(CommandList)
        await until(pilot, lambda: matches.option_count, "the palette's matches")
        await pilot.pause(0.1)
        assert matches.option_count == 1


@pytest.mark.parametrize(
    ("tool", "said"),
    [
        ("google_search", "Google Search is on for this conversation."),
        ("code_execution", "Code execution is on for this conversation."),
        ("file_search", "File search cannot be switched on yet: set its stores in F2 (Tools)."),
    ],
)
async def test_tool_toggles_name_the_tool_as_f7_does(emulator, tool: str, said: str):
    app = make_app(emulator, settings=ChatSettings(tools=[]))
    async with app.run_test(size=(80, 24)):
        app.action_toggle_tool(tool)
        assert notifications(app)[-1] == said


async def test_f1_names_the_palette_key_as_the_others_are(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = [row for section in app.screen.sections for row in section.rows]
        assert ("^p", "Command palette") in rows
        assert not [row for row in rows if row[1] == "palette"]
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        assert app.screen.query(CommandInput)
