"""The working directory once deleted: templates say what to do instead of stopping."""

from __future__ import annotations

import pytest

from gemtui.core import templates
from gemtui.core.working_dir import working_dir, working_dir_or_home


def test_a_deleted_working_folder_falls_back_to_home(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert working_dir() is None
    folder = working_dir_or_home()
    assert folder.path == tmp_path and "is gone" in folder.problem


def test_a_template_expands_without_a_working_folder(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    (tmp_path / "notes.txt").write_text("far\n")
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert templates.expand("Say {{args}}", "hi") == "Say hi"
    assert templates.expand(f"@{{{tmp_path / 'notes.txt'}}}", "") == "far\n"
    with pytest.raises(templates.TemplateError, match=r"is gone .*give the file's full path"):
        templates.expand("@{notes.txt}", "")
