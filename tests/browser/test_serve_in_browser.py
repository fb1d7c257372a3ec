"""``gemtui --serve`` in a real browser: headless Chromium opens the page textual-serve serves,
types a prompt into its xterm.js terminal, reads the answer off that terminal and a copy off
the browser's clipboard.

The page talks to the server over one websocket: keys go up as ``["stdin", …]`` messages, the
session's terminal output comes down as bytes that xterm.js draws, and xterm.js's clipboard
add-on turns an OSC 52 in that output into ``navigator.clipboard.writeText``. So what is read
here has crossed the whole path a user's copy takes.

Needs Playwright's Python package (the ``[browser]`` extra) and the system's ``chromium``
(Debian's package); Playwright drives that browser and never downloads one of its own. Without
either the test is skipped, so the default run and CI do not depend on them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.cli_env import clean_env
from support.served_app import serve_gemtui

from gemtui.core.wording import format_size
from gemtui.emulator.markdown import answer
from gemtui.ui.launch import DEMO_NOTICE

CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)"
    ),
]

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed (pip install -e '.[browser]')",
)

#: The network here is closed: without the background-networking flags Chromium keeps trying
#: blocked hosts. Playwright adds some of these itself; they are listed so none is left to it.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Generous bound for one wait on a slow shared machine (milliseconds, as Playwright counts).
WAIT_MS = 60_000

#: textual.js keeps its xterm.js ``Terminal`` in ``this.terminal`` of an object the page never
#: exposes. An accessor on ``Object.prototype`` sees that first assignment, makes it a plain
#: property again and keeps the terminal, so the test reads what it shows through xterm.js's
#: public buffer API (the terminal draws on a canvas: there is no text in the DOM to read).
TERMINAL_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active) window.gemtuiTerminal = value;
  },
});
window.gemtuiScreen = () => {
  const terminal = window.gemtuiTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true).trimEnd() : "");
  }
  return rows.join("\\n");
};
"""

#: Each poll starts a read of the clipboard and answers what the last finished read found (a
#: predicate returning the read's promise would count as true at once: a promise is truthy).
CLIPBOARD_POLL = """() => {
  navigator.clipboard.readText().then(text => { window.gemtuiClipboard = text; });
  return window.gemtuiClipboard;
}"""

PROMPT = "Explain binary search in a browser"


def fresh_home(home: Path) -> dict[str, str]:
    """An environment whose HOME, data, state, config and cache dirs are all new, under ``home``.

    It also claims to run inside GNU screen: a server started there must still send its
    sessions' copies to the browser as bare OSC 52 (screen's DCS wrapping would be lost on
    xterm.js), which is what ``--serve`` removes ``STY`` from the session's environment for."""
    return clean_env(
        HOME=str(home),
        GEMTUI_DATA_DIR=str(home / "data"),
        XDG_DATA_HOME=str(home / "share"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        STY="4242.pts-0.gemtui-test",
        TERM="screen",
    )


@contextmanager
def chromium_page(profile: Path, origin: str) -> Iterator[sync_api.Page]:
    """A page of headless system Chromium with a fresh profile, allowed to use the clipboard
    at ``origin`` and kept off every other host; the browser is closed on exit."""
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1000, "height": 700},
        )
        try:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
            # The page asks a web font host for its font; nothing but the server is reachable.
            context.route(lambda url: not url.startswith(origin + "/"), lambda route: route.abort())
            context.add_init_script(TERMINAL_HOOK)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def screen(page: sync_api.Page) -> str:
    """The rows the page's terminal shows now, right-trimmed."""
    return page.evaluate("window.gemtuiScreen()")


def wait_for_screen(page: sync_api.Page, pattern: str) -> str:
    """Wait until the terminal shows a match of the regular expression ``pattern``."""
    try:
        page.wait_for_function(
            "pattern => new RegExp(pattern).test(window.gemtuiScreen())",
            arg=pattern,
            timeout=WAIT_MS,
        )
    except sync_api.TimeoutError:
        raise AssertionError(f"{pattern!r} never showed; the screen:\n{screen(page)}") from None
    return screen(page)


def clipboard(page: sync_api.Page) -> str:
    """The browser's clipboard text, once something is on it (xterm.js writes it with a
    promise, which may still be pending when the notification of the copy is drawn)."""
    try:
        found = page.wait_for_function(CLIPBOARD_POLL, timeout=WAIT_MS)
    except sync_api.TimeoutError:
        raise AssertionError("nothing reached the browser's clipboard") from None
    return found.json_value()


def test_a_prompt_typed_in_the_browser_is_answered_and_its_copy_reaches_the_clipboard(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with (
        serve_gemtui("--demo", env=fresh_home(home), cwd=home) as served,
        chromium_page(tmp_path / "chromium-profile", served.url) as page,
    ):
        page.goto(served.url)
        # --demo reached the session (with no key it would run on the emulator all the same,
        # under another notice); the first frames may still show the notice wrapped narrow.
        wait_for_screen(page, re.escape(DEMO_NOTICE) + r"[\s\S]* · ready · offline emulator")

        page.focus(".xterm-helper-textarea")  # where xterm.js takes the keyboard
        page.keyboard.type(PROMPT)
        page.keyboard.press("Enter")
        shown = wait_for_screen(page, r" · ready · .*tokens \d+")
        # The end of the emulator's answer, drawn as Markdown: its code, its table, its quote.
        assert f"print(summarise({PROMPT!r}))" in shown
        assert re.search(rf"Prompt +{PROMPT}\n", shown)
        assert "Tip: type !slow 200 or !fault 429 in a prompt" in shown

        page.keyboard.press("Control+y")
        expected = answer(PROMPT)
        copied = f"Copied {format_size(len(expected.encode()))} to the clipboard via OSC 52"
        wait_for_screen(page, re.escape(copied) + r"(\n|$)")  # the plain path, no wrapping
        # The answer's Markdown source, byte for byte, not the screen's rendering of it.
        assert clipboard(page) == expected

    assert served.left_running == [], "still running after the server stopped"
    # The session kept its demo emulator's interactions in the fresh data dir.
    assert (home / "data" / "demo-emulator.sqlite3").is_file()
