"""Start the TUI: find the key and the endpoint, start the emulator when needed, run the app."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gemtui.api.models import keep_schemas_in
from gemtui.config import LoadedSettings, load_settings
from gemtui.core.data_dir import cache_dir
from gemtui.core.logs import start_logging, stop_logging
from gemtui.core.store import Store, StoreError
from gemtui.core.tool_specs import secret_values
from gemtui.ui.app import Connection, GemtuiApp
from gemtui.ui.graphics import load_textual_image, probe_is_useful

NO_KEY_NOTICE = (
    "No API key found, so gemtui is running on its built-in offline emulator. "
    "To talk to Gemini, set GEMINI_API_KEY (or GOOGLE_API_KEY) and start gemtui again."
)
DEMO_NOTICE = "Demo mode: answers come from gemtui's built-in offline emulator, not from Gemini."
#: ``gemtui replay`` needs no key: only what is asked after the replay goes anywhere.
REPLAY_NO_KEY_NOTICE = (
    "The replay needs no key. No API key is set, so prompts sent after it go to gemtui's "
    "built-in offline emulator; set GEMINI_API_KEY (or GOOGLE_API_KEY) to talk to Gemini."
)


def preset_known(loaded: LoadedSettings, preset: str | None) -> bool:
    """Whether ``preset`` (``None``: none asked for) is one of the config's; if not, says
    so on stderr, before any screen: a usage error."""
    if preset is None or preset in loaded.settings.presets:
        return True
    known = ", ".join(loaded.settings.presets) or "none"
    sys.stderr.write(f"gemtui: no preset {preset!r} in {loaded.path} (presets: {known})\n")
    return False


def run_tui(
    *,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    app_factory: Callable[..., GemtuiApp] = GemtuiApp,
    preset: str | None = None,
    no_key_notice: str = NO_KEY_NOTICE,
    refuse: Callable[[Connection, Store | None], str | None] | None = None,
) -> int:
    """Run the app until the user quits; returns the exit code.

    Settings come from defaults < the config file < the environment < ``overrides`` (the
    command-line flags); a broken file only adds a warning in the conversation.
    ``app_factory(connection, loaded=…, store=…)`` makes the app (``show`` and ``replay`` pass
    one that opens their turn at start). ``preset``: a ``[presets.NAME]`` to start with; an
    unknown one is a usage error (exit 2), said before the screen changes.
    ``no_key_notice``: what the chat says when no key is set (it runs on the emulator then).
    ``refuse``: why not to start, once the endpoint and the history are known (``gemtui show``
    of a word that is no id): said on stderr before any screen, a usage error (exit 2).
    """
    loaded = load_settings(config, overrides)
    settings = loaded.settings
    keep_schemas_in(cache_dir())  # the event validator's schema: see gemtui.api.schema_cache
    if not preset_known(loaded, preset):
        return 2
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    base_url = settings.base_url
    notice = ""
    if not demo and api_key is None and base_url is None:
        demo, notice = True, no_key_notice
    emulator = None
    if demo:
        from gemtui.core.data_dir import data_dir
        from gemtui.emulator.run import start_demo

        emulator = start_demo(data_dir(), held=True)
        base_url, api_key = emulator.base_url, "demo-key"
        notice = notice or DEMO_NOTICE
    connection = Connection(
        base_url=base_url,
        api_key=api_key,
        api_version=settings.api_version,
        demo=demo,
        notice=notice,
        secrets=[api_key] if api_key else [],
        start_server=emulator.start if emulator is not None else None,
    )
    # MCP header values (tokens) are redacted like the key wherever text is written.
    connection.secrets += secret_values([s.declaration() for s in settings.mcp_servers])
    start_logging(connection.secrets, settings.log_level)
    store, store_problem = open_history(connection.secrets)
    if store_problem:
        loaded.problems.append(store_problem)
    try:
        refused = refuse(connection, store) if refuse is not None else None
        if refused:
            sys.stderr.write(f"{refused}\n")
            return 2
        if probe_is_useful(os.environ, sys.__stdout__):
            # textual-image must ask the terminal about graphics before Textual takes it over.
            load_textual_image()
        app = app_factory(connection, loaded=loaded, store=store)
        app.start_preset = preset
        result = app.run()
    finally:
        if store is not None:
            store.close()
        if emulator is not None:
            emulator.stop()
        stop_logging()
    if app.left_running and not demo:
        sys.stderr.write(
            f"gemtui: the background run {app.left_running} goes on at the server; "
            "F4 shows it at the next start.\n"
        )
    # A crash returns no result; Textual's return code then says it failed.
    return result if result is not None else app.return_code or 0


def open_history(secrets: list[str]) -> tuple[Store | None, str]:
    """The history store, or None and why not (the app then runs without history)."""
    try:
        return Store.open_default(secrets=secrets), ""
    except StoreError as error:
        return None, f"History is off: {error.explained()}"
