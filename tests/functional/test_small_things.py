"""Small things a new user met in the first hour: tool boxes that say on or off without colour,
Ctrl+N with the configured tools, a file picker that says why Enter did nothing and takes
any path, messages that say each thing once, "1 word", a chip row that fits 80 columns and
branches that can be told apart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.style import Style
from support.chat_driver import (
    FAKE_KEY,
    answers,
    make_app,
    notices,
    notifications,
    send,
    until,
)
from textual.color import Color
from textual.filter import monochrome_style
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, Static

from gemtui.config import LoadedSettings, Settings, load_settings
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.ui.launch import DEMO_NOTICE
from gemtui.ui.render.chat_items import ThoughtItem
from gemtui.ui.screens.branch_list import BranchListScreen
from gemtui.ui.screens.compare import CompareScreen
from gemtui.ui.screens.file_picker import FilePickerScreen
from gemtui.ui.screens.settings import SettingsScreen
from gemtui.ui.screens.tools import ToolsScreen
from gemtui.ui.widgets.attachment_bar import KEYS_HINT
from gemtui.ui.widgets.conversation import ConversationView
from gemtui.ui.widgets.tick_box import TickBox


def lines_of(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


# ------------------------------------------------------------------ tool boxes


async def test_tool_boxes_show_on_and_off_by_their_glyph(emulator, tmp_path):
    loaded = LoadedSettings(Settings(), tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7", "space")  # Google Search on
        await pilot.pause()
        assert isinstance(app.screen, ToolsScreen)
        rows = lines_of(app.screen.query_one("#tools-list"))
        boxes = [row.strip(" ▊▎")[:3] for row in rows if "Google Search" in row or "URL" in row]
        assert boxes == ["[x]", "[ ]"]
        await pilot.press("escape", "f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        await screen.mount_later_sections()
        await pilot.pause()
        ticks = {box.id: str(box.render()) for box in screen.query(TickBox)}
        assert ticks["tools-google-search"].startswith("[x]")
        assert ticks["tools-code-execution"].startswith("[ ]")


# ------------------------------------------------------------------ Ctrl+N


async def test_ctrl_n_starts_with_the_configured_tools_not_the_last_chats(emulator, tmp_path):
    settings = Settings.model_validate({"tools": {"google_search": True}})
    app = make_app(emulator, loaded=LoadedSettings(settings, tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.conversation.settings.tools == [{"type": "google_search"}]
        # This chat: search off, code execution on (F7 changes this chat only).
        await pilot.press("f7", "space", "down", "space", "escape")
        assert app.conversation.settings.tools == [{"type": "code_execution"}]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.conversation.settings.tools == [{"type": "google_search"}]
        assert app.status.info.extras == "search"


# ------------------------------------------------------------------ the file picker


async def picker(pilot: Pilot) -> FilePickerScreen:
    await pilot.press("f3")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, FilePickerScreen)
    return screen


async def enter_path(pilot: Pilot, screen: FilePickerScreen, typed: str) -> str:
    """Type ``typed``, press Enter; the help line's text after it ("" once the picker took
    the path and closed)."""
    screen.query_one(Input).value = typed
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    if pilot.app.screen is not screen:
        return ""
    return str(screen.query_one("#picker-help", Static).render())


async def test_the_picker_says_why_a_typed_path_is_not_attached(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await picker(pilot)
        said = await enter_path(pilot, screen, str(tmp_path / "missing.txt"))
        assert app.screen is screen
        assert said == f"No such file: {tmp_path / 'missing.txt'}"
        said = await enter_path(pilot, screen, "./folder")
        assert said == f"{tmp_path / 'folder'} is a folder, not a file."
        said = await enter_path(pilot, screen, "zzqqxx")
        assert said.startswith("No file here matches “zzqqxx”")
        if os.geteuid() != 0:  # root reads anything
            locked = tmp_path / "locked.txt"
            locked.write_text("secret")
            locked.chmod(0)
            said = await enter_path(pilot, screen, str(locked))
            assert said.startswith(f"Cannot read {locked}: Permission denied")
        # Typing again brings the usual help back.
        screen.query_one(Input).value = "x"
        await pilot.pause()
        assert "Esc cancel" in str(screen.query_one("#picker-help", Static).render())


async def test_the_picker_takes_absolute_and_home_paths(emulator, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "plan.md").write_text("# plan\n")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("far away\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "home" / "notes")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await enter_path(pilot, await picker(pilot), "~/notes/plan.md") == ""
        assert await enter_path(pilot, await picker(pilot), str(elsewhere)) == ""
        assert [a.name for a in app.attachment_bar.attachments] == ["plan.md", "elsewhere.txt"]


async def test_a_path_typed_in_the_picker_lists_the_files_it_may_mean(
    emulator, tmp_path, monkeypatch
):
    """``./my`` listed nothing though ``my photo ü.png`` was there: only bare words were
    matched against the list."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my photo ü.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "plan.md").write_text("# plan\n")
    (tmp_path / ".hidden.txt").write_text("x")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await picker(pilot)

        async def typed(query: str) -> list[str]:
            screen.query_one(Input).value = query
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            return screen.shown

        assert await typed("./my") == ["./my photo ü.png"]
        assert await typed("./my photo ü.png") == ["./my photo ü.png"]
        assert await typed("./") == ["./docs/", "./my photo ü.png"]
        assert await typed("./.hid") == ["./.hidden.txt"]
        assert await typed(f"{tmp_path}/do") == [f"{tmp_path}/docs/"]
        # Enter on part of a folder's name opens it; then on part of a file's, attaches it.
        assert await enter_path(pilot, screen, "./do") != ""
        assert screen.query_one(Input).value == "./docs/"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.shown == ["./docs/plan.md"]
        assert await enter_path(pilot, screen, "./docs/") == ""
        assert await enter_path(pilot, await picker(pilot), "./my") == ""
        assert [a.name for a in app.attachment_bar.attachments] == ["plan.md", "my photo ü.png"]


