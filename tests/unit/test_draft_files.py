"""Draft files (``gemtui.core.drafts``): one per conversation, private, atomic, no key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from gemtui.core.drafts import NEW_SLOT, Draft, DraftFiles, slot_name

#: Shaped like a Google API key, but made up (and put together here, so no scanner flags it).
KEY = "AIza" + "SyTHISisNOTaREALkeyBUTlooksLIKEone12"


def test_slots_per_conversation_and_one_for_a_new_chat() -> None:
    assert slot_name(None) == NEW_SLOT
    assert slot_name(12) == "conversation-12"


def test_a_draft_round_trips_privately_with_the_key_redacted(tmp_path: Path) -> None:
    files = DraftFiles(tmp_path / "drafts", secrets=[KEY])
    draft = Draft(f"use key {KEY} please\nline two", ["/tmp/a.png", "https://x.test/b.pdf"])
    assert files.save("conversation-3", draft)
    path = files.path("conversation-3")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert KEY not in path.read_text(encoding="utf-8")
    loaded = files.load("conversation-3")
    assert loaded.text == "use key *** please\nline two"
    assert loaded.sources == draft.sources
    assert [p.name for p in path.parent.iterdir()] == ["conversation-3.json"]  # no temp left


def test_an_empty_draft_is_no_file(tmp_path: Path) -> None:
    files = DraftFiles(tmp_path)
    files.save("new", Draft("text"))
    files.save("new", Draft("  \n"))
    assert not files.path("new").exists()
    assert files.load("new") == Draft()


def test_a_damaged_or_odd_file_reads_as_no_draft(tmp_path: Path) -> None:
    files = DraftFiles(tmp_path)
    files.path("a").write_text("{not json", encoding="utf-8")
    files.path("b").write_text(json.dumps(["a list"]), encoding="utf-8")
    files.path("c").write_text(json.dumps({"text": 5, "attachments": [1, "/x"]}), "utf-8")
    assert files.load("a") == Draft()
    assert files.load("b") == Draft()
    assert files.load("c") == Draft("", ["/x"])


def test_an_unwritable_directory_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert not DraftFiles(blocker / "drafts").save("new", Draft("text"))
