"""The layer rule, checked in fresh interpreters: only the UI may import Textual.

Modules are discovered when the test runs, so a module added later is covered without editing
this file. ``gemtui --version`` must stay fast, so it may not even load the HTTP or model stack.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import gemtui

#: Packages that must never import Textual (DESIGN.md §2).
HEADLESS_PACKAGES = ("gemtui.api", "gemtui.core", "gemtui.emulator", "gemtui.headless")
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


# Runs ``python -m gemtui --version`` in-process, then lists what it imported.
VERSION_PROBE = """
import runpy, sys
sys.argv = ["gemtui", "--version"]
try:
    runpy.run_module("gemtui", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print("MODULES", " ".join(sorted(sys.modules)))
sys.exit(code)
"""


def test_version_imports_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", VERSION_PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"gemtui {gemtui.__version__}" in result.stdout
    modules = result.stdout.split("MODULES", 1)[1].split()
    heavy = {m for m in modules if m.split(".")[0] in {"textual", "httpx", "pydantic", "rich"}}
    assert not heavy
