"""The layer rule, checked in fresh interpreters: only the UI may import Textual.

Modules are discovered when the test runs, so a module added later is covered without editing
this file. ``gemtui --version`` must stay fast, so it may not even load the HTTP or model stack.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import gemtui
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn

#: Packages that must never import Textual (DESIGN.md §2).
HEADLESS_PACKAGES = (
    "gemtui.api",
    "gemtui.core",
    "gemtui.emulator",
    "gemtui.headless",
    "gemtui.proxy",
)
#: Top-level modules outside ``gemtui.ui`` that are not headless by nature.
NOT_HEADLESS = {"gemtui.__main__", "gemtui.ui"}


def headless_modules() -> list[str]:
    """Every module of the headless packages, plus the top-level ones (cli, config, ...)."""
    names = set()
    for info in pkgutil.iter_modules(gemtui.__path__, "gemtui."):
        if info.name not in NOT_HEADLESS:
            names.add(info.name)
    for package in HEADLESS_PACKAGES:
        path = importlib.import_module(package).__path__
        names |= {info.name for info in pkgutil.walk_packages(path, f"{package}.")}
    return sorted(names)


# Imports each module in turn and reports the first one after which Textual is loaded.
PROBE = """
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    if "textual" in sys.modules:
        print(name)
        sys.exit(1)
