"""Status and session habits on the real app against the emulator: the context window and the
cost in the status bar, compress, presets, templates, the quick model switch, and telling the
user that something finished. Each is reached by its key, as a user would reach it; what the
app made of it is read from the status bar, the conversation and the requests the emulator got.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.chat_driver import (
    finish,
    make_app,
    marker,
    notices,
    notifications,
    palette,
    send,
    sent_with,
)
from textual import events
from textual.widgets import Checkbox, Input, OptionList, Select, Static, TextArea

from gemtui.config import LoadedSettings, load_settings
from gemtui.core.compress import SUMMARY_PREFIX
from gemtui.core.data_dir import state_dir
from gemtui.core.store import Store
from gemtui.core.tools import FunctionTool
from gemtui.ui.app import PALETTE_COMMANDS, GemtuiApp, keymap_catalogue
from gemtui.ui.render.chat_items import UserItem
from gemtui.ui.screens.help_screen import help_sections
from gemtui.ui.screens.presets import PresetScreen
from gemtui.ui.screens.settings import SettingsScreen
from gemtui.ui.screens.templates import TemplateScreen

MODEL = "gemini-3.6-flash"
SIZE = (80, 24)


def configured(emulator, tmp_path: Path, text: str = "") -> GemtuiApp:
    """The app with ``text`` as its config file."""
    path = tmp_path / "config.toml"
    path.write_text(text)
    return make_app(emulator, loaded=load_settings(path, environ={}))


def model_gets(emulator, mark: int) -> list[dict[str, Any]]:
    """The model lookups since ``mark`` (an ``emulator.received_count()``)."""
    return [r for r in emulator.requests_since(mark) if "/models/" in r["path"]]


def seed_limit(model: str, limit: int) -> None:
    """A limit kept by an earlier session, in the state dir."""
    path = state_dir() / "model_limits.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"input_token_limit": limit, "fetched": time.time()}
    path.write_text(json.dumps({"models": {model: entry}}))


def status_line(app: GemtuiApp) -> str:
    return app.status.render_line(0).text


# ---------------------------------------------------------------------------- context window


async def test_the_window_is_fetched_after_the_first_turn_and_shown(emulator, tmp_path):
    mark = emulator.received_count()
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert model_gets(emulator, mark) == []  # nothing asked at start-up
        assert app.status.info.context == ""
        word = marker()
        await send(pilot, f"hello {word}")
        requests = emulator.requests_since(mark)
        create = max(i for i, r in enumerate(requests) if word in json.dumps(r.get("body")))
        gets = [i for i, r in enumerate(requests) if r["path"].endswith(f"/models/{MODEL}")]
        assert gets and gets[-1] > create  # after the turn, not on its way
        info = app.status.info
        assert info.context.startswith("ctx ") and info.context.endswith(" / 1M (0%)")
        assert not info.context_alert
        # At 80 columns beside the token counts it shows its share; wider, all of it.
        assert "· ctx 0% ·" in status_line(app)
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert info.context in status_line(app)
        await send(pilot, "again")
        assert len(model_gets(emulator, mark)) == 1  # once per model and session
    # The next session reads it from the state dir.
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello once more")
        assert app.status.info.context.endswith(" / 1M (0%)")
    assert len(model_gets(emulator, mark)) == 1


async def test_a_chat_read_back_shows_its_share_of_the_window_before_any_turn(emulator, tmp_path):
    """It showed the bare count (``ctx 809``) until the next turn ended."""
    with Store(tmp_path / "history.sqlite3") as store:
        app = make_app(emulator, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "hello")
            conversation_id = app.conversation_id
        reopened = make_app(emulator, store=store)
        async with reopened.run_test(size=SIZE) as pilot:
            reopened.open_stored(conversation_id)
            await reopened.workers.wait_for_complete()
            await pilot.pause()
            assert reopened.status.info.context.endswith(" / 1M (0%)")
            assert "· ctx 0% ·" in status_line(reopened)


async def test_a_server_without_the_models_endpoint_shows_the_tokens_alone(tmp_path):
    from support.rawserver import ScriptedServer, sse_event, stream
    from support.streams import COMPLETED, CREATED, OUTPUT_START, OUTPUT_STOP, text_delta

    from gemtui.ui.app import Connection

    events = [CREATED, OUTPUT_START, text_delta("hi"), OUTPUT_STOP, COMPLETED]
    script = stream([sse_event(event) for event in events] + [b"data: [DONE]\n\n"])
    async with ScriptedServer(script) as server:
        app = GemtuiApp(Connection(base_url=server.base_url, api_key="k"))
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "one")
            await send(pilot, "two")
            assert app.status.info.context == "ctx 101"  # 11 in + 90 out, no window
            assert len(server.model_requests) == 1  # a 404 is not asked again
            assert len(server.requests) == 2


async def test_near_the_limit_the_status_bar_warns(emulator, tmp_path):
    seed_limit(MODEL, 300)
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "a question long enough to fill most of a tiny window " * 3)
        info = app.status.info
        assert info.context_alert and info.context.endswith(" / 300 (" + info.context[-5:])
        line = app.status.render_line(0)
        alert = app.status.get_component_rich_style("status--alert")
        ctx = next(segment for segment in line if segment.text.startswith("· ctx"))
        assert ctx.style is not None and ctx.style.color == alert.color
        app.action_usage()
        assert "ctx" in notifications(app)[-1] and "300" in notifications(app)[-1]


# ---------------------------------------------------------------------------- compress


async def test_compress_by_key_then_the_next_request_starts_from_the_summary(emulator, tmp_path):
    app = configured(emulator, tmp_path)
    word = marker()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, f"Tell me about owls {word}")
        await send(pilot, "And bats?")
        await pilot.press("ctrl+backslash")
        await finish(pilot)
        summary = app.conversation.turns[-1]
        assert summary.asked.kind == "summary" and summary.reply.outcome == "completed"
        shown = next(item for item in app.view.items if item.turn is summary)
        assert isinstance(shown, UserItem) and "compress" in shown.note
        assert "Compressed" in notifications(app)[-1]
        await send(pilot, f"What next? {word}-after")
        body = sent_with(emulator, f"{word}-after")[-1]
        assert "previous_interaction_id" not in body
        first = body["input"][0]["content"][0]["text"]
        assert first.startswith(SUMMARY_PREFIX) and f"Tell me about owls {word}" in first
        # The old turns are still shown.
        prompts = [item.prompt for item in app.view.items if isinstance(item, UserItem)]
        assert prompts[:2] == [f"Tell me about owls {word}", "And bats?"]
        await send(pilot, f"and then? {word}-later")
        later = sent_with(emulator, f"{word}-later")[-1]
        assert later["previous_interaction_id"] == app.conversation.turns[-2].interaction_id


async def test_f8_does_not_send_a_summary_request_as_a_prompt(emulator, tmp_path):
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "one")
        await pilot.press("ctrl+backslash")
        await finish(pilot)
        await pilot.press("f8")
        await finish(pilot)
        assert [t.asked.kind for t in app.conversation.turns] == ["prompt", "summary"]
        assert "No prompt to regenerate" in notifications(app)[-1]


async def test_nothing_to_compress_in_an_empty_chat(emulator, tmp_path):
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        assert app.conversation.turns == []
        assert "Nothing to compress" in notifications(app)[-1]


async def test_compress_at_compresses_before_the_request(emulator, tmp_path):
    seed_limit(MODEL, 10_000)
    app = configured(emulator, tmp_path, "compress_at = 1\n")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first question, about owls")
        assert [t.asked.kind for t in app.conversation.turns] == ["prompt"]
        word = marker()
        await send(pilot, f"second {word}")
        assert [t.asked.kind for t in app.conversation.turns] == ["prompt", "summary", "prompt"]
        assert sent_with(emulator, word)[-1]["input"][0]["content"][0]["text"].startswith(
            SUMMARY_PREFIX
        )


# ---------------------------------------------------------------------------- presets

PRESETS = """
[presets.reviewer]
system_instruction = "You review code."
model = "gemini-2.5-pro"
tools = ["google_search"]
[presets.reviewer.generation]
temperature = 0.2
"""


async def test_a_preset_from_its_selector_shapes_the_next_request(emulator, tmp_path):
    app = configured(emulator, tmp_path, PRESETS)
    word = marker()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+p")
        assert isinstance(app.screen, PresetScreen)
        await pilot.press("enter")  # the first preset is highlighted
        assert "gemini-2.5-pro" in status_line(app)
        await send(pilot, f"review this {word}")
        body = sent_with(emulator, word)[-1]
        assert body["model"] == "gemini-2.5-pro"
        assert body["system_instruction"] == "You review code."
        assert body["tools"] == [{"type": "google_search"}]
        assert body["generation_config"] == {"temperature": 0.2}
        await pilot.press("alt+p", "up", "enter")  # (none): back to the settings
        await send(pilot, f"plain {word}-2")
        plain = sent_with(emulator, f"{word}-2")[-1]
        assert plain["model"] == MODEL and "system_instruction" not in plain


TWO_PRESETS = """
[presets.reviewer]
system_instruction = "You review code."
[presets.searcher]
tools = ["google_search", "nonexistent_tool"]
"""


async def test_the_preset_list_starts_on_the_preset_in_use(emulator, tmp_path):
    app = configured(emulator, tmp_path, TWO_PRESETS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+p", "down", "enter")  # searcher
        # Its notice does not list the tool it has no such tool for as set.
        said = notifications(app)[-1]
        assert said == "Preset searcher: tools: google_search (no tool called nonexistent_tool)"
        await pilot.press("alt+p")
        screen = app.screen
        assert isinstance(screen, PresetScreen)
        assert screen.names[screen.query_one(OptionList).highlighted] == "searcher"
        assert "(in use: searcher)" in str(screen.query_one(Static).render())
        await pilot.press("up", "up", "enter")  # (none)
        await pilot.press("alt+p")
        assert isinstance(app.screen, PresetScreen)
        assert app.screen.names[app.screen.query_one(OptionList).highlighted] == "reviewer"
        assert "(in use: none)" in str(app.screen.query_one(Static).render())


async def test_apply_preset_for_slash_commands(emulator, tmp_path):
    app = configured(emulator, tmp_path, PRESETS)
    async with app.run_test(size=SIZE) as pilot:
        assert app.preset_names() == ["reviewer"]
        assert not app.apply_preset("nope")
        assert "No preset 'nope'" in notifications(app)[-1]
        assert app.apply_preset("reviewer")
        await pilot.pause()
        assert app.conversation.settings.system_instruction == "You review code."


async def test_a_preset_named_at_start_is_in_force_from_the_first_turn(emulator, tmp_path):
    app = configured(emulator, tmp_path, PRESETS)
    app.start_preset = "reviewer"  # gemtui --preset reviewer
    word = marker()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, f"first {word}")
        assert sent_with(emulator, word)[-1]["system_instruction"] == "You review code."


async def test_f2_preset_field_fills_the_form_and_saves(emulator, tmp_path):
    app = configured(emulator, tmp_path, PRESETS)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#preset", Select).value = "reviewer"
        await pilot.pause()
        await screen.mount_later_sections()
        await pilot.pause()
        assert screen.query_one("#model", Input).value == "gemini-2.5-pro"
        assert screen.query_one("#system-instruction", TextArea).text == "You review code."
        assert screen.query_one("#tools-google-search", Checkbox).value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.conversation.settings.model == "gemini-2.5-pro"
    saved = load_settings(tmp_path / "config.toml", environ={}).settings
    assert saved.model == "gemini-2.5-pro" and saved.generation.temperature == 0.2


# ---------------------------------------------------------------------------- templates


async def test_a_template_runs_from_its_dialog(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("owls hunt at night")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "explain.md").write_text("Explain {{args}} using:\n@{notes.txt}\n")
    app = configured(emulator, tmp_path)
    word = marker()
    async with app.run_test(size=SIZE) as pilot:
        app.composer.load_text("my draft")
        await pilot.press("alt+t")
        assert isinstance(app.screen, TemplateScreen)
        await pilot.press(*word)
        await pilot.press("enter")
        await finish(pilot)
        body = sent_with(emulator, word)[-1]
        assert body["input"][-1]["content"][-1]["text"] == (
            f"Explain {word} using:\nowls hunt at night\n"
        )
        assert app.composer.text == "my draft"  # the draft stays
        assert app.template_names() == ["explain"]


def with_templates(emulator, tmp_path: Path, monkeypatch, files: dict[str, str]) -> GemtuiApp:
    """The app with ``files`` in its templates dir, run from ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    for name, text in files.items():
        (tmp_path / "templates" / name).write_text(text)
    return configured(emulator, tmp_path)


