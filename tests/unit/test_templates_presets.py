"""Prompt templates (``{{args}}``, ``@{path}``), the recent models list, and presets and prices
in the config file."""

from __future__ import annotations

import json

import pytest

from gemtui.config import load_settings
from gemtui.core.recent_models import RECENT_LIMIT, ModelChoice, RecentModels
from gemtui.core.templates import (
    MAX_INLINE_BYTES,
    TemplateError,
    expand,
    misnamed_templates,
    run_template,
    template_names,
)


def test_args_replace_every_placeholder():
    assert expand("Review {{args}}. Then {{args}} again.", " x.py ") == (
        "Review x.py. Then x.py again."
    )


def test_args_without_a_placeholder_come_after_the_text():
    assert expand("Be brief.\n", "why?") == "Be brief.\n\nwhy?"
    assert expand("Be brief.\n", "") == "Be brief.\n"


def test_files_are_inlined_and_args_stay_text(tmp_path):
    (tmp_path / "notes.txt").write_text("owls {{args}} @{secret.txt}\n")
    (tmp_path / "secret.txt").write_text("not read")
    text = expand("Notes:\n@{notes.txt}\nAsk: {{args}}", "@{secret.txt}", cwd=tmp_path)
    # The file's own {{args}} and @{...} are its text; the arguments' @{...} is not read.
    assert text == "Notes:\nowls {{args}} @{secret.txt}\n\nAsk: @{secret.txt}"


def test_absolute_and_home_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "a.md").write_text("A")
    assert expand(f"@{{{tmp_path / 'a.md'}}} @{{~/a.md}}", "", cwd=tmp_path / "elsewhere") == "A A"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
        ("latin1.txt", "café".encode("latin-1"), "not text"),
        ("big.txt", b"a" * (MAX_INLINE_BYTES + 1), "at most"),
        ("folder", "dir", "is a directory"),
    ],
)
def test_refused_files_name_themselves(tmp_path, name, content, message):
    if content == "dir":
        (tmp_path / name).mkdir()
    elif content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(TemplateError, match=message) as raised:
        expand(f"see @{{{name}}}", "", cwd=tmp_path)
    assert name in str(raised.value)


def test_templates_by_name(tmp_path):
    directory = tmp_path / "templates"
    assert template_names(directory) == []
    directory.mkdir()
    (directory / "review.md").write_text("Review {{args}}")
    (directory / "b-2.md").write_text("B")
    (directory / "notes.txt").write_text("not a template")
    (directory / "sub.md").mkdir()
    (directory / "my review.md").write_text("has a space")
    (directory / ".md").write_text("no name at all")
    assert template_names(directory) == ["b-2", "review"]
    assert misnamed_templates(directory) == ["my review.md"]
    assert misnamed_templates(tmp_path / "none") == []
    assert run_template(directory, "review", "x.py") == "Review x.py"
    with pytest.raises(TemplateError, match=r"no template 'nope'.*templates: b-2, review"):
        run_template(directory, "nope")
    with pytest.raises(TemplateError, match="not a template name"):
        run_template(directory, "../config")


# ---------------------------------------------------------------------------- recent models


def test_recent_models_cycle_and_persist(tmp_path):
    path = tmp_path / "recent.json"
    recent = RecentModels(path)
    flash, pro = ModelChoice("flash"), ModelChoice("pro")
    agent = ModelChoice("deep-research", agent=True)
    assert recent.after(flash) is None  # nothing else used yet
    assert recent.use(flash) and recent.use(pro) and recent.use(agent)
    assert not recent.use(agent)  # already first: nothing written
    assert recent.items == [agent, pro, flash]
    assert recent.after(agent) == pro
    assert recent.after(pro) == flash
    assert recent.after(flash) == agent  # round and round
    assert recent.after(ModelChoice("new")) == agent  # one not in the list counts as newest
    stored = json.loads(path.read_text())["recent"]
    assert stored[0] == {"name": "deep-research", "agent": True}
    assert RecentModels(path).items == [agent, pro, flash]
    for number in range(RECENT_LIMIT + 3):
        recent.use(ModelChoice(f"m{number}"))
    assert len(RecentModels(path).items) == RECENT_LIMIT


def test_a_damaged_recent_file_reads_as_empty(tmp_path):
    path = tmp_path / "recent.json"
    path.write_text('{"recent": [{"name": ""}, 3, {"name": "ok"}]}')
    assert RecentModels(path).items == [ModelChoice("ok")]
    path.write_text("[")
    assert RecentModels(path).items == []


# ---------------------------------------------------------------------------- config

CONFIG = """
system_instruction = "Be kind."
[generation]
max_output_tokens = 500

[[functions]]
name = "get_weather"
command = ["true"]

[presets.reviewer]
system_instruction = "You review code."
model = "gemini-2.5-pro"
tools = ["google_search", "get_weather", "nope"]
[presets.reviewer.generation]
temperature = 0.2

[presets.researcher]
agent = "deep-research-preview-04-2026"

[prices."gemini-2.5-pro"]
input = 1.25
output = 10
thinking = 12
"""


def test_presets_apply_over_the_settings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    loaded = load_settings(path, environ={})
    assert loaded.problems == []
    settings = loaded.settings
    reviewer = settings.with_preset("reviewer")
    assert (reviewer.model, reviewer.agent) == ("gemini-2.5-pro", None)
    assert reviewer.system_instruction == "You review code."
    assert reviewer.generation.temperature == 0.2
    assert reviewer.generation.max_output_tokens == 500  # kept from the settings
    chat = reviewer.to_chat_settings()
    assert [tool.get("type") for tool in chat.tools] == ["google_search", "function"]
    assert settings.unknown_preset_tools("reviewer") == ["nope"]
    researcher = settings.with_preset("researcher")
    assert researcher.agent == "deep-research-preview-04-2026"
    assert researcher.system_instruction == "Be kind."  # not set by the preset
    with pytest.raises(KeyError):
        settings.with_preset("nope")
    prices = settings.price_table()
    assert prices["gemini-2.5-pro"].thinking == 12 and prices["gemini-2.5-pro"].cached is None


def test_bad_values_are_reported_and_skipped(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'notify = "loud"\ncompress_at = 150\n[presets.x]\ncolour = "red"\n'
        '[prices."m"]\ninput = -1\noutput = 1\n'
    )
    loaded = load_settings(path, environ={})
    text = "\n".join(loaded.problems)
    for setting in ("notify", "compress_at", "presets.x.colour", "prices.m.input"):
        assert setting in text
    assert loaded.settings.notify == "auto" and loaded.settings.compress_at is None


def test_notify_from_the_environment(tmp_path):
    loaded = load_settings(tmp_path / "none.toml", environ={"GEMTUI_NOTIFY": "bell"})
    assert loaded.settings.notify == "bell"
