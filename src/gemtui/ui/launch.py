"""Start the TUI: find the key and the endpoint, start the emulator when needed, run the app."""

from __future__ import annotations

from gemtui.core.conversation import ChatSettings
from gemtui.core.credentials import api_key_from_env, base_url_from_env
from gemtui.ui.app import Connection, GemtuiApp

NO_KEY_NOTICE = (
    "No API key found, so gemtui is running on its built-in offline emulator. "
    "To talk to Gemini, set GEMINI_API_KEY (or GOOGLE_API_KEY) and start gemtui again."
)
DEMO_NOTICE = "Demo mode: answers come from gemtui's built-in offline emulator, not from Gemini."


def run_tui(*, demo: bool, base_url: str | None, model: str | None) -> int:
    """Run the app until the user quits; returns the exit code."""
    api_key = api_key_from_env()
    base_url = base_url or base_url_from_env()
    notice = ""
    if not demo and api_key is None and base_url is None:
        demo, notice = True, NO_KEY_NOTICE
    emulator = None
    if demo:
        from gemtui.emulator.run import start_in_thread

        emulator = start_in_thread()
        base_url, api_key = emulator.base_url, "demo-key"
        notice = notice or DEMO_NOTICE
    settings = ChatSettings()
    if model:
        settings.model = model
    connection = Connection(
        base_url=base_url,
        api_key=api_key,
        demo=demo,
        notice=notice,
        secrets=[api_key] if api_key else [],
    )
    try:
        result = GemtuiApp(connection, settings).run()
    finally:
        if emulator is not None:
            emulator.stop()
    return result or 0
