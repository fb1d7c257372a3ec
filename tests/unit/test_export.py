"""Markdown and JSON export of a stored conversation made against the emulator."""

from __future__ import annotations

import json
import re

import pytest
import test_store
from markdown_it import MarkdownIt
from test_store import FAKE_KEY, WEATHER_TOOL, chat, wire_steps

from gemtui.core.attachments import from_file
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.export import export_conversation, export_json, export_markdown
from gemtui.core.markdown_safe import contained, literal, literal_block, plain_heading
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_diff import answer_text

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
    # The title shows the prompt's characters as typed: "***" is not Markdown there.
    assert text.startswith(
        f"# Where do puffins nest? key \\*\\*\\*\n\n*Conversation {summary.id} · "
    )
    assert "## 1. You\n\n> Where do puffins nest? key ***" in text
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
    assert re.search(r"\*\[image \(image/png, [\d.]+ (B|KB)\)\]\*", text)
    # The answer's text is there, with a citation marker (where exactly: see
    # test_citation_markers_stay_where_the_screen_shows_them; the redacted key moved it here).
    first_turn = text.split("## 2. You", 1)[0]
    assert "Search results give a clear picture of" in first_turn and "\\[1\\]" in first_turn
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


# --------------------------------------------------------------------------- the page's structure


def outline(markdown: str) -> list[tuple[str, str]]:
    """The page's own headings (level 1 and 2, at the top level) as a viewer shows them."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [
        (token.tag, tokens[n + 1].content)
        for n, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h1", "h2")
    ]


def raw_html(markdown: str) -> list[str]:
    """Every piece of raw HTML a viewer would act on (blocks and inline tags)."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    found = [token.content.strip() for token in tokens if token.type == "html_block"]
    inline = [token.children or [] for token in tokens if token.type == "inline"]
    return found + [child.content for children in inline for child in children
                    if child.type == "html_inline"]  # fmt: skip


async def exported(client, store, *prompts: str, tools: list | None = None) -> str:
    conversation = Conversation(settings=ChatSettings(tools=tools or []))
    cid = store.create_conversation(conversation.settings)
    for prompt in prompts:
        await chat(client, store, conversation, cid, prompt)
    return export_markdown(store.get_conversation(cid), store.load_turns(cid, limit=None))


def assert_own_structure(text: str, turns: int, title: str) -> None:
    """Only the export's own headings at levels 1 and 2, and only its own ``<details>``."""
    expected = [("h1", title)]
    for number in range(1, turns + 1):
        expected += [("h2", f"{number}. You"), ("h2", f"{number}. Gemini")]
    assert outline(text) == expected
    html = raw_html(text)
    assert all(h == "</details>" or h.startswith("<details>\n<summary>") for h in html), html
    assert html.count("</details>") == len(html) / 2


async def test_a_prompt_cannot_fake_the_page_structure(client, store):
    """A prompt is shown as typed: its "#" lines, its "</details>" and its unclosed fence
    neither make headings nor close a section nor swallow the turns after it."""
    prompt = "# Heading prompt\n</details>\n## 1. Gemini\n```\nunclosed fence"
    text = await exported(client, store, prompt, "and then?")
    assert_own_structure(text, turns=2, title="Heading prompt")
    # The prompt is all there, as typed, in a fence no line of it closes.
    assert f"## 1. You\n\n````text\n{prompt}\n````\n\n## 1. Gemini" in text
    # The answer's headings ("## Answer: ...") sit below the turn's own.
    assert "\n### Answer: # Heading prompt" in text and "\n#### Key points" in text


async def test_an_answer_cut_off_inside_a_fence_ends_with_its_turn(client, store):
    text = await exported(client, store, "!long code 200 !fault drop-after 12 code please", "next")
    assert "*interrupted" in text  # the first answer did end inside its code block
    assert_own_structure(text, turns=2, title="!long code 200 !fault drop-after 12 code please")


async def test_an_answer_in_continuation_hops_reads_as_one_text(client, store):
    """The hops' text goes on where the last one stopped, as the conversation shows it; it
    was split by a blank line, mid-sentence."""
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    turn = await chat(client, store, conversation, cid, "!hops 2 tell me")
    outputs = [s.step for s in turn.reply.state.steps if s.step.type == "model_output"]
    assert len(outputs) == 2
    whole = "".join(c.text for step in outputs for c in step.content)
    assert answer_text(turn) == whole
    text = export_markdown(store.get_conversation(cid), store.load_turns(cid, limit=None))
    lines = text.splitlines()
    for line in whole.splitlines():
        if not line.startswith("#"):  # headings move down a level or two
            assert line in lines