"""


def test_discovery_finds_the_headless_modules() -> None:
    modules = headless_modules()
    assert {"gemtui.api.models", "gemtui.core.assembler", "gemtui.cli"} <= set(modules)
    assert not any(name.startswith("gemtui.ui") for name in modules)


def test_headless_modules_do_not_import_textual() -> None:
    modules = headless_modules()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"importing {result.stdout.strip() or '?'} loaded textual\n{result.stderr}"
    )


# Runs ``python -m gemtui ARGS`` in-process, then lists what it imported.
COMMAND_PROBE = """
import json, runpy, sys
sys.argv = ["gemtui", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("gemtui", run_name="__main__")
except SystemExit as exc:
    code = exc.code
# A None entry is a module kept out on purpose (gemtui/__init__.py), not one imported.
print("MODULES", " ".join(sorted(n for n, m in sys.modules.items() if m is not None)))
sys.exit(code)
"""


def imported_by(*argv: str) -> tuple[str, set[str]]:
    """What ``gemtui ARGV`` printed before the probe's list, and the top-level packages it
    imported."""
    result = subprocess.run(
        [sys.executable, "-c", COMMAND_PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    printed, modules = result.stdout.split("MODULES", 1)
    return printed, {m.split(".")[0] for m in modules.split()}


def test_version_imports_nothing_heavy() -> None:
    printed, packages = imported_by("--version")
    assert f"gemtui {gemtui.__version__}" in printed
    assert not packages & {"textual", "httpx", "pydantic", "rich"}


def test_history_and_export_load_neither_textual_nor_the_http_stack() -> None:
    """Reading the history needs SQLite and the stored shapes, not a UI or a network client.
    (The autouse fixture of tests/conftest.py gives this test a history of its own.)"""
    settings = ChatSettings()
    with Store.open_default() as store:
        cid = store.create_conversation(settings)
        store.start_turn(cid, Turn(Asked("a stored chat")), settings, parent_turn_id=None)
    for argv in (("history",), ("history", "--json", "--search", "chat"), ("export", "last")):
        printed, packages = imported_by(*argv)
        assert "a stored chat" in printed, argv
        assert not packages & {"textual", "httpx", "rich", "markdown_it"}, argv


def modules_of_a_failed_ask() -> set[str]:
    """The modules ``gemtui ask "hi"`` imports, asked of an endpoint where nothing listens: it
    fails at once (exit 1), after its whole start-up."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            COMMAND_PROBE,
            json.dumps(["ask", "--no-history", "--base-url", "http://127.0.0.1:9", "hi"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GEMINI_API_KEY": "k"},
    )
    assert result.returncode == 1, result.stderr
    return set(result.stdout.split("MODULES", 1)[1].split())


def test_the_proxy_stays_out_of_version_and_ask() -> None:
    """The inspector's proxy (and the server stack under it) loads only for its commands."""
    _printed, packages = imported_by("--version")
    assert not packages & {"starlette", "uvicorn"}
    modules = modules_of_a_failed_ask()
    assert "gemtui.api.client" in modules
    assert not {m for m in modules if m.startswith(("gemtui.proxy", "starlette", "uvicorn"))}
    # No config file, so no function tools: the settings model is not loaded (issue 20).
    assert "gemtui.config" not in modules


def test_ask_loads_neither_the_files_api_nor_the_request_models() -> None:
    """Start-up (issue 20): a question without attachments sends a plain dict, so the Files
    API client, the resource models and the models of a request's body never load."""
    modules = modules_of_a_failed_ask()
    assert "gemtui.api.models" in modules  # the probe did get as far as the request
    assert not modules & {"gemtui.api.files", "gemtui.api.resource_models"}
    assert "gemtui.api.request_models" not in modules


def test_ask_loads_what_only_media_or_a_failure_needs_on_first_use() -> None:
    """Start-up (issue 20): a text answer needs neither the media module (nor the clipboard
    one under it) nor the failure report of a failed run before its first byte."""
    modules = modules_of_a_failed_ask()
    assert "gemtui.headless.view" in modules  # the probe did get as far as the output
    assert not modules & {"gemtui.core.media", "gemtui.core.clipboard", "gemtui.core.run_errors"}


def test_the_tui_defers_what_only_an_answer_needs() -> None:
    """Start-up (issue 20, item 4): Markdown parsing and highlighting load after the first
    frame (gemtui.ui.render.warm_up), and so does the HTTP stack (GemtuiApp.client)."""
    probe = "import sys, gemtui.ui.launch; print(' '.join(n for n, m in sys.modules.items() if m))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "textual.app" in loaded  # the probe did import the TUI
    assert not loaded & {"markdown_it", "rich.markdown", "rich.syntax", "pygments", "httpx._main"}
    assert not loaded & {"starlette", "uvicorn"}
    # The HTTP stack, and the models of a request's body, load after the first frame (the
    # app's warm-up thread makes its client) or never.
    assert not loaded & {"httpx", "httpcore", "gemtui.api.client", "gemtui.api.request_models"}
    # TOML is parsed only when there is a config file (gemtui.config._read_file).
    assert "tomllib" not in loaded


def test_the_mime_table_is_read_only_when_asked() -> None:
    """Start-up (issue 20): the attachments module builds its MIME table (which reads the
    system's tables too) on first use, not on import, on the TUI's and ``ask``'s paths."""
    probe = "import mimetypes, gemtui.ui.launch, gemtui.headless.inputs; print(mimetypes.inited)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


def test_wire_and_tool_models_build_their_validators_on_first_use() -> None:
    """Start-up (issue 20): importing the models creates classes only; validators are built
    when something is parsed (``defer_build``). ``gemtui ask`` without a config file never
    validates a function tool, so it never pays for that one."""
    probe = (
        "import gemtui.api.models as m, gemtui.core.tools as t; "
        "print(t.FunctionTool.__pydantic_complete__, m.Interaction.__pydantic_complete__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# Makes a turn's state and streams one answer from the emulator at argv[1], noting whether the
# event schema was built when the request was written and once the stream was read.
SCHEMA_PROBE = """
import asyncio, sys
from gemtui.api import models
from gemtui.api.client import InteractionsClient
from gemtui.core.assembler import new_state

async def main(url):
    new_state()  # made before the request, as a turn's is
    seen = {"state": models.Interaction.__pydantic_complete__}
    client = InteractionsClient(api_key="k", base_url=url)
    sent = lambda: seen.setdefault("sent", models._event_adapter.pydantic_complete)
    async with client.stream({"model": "gemini-3.6-flash", "input": "hi"}, on_sent=sent) as events:
        kinds = [item.event.event_type async for item in events]
    await client.aclose()
    print(seen["state"], seen["sent"], models._event_adapter.pydantic_complete, kinds[-1])

asyncio.run(main(sys.argv[1]))
"""


def test_no_schema_is_built_before_the_request_is_written(emulator) -> None:
    """Start-up (issue 20, items 1 and 4): a turn's empty state is not validated, and the event
    schema (tens of ms on a first turn) is built once the request is out, while the server
    prepares its answer, not before the request leaves."""
    result = subprocess.run(
        [sys.executable, "-c", SCHEMA_PROBE, emulator.base_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "interaction.completed"]
