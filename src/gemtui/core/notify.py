"""Say that something finished while the user may be looking elsewhere: a desktop notification
through the terminal, or its bell.

Terminals raise desktop notifications for two escape sequences: OSC 9 (``ESC ] 9 ; text BEL``,
from iTerm2; also kitty, WezTerm, Ghostty, Windows Terminal) and OSC 777
(``ESC ] 777 ; notify ; title ; body BEL``, from rxvt-unicode; also VTE terminals such as GNOME
Terminal, foot, WezTerm, Ghostty). Some terminals know both, so only one is sent: OSC 777 where
the terminal is one of those that know only it, OSC 9 elsewhere. Unknown OSC sequences are
ignored by terminals, so a terminal that knows neither shows nothing.

Between the app and the terminal may sit tmux or GNU screen; the sequence is wrapped for them
the way OSC 52 copies are (:func:`gemtui.core.clipboard.terminal_route`). tmux passes it only
with ``allow-passthrough`` on; without, the bell is rung instead (tmux forwards a bell to the
terminal it is attached to, and marks the window).

When to tell is :func:`how_to_tell`'s choice, from the ``notify`` setting:

* ``off``: never;
* ``bell`` / ``osc``: that way, when the terminal reports the app lost focus or the run took at
  least the threshold (``notify_after``, 10 s by default);
* ``auto``: a notification when the terminal reports the app lost focus (terminals send focus
  in/out once asked, and tmux passes them on with ``focus-events on``); else the bell for runs
  of at least the threshold. Terminals that do not report focus always count as focused.

Text that reaches the terminal here is cleaned: no control characters (an ESC or BEL in a
prompt would end the sequence early and run the rest as commands) and no ``;`` in OSC 777's
fields, which it separates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from gemtui.core.clipboard import Route, TmuxRunner, terminal_route
from gemtui.core.safety import clean_terminal_text

NotifyMode = Literal["auto", "osc", "bell", "off"]
NOTIFY_MODES: tuple[NotifyMode, ...] = ("auto", "osc", "bell", "off")
How = Literal["osc", "bell"]

ESC = "\x1b"
BEL = "\a"
#: The longest text put in a notification: desktop notifications show a line or two.
MAX_TEXT = 160
#: Terminal names (``TERM``, or tmux's ``client_termname``) of terminals that know OSC 777
#: and not OSC 9; VTE terminals are told by ``VTE_VERSION`` instead.
OSC_777_TERMS = ("rxvt", "urxvt", "foot")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def how_to_tell(mode: NotifyMode, *, focused: bool, elapsed: float, threshold: float) -> How | None:
    """How to tell the user that something ended after ``elapsed`` seconds (``None``: not at
    all); see the module docstring."""
    if mode == "off":
        return None
    looking_elsewhere = not focused or elapsed >= threshold
    if mode in ("osc", "bell"):
        return mode if looking_elsewhere else None
    if not focused:
        return "osc"
    return "bell" if elapsed >= threshold else None


def clean_field(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` on one line, without control characters or ``;``, at most ``limit`` long."""
    flat = _CONTROL.sub(" ", clean_terminal_text(text)).replace(";", ",")
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def osc9(title: str, body: str) -> str:
    """OSC 9 with ``title: body`` as its one text."""
    text = clean_field(f"{title}: {body}" if body else title)
    return f"{ESC}]9;{text}{BEL}"


def osc777(title: str, body: str) -> str:
    """OSC 777 ``notify`` with a title and a body."""
    return f"{ESC}]777;notify;{clean_field(title, 60)};{clean_field(body)}{BEL}"


def wants_osc777(env: Mapping[str, str], client_term: str = "") -> bool:
    """Whether the terminal is one that knows OSC 777 but not OSC 9."""
    terms = (env.get("TERM", ""), client_term)
    return bool(env.get("VTE_VERSION")) or any(t.startswith(OSC_777_TERMS) for t in terms)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What to write to the terminal and how it went: ``payload`` is ``None`` when the
    notification cannot get through (``why`` says so) and the bell should ring instead."""

    payload: str | None
    via: str
    why: str = ""


def notification(
    title: str,
    body: str,
    env: Mapping[str, str],
    run_tmux: TmuxRunner | None = None,
    *,
    route: Route | None = None,
) -> Delivery:
    """The notification for this terminal, wrapped for the multiplexer in between (``route``:
    the one found earlier, else it is asked for)."""
    route = route or terminal_route(env, run_tmux)
    flavour_777 = wants_osc777(env, route.client_term)
    sequence = osc777(title, body) if flavour_777 else osc9(title, body)
    wrapped = route.wrap(sequence)
    name = "OSC 777" if flavour_777 else "OSC 9"
    if wrapped is None:
        return Delivery(
            None,
            "bell",
            "tmux keeps notifications from the terminal: `tmux set -g allow-passthrough on` "
            "lets them through; the bell rings instead.",
        )
    if route.multiplexer == "tmux-passthrough":
        return Delivery(wrapped, f"{name} (tmux passthrough)")
    if route.multiplexer == "screen":
        return Delivery(wrapped, f"{name} (GNU screen)")
    return Delivery(wrapped, name)
