"""Settings: layering of defaults, file, environment and flags; broken files; writing back."""

from __future__ import annotations

import json
import stat
import sys

import pytest
from pydantic import ValidationError

from gemtui.api.client import InteractionsClient
from gemtui.config import (
    ConfigWriteError,
    Settings,
    default_config_path,
    load_settings,
    save_settings,
)
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.turn import Asked

KEY = "test-key-NOT-A-REAL-KEY-1234"

FILE = """\
# my gemtui settings
model = "gemini-2.5-pro"   # the one I like
theme = "nord"

[generation]
# keep it calm
temperature = 0.2
seed = 7

[keymap]
"app.quit" = ["ctrl+x", "f10"]
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(FILE, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    loaded = load_settings(tmp_path / "missing.toml", {}, environ={})
    assert loaded.settings == Settings()
    assert loaded.problems == []
    assert loaded.settings.to_chat_settings() == ChatSettings()


def test_default_path_is_in_the_user_config_dir():
    path = default_config_path()
    assert path.name == "config.toml" and path.parent.name == "gemtui"


def test_file_values_are_read(config):
    settings = load_settings(config, {}, environ={}).settings
    assert settings.model == "gemini-2.5-pro"
    assert settings.theme == "nord"
    assert settings.generation.temperature == 0.2
    assert settings.keymap == {"app.quit": "ctrl+x,f10"}


def test_broken_file_gives_defaults_and_names_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('model = "a"\ntheme = = "nord"\n', encoding="utf-8")
    loaded = load_settings(path, {}, environ={})
    assert loaded.settings == Settings()
    [problem] = loaded.problems
    assert str(path) in problem and "line 2" in problem


def test_bad_values_are_skipped_alone_with_their_line(config):
    config.write_text(FILE.replace("seed = 7", "seed = 7\ntop_p = 3\nsed = 1"), encoding="utf-8")
    loaded = load_settings(config, {}, environ={})
    assert loaded.settings.generation.temperature == 0.2
    assert loaded.settings.generation.top_p is None
    assert sorted(loaded.problems) == [
        f"{config}, line 10: generation.sed: unknown setting; ignored.",
        f"{config}, line 9: generation.top_p: Input should be less than or equal to 1; ignored.",
    ]


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path):
    loaded = load_settings(tmp_path, {}, environ={})
    assert loaded.settings == Settings()
    assert "cannot be read" in loaded.problems[0]


def test_env_over_file(config):
    environ = {
        "GEMTUI_MODEL": "gemini-3.7-flash",
        "GEMTUI_GENERATION__TEMPERATURE": "0.9",
        "GEMINI_API_KEY": KEY,
        "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9/",
    }
    config.write_text('api_key = "from-file"\n' + FILE, encoding="utf-8")
    settings = load_settings(config, {}, environ=environ).settings
    assert settings.model == "gemini-3.7-flash"
    assert settings.generation.temperature == 0.9
    assert settings.generation.seed == 7  # the rest of the table still comes from the file
    assert settings.api_key is not None and settings.api_key.get_secret_value() == KEY
    assert settings.base_url == "http://127.0.0.1:9"


def test_gemini_key_wins_over_google_key(tmp_path):
    environ = {"GOOGLE_API_KEY": "google-key", "GEMINI_API_KEY": "gemini-key"}
    settings = load_settings(tmp_path / "none.toml", {}, environ=environ).settings
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "gemini-key"
    environ = {"GOOGLE_API_KEY": "google-key"}
    settings = load_settings(tmp_path / "none.toml", {}, environ=environ).settings
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "google-key"


def test_flags_over_env(config):
    environ = {"GEMTUI_MODEL": "gemini-3.7-flash", "GOOGLE_GEMINI_BASE_URL": "http://env:1"}
    overrides = {
        "model": "gemini-3.8-flash",
        "base_url": "http://flag:2",
        "agent": None,
        "generation.seed": 99,
    }
    settings = load_settings(config, overrides, environ=environ).settings
    assert settings.model == "gemini-3.8-flash"
    assert settings.base_url == "http://flag:2"
    assert settings.agent is None
    assert settings.generation.seed == 99
    assert settings.generation.temperature == 0.2


def test_bad_env_and_flag_values_are_reported_not_raised(config):
    environ = {"GEMTUI_GENERATION__SEED": "many", "GEMTUI_TOOLS": "{not json"}
    loaded = load_settings(config, {"api_version": "v3"}, environ=environ)
    assert loaded.settings.generation.seed == 7
    assert loaded.settings.api_version == "v1"
    text = "\n".join(loaded.problems)
    assert "GEMTUI_" in text
    assert "command line: api_version" in text


def test_env_names_match_whatever_their_case_and_tables_take_json_and_nested_names(tmp_path):
    environ = {
        "gemtui_model": "gemini-3.7-flash",
        "GEMTUI_GENERATION": '{"seed": 3, "temperature": 0.1}',
        "GEMTUI_GENERATION__TEMPERATURE": "0.4",  # a nested name wins over the table's JSON
        "GEMTUI_GENERATION__STOP_SEQUENCES": '["END"]',
        "GEMTUI_LABELS__TEAM": "docs",
        "GEMTUI_SAFETY": '{"harassment": "block_only_high"}',
    }
    loaded = load_settings(tmp_path / "none.toml", {}, environ=environ)
    settings = loaded.settings
    assert loaded.problems == []
    assert settings.model == "gemini-3.7-flash"
    assert (settings.generation.seed, settings.generation.temperature) == (3, 0.4)
    assert settings.generation.stop_sequences == ["END"]
    assert settings.labels == {"team": "docs"}
    assert settings.safety == {"harassment": "block_only_high"}


def test_a_field_that_may_be_text_or_json_takes_either_from_the_env(tmp_path):
    def environment(value: str) -> object:
        loaded = load_settings(tmp_path / "none.toml", {}, environ={"GEMTUI_ENVIRONMENT": value})
        assert not loaded.problems
        return loaded.settings.environment

    assert environment("remote") == "remote"
    table = environment('{"network": "disabled"}')
    assert isinstance(table, dict) and table["network"] == "disabled"


def test_a_plain_field_has_no_names_below_it(tmp_path):
    environ = {"GEMTUI_MODEL__X": "y", "GEMTUI_API_VERSION": "v1beta"}
    loaded = load_settings(tmp_path / "none.toml", {}, environ=environ)
    assert loaded.problems == []
    assert loaded.settings.model == Settings().model and loaded.settings.api_version == "v1beta"


def test_a_variable_that_is_not_json_is_left_out_alone(tmp_path):
    environ = {"GEMTUI_TOOLS": "{not json", "GEMTUI_MODEL": "gemini-3.7-flash"}
    loaded = load_settings(tmp_path / "none.toml", {}, environ=environ)
    assert loaded.settings.model == "gemini-3.7-flash"
    assert loaded.settings.tools == Settings().tools
    assert len(loaded.problems) == 1
    assert loaded.problems[0].startswith("environment variable GEMTUI_TOOLS: not valid JSON")


def test_key_is_masked_everywhere(config):
    # A key of the wrong type in the file is reported without its value.
    config.write_text(f'api_key = ["{KEY}"]\n', encoding="utf-8")
    loaded = load_settings(config, {}, environ={"GOOGLE_API_KEY": KEY})
    assert loaded.problems and "api_key" in loaded.problems[0]
    assert loaded.settings.api_key is not None
    for text in (repr(loaded.settings), str(loaded.settings), repr(loaded), *loaded.problems):
        assert KEY not in text
    assert KEY not in json.dumps(loaded.settings.model_dump(mode="json"))


def test_chat_settings_build_the_request():
    settings = Settings(
        model="gemini-2.5-flash",
        system_instruction="Be brief.",
        generation={"temperature": 0.5, "stop_sequences": ["END"], "thinking_level": "low"},
        tools={"google_search": True, "url_context": True},
        response_schema='{"type": "object"}',
        stateful=False,
    )
    conversation = Conversation(settings=settings.to_chat_settings())
    body = conversation.build_request(conversation.start_turn(Asked("hi")))
    assert body["model"] == "gemini-2.5-flash"
    assert body["system_instruction"] == "Be brief."
    assert body["generation_config"] == {
        "temperature": 0.5,
        "stop_sequences": ["END"],
        "thinking_level": "low",
    }
    assert body["tools"] == [{"type": "google_search"}, {"type": "url_context"}]
    assert body["response_format"]["schema"] == {"type": "object"}
    assert body["store"] is False


def test_settings_follow_what_is_in_force():
    settings = Settings(api_key=KEY, theme="nord", generation={"temperature": 0.5})
    chat = ChatSettings(
        model="gemini-3.7-flash",
        tools=[{"type": "code_execution"}, {"type": "function", "name": "f"}],
        generation_config={"seed": 3},
        response_format={"type": "text", "schema": {"type": "string"}},
        stateful=False,
    )
    merged = settings.with_chat_settings(chat)
    assert merged.theme == "nord" and merged.api_key == settings.api_key
    assert merged.to_chat_settings() == ChatSettings(
        model="gemini-3.7-flash",
        tools=[{"type": "code_execution"}],
        generation_config={"seed": 3},
        response_format={
            "type": "text",
            "mime_type": "application/json",
            "schema": {"type": "string"},
        },
        stateful=False,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("response_schema", "[1, 2]"),
        ("response_schema", "{oops"),
        ("base_url", "example.com"),
        ("base_url", "http://example.com:99999"),
        ("base_url", "https://example.com/?key=1"),
        ("model", ""),
        ("generation", {"thinking_level": "extreme"}),
        ("generation", {"stop_sequences": [""]}),
    ],
)
def test_invalid_values_are_refused(field, value):
    with pytest.raises(ValueError):
        Settings(**{field: value})


# ---------------------------------------------------------------------------------- saving


def test_save_writes_only_changes_and_keeps_comments(config):
    before = load_settings(config, {"base_url": "http://flag:1"}, environ={}).settings
    after = before.model_copy(
        update={
            "model": "gemini-3.8-flash",
            "system_instruction": "Line one.\nLine two.",
            "generation": before.generation.model_copy(update={"seed": None, "top_p": 0.4}),
            "keymap": {"app.quit": "f10", "app.help": "question_mark"},
            "response_schema": {"type": "object", "default": None},
        }
    )
    written = save_settings(config, before, after)
    assert written == [
        "generation.seed",
        "generation.top_p",
        "keymap.app.help",
        "keymap.app.quit",
        "model",
        "response_schema",
        "system_instruction",
    ]
    text = config.read_text(encoding="utf-8")
    assert "# my gemtui settings" in text and "# keep it calm" in text
    assert 'model = "gemini-3.8-flash"   # the one I like' in text
    assert "seed" not in text
    assert "base_url" not in text  # came from a flag, not changed in the pane
    reloaded = load_settings(config, {}, environ={})
    assert reloaded.problems == []
    assert reloaded.settings == after.model_copy(update={"base_url": None})


def test_key_is_written_only_on_request_and_then_privately(config):
    config.chmod(0o644)
    before = load_settings(config, {}, environ={"GEMINI_API_KEY": KEY}).settings
    after = before.model_copy(update={"theme": "ansi-dark"})
    save_settings(config, before, after)
    assert KEY not in config.read_text(encoding="utf-8")
    assert stat.S_IMODE(config.stat().st_mode) == 0o644
    save_settings(config, after, after, save_api_key=True)
    assert f'api_key = "{KEY}"' in config.read_text(encoding="utf-8")
    if sys.platform != "win32":
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert load_settings(config, {}, environ={}).settings.api_key == before.api_key


def test_new_file_is_created_with_its_directory(tmp_path):
    path = tmp_path / "new" / "dir" / "config.toml"
    before = Settings()
    assert save_settings(path, before, before) == []
    assert not path.exists()
    save_settings(path, before, before.model_copy(update={"stateful": False}))
    assert load_settings(path, {}, environ={}).settings.stateful is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_broken_file_is_not_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("model = = 1\n", encoding="utf-8")
    before = Settings()
    with pytest.raises(ConfigWriteError, match="not valid TOML"):
        save_settings(path, before, before.model_copy(update={"model": "x"}))
    assert path.read_text(encoding="utf-8") == "model = = 1\n"


def test_api_version_defaults_to_v1_as_the_sdk_and_v1beta_can_be_chosen(tmp_path):
    """SDK 3.3.0 calls /v1 (GOOGLE_AI_API_DEFAULT_VERSION); v1beta stays selectable."""
    assert Settings().api_version == "v1"
    assert InteractionsClient(api_key=None).api_version == "v1"
    loaded = load_settings(tmp_path / "none.toml", {}, environ={"GEMTUI_API_VERSION": "v1beta"})
    assert loaded.settings.api_version == "v1beta" and not loaded.problems


MCP_CONFIG = """\
# two servers, one with a mistake
[[mcp_servers]]
name = "docs"
url = "https://example.com/mcp"

