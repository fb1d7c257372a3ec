"""How the habits from other tools look at 80×24: the completion list of slash commands over
the prompt, the find bar with its highlighted matches, and vim's mode on the prompt's border.

Update with `pytest tests/snapshots/test_habit_snapshots.py --snapshot-update` and look at the
SVGs.
"""

from __future__ import annotations

from pathlib import Path

from support.chat_driver import answers, make_app, send

from gemtui.config import LoadedSettings, Settings


def test_slash_completion_over_the_prompt(snap_compare, emulator):
    async def type_command(pilot):
        await pilot.press("slash", "e")

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=type_command)


def test_find_bar_with_matches(snap_compare, emulator):
    async def find(pilot):
        await send(pilot, "Explain binary search")
        await pilot.press("ctrl+f", *"search", "enter")
        await pilot.pause()

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=find)


def test_vim_normal_mode_on_the_prompt_border(snap_compare, emulator, tmp_path: Path):
    async def normal(pilot):
        await pilot.press(*"a prompt in vim", "escape")

    loaded = LoadedSettings(Settings(vim_mode=True), tmp_path / "config.toml")
    app = make_app(emulator, loaded=loaded)
    assert snap_compare(app, terminal_size=(80, 24), run_before=normal)


def test_text_selected_with_the_mouse(snap_compare, emulator):
    """From the fourth character of the answer's first line to the tenth of its third: the
    gutter and the cursor's bar stay out of it."""

    async def select(pilot):
        await send(pilot, "Explain binary search")
        view = pilot.app.view
        view.scroll_to(y=view._offsets[view.items.index(answers(pilot.app)[-1])], animate=False)
        await pilot.pause()
        answer = 0
        await pilot.mouse_down(view, offset=(5, answer))
        await pilot.hover(view, offset=(11, answer + 2))
        await pilot.mouse_up(view, offset=(11, answer + 2))
        await pilot.pause()

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=select)
