"""The function-tool loop in the TUI against the emulator: approval, allow-list, denial, parallel
calls, failures, timeouts and cancelling a running tool. The tools are real processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from support.chat_driver import answers, notices, send, until
from support.cli_env import FAKE_KEY
from textual.pilot import Pilot

from gemtui.api.client import InteractionsClient, RetryPolicy
from gemtui.config import LoadedSettings, Settings, load_settings
from gemtui.core.tools import FunctionTool
from gemtui.emulator.run import RunningEmulator
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.render.chat_items import ToolItem
from gemtui.ui.screens.approval import ApprovalScreen
from gemtui.ui.screens.tools import ToolsScreen

SCHEMA = {
    "type": "object",
    "properties": {"location": {"type": "string"}},
    "required": ["location"],
}
#: Answers with the arguments it read on stdin, wrapped in an object.
ECHO = "import sys, json; print(json.dumps({'forecast': 'sunny', 'got': json.load(sys.stdin)}))"


def tool(name: str = "get_weather", code: str = ECHO, **fields: Any) -> FunctionTool:
    return FunctionTool(
        name=name,
        description="Weather of a place",
        parameters=SCHEMA,
        command=[sys.executable, "-c", code],
        **fields,
    )


def make_app(emulator: RunningEmulator, tmp_path: Path, *tools: FunctionTool) -> GemtuiApp:
    settings = Settings.model_validate({"functions": list(tools)})
    connection = Connection(base_url=emulator.base_url, api_key=FAKE_KEY, demo=True)
    loaded = LoadedSettings(settings=settings, path=tmp_path / "config.toml")
    return GemtuiApp(connection, loaded=loaded)


def quiet(monkeypatch, between_keys: float, once_typing: float) -> None:
    """The approval dialog's pauses (the suite sets both to 0: decisions at once)."""
    monkeypatch.setattr("gemtui.ui.screens.approval.QUIET_SECONDS", between_keys)
    monkeypatch.setattr("gemtui.ui.screens.approval.TYPING_QUIET_SECONDS", once_typing)


async def dialog(pilot: Pilot) -> ApprovalScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, ApprovalScreen), "the dialog")
    screen = pilot.app.screen
    assert isinstance(screen, ApprovalScreen)
    return screen


