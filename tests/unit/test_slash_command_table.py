"""Slash commands as text (``gemtui.ui.chat.commands``): reading a command line, the table
made from the palette, and what the completion list offers for what is typed."""

from __future__ import annotations

from typing import Any, cast

import pytest

from gemtui.ui.app import PALETTE_COMMANDS
from gemtui.ui.chat.commands import (
    REGISTRY,
    Parsed,
    SlashCommand,
    action_name,
    candidates,
    command_table,
    parse,
    register,
    unescape,
)

NO_APP = cast(Any, None)  # name completion does not ask the app anything


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/model gemini-2.5-pro", Parsed("model", "gemini-2.5-pro")),
        ("/EXPORT md  out.md ", Parsed("export", "md  out.md")),
        ("/system be brief\nand kind", Parsed("system", "be brief\nand kind")),
        ("/system\nbe brief", Parsed("system", "be brief")),
        ("/new", Parsed("new", "")),
        ("//etc/hosts is a file", None),
        ("hello /model", None),
        ("", None),
    ],
)
def test_parse(text: str, parsed: Parsed | None) -> None:
    assert parse(text) == parsed


def test_a_double_slash_sends_one() -> None:
    assert unescape("//etc/hosts") == "/etc/hosts"
    assert unescape("plain") == "plain"


def test_action_names() -> None:
    assert action_name("copy_last_code_block") == "copy-last-code-block"
    assert action_name("toggle_tool('url_context')") == "toggle-tool-url-context"
    assert action_name("export('md')") == "export-md"


def test_every_palette_action_is_a_command() -> None:
    table = command_table(PALETTE_COMMANDS)
    covered = {action for command in REGISTRY.values() for action in command.covers}
    for _title, _help, action in PALETTE_COMMANDS:
        assert action in covered or action_name(action) in table, action
    # Covered actions are not listed twice.
    assert "new-conversation" not in table and "new" in table
    assert "export-md" not in table and "export" in table
    assert "toggle-tool-google-search" in table and "copy-last-id" in table


def test_the_palette_table_is_read_when_asked_so_new_actions_are_commands_at_once() -> None:
    palette = [*PALETTE_COMMANDS, ("Do a thing", "Help", "do_a_thing")]
    assert "do-a-thing" in command_table(palette)


def test_a_command_registered_by_name_replaces_the_one_there() -> None:
    placeholder = REGISTRY["compress"]
    try:
        register(SlashCommand("compress", "Summarise now", lambda _app, _arg: None))
        assert command_table(PALETTE_COMMANDS)["compress"].summary == "Summarise now"
    finally:
        register(placeholder)


def test_names_that_start_with_what_is_typed_come_first() -> None:
    table = command_table(PALETTE_COMMANDS)
    found = candidates(NO_APP, table, "/mo")
    assert found[0].text == "/model "  # needs a name: completed, not run
    assert not found[0].runs
    assert "/toggle-mode" in [c.text for c in found]  # contains "mo"


def test_an_exact_name_is_first_and_runs() -> None:
    found = candidates(NO_APP, command_table(PALETTE_COMMANDS), "/copy")
    assert found[0].text == "/copy" and found[0].runs
    assert len(found) > 1


def test_nothing_offered_for_prompts_or_finished_words() -> None:
    table = command_table(PALETTE_COMMANDS)
    assert candidates(NO_APP, table, "hello") == []
    assert candidates(NO_APP, table, "//etc") == []
    assert candidates(NO_APP, table, "/model\nx") == []
    assert candidates(NO_APP, table, "/zzz") == []
    assert candidates(NO_APP, table, "/export md") == []  # md is the only one: nothing to add


def test_argument_candidates() -> None:
    table = command_table(PALETTE_COMMANDS)
    assert [c.text for c in candidates(NO_APP, table, "/export ")] == ["/export md", "/export json"]
    # /agent's names ask the app (its custom agents): tests/functional/test_custom_agent_names.py
