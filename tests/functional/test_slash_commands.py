"""Slash commands in the real app: typed key by key, completed from the list above the prompt,
run, and checked where they land (the next request the emulator receives, the clipboard, a
file, a screen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chat_driver import (
    answers,
    finish,
    make_app,
    marker,
    notifications,
    palette,
    send,
    sent_with,
)
from support.clipboard_capture import bare_terminal, capture
from textual import events
from textual.pilot import Pilot

from gemtui.config import load_settings
from gemtui.core.store import Store
from gemtui.ui.app import GemtuiApp
from gemtui.ui.screens.help_screen import HelpScreen
from gemtui.ui.screens.history_search import SearchScreen
from gemtui.ui.widgets.slash_popup import SlashPopup


@pytest.fixture(autouse=True)
def _bare_terminal(monkeypatch) -> None:
    bare_terminal(monkeypatch)


def popup(app: GemtuiApp) -> SlashPopup:
    return app.query_one(SlashPopup)


def offered(app: GemtuiApp) -> list[str]:
    shown = popup(app)
    return [c.text for c in shown.candidates] if shown.is_open else []


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def command(pilot: Pilot, text: str) -> None:
    """Type ``text`` into an empty prompt and press Enter (the list closed first, so Enter
    runs what was typed)."""
    pilot.app.composer.load_text("")
    await type_text(pilot, text)
    popup(pilot.app).close(pilot.app.composer.text)
    await pilot.press("enter")
    await pilot.pause()


async def test_model_completed_from_the_list_goes_into_the_next_request(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "/mo")
        assert offered(app)[0] == "/model "
        assert app.query_one("#composer-box").has_class("-completing")
        await pilot.press("enter")  # /model needs a name: completed, not run
        assert app.composer.text == "/model "
        models = offered(app)
        assert models[0] == "/model gemini-3.6-flash"  # the one in use first
        assert "/model gemini-2.5-pro" in models  # and the SDK's names
        await type_text(pilot, "gemini-2.5-p")
        assert offered(app)[0] == "/model gemini-2.5-pro"
        await pilot.press("enter")  # an argument picked with Enter runs
        assert app.composer.text == ""
        assert app.conversation.settings.model == "gemini-2.5-pro"
        assert "gemini-2.5-pro" in app.status.info.model
        word = marker()
        await send(pilot, word)
        (body,) = sent_with(emulator, word)
        assert body["model"] == "gemini-2.5-pro"
        # The command went into the prompt history, as a prompt would.
        assert app.composer.prompt_history[-2:] == ["/model gemini-2.5-pro", word]


async def test_the_palette_finds_deep_research_and_opens_the_agent_list_in_the_prompt(emulator):
    """Ctrl+P "research" is the way a user looks for Deep Research: it begins /agent in the
    prompt with the agents listed; one chosen with the keys goes into the next request."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await palette(pilot, "research")
        assert app.composer.text == "/agent "
        assert app.focused is app.composer
        agents = offered(app)
        assert "/agent deep-research-preview-04-2026" in agents
        await pilot.press(*["down"] * agents.index("/agent deep-research-preview-04-2026"))
        await pilot.press("enter")
        assert app.conversation.settings.agent == "deep-research-preview-04-2026"
        assert app.composer.text == ""
        await palette(pilot, "choose the model")
        assert app.composer.text == "/model "
        assert offered(app)[0] == "/model gemini-3.6-flash"
        # Run again with its own bare command in the prompt, it begins anew.
        await palette(pilot, "research")
        await palette(pilot, "research")
        assert app.composer.text == "/agent "


async def test_the_palette_leaves_a_draft_alone_and_says_how_to_choose(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "half a question")
        await palette(pilot, "research")
        assert app.composer.text == "half a question"
        assert "send or clear it, then type /agent" in notifications(app)[-1]


