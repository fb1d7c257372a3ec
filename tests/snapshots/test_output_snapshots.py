"""Media output and a failed run at 80×24 (SVG snapshots): the row of a spoken answer, and a
run that failed at the server with its reasons and what to do.

Update after an intended change of look with
`pytest tests/snapshots/test_output_snapshots.py --snapshot-update`, and look at the new SVGs
before committing them.
"""

from __future__ import annotations

from support.chat_driver import make_app, send

from gemtui.core.conversation import ChatSettings


def asking(prompt: str):
    async def ask(pilot):
        await send(pilot, prompt)

    return ask


def test_audio_answer_row(snap_compare, emulator):
    app = make_app(emulator, settings=ChatSettings(model="gemini-3.8-flash-tts"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("Say hello to the team"))


def test_failed_run(snap_compare, emulator):
    app = make_app(emulator)
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("!fault failed a haiku"))