async def test_a_template_with_a_missing_file_is_refused(emulator, tmp_path, monkeypatch):
    app = with_templates(emulator, tmp_path, monkeypatch, {"bad.md": "See @{gone.txt}"})
    async with app.run_test(size=SIZE) as pilot:
        assert not app.run_template("bad", "x")
        await pilot.pause()
        said = notifications(app)[-1]
        assert said.startswith("Template bad: ") and "no such file" in said and "gone.txt" in said
        assert app.conversation.turns == []


async def test_a_template_refused_in_its_dialog_keeps_the_dialog_and_what_was_typed(
    emulator, tmp_path, monkeypatch
):
    """It was dismissed first: the arguments typed were lost with the refusal."""
    files = {"bad.md": "See @{gone.txt} for {{args}}", "weird name.md": "x"}
    app = with_templates(emulator, tmp_path, monkeypatch, files)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+t")
        screen = app.screen
        assert isinstance(screen, TemplateScreen)
        help_text = str(screen.query_one("#templates-help", Static).render())
        rule = "a letter or digit first, then letters, digits and - _ . only"
        assert f"Not listed (a name has {rule}): weird name.md" in help_text
        await pilot.press(*"long typed arguments", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#template-args", Input).value == "long typed arguments"
        assert screen.focused is screen.query_one("#template-args", Input)
        said = notifications(app)[-1]
        assert said.startswith("Template bad: ") and "gone.txt" in said
        assert app.conversation.turns == []
        (tmp_path / "gone.txt").write_text("the notes")
        await pilot.press("enter")
        await finish(pilot)
        assert app.screen is not screen
        assert app.conversation.turns[-1].asked.prompt == "See the notes for long typed arguments"


async def test_a_name_starting_with_a_dash_is_said_to_need_a_letter_or_digit_first(
    emulator, tmp_path, monkeypatch
):
    """ "-dash.md" was "Not listed (a name is letters, digits and - _ . only)": it is."""
    app = with_templates(emulator, tmp_path, monkeypatch, {"-dash.md": "x", "ok.md": "y"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+t")
        screen = app.screen
        assert isinstance(screen, TemplateScreen)
        help_text = str(screen.query_one("#templates-help", Static).render())
        assert "(a name has a letter or digit first, then letters" in help_text
        assert "-dash.md" in help_text


async def test_tab_in_the_template_dialog_keeps_the_typing_in_the_arguments(
    emulator, tmp_path, monkeypatch
):
    """Tab moved the focus to the list of templates, and what was typed next was lost."""
    files = {"one.md": "One {{args}}", "two.md": "Two {{args}}"}
    app = with_templates(emulator, tmp_path, monkeypatch, files)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+t")
        screen = app.screen
        assert isinstance(screen, TemplateScreen)
        field = screen.query_one("#template-args", Input)
        await pilot.press(*"first", "tab", *" second", "shift+tab", *" third", "down")
        await pilot.pause()
        assert screen.focused is field
        assert field.value == "first second third"
        await pilot.press("enter")
        await finish(pilot)
        assert app.conversation.turns[-1].asked.prompt == "Two first second third"


async def test_an_empty_template_is_refused_not_sent(emulator, tmp_path, monkeypatch):
    """It went out as "input": [] and came back as a 400."""
    app = with_templates(emulator, tmp_path, monkeypatch, {"empty.md": "\n"})
    async with app.run_test(size=SIZE) as pilot:
        mark = emulator.received_count()
        assert not app.run_template("empty")
        await pilot.pause()
        assert notifications(app)[-1] == "Template empty is empty: nothing to send."
        assert app.conversation.turns == [] and emulator.requests_since(mark) == []


# ---------------------------------------------------------------------------- models


async def test_the_model_key_cycles_recent_models_and_remembers_them(emulator, tmp_path):
    path = state_dir() / "recent_models.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"recent": [{"name": MODEL}, {"name": "gemini-2.5-pro"}]}))
    app = configured(emulator, tmp_path)
    word = marker()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+right_square_bracket")
        assert app.conversation.settings.model == "gemini-2.5-pro"
        assert status_line(app).startswith(" gemini-2.5-pro ")
        await send(pilot, f"hi {word}")
        assert sent_with(emulator, word)[-1]["model"] == "gemini-2.5-pro"
        await pilot.press("f10")
        assert app.conversation.settings.model == MODEL
    names = [entry["name"] for entry in json.loads(path.read_text())["recent"]]
    assert names == ["gemini-2.5-pro", MODEL]


async def test_one_model_only_says_how_to_add_another(emulator, tmp_path):
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        assert "Only gemini-3.6-flash" in notifications(app)[-1]
        assert app.conversation.settings.model == MODEL


# ---------------------------------------------------------------------------- cost

PRICES = f"""
[prices."{MODEL}"]
input = 0.30
output = 2.50
"""


async def test_cost_in_the_status_bar_and_the_timeline(emulator, tmp_path):
    app = configured(emulator, tmp_path, PRICES)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hello")
        await send(pilot, "again")
        first, second = (turn.usage for turn in app.conversation.turns)
        assert first is not None and second is not None

        def dollars(usage) -> float:
            thinking = usage.total_thought_tokens or 0
            return (
                usage.total_input_tokens * 0.3 + (usage.total_output_tokens + thinking) * 2.5
            ) / 1e6

        last, total = dollars(second), dollars(first) + dollars(second)
        assert app.status.info.cost == f"${last:.4f} / ${total:.4f}"
        assert app.status.info.cost in status_line(app)
        await pilot.press("ctrl+t", "home")
        await pilot.pause()
        # Each line after its two-cell gutter (the cursor's mark, or blanks).
        lines = [app.timeline.list.render_line(y).text[2:] for y in range(12)]
        assert lines[0].startswith(f"Conversation · 2 turns · ${total:.4f} · tokens in ")
        assert any(line.startswith(f"    ${last:.4f} · tokens in ") for line in lines[1:])


async def test_a_reopened_chat_keeps_its_cost_and_its_model(emulator, tmp_path):
    """A turn read back from the history knew no model: its cost was gone, the usage report
    asked for a price for "", and its detail in the timeline said "model ?". The status bar
    showed no tokens either until the next turn."""
    path = tmp_path / "config.toml"
    path.write_text(PRICES)
    store = Store(tmp_path / "history.sqlite3")
    app = make_app(emulator, loaded=load_settings(path, environ={}), store=store)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hello")
        cost, tokens = app.status.info.cost, app.conversation.total_tokens()
        assert cost.startswith("$") and tokens
        await pilot.press("ctrl+n")
        app.open_stored(store.list_conversations()[0].id)
        await pilot.pause()
        assert app.status.info.cost == cost
        assert f"tokens {tokens:,} (total {tokens:,})" in status_line(app)
        assert "No price" not in app.usage_report()
        await pilot.press("ctrl+t")
        await pilot.pause()
        facts = "".join(app.step_detail.line_text(line) for line in range(1, 6))  # wrapped
        assert f"· {MODEL}" in facts and "model ?" not in facts


async def test_no_price_no_cost(emulator, tmp_path):
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello")
        assert app.status.info.cost == "" and "$" not in status_line(app)


# ---------------------------------------------------------------------------- say when done


@pytest.fixture
def plain_terminal(monkeypatch) -> None:
    """Not in tmux or screen, a terminal that takes OSC 9."""
    for name in ("TMUX", "STY", "VTE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def capture(app: GemtuiApp) -> list[str]:
    written: list[str] = []
    app.notifier.writer = written.append
    return written


async def test_auto_notifies_only_when_the_terminal_says_it_lost_focus(
    emulator, tmp_path, plain_terminal
):
    app = configured(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        await send(pilot, "quick one")
        assert written == []  # focused and fast: nothing
        # A key press gives the focus back (Textual's rule), so the user turns away after Enter.
        await send(pilot, "while away", wait=False)
        app.post_message(events.AppBlur())
        await finish(pilot)
        assert written == ["\x1b]9;gemtui: Answer ready: while away\x07"]
        assert app.notifier.last == "OSC 9"


async def test_a_theme_chosen_in_the_palette_is_kept_for_the_next_start(emulator, tmp_path):
    """It was gone at the next start: only F2's theme was written to the config file."""
    app = configured(emulator, tmp_path, '# my settings\nnotify = "bell"\n')
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "theme")
        await pilot.press(*"nord", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.theme == "nord"
        assert notifications(app)[-1] == "Theme nord (saved)."
    text = (tmp_path / "config.toml").read_text()
    assert text.startswith("# my settings\n")
    saved = load_settings(tmp_path / "config.toml", environ={}).settings
    assert (saved.theme, saved.notify) == ("nord", "bell")


async def test_bell_and_osc_modes_after_the_threshold(emulator, tmp_path, plain_terminal):
    app = configured(emulator, tmp_path, 'notify = "bell"\nnotify_after = 0\n')
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        await send(pilot, "ring")
        assert written == ["\a"]
        await pilot.press("alt+n", "alt+n", "alt+n")  # bell -> off -> auto -> osc
        assert app.user_settings.notify == "osc"
        assert "Notifications: osc" in notifications(app)[-1]
        await send(pilot, "tell")
        assert written[-1].startswith("\x1b]9;gemtui: Answer ready")
    saved = load_settings(tmp_path / "config.toml", environ={}).settings
    assert saved.notify == "osc"


async def test_cancelled_answers_are_not_told(emulator, tmp_path, plain_terminal):
    app = configured(emulator, tmp_path, 'notify = "osc"\nnotify_after = 0\n')
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        await send(pilot, "!slow 300 a long answer", wait=False)
        await pilot.press("escape")
        await finish(pilot)
        assert app.conversation.turns[-1].reply.outcome == "cancelled"
        assert written == []


async def test_an_approval_request_is_told(emulator, tmp_path, plain_terminal):
    tool = FunctionTool(
        name="get_weather",
        description="Weather",
        parameters={"type": "object", "properties": {"location": {"type": "string"}}},
        command=[sys.executable, "-c", "print('{}')"],
    )
    from gemtui.config import Settings

    settings = Settings.model_validate({"functions": [tool], "notify": "osc", "notify_after": 0})
    app = make_app(emulator, loaded=LoadedSettings(settings, tmp_path / "config.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        written = capture(app)
        await send(pilot, "weather in Paris?", wait=False)
        for _ in range(2000):
            if written:
                break
            await pilot.pause(0.005)
        assert written[0] == "\x1b]9;gemtui: approval needed: get_weather\x07"
        await pilot.press("d")
        await finish(pilot)


async def test_a_finished_background_run_is_told(emulator, tmp_path, plain_terminal):
    app = configured(emulator, tmp_path, 'notify = "osc"\nnotify_after = 0\n')
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        app.composer.load_text("background task")
        await pilot.press("ctrl+b")
        for _ in range(4000):
            if any("background run" in text for text in written):
                break
            await pilot.pause(0.005)
        assert "\x1b]9;gemtui: background run completed: background task\x07" in written


# ---------------------------------------------------------------------------- keys


def test_every_action_has_a_key_an_id_and_a_palette_entry():
    ids = {info.id: info for info in keymap_catalogue()}
    actions = {action for _title, _help, action in PALETTE_COMMANDS}
    for binding_id, action in [
        ("app.next_model", "next_model"),
        ("app.compress", "compress"),
        ("app.presets", "presets"),
        ("app.templates", "templates"),
        ("app.usage", "usage"),
        ("app.next_notify", "next_notify"),
    ]:
        assert ids[binding_id].action == action
        assert action in actions
    assert "presets.apply" in ids and "templates.close" in ids


async def test_the_keys_are_in_f1_and_remappable(emulator, tmp_path):
    app = configured(emulator, tmp_path, '[keymap]\n"app.next_model" = "f11"\n')
    async with app.run_test(size=SIZE) as pilot:
        rows = [row for section in help_sections(app, app.screen) for row in section.rows]
        described = {description: keys for keys, description in rows}
        assert described["Next model"] == "f11"
        assert described["Compress"] and described["Presets"] and described["Templates"]
        await pilot.press("f11")
        assert "Only gemini-3.6-flash" in notifications(app)[-1]


async def test_the_timelines_keys_are_remappable(emulator, tmp_path):
    """Its keys were missing from the keymap's catalogue: a remap was refused as unknown."""
    app = configured(emulator, tmp_path, '[keymap]\n"timeline.filter" = "f"\n')
    async with app.run_test(size=SIZE) as pilot:
        assert not [n for n in notices(app) if "timeline.filter" in n.message]
        await send(pilot, "hello")
        await pilot.press("ctrl+t", "f")
        assert app.timeline.filter_input.has_focus


async def test_an_unknown_action_in_the_keymap_names_the_closest_ids_and_where_they_are(
    emulator, tmp_path
):
    """``find = "ctrl+g"`` said only "find: no such action": not that app.find was meant, nor
    where the ids are listed."""
    app = configured(emulator, tmp_path, '[keymap]\nfind = "ctrl+g"\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        said = [notice.message for notice in notices(app) if "no such action" in notice.message]
        assert said == [
            "find: no such action; did you mean app.find or conversation.find? "
            "(F2's Keymap table lists every action id)"
        ]


async def test_f2_starts_on_the_preset_in_use_and_fills_another_over_the_plain_settings(
    emulator, tmp_path
):
    """F2's preset field said "none" with reviewer in use, and writer chosen there kept
    reviewer's model and temperature in the fields (it applied over reviewer)."""
    app = configured(emulator, tmp_path, PRESETS + '[presets.writer]\nsystem_instruction = "W."\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+p", "enter")  # reviewer
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        await screen.mount_later_sections()
        field = screen.query_one("#preset", Select)
        assert field.value == "reviewer"
        assert screen.query_one("#model", Input).value == "gemini-2.5-pro"
        field.value = "writer"
        await pilot.pause()
        assert screen.query_one("#model", Input).value == MODEL
        assert screen.query_one("#generation-temperature", Input).value == ""
        assert screen.query_one("#system-instruction", TextArea).text == "W."
        field.clear()  # "none": the settings without a preset
        await pilot.pause()
        assert screen.query_one("#system-instruction", TextArea).text == ""
        assert screen.query_one("#model", Input).value == MODEL


async def test_ctrl_n_keeps_the_whole_preset_in_force_tools_too(emulator, tmp_path):
    """Ctrl+N kept the preset's model and instruction, and Alt+P still named it, but its
    tools went back to F2's."""
    app = configured(emulator, tmp_path, PRESETS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+p", "enter")  # reviewer
        await pilot.press("ctrl+n")
        await pilot.pause()
        settings = app.conversation.settings
        assert settings.tools == [{"type": "google_search"}]
        assert (settings.model, settings.system_instruction) == (
            "gemini-2.5-pro", "You review code."
        )  # fmt: skip
        assert app.preset_in_use == "reviewer"
