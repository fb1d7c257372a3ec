"""Markdown and JSON export of a stored conversation made against the emulator."""

from __future__ import annotations

import json
import re

import pytest
import test_store
from test_store import FAKE_KEY, WEATHER_TOOL, chat, wire_steps

from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.export import export_conversation, export_json, export_markdown
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn

# The store's fixtures: a fresh history file per test, a client of the session emulator.
store = test_store.store
client = test_store.client


@pytest.fixture
async def stored(client, store):
    """A conversation with thoughts, a search with citations, a function call and its result,
    a generated image, a key pasted into a prompt and an escape sequence from the user."""
    conversation = Conversation(settings=ChatSettings(tools=[{"type": "google_search"}]))
    cid = store.create_conversation(conversation.settings)
    await chat(client, store, conversation, cid, f"Where do puffins nest? key {FAKE_KEY}")
    conversation.settings.tools = [WEATHER_TOOL]
    called = await chat(client, store, conversation, cid, "get_weather for Oslo \x1b]0;pwned\x07")
    call = called.reply.state.steps[-1].step
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": "4 C"}
    await chat(client, store, conversation, cid, "", results=[result])
    conversation.settings.tools = []
    conversation.settings.model = "gemini-3-pro-image-preview"
    await chat(client, store, conversation, cid, "Draw a puffin")
    return store.get_conversation(cid), store.load_turns(cid, limit=None)


def test_markdown_reads_as_a_chat_with_collapsible_details(stored):
    summary, turns = stored
    text = export_markdown(summary, turns)
    assert text.startswith(f"# Where do puffins nest? key ***\n\n*Conversation {summary.id} · ")
    assert "## 1. You\n\nWhere do puffins nest? key ***" in text
    assert "## 1. Gemini" in text and "## 4. Gemini" in text
    assert "<details>\n<summary>Thought</summary>\n\n" in text
    assert "<summary>Tool call: google_search_call</summary>" in text
    assert "<summary>Tool result: google_search_result</summary>" in text
    assert "<summary>Function call: get_weather</summary>\n\n```json\n{" in text
    assert "<summary>Sent: function_result</summary>" in text
    assert text.count("<details>") == text.count("</details>")
    # Citations become a numbered sources list of links.
    sources = text.split("**Sources**\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert sources and all(re.fullmatch(r"\d+\. \[.+\]\(https?://\S+\)", s) for s in sources)
    # Media is described, not embedded; the answer text itself is there.
    assert re.search(r"\*\[image \(image/png, [\d.]+ (bytes|KB)\)\]\*", text)
    answer = turns[0].turn.reply.state.steps[-1].step.content[0].text
    assert answer.splitlines()[0] in text
    assert "*completed · " in text and "*requires_action · " in text
    # Signatures are noise to a reader; escape sequences would act on a terminal.
    assert "signature" not in text
    assert "\x1b" not in text and "get_weather for Oslo" in text


def test_json_holds_every_turn_with_its_input_and_wire_steps(stored):
    summary, turns = stored
    document = json.loads(export_json(summary, turns))
    assert document["format"] == "gemtui-conversation/1"
    assert document["conversation"]["id"] == summary.id
    assert document["conversation"]["head_turn_id"] == turns[-1].id
    exported = document["turns"]
    assert [t["id"] for t in exported] == [t.id for t in turns]
    for item, stored_turn in zip(exported, turns, strict=True):
        assert item["interaction"]["steps"] == wire_steps(stored_turn.turn)
        assert item["interaction"]["id"] == stored_turn.interaction_id
        assert item["outcome"] == stored_turn.turn.reply.outcome
    assert exported[0]["input"] == [
        {
            "type": "user_input",
            "content": [{"type": "text", "text": "Where do puffins nest? key ***"}],
        }
    ]
    assert exported[2]["input"][0]["type"] == "function_result"
    assert exported[1]["interaction"]["previous_interaction_id"] == turns[0].interaction_id
    assert exported[3]["settings"]["model"] == "gemini-3-pro-image-preview"
    assert exported[0]["interaction"]["usage"]["total_tokens"] > 0
    signatures = [s for t in exported for s in t["interaction"]["steps"] if s.get("signature")]
    assert signatures  # kept: they are part of the raw interactions


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_exports_are_redacted_even_of_text_stored_before_the_key_was_known(store, fmt):
    settings = ChatSettings()
    cid = store.create_conversation(settings)
    # Opened without the key, the store cannot redact it; the export still must.
    with Store(store.path) as unaware:
        prompt = "late-key-ABCDEFG and AIza" + "x" * 35
        turn_id = unaware.start_turn(cid, Turn(Asked(prompt)), settings, parent_turn_id=None)
        unaware.finish_turn(turn_id, "failed", error="late-key-ABCDEFG rejected")
    text = export_conversation(
        fmt, store.get_conversation(cid), store.load_turns(cid), secrets=["late-key-ABCDEFG"]
    )
    assert "late-key-ABCDEFG" not in text and "AIza" not in text
    assert "***" in text


def test_json_escapes_terminal_controls_that_json_would_leave_raw(store):
    settings = ChatSettings()
    cid = store.create_conversation(settings)
    store.start_turn(cid, Turn(Asked("csi \x9b2J and \u202eevil")), settings, parent_turn_id=None)
    text = export_json(store.get_conversation(cid), store.load_turns(cid))
    assert "\x9b" not in text and "\u202e" not in text
    [sent] = json.loads(text)["turns"][0]["input"]
    assert sent["content"][0]["text"] == "csi \x9b2J and \u202eevil"


def test_unknown_format_is_refused(stored):
    summary, turns = stored
    with pytest.raises(ValueError, match="unknown export format"):
        export_conversation("html", summary, turns)


def test_the_header_names_every_model_the_chat_used(stored):
    summary, turns = stored
    header = export_markdown(summary, turns).split("\n\n")[1]
    assert " · gemini-3.6-flash, gemini-3-pro-image-preview · " in header
    document = json.loads(export_json(summary, turns))
    assert document["conversation"]["models"] == [
        "gemini-3.6-flash",
        "gemini-3-pro-image-preview",
    ]