async def test_the_picker_stays_open_saying_why_a_choice_is_refused(
    emulator, tmp_path, monkeypatch
):
    """An empty file, a type the API does not take or a URL with no type closed the picker
    with a toast (F3 and the name again); an ftp:// URL was "no file here matches"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "fake.png").write_text("not a picture\n")
    (tmp_path / "notes.md").write_text("# notes\n")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await picker(pilot)
        await app.workers.wait_for_complete()
        refusals = {
            "empty": "the file is empty.",
            "fake.png": "its name ends in .png, for an image, but it holds text.",
            "https://example.com/page": "its type cannot be told from its name",
            "ftp://example.com/a.pdf": "Only http://, https:// and gs:// URLs can be attached, "
            "not ftp://.",
        }
        for query, reason in refusals.items():
            said = await enter_path(pilot, screen, query)
            assert app.screen is screen and reason in said, (query, said)
            assert app.screen.focused is screen.query_one(Input)
        assert not app.attachment_bar.attachments and not notifications(app)
        assert await enter_path(pilot, screen, "notes") == ""
        assert [a.name for a in app.attachment_bar.attachments] == ["notes.md"]


async def test_the_picker_lists_home_once_the_working_folder_is_deleted(
    emulator, tmp_path, monkeypatch
):
    """F3 after the folder gemtui started in was deleted stopped the app (os.getcwd); it
    now lists the home folder, says why, and attaches from there."""
    home, gone = tmp_path / "home", tmp_path / "gone"
    home.mkdir()
    gone.mkdir()
    (home / "plan.md").write_text("# plan\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(gone)
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        gone.rmdir()
        screen = await picker(pilot)
        assert "Attach a file from ~," in str(screen.query_one("#picker-title", Static).render())
        moved = str(screen.query_one("#picker-moved", Static).render())
        assert (
            moved
            == f"The folder gemtui was started in is gone (deleted or moved): using {home} instead."
        )
        await until(pilot, lambda: screen.shown == ["plan.md"], "the home folder listed")
        assert await enter_path(pilot, screen, "") == ""
        assert [a.name for a in app.attachment_bar.attachments] == ["plan.md"]


# ------------------------------------------------------------------ messages say it once


async def test_a_config_problem_is_said_once_without_pydantic_prefixes(emulator, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('base_url = "ftp://example.com"\n[network]\nretries = 99\n')
    loaded = load_settings(config, environ={})
    app = make_app(emulator, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = [(n.message, n.hint) for n in notices(app) if "config.toml" in n.message]
        assert len(said) == 2
        for message, hint in said:
            assert message.endswith("; ignored.") and hint == ""
            assert "Value error" not in message and "Defaults" not in message
        assert "only http:// and https://" in said[0][0]


async def test_the_settings_pane_shows_no_pydantic_prefix(emulator, tmp_path):
    app = make_app(emulator, loaded=LoadedSettings(Settings(), tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        await screen.mount_later_sections()
        screen.query_one("#base-url", Input).value = "ftp://example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = str(screen.query_one("#error-base-url", Static).render())
        assert shown.startswith("uses ftp://"), shown


@pytest.mark.parametrize(
    ("stateful", "again"),
    [(True, "Press F5 to resume it."), (False, "Press F5 to send the prompt again.")],
)
async def test_a_cut_off_stream_is_explained_once(emulator, stateful, again):
    app = make_app(emulator, settings=ChatSettings(stateful=stateful))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault drop-after 5 hello")
        (notice,) = [n for n in notices(app) if "cut off" in n.message]
        assert notice.message.startswith("The stream was cut off after 5 events: ")
        assert "interrupted" not in notice.message
        # A stored interaction's stream can be resumed; a stateless one can only be sent again.
        assert notice.hint == f"The partial answer is kept. {again}"


async def test_the_emulator_counts_one_word_as_one_word(emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "code_execution"}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hi")
        text = "\n".join(answer.copy_text() for answer in answers(app))
        assert "1 word" in text and "1 words" not in text
        assert "2 characters" in text
        result = app.conversation.turns[-1].reply.state.steps
        outputs = [s.step.result for s in result if s.step.type == "code_execution_result"]
        assert outputs == ["1 word, 2 characters\n"]
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        text = answers(app)[-1].copy_text()
        assert "**1 word** and **5 characters**" in text


# ------------------------------------------------------------------ chips at 80 columns


async def test_the_attachment_row_breaks_between_chips_not_inside_them(
    emulator, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    long_name = tmp_path / "a-rather-long-file-name-for-the-quarterly-report-2026.txt"
    long_name.write_text("hello " * 2000)
    (tmp_path / "notes.md").write_text("# hi")
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        for name in (long_name, tmp_path / "notes.md"):
            assert app.attachment_bar.add(str(name))
        await pilot.press("f9")
        await pilot.pause()
        rows = [row.rstrip() for row in lines_of(app.attachment_bar)]
        assert all(len(row) <= 80 for row in rows)
        # Each chip and the keys hint whole on one row, whichever row that is.
        for whole in ("a-rather-long-fi…report-2026.txt · text · 12.0 KB", "notes.md · text · 4 B",
                      KEYS_HINT):  # fmt: skip
            assert any(whole in row for row in rows), (whole, rows)
        assert len(rows) == 2


@pytest.mark.parametrize(("size", "count"), [((80, 24), 12), ((40, 15), 4)])
async def test_chips_past_three_rows_keep_the_selected_one_in_sight_and_count_the_rest(
    emulator, tmp_path, monkeypatch, size, count
):
    monkeypatch.chdir(tmp_path)
    names = [f"notes-file-{n}.txt" for n in range(1, count + 1)]
    for name in names:
        (tmp_path / name).write_text("hello\n")
    app = make_app(emulator)
    async with app.run_test(size=size) as pilot:
        bar = app.attachment_bar
        for name in names:
            assert bar.add(name)
        await pilot.pause()
        rows = lines_of(bar)
        # Unfocused: the newest chips, and a row saying how many are out of sight.
        assert len(rows) == 3 and any(f"{names[-1]} · text" in row for row in rows), rows
        assert rows[-1].startswith("← ") and rows[-1].rstrip().endswith(" more"), rows
        await pilot.press("f9")
        for step in range(count):
            await pilot.pause()
            rows = lines_of(bar)
            assert len(rows) <= 3
            chosen = f"{bar.attachments[bar.selected].name} · text"
            assert any(chosen in row for row in rows), (chosen, rows)
            if step == count // 2:
                # In the middle, chips are left out on both sides, and the keys are there.
                assert any("more · " in row and "more →" in row for row in rows), rows
                assert any(KEYS_HINT[:15] in row for row in rows), rows
                # Delete removes the chip the user sees selected.
                await pilot.press("delete")
                await pilot.pause()
                assert chosen.split(" · ")[0] not in [a.name for a in bar.attachments]
            await pilot.press("left")
        assert bar.selected == 0
        assert any(f"{names[0]} · text" in row for row in lines_of(bar))


# ------------------------------------------------------------------ branches


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "history.sqlite3", secrets=[FAKE_KEY]) as opened:
        yield opened


async def test_switch_branch_lists_no_two_rows_alike(emulator, store):
    app = make_app(emulator, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "tell me a joke")
        for _ in range(2):
            await pilot.press("f8")
            await app.workers.wait_for_complete()
            await pilot.pause()
        await app.run_action("switch_branch")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BranchListScreen)
        rows = [line.strip() for line in lines_of(screen.query_one("#branches")) if line.strip()]
        assert len(rows) == 3
        assert len(set(rows)) == 3, rows
        assert all("tell me a joke · version" in row for row in rows), rows


async def test_alt_d_on_a_notice_keeps_the_mark_and_says_what_to_select(emulator):
    """A notice of the chat is no turn: Alt+D on it took the chat's last turn instead, the one
    marked, and so took the mark off."""
    app = make_app(emulator)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first")
        await send(pilot, "second")
        await pilot.press("alt+d")  # from the prompt: the last turn
        assert "Marked «second»" in notifications(app)[-1]
        app.panes.add_notice("A notice of the chat", "", "info")
        await pilot.press("ctrl+l", "up")  # the newest message: the notice
        assert app.view.items[app.view.selected].turn is None
        await pilot.press("alt+d")
        assert "not part of a turn" in notifications(app)[-1]
        assert app.compare_pick is not None and app.compare_pick.marked is not None
        while app.view.items[app.view.selected].turn is not app.conversation.turns[0]:
            await pilot.press("up")
        await pilot.press("alt+d")
        assert isinstance(app.screen, CompareScreen)


# ------------------------------------------------------------------ the first frame


async def test_the_first_frame_shows_the_start_notice_at_the_panes_width(emulator, monkeypatch):
    """The notice is added at mount, before the pane knows its width; its first frame showed
    it as a column of single words ("· Demo", "mode:", …) until the Resize came."""
    painted: list[str] = []
    render_lines = ConversationView.render_lines

    def record(view: ConversationView, crop: Region) -> list:
        strips = render_lines(view, crop)
        if not painted:
            painted.extend(strip.text.strip() for strip in strips)
        return strips

    monkeypatch.setattr(ConversationView, "render_lines", record)
    app = make_app(emulator)
    app.connection.notice = DEMO_NOTICE
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert painted[0] == "· " + DEMO_NOTICE[: len(painted[0]) - 2]
        assert len(painted[0]) > 70


async def test_a_thought_cut_off_stops_saying_thinking(emulator):
    """After a stream cut in the middle of a thought, its row said "thinking…" until F5."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "!fault drop-after 3 a deep question")
        (thought,) = [item for item in app.view.items if isinstance(item, ThoughtItem)]
        text = " ".join(strip.text for strip in thought.render(60, app.view.render_context()))
        assert "cut off before it ended" in text and "thinking" not in text


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def _contrast(first: Color, second: Color) -> float:
    """WCAG's contrast ratio of two colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord", "gruvbox"])
async def test_tool_rows_and_muted_text_are_readable_on_the_conversation(emulator, theme):
    """Tool rows were textual-dark's $secondary: 1.9:1 on its background (WCAG asks 4.5:1)."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        for component in ("conversation--tool", "conversation--dim"):
            drawn = app.view.get_component_rich_style(component)  # "auto" colours resolved
            assert drawn.color is not None and drawn.bgcolor is not None
            color = Color.from_rich_color(drawn.color)
            background = Color.from_rich_color(drawn.bgcolor)
            assert _contrast(color, background) >= 4.5, (component, color, background)