[[mcp_servers]]
name = "bad"
url = "not-a-url"
enabled = false

[[mcp_servers]]
name = "docs"
url = "https://example.org/other"
"""


def test_one_bad_mcp_server_costs_that_server_and_names_its_own_line(tmp_path):
    """A bad entry dropped every server, and the message pointed at the first entry."""
    path = tmp_path / "config.toml"
    path.write_text(MCP_CONFIG)
    loaded = load_settings(path, environ={})
    assert [(s.name, s.url) for s in loaded.settings.mcp_servers] == [
        ("docs", "https://example.com/mcp")
    ]
    bad, twice = (p for p in loaded.problems if "mcp_servers[" in p)
    assert bad == (
        f"{path}, line 6: mcp_servers[1] (bad): url: must be an http:// or https:// URL; "
        "that server is ignored."
    )
    assert twice == (
        f"{path}, line 11: mcp_servers[2] (docs): another server is already named 'docs'; "
        "that server is ignored."
    )


def test_an_image_asked_for_with_an_aspect_ratio_reads_back_as_an_image() -> None:
    """F2 opened on "server default" for an image asked for at 16:9 (sent as an image all
    the same), and a save from there would have written the modality away."""
    settings = Settings(output={"modality": "image", "aspect_ratio": "16:9"})
    shown = settings.with_chat_settings(settings.to_chat_settings())
    assert (shown.output.modality, shown.output.aspect_ratio) == ("image", "16:9")


def test_a_schema_that_is_not_a_valid_json_schema_is_refused_where_it_is_set(tmp_path) -> None:
    """It was taken, and only an answer said "JSON, not checked: bad schema"."""
    with pytest.raises(ValidationError, match="not a valid JSON schema"):
        Settings(response_schema='{"type": "nonsense"}')
    path = tmp_path / "config.toml"
    path.write_text('response_schema = \'{"type": "nonsense"}\'\nmodel = "m"\n')
    loaded = load_settings(path, environ={})
    assert loaded.settings.response_schema is None and loaded.settings.model == "m"
    assert any("not a valid JSON schema" in problem for problem in loaded.problems)


def test_image_options_kept_while_another_modality_is_asked_for():
    """A document sends no aspect ratio; F2 (``with_chat_settings``) keeps the configured one
    for when an image is asked for again."""
    settings = Settings.model_validate({"output": {"modality": "document", "aspect_ratio": "21:9"}})
    chat = settings.to_chat_settings()
    assert chat.response_format is None and chat.response_modalities == ["document"]
    output = settings.with_chat_settings(chat).output
    assert (output.modality, output.aspect_ratio) == ("document", "21:9")
