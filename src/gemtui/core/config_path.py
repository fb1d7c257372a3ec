"""Where the user's config file is, without loading the settings model (``gemtui ask`` looks
there for function tools first, and loads the settings only when the file may declare some)."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE_NAME = "config.toml"


def config_dir() -> Path:
    """The user's config directory for gemtui (platformdirs: ``~/.config/gemtui`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("gemtui"))


def default_config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME
