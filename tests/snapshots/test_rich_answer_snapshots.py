"""Answers beyond Markdown at 80×24 (SVG snapshots): an inline image drawn with half blocks,
structured output checked against its schema, and a search answer with citation markers.

Update after an intended change of look with
`pytest tests/snapshots/test_rich_answer_snapshots.py --snapshot-update`, and look at the new
SVGs before committing them.
"""

from __future__ import annotations

from support.chat_driver import make_app, send

from gemtui.core.conversation import ChatSettings

FILM = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "year": {"type": "integer"},
        "genres": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "year"],
}


def asking(prompt: str):
    async def ask(pilot):
        await send(pilot, prompt)

    return ask


def test_inline_image_in_half_blocks(snap_compare, emulator):
    app = make_app(emulator, settings=ChatSettings(model="gemini-3-pro-image-preview"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("a sunset over the sea"))


def test_structured_output_valid(snap_compare, emulator):
    settings = ChatSettings(
        response_format={"type": "text", "mime_type": "application/json", "schema": FILM}
    )
    app = make_app(emulator, settings=settings)
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("A film about tides"))


def test_search_answer_with_citations(snap_compare, emulator):
    app = make_app(emulator, settings=ChatSettings(tools=[{"type": "google_search"}]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("Tell me about tides"))