async def test_citation_markers_stay_where_the_screen_shows_them(client, store):
    text = await exported(
        client, store, "Where do puffins nest?", tools=[{"type": "google_search"}]
    )
    assert "explains the background in plain terms.\\[1\\]" in text
    assert "adds practical detail and recent figures.\\[2\\]" in text
    assert "**Sources**\n\n1. [example.org](https://" in text


@pytest.mark.parametrize("fmt", ["md", "json"])
async def test_a_run_that_failed_at_the_server_says_why(client, store, fmt):
    conversation = Conversation()
    cid = store.create_conversation(conversation.settings)
    await chat(client, store, conversation, cid, "!fault failed please fail")
    text = export_conversation(fmt, store.get_conversation(cid), store.load_turns(cid))
    why = "INTERNAL (13): Internal error encountered."
    # The interaction's errors[], kept in the history, as the screen says them.
    run = "The run failed at the server: The model failed while generating the answer."
    if fmt == "json":
        [turn] = json.loads(text)["turns"]
        assert turn["outcome"] == "failed"
        assert turn["error"] == f"{run} (api_error)"
        assert turn["interaction"]["errors"] == [
            {"code": "api_error", "message": "The model failed while generating the answer."}
        ]
    else:
        assert f"*× The model's output failed: {why}" in text
        assert f"> **Error:** {run} (api\\_error)" in text


async def test_the_title_is_words_not_a_fence(client, store):
    text = await exported(client, store, "```python\nprint('*hi*')\n```")
    assert text.startswith("# print('\\*hi\\*')\n")


def test_markdown_safe_pieces():
    assert plain_heading("## Heading") == "Heading"
    assert plain_heading("```python\n> - 1. x <b>") == "x \\<b\\>"
    assert literal("1. a_b") == "1\\. a\\_b" and literal("plain, words.") == "plain, words."
    assert literal_block("two\nlines") == "> two\\\n> lines"
    assert literal_block("has `code` and ````") == "`````text\nhas `code` and ````\n`````"
    assert contained("# A\n\nT\n=\n\n```\n# code\n<i>") == "### A\n\n### T\n\n```\n# code\n<i>\n```"
    assert contained("a <details> b `<b>`") == "a &lt;details> b `<b>`"


async def test_attachments_read_as_their_chips_did(client, store, tmp_path):
    """The export said "text (unknown type)" for a text file and sizes in binary units
    (6.2 KB) where the chips said 6.4 KB: both now read as the chips."""
    (tmp_path / "notes.md").write_text("# notes\n" * 800)
    (tmp_path / "pic.png").write_bytes(b"\x89PNG".ljust(6400, b"\0"))
    chips = [from_file(str(tmp_path / name)) for name in ("notes.md", "pic.png")]
    conversation = Conversation(settings=ChatSettings())
    cid = store.create_conversation(conversation.settings)
    items = [chip.item for chip in chips]
    await chat(client, store, conversation, cid, "read these", attachments=items)
    text = export_markdown(store.get_conversation(cid), store.load_turns(cid, limit=None))
    assert [chip.size_text for chip in chips] == ["6.4 KB", "6.4 KB"]
    assert "*Attached: text (notes.md, text/plain, 6.4 KB), image (image/png, 6.4 KB)*" in text


async def test_attachments_are_named_as_their_chips_were(client, store, tmp_path):
    """Read back from the history, the export said ``image (image/png, 6.4 KB)`` and an
    uploaded file only by its URI: the names went with the chips."""
    (tmp_path / "pic.png").write_bytes(b"\x89PNG".ljust(6400, b"\0"))
    chip = from_file(str(tmp_path / "pic.png"))
    link = {"type": "audio", "uri": "https://example.com/files/x1", "mime_type": "audio/wav"}
    labels = ["pic.png · image · 6.4 KB", "tone.wav · audio · 16.0 KB · uploaded"]
    conversation = Conversation(settings=ChatSettings())
    cid = store.create_conversation(conversation.settings)
    await chat(
        client, store, conversation, cid, "hear", attachments=[chip.item, link], labels=labels
    )
    summary, turns = store.get_conversation(cid), store.load_turns(cid, limit=None)
    text = export_markdown(summary, turns)
    assert (
        "*Attached: image (pic.png, image/png, 6.4 KB), "
        "audio (tone.wav, audio/wav, https://example.com/files/x1)*"
    ) in text
    assert json.loads(export_json(summary, turns))["turns"][0]["attachment_labels"] == labels