async def test_tab_completes_up_down_choose_and_escape_closes(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "/ex")
        assert offered(app)[0] == "/export "
        await pilot.press("tab")
        assert app.composer.text == "/export "
        assert offered(app) == ["/export md", "/export json"]
        await pilot.press("down", "tab")
        assert app.composer.text == "/export json"
        assert offered(app) == []  # nothing left to complete
        await type_text(pilot, "x")
        await pilot.press(*["backspace"] * 5)
        assert offered(app) == ["/export md", "/export json"]
        await pilot.press("escape")
        assert offered(app) == []
        assert app.composer.text == "/export "  # the draft stays
        assert app.focused is app.composer


async def test_unknown_command_keeps_the_draft_and_says_how_to_send_a_slash(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await command(pilot, "/frobnicate now")
        assert app.composer.text == "/frobnicate now"
        assert "Unknown command /frobnicate" in notifications(app)[-1]
        assert "//" in notifications(app)[-1]
        assert app.conversation.turns == []


async def test_a_double_slash_sends_a_prompt_that_starts_with_one(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        word = marker()
        app.composer.load_text(f"//etc/hosts {word}")
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        assert app.conversation.turns[-1].asked.prompt == f"/etc/hosts {word}"
        assert sent_with(emulator, word)


async def test_a_prompt_that_starts_with_a_slash_comes_back_as_a_prompt(emulator):
    """Up (the prompt history) and e (edit) put a sent prompt back in the composer: one that
    starts with / comes back written //, so Enter sends it again instead of running a
    command."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        word = marker()
        await send(pilot, f"//help {word}")
        assert app.conversation.turns[-1].asked.prompt == f"/help {word}"
        await pilot.press("up")
        assert app.composer.text == f"//help {word}"
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        assert [turn.asked.prompt for turn in app.conversation.turns] == [f"/help {word}"] * 2
        assert not app.screen_stack[1:]  # no help screen: it was not run as /help
        await pilot.press("ctrl+l")
        app.view.select(next(i for i, item in enumerate(app.view.items) if item.turn))
        await pilot.press("e")
        assert app.composer.text == f"//help {word}"


async def test_system_stateless_and_agent_shape_the_next_request(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await command(pilot, "/system Answer in French.")
        await command(pilot, "/stateless")
        word = marker()
        await send(pilot, word)
        (body,) = sent_with(emulator, word)
        assert body["system_instruction"] == "Answer in French."
        assert body["store"] is False
        await command(pilot, "/system off")
        await command(pilot, "/stateful")
        await command(pilot, "/agent deep-research-preview-04-2026")
        assert app.conversation.settings.agent == "deep-research-preview-04-2026"
        await command(pilot, "/agent off")
        settings = app.conversation.settings
        assert (settings.system_instruction, settings.stateful, settings.agent) == (
            None, True, None)  # fmt: skip
        await command(pilot, "/model")  # no name: says what is in use, draft kept
        assert "now is gemini-3.6-flash" in notifications(app)[-1]


async def test_copy_n_copies_the_nth_last_answer(emulator):
    app = make_app(emulator)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "first question")
        await send(pilot, "second question")
        first, second = answers(app)
        await command(pilot, "/copy 2")
        assert copied == [first.copy_text()]
        await command(pilot, "/copy")
        assert copied[-1] == second.copy_text()
        await command(pilot, "/copy 7")
        assert "There are 2 answers" in notifications(app)[-1]
        assert app.composer.text == "/copy 7"


async def test_export_to_a_named_file(emulator, tmp_path: Path):
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await send(pilot, "export me")
            target = tmp_path / "chat.md"
            await command(pilot, f"/export md {target}")
            assert "export me" in target.read_text(encoding="utf-8")
            await command(pilot, "/export pdf")
            assert "give the format" in notifications(app)[-1]


#: Key names of the characters a path has that are not their own name.
KEY_NAMES = {"/": "slash", " ": "space", "-": "minus", "_": "underscore", ".": "full_stop"}


async def test_a_command_typed_fast_then_enter_runs_that_command(emulator, tmp_path: Path):
    """Keys faster than the app hears that the text changed (a terminal's burst, tmux
    send-keys): Enter took the list's row for an earlier text, and ``/export md`` ran as
    ``/agent``."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await send(pilot, "export me")
            await pilot.press("slash")
            assert offered(app)[0] == "/agent "  # the list is open, for "/"
            target = tmp_path / "chat.md"
            for character in f"export md {target}":
                app.post_message(events.Key(KEY_NAMES.get(character, character), character))
            app.post_message(events.Key("enter", None))
            await pilot.pause()
            await pilot.pause()
            assert "export me" in target.read_text(encoding="utf-8")
            assert app.composer.text == "" and app.conversation.settings.agent is None


async def test_search_opens_the_history_search_with_the_words_typed_in(emulator, tmp_path):
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await send(pilot, "bats use sonar")
            await command(pilot, "/search sonar")
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            assert screen.query_field.value == "sonar"
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.hits


async def test_palette_actions_are_commands_too(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await command(pilot, "/toggle-tool-google-search")
        assert {"type": "google_search"} in app.conversation.settings.tools
        await command(pilot, "/toggle-mode x")
        assert "takes no argument" in notifications(app)[-1]
        # The command as typed is named, and no argument is dropped without a word.
        app.composer.load_text("/new\nmore")  # Ctrl+J's line: read as an argument
        popup(app).close(app.composer.text)
        await pilot.press("enter")
        assert notifications(app)[-1] == "/new takes no argument."
        await command(pilot, "/stateless now")
        assert notifications(app)[-1] == "/stateless takes no argument."
        assert app.conversation.settings.stateful
        await command(pilot, "/model gemini-2.5-pro please")
        assert "one name, without spaces ('please' is left)" in notifications(app)[-1]
        assert app.conversation.settings.model != "gemini-2.5-pro"


async def test_compress_summarises_with_the_instructions_given(emulator):
    """It said "not in this build yet", while Ctrl+\\ compressed."""
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await command(pilot, "/compress")
        assert "Nothing to compress" in notifications(app)[-1]
        word = marker()
        await send(pilot, f"Tell me about owls {word}")
        await command(pilot, f"/compress keep the owls {word}-kept")
        await finish(pilot)
        summary = app.conversation.turns[-1]
        assert summary.asked.kind == "summary" and summary.reply.outcome == "completed"
        assert sent_with(emulator, f"{word}-kept")  # the instructions went with it


async def test_system_with_a_presets_name_applies_the_preset(emulator, tmp_path):
    """``/system NAME`` offered no preset and took the name as the instruction itself."""
    path = tmp_path / "config.toml"
    path.write_text('[presets.pirate]\nsystem_instruction = "Talk like a pirate."\n')
    app = make_app(emulator, loaded=load_settings(path, environ={}))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "/system pi")
        assert offered(app) == ["/system pirate"]
        await pilot.press("enter")
        assert app.preset_in_use == "pirate"
        word = marker()
        await send(pilot, word)
        (body,) = sent_with(emulator, word)
        assert body["system_instruction"] == "Talk like a pirate."


async def test_help_lists_the_commands(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await command(pilot, "/help")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        first = screen.sections[0]
        assert first.title.startswith("Slash commands")
        lines = [line for line, _help in first.rows]
        assert "/model NAME" in lines and "/export md|json [FILE]" in lines
        assert "/copy-last-id" in lines  # made from the palette


async def test_f1_in_the_prompt_lists_the_commands_before_the_text_editor_keys(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        titles = [section.title for section in app.screen.sections]
        assert titles[-1] == "Text editor"
        assert titles.index("Slash completion") < titles.index("Text editor")


async def test_a_long_command_is_cut_before_its_help_on_a_narrow_terminal(emulator):
    """At 40 columns "/export md|json [FILE]" ran into its help ("[FILExport this …")."""
    app = make_app(emulator)
    async with app.run_test(size=(40, 15)) as pilot:
        await type_text(pilot, "/")
        rows = str(popup(app).render()).splitlines()
        export = next(row for row in rows if row.startswith("/export"))
        label, gap, help_text = export.partition("  ")
        assert label.endswith("…") and gap == "  "
        assert help_text.lstrip().startswith("Export")
        assert all(len(row) <= 40 for row in rows)
