"""How attachments look at 80×24: two chips above the composer, and the file picker open.

The working directory is a folder of fixed files under a fixed home (``~/project``), so the
snapshots never depend on where the test runs. Update with
`pytest tests/snapshots/test_attachment_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chat_driver import make_app

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    root = tmp_path / "project"
    for name, data in {
        "chart.png": PNG,
        "notes.txt": b"line one\n" * 30,
        "README.md": b"# project\n",
        "src/charting.py": b"print('chart')\n",
        "src/main.ts": b"export {}\n",
        "docs/report.pdf": b"%PDF-1.7\n" + b"0" * 5000,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    monkeypatch.chdir(root)
    return root


def test_two_chips_above_the_composer(snap_compare, emulator, project):
    async def attach(pilot):
        app = pilot.app
        assert app.attachment_bar.add("chart.png")
        assert app.attachment_bar.add("https://example.com/papers/survey.pdf")
        app.composer.insert("Compare the chart with the survey")
        await pilot.pause()

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=attach)


def test_chips_selected_from_the_keyboard(snap_compare, emulator, project):
    async def select(pilot):
        app = pilot.app
        assert app.attachment_bar.add("chart.png")
        assert app.attachment_bar.add("notes.txt")
        await pilot.press("f9", "left")

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=select)


def test_file_picker_filtering(snap_compare, emulator, project):
    async def open_picker(pilot):
        await pilot.press("f3")
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"chr")
        await pilot.pause()

    assert snap_compare(make_app(emulator), terminal_size=(80, 24), run_before=open_picker)