async def loop_done(pilot: Pilot) -> None:
    """Wait until the last turn is a finished answer (or a stop) and nothing runs."""
    app = pilot.app
    assert isinstance(app, GemtuiApp)
    await until(
        pilot,
        lambda: (
            not app.busy
            and app.conversation.turns[-1].reply.outcome
            not in ("pending", "streaming", "requires_action")
        ),
        "the end of the tool loop",
    )
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def results_sent(emulator: RunningEmulator, marker: str) -> list[dict[str, Any]]:
    """The function_result steps of the requests that continued the turn asked with ``marker``."""
    requests = [
        r["body"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]
    asked = [i for i, body in enumerate(requests) if marker in json.dumps(body.get("input"))]
    assert asked, f"no request carried {marker!r}"
    found = []
    for body in requests[asked[-1] + 1 :]:
        found += [s for s in body.get("input", []) if s.get("type") == "function_result"]
    return found


def last_request(emulator: RunningEmulator) -> dict[str, Any]:
    creates = [
        r["body"]
        for r in emulator.received_requests()
        if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]
    return creates[-1]


def result_rows(app: GemtuiApp) -> list[ToolItem]:
    return [
        item
        for item in app.view.items
        if isinstance(item, ToolItem) and item.step.type == "function_result"
    ]


async def test_approve_once_runs_the_tool_and_the_answer_follows(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Paris? (approve-once)", wait=False)
        screen = await dialog(pilot)
        assert [call.name for call in screen.calls] == ["get_weather"]
        # The status bar said "ready" while the turn waited for the user.
        assert "· awaiting approval ·" in app.status.render_line(0).text
        await pilot.press("enter")
        await loop_done(pilot)
        assert "· ready ·" in app.status.render_line(0).text
        sent = results_sent(emulator, "approve-once")
        assert len(sent) == 1
        result = sent[0]
        assert result["name"] == "get_weather" and "is_error" not in result
        call = app.conversation.turns[0].reply.state.steps[-1].step
        assert result["call_id"] == call.id
        assert result["result"] == {"forecast": "sunny", "got": call.arguments}
        assert [turn.reply.outcome for turn in app.conversation.turns] == [
            "requires_action",
            "completed",
        ]
        assert "get_weather` returned" in answers(app)[-1].copy_text()
        assert [row.step.result for row in result_rows(app)] == [result["result"]]
        # The next request chained onto the one that asked (stateful).
        assert app.conversation.turns[1].asked.request["previous_interaction_id"] == (
            app.conversation.turns[0].reply.state.interaction.id
        )


async def test_always_allow_skips_the_dialog_next_time(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (always-1)", wait=False)
        await dialog(pilot)
        await pilot.press("a")
        await loop_done(pilot)
        await send(pilot, "weather in Rome? (always-2)", wait=False)
        await loop_done(pilot)
        assert not isinstance(app.screen, ApprovalScreen)
        assert len(results_sent(emulator, "always-2")) == 1
        assert len(app.conversation.turns) == 4
        assert app.conversation.turns[-1].reply.outcome == "completed"


async def test_keys_typed_as_the_dialog_opens_go_to_the_prompt_not_to_the_dialog(
    emulator, tmp_path, monkeypatch
):
    """Typing the next prompt while the model asked: ``a`` in "what about" allowed the tool
    for ever (and wrote it in the config), ``d`` denied, Enter ran it."""
    quiet(monkeypatch, 60.0, 60.0)
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (typing-through)", wait=False)
        screen = await dialog(pilot)
        await pilot.press("w", "h", "a", "t", "space", "a", "n", "d", "enter")
        await pilot.pause()
        assert app.screen is screen  # nothing was decided
        assert app.composer.text == "what and"
        assert not (tmp_path / "config.toml").exists()
        assert "pause 60 s, then decide" in str(screen.query_one("#approval-keys").render())
        screen._typed_at -= 120  # the user paused
        await pilot.press("r")
        await loop_done(pilot)
        assert len(results_sent(emulator, "typing-through")) == 1
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert app.composer.text == "what and"  # the draft typed meanwhile is kept


async def test_a_word_typed_after_a_pause_goes_to_the_prompt_whole(emulator, tmp_path, monkeypatch):
    """With the dialog open a while, "hello" lost its h (a key that decides nothing was
    dropped); and "xyz", a second's pause, then "ard" took the a as "always allow" and wrote
    the tool into the config. Once something was typed, a decision needs a longer pause."""
    quiet(monkeypatch, 0.6, 2.0)
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (typing-pause)", wait=False)
        screen = await dialog(pilot)
        screen._typed_at -= 4  # the dialog has been open a while
        await pilot.press(*"hello", "space", *"xyz")
        assert app.composer.text == "hello xyz"
        screen._typed_at -= 1  # a pause inside the sentence
        await pilot.press(*"ard")
        await pilot.pause()
        assert app.screen is screen and app.composer.text == "hello xyzard"
        assert not (tmp_path / "config.toml").exists()
        assert "pause 2 s, then decide" in str(screen.query_one("#approval-keys").render())
        screen._typed_at -= 2.5  # now a deliberate pause
        await pilot.press("r")
        await loop_done(pilot)
        assert len(results_sent(emulator, "typing-pause")) == 1
        assert app.composer.text == "hello xyzard"


async def test_escape_denies_even_while_typing(emulator, tmp_path, monkeypatch):
    quiet(monkeypatch, 60.0, 60.0)
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (typing-escape)", wait=False)
        await dialog(pilot)
        await pilot.press("x", "escape")
        await loop_done(pilot)
        assert not isinstance(app.screen, ApprovalScreen)
        (denied,) = results_sent(emulator, "typing-escape")
        assert denied.get("is_error") is True


async def test_allow_listed_tools_run_without_asking(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool(allow=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Lima? (listed)", wait=False)
        await loop_done(pilot)
        assert len(results_sent(emulator, "listed")) == 1
        assert app.conversation.turns[-1].reply.outcome == "completed"


async def test_deny_sends_an_error_result_and_runs_nothing(emulator, tmp_path):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('ran')"
    app = make_app(emulator, tmp_path, tool(code=code))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Bern? (deny)", wait=False)
        await dialog(pilot)
        await pilot.press("d")
        await loop_done(pilot)
        [result] = results_sent(emulator, "(deny)")
        assert result["is_error"] is True and "denied" in result["result"]
        assert not marker.exists()
        assert app.conversation.turns[-1].reply.outcome == "completed"
        assert "(reported an error)" in answers(app)[-1].copy_text()


async def test_escape_in_the_dialog_denies(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Kyiv? (escape-deny)", wait=False)
        await dialog(pilot)
        await pilot.press("escape")
        await loop_done(pilot)
        [result] = results_sent(emulator, "escape-deny")
        assert result["is_error"] is True


async def test_parallel_calls_are_approved_together(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in both Paris and Nice (parallel-calls)", wait=False)
        screen = await dialog(pilot)
        assert [call.name for call in screen.calls] == ["get_weather", "get_weather"]
        await pilot.press("r")
        await loop_done(pilot)
        sent = results_sent(emulator, "parallel-calls")
        calls = [
            s.step
            for s in app.conversation.turns[0].reply.state.steps
            if s.step.type == "function_call"
        ]
        assert [r["call_id"] for r in sent] == [c.id for c in calls]
        assert [r["result"]["got"] for r in sent] == [c.arguments for c in calls]
        assert len(result_rows(app)) == 2


async def test_on_a_short_terminal_the_keys_stay_and_every_call_can_be_read(emulator, tmp_path):
    """At 40x15 the calls pushed the keys out of the box and the second call could not be
    seen: it was approved blind. The calls now scroll inside the box, from the keyboard."""
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(40, 15)) as pilot:
        await send(pilot, "weather in both Paris and Nice (short)", wait=False)
        screen = await dialog(pilot)
        await until(pilot, lambda: screen._calls_scroll, "the calls to scroll")
        keys = screen.query_one("#approval-keys")
        assert keys.region.bottom <= screen.query_one("#approval-box").region.bottom
        assert "↑↓ see every call · Enter/r run them once" in str(keys.render())
        calls = screen.query_one("#approval-calls")
        assert calls.has_focus and calls.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert calls.scroll_y == calls.max_scroll_y
        await pilot.press("r")
        await loop_done(pilot)
        assert len(result_rows(app)) == 2


async def test_a_failing_tool_sends_its_error(emulator, tmp_path):
    code = "import sys; sys.stderr.write('weather service down'); sys.exit(2)"
    app = make_app(emulator, tmp_path, tool(code=code, allow=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Bonn? (fails)", wait=False)
        await loop_done(pilot)
        [result] = results_sent(emulator, "(fails)")
        assert result["is_error"] is True
        assert result["result"] == "get_weather exited with status 2: weather service down"
        assert result_rows(app)[0].step.is_error


async def test_a_tool_that_times_out_is_stopped_and_reported(emulator, tmp_path):
    code = "import time; time.sleep(600)"
    app = make_app(emulator, tmp_path, tool(code=code, allow=True, timeout=0.3))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Graz? (times-out)", wait=False)
        await loop_done(pilot)
        [result] = results_sent(emulator, "times-out")
        assert result["is_error"] is True
        assert result["result"] == "get_weather did not finish within 0.3 s and was stopped."


async def test_escape_while_a_tool_runs_kills_it_and_keeps_everything(emulator, tmp_path):
    fifo = tmp_path / "alive"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    code = f"import time; f = open({str(fifo)!r}, 'w'); f.write('x'); f.flush(); time.sleep(600)"
    app = make_app(emulator, tmp_path, tool(code=code, allow=True))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "weather in Riga? (cancel-tool)", wait=False)

            def running() -> bool:
                try:
                    return os.read(reader, 1) == b"x"
                except BlockingIOError:
                    return False

            await until(pilot, running, "the tool to start")
            assert app.busy
            await pilot.press("escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            # The process is gone: the FIFO it held open reached EOF.
            assert os.read(reader, 1) == b""
            assert not app.busy
            turns = app.conversation.turns
            assert [turn.reply.outcome for turn in turns] == ["requires_action"]
            assert any("Stopped get_weather" in notice.message for notice in notices(app))
            # Nothing was sent, and the app takes a new prompt.
            assert results_sent(emulator, "cancel-tool") == []
            app.conversation.settings.tools = []
            await send(pilot, "never mind")
            assert [turn.asked.prompt for turn in app.conversation.turns][1:] == ["never mind"]
            # The open call is answered first, as not run: the API needs every call answered.
            first, second = last_request(emulator)["input"]
            assert first["type"] == "function_result" and first["is_error"] is True
            assert first["name"] == "get_weather" and "Not run" in first["result"]
            assert second["type"] == "user_input"
            assert app.conversation.turns[-1].reply.outcome == "completed"
    finally:
        os.close(reader)


async def test_a_call_to_a_tool_without_a_command_is_explained(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    app.conversation.settings.tools = [tool().declaration()]
    app.conversation.settings.stateful = False
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Lyon? (unknown)")
        await asyncio.sleep(0)
        assert not isinstance(app.screen, ApprovalScreen)
        assert [turn.reply.outcome for turn in app.conversation.turns] == ["requires_action"]
        assert any("no command for" in notice.message for notice in notices(app))
        # Going on (stateless): the history resent keeps the call, then its "not run" result.
        app.conversation.settings.tools = []
        await send(pilot, "forget the weather")
        steps = last_request(emulator)["input"]
        kinds = [step["type"] for step in steps]
        call = next(step for step in steps if step["type"] == "function_call")
        closing = steps[kinds.index("function_call") + 1]
        assert closing == {
            "type": "function_result",
            "call_id": call["id"],
            "name": "get_weather",
            "result": "Not run: the user went on without running this call.",
            "is_error": True,
        }
        assert kinds[-1] == "user_input" and app.conversation.turns[-1].reply.outcome == "completed"


async def test_settings_pane_switches_a_function_off_and_keeps_its_entry(emulator, tmp_path):
    from textual.widgets import Checkbox

    app = make_app(emulator, tmp_path, tool(allow=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f2")
        await app.screen.mount_later_sections()  # the tools section comes after the first frame
        box = app.screen.query_one("#function-0", Checkbox)
        assert box.value is True
        assert "get_weather (local function, allow-listed)" in str(box.label)
        box.focus()
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        assert app.conversation.settings.tools == []
        [kept] = app.user_settings.functions
        assert kept.command == tool().command and kept.allow and not kept.enabled
        # Back on: declared again, and the loop still knows its command.
        await pilot.press("f2")
        await app.screen.mount_later_sections()
        box = app.screen.query_one("#function-0", Checkbox)
        assert box.value is False
        box.focus()
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        assert app.conversation.settings.tools == [tool().declaration()]
        await send(pilot, "weather in Turin? (after-settings)", wait=False)
        await loop_done(pilot)
        assert len(results_sent(emulator, "after-settings")) == 1


def closed_port_url() -> str:
    """A loopback URL nothing listens on: a connection there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_f5_after_a_failed_results_turn_sends_the_results_again(emulator, tmp_path):
    app = make_app(emulator, tmp_path, tool())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (retry-results)", wait=False)
        await dialog(pilot)
        working = app.client
        app.client = InteractionsClient(
            api_key=FAKE_KEY, base_url=closed_port_url(), retry=RetryPolicy(max_attempts=1)
        )
        await pilot.press("enter")
        await loop_done(pilot)
        failed = app.conversation.turns[-1]
        assert failed.reply.outcome == "failed" and failed.asked.results
        assert results_sent(emulator, "retry-results") == []
        app.client = working
        await pilot.press("f5")
        await loop_done(pilot)
        turn = app.conversation.turns[-1]
        assert turn.reply.outcome == "completed" and turn.asked.prompt == ""
        assert results_sent(emulator, "retry-results") == failed.asked.results
        assert "get_weather" in answers(app)[-1].source


async def test_always_allow_is_saved_in_the_config_file_with_its_comments(emulator, tmp_path):
    config = tmp_path / "config.toml"
    command = json.dumps([sys.executable, "-c", ECHO])
    config.write_text(
        "# my tools\n[[functions]]\n"
        'name = "get_weather"  # the forecast\n'
        'description = "Weather of a place"\n'
        'parameters = {type = "object", properties = {location = {type = "string"}}}\n'
        f"command = {command}\n"
    )
    loaded = load_settings(config, environ={})
    assert not loaded.problems and not loaded.settings.functions[0].allow
    connection = Connection(base_url=emulator.base_url, api_key=FAKE_KEY, demo=True)
    app = GemtuiApp(connection, loaded=loaded)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather in Oslo? (saved-always)", wait=False)
        await dialog(pilot)
        await pilot.press("a")
        await loop_done(pilot)
    text = config.read_text()
    assert "# my tools" in text and "# the forecast" in text
    assert load_settings(config, environ={}).settings.functions[0].allow is True
    assert len(results_sent(emulator, "saved-always")) == 1


async def test_f7_lists_the_function_tools_in_the_config_files_order_whatever_is_on(
    emulator, tmp_path
):
    """F7 put the tools that were on first, the one switched on last at the top: each
    opening moved the rows, and End Space switched another tool than the one meant."""
    names = ["get_weather", "f2", "f3", "f4"]
    app = make_app(emulator, tmp_path, *(tool(name) for name in names))
    async with app.run_test(size=(100, 30)) as pilot:

        async def shown() -> list[str]:
            await pilot.press("f7")
            screen = app.screen
            assert isinstance(screen, ToolsScreen)
            keys = [choice.key for choice in screen.choices]
            return [key.removeprefix("function:") for key in keys if key.startswith("function:")]

        assert await shown() == names
        await pilot.press("end", "space", "escape")  # f4 off
        assert await shown() == names
        await pilot.press("end", "space", "up", "up", "space", "escape")  # f4 on, f2 off
        assert await shown() == names
        await pilot.press("escape")