async def test_under_no_color_an_answers_headings_and_quotes_stay_readable(emulator, monkeypatch):
    """Textual draws each colour as its grey under NO_COLOR: Rich's magenta headings and
    quotes came out 1.6:1 on the background."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)) as pilot:
        assert app.no_color
        await send(pilot, "hello")
        answer = answers(app)[-1]
        strips = answer.render(90, app.view.render_context())
        background = Color.from_rich_color(app.view.rich_style.bgcolor)
        background = Color.from_rich_color(
            monochrome_style(Style(color=background.rich_color)).color
        )
        seen = set()
        for strip in strips:
            found = [text for text in ("Key points", "Tip:") if text in strip.text]
            words = [s for s in strip if s.text.strip() and s.style is not None]
            for segment in words if found else ():
                grey = monochrome_style(segment.style).color
                shade = Color.from_rich_color(grey) if grey else Color.parse("white")
                assert _contrast(shade, background) >= 4.5, (strip.text, segment.style)
            seen.update(found)
        assert seen == {"Key points", "Tip:"}


async def test_alt_d_compares_a_turn_read_back_with_the_settings_it_was_sent_with(
    emulator, tmp_path
):
    """A turn from the history keeps no request: Alt+D rebuilt it with the chat's settings
    now, and called the system instruction the same on both sides."""
    with Store(tmp_path / "history.sqlite3") as store:
        first = make_app(emulator, store=store)
        async with first.run_test(size=(100, 30)) as pilot:
            await send(pilot, "Explain binary search")
            chat = first.conversation_id
        app = make_app(emulator, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            app.open_stored(chat)
            await pilot.pause()
            app.conversation.settings.system_instruction = "be terse"
            await send(pilot, "second question")
            await pilot.press("alt+d")  # the last turn
            await pilot.press("ctrl+l")
            app.view.select(0)
            await pilot.press("alt+d")
            assert isinstance(app.screen, CompareScreen)
            diff = app.screen.diff
            assert [d.name for d in diff.request if d.name == "system_instruction"] == [
                "system_instruction"
            ]
            assert "system_instruction" not in diff.same
