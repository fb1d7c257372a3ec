"""notify.py: when to tell (the notify setting, focus, the threshold), the OSC 9 and OSC 777
sequences, and their wrapping for tmux and screen (the same route OSC 52 copies take)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

import pytest

from gemtui.core.clipboard import screen_passthrough, tmux_passthrough
from gemtui.core.notify import clean_field, how_to_tell, notification, osc9, osc777, wants_osc777

TMUX = {"TMUX": "/tmp/tmux-1000/default,1,0", "TERM": "tmux-256color"}


def fake_tmux(answers: dict[str, str]):
    def run(args: Sequence[str]) -> str:
        if args[-1] not in answers:
            raise subprocess.CalledProcessError(1, ["tmux", *args])
        return answers[args[-1]]

    return run


@pytest.mark.parametrize(
    ("mode", "focused", "elapsed", "expected"),
    [
        ("off", False, 99.0, None),
        ("auto", False, 0.1, "osc"),  # the terminal says the user looks elsewhere
        ("auto", True, 0.1, None),  # a quick answer in front of the user
        ("auto", True, 10.0, "bell"),  # a long run: the user may have turned away
        ("osc", True, 0.1, None),
        ("osc", True, 12.0, "osc"),
        ("osc", False, 0.1, "osc"),
        ("bell", False, 0.1, "bell"),
        ("bell", True, 9.9, None),
    ],
)
def test_how_to_tell(mode, focused, elapsed, expected):
    assert how_to_tell(mode, focused=focused, elapsed=elapsed, threshold=10.0) == expected


def test_osc9_and_osc777_are_exact():
    assert osc9("gemtui", "Answer ready") == "\x1b]9;gemtui: Answer ready\x07"
    assert osc777("gemtui", "Answer ready") == "\x1b]777;notify;gemtui;Answer ready\x07"


def test_untrusted_text_cannot_end_the_sequence_or_add_fields():
    hostile = "done\x07\x1b]52;c;ZXZpbA==\x07; rm -rf ~\n\x9b2J"
    sequence = osc777("title;x", hostile)
    body = sequence[len("\x1b]777;") : -1]
    assert "\x07" not in body and "\x1b" not in body and "\x9b" not in body
    assert body.count(";") == 2  # notify ; title ; body: nothing more
    assert clean_field("a" * 500).endswith("…") and len(clean_field("a" * 500)) == 160


def test_the_flavour_follows_the_terminal():
    assert not wants_osc777({"TERM": "xterm-kitty"})
    assert wants_osc777({"TERM": "xterm-256color", "VTE_VERSION": "7600"})
    assert wants_osc777({"TERM": "foot"})
    assert wants_osc777(TMUX, client_term="rxvt-unicode-256color")


def test_plain_terminal():
    delivery = notification("gemtui", "hi", {"TERM": "xterm-256color"})
    assert delivery.payload == osc9("gemtui", "hi") and delivery.via == "OSC 9"


def test_tmux_with_passthrough_wraps_once_or_twice():
    run = fake_tmux({"allow-passthrough": "on", "#{client_termname}": "xterm-256color"})
    delivery = notification("gemtui", "hi", TMUX, run)
    assert delivery.payload == tmux_passthrough(osc9("gemtui", "hi"))
    assert delivery.via == "OSC 9 (tmux passthrough)"
    nested = fake_tmux({"allow-passthrough": "all", "#{client_termname}": "screen-256color"})
    once = tmux_passthrough(osc9("gemtui", "hi"))
    assert notification("gemtui", "hi", TMUX, nested).payload == once + tmux_passthrough(once)


def test_tmux_asks_the_outer_terminal_for_the_flavour():
    run = fake_tmux({"allow-passthrough": "on", "#{client_termname}": "foot"})
    assert notification("t", "b", TMUX, run).payload == tmux_passthrough(osc777("t", "b"))


@pytest.mark.parametrize("answers", [{"allow-passthrough": "off"}, {}])
def test_tmux_without_passthrough_rings_the_bell_instead(answers):
    delivery = notification("gemtui", "hi", TMUX, fake_tmux(answers))
    assert delivery.payload is None and delivery.via == "bell"
    assert "allow-passthrough on" in delivery.why


def test_gnu_screen_gets_dcs_pieces():
    env = {"STY": "1234.pts-0.host", "TERM": "screen-256color"}
    delivery = notification("gemtui", "hi", env)
    assert delivery.payload == screen_passthrough(osc9("gemtui", "hi"))
    assert delivery.via == "OSC 9 (GNU screen)"
