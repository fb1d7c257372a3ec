"""When gemtui lets textual-image ask the terminal about graphics (only where it can help)."""

from __future__ import annotations

import io
import os

import pytest

from gemtui.ui.graphics import probe_is_useful


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("environ", "useful"),
    [
        ({"TERM": "xterm-kitty"}, True),
        ({"TERM": "xterm-256color"}, True),
        ({"TERM": "xterm-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, False),
        ({"TERM": "screen-256color"}, False),
        ({"TERM": "tmux-256color"}, False),
        ({"TERM": "xterm", "STY": "1234.pts-0"}, False),
        ({"TERM": "linux"}, False),
        ({"TERM": "xterm-256color", "GEMTUI_IMAGES": "halfblock"}, False),
    ],
)
def test_the_probe_runs_only_where_it_can_find_graphics(environ, useful):
    assert probe_is_useful(environ, Tty()) is useful


def test_no_terminal_no_probe():
    assert not probe_is_useful({"TERM": "xterm-kitty"}, io.StringIO())
    assert not probe_is_useful({"TERM": "xterm-kitty"}, None)


def test_a_pipe_is_not_probed():
    read, write = os.pipe()
    try:
        with os.fdopen(write, "w") as pipe:
            assert not probe_is_useful({"TERM": "xterm-kitty"}, pipe)
    finally:
        os.close(read)
