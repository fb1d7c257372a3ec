"""``gemtui ask -t NAME ARGS``: a prompt template from beside the config file, as a real
process; and ``gemtui --preset NAME`` refusing a preset the config file does not have."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli_env import clean_env, run_gemtui


def config_with_templates(tmp_path: Path) -> Path:
    """A config file with a preset, and templates that inline files from ``tmp_path``."""
    config = tmp_path / "conf" / "config.toml"
    (config.parent / "templates").mkdir(parents=True)
    config.write_text('[presets.short]\nsystem_instruction = "Be short."\n')
    templates = config.parent / "templates"
    (templates / "explain.md").write_text(
        f"Explain {{{{args}}}} with these notes:\n@{{{tmp_path / 'notes.txt'}}}\n"
    )
    (templates / "image.md").write_text(f"Look at @{{{tmp_path / 'picture.png'}}}")
    return config


def test_a_template_is_the_prompt(cli, tmp_path, emulator):
    config = config_with_templates(tmp_path)
    (tmp_path / "notes.txt").write_text("owls hunt at night")
    result = cli("--config", str(config), "-t", "explain", "owls", "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["status"] == "completed"
    sent = [r["body"] for r in emulator.received_requests() if r["path"].endswith("/interactions")][
        -1
    ]
    assert sent["input"][-1]["content"][-1]["text"] == (
        "Explain owls with these notes:\nowls hunt at night\n"
    )


def test_refused_templates_are_usage_errors(cli, tmp_path):
    config = config_with_templates(tmp_path)
    missing = cli("--config", str(config), "-t", "explain", "owls")
    assert missing.code == 2 and "notes.txt" in missing.err and "no such file" in missing.err
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    binary = cli("--config", str(config), "-t", "image")
    assert binary.code == 2 and "not text" in binary.err
    unknown = cli("--config", str(config), "-t", "nope", "x")
    assert unknown.code == 2 and "templates: explain, image" in unknown.err


def test_an_unknown_preset_stops_the_tui_at_once(tmp_path):
    config = config_with_templates(tmp_path)
    result = run_gemtui("--demo", "--config", str(config), "--preset", "long", env=clean_env())
    assert result.returncode == 2
    assert "no preset 'long'" in result.stderr and "presets: short" in result.stderr
