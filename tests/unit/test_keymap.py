"""The ``[keymap]`` table checked against the bindings that exist, before Textual applies it."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widget import Widget

from gemtui.ui.keymap import binding_catalogue, build_keymap, closest_ids, normalise_keys


class DemoApp(App[None]):
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f6", "toggle", "Toggle", id="app.toggle"),
        Binding("f2", "settings", "Settings", id="app.settings"),
        Binding("ctrl+z", "suspend", "no id"),
    ]


class Left(Widget):
    BINDINGS = [Binding("up,k", "up", "Up", id="left.up"), Binding("y", "copy", id="left.copy")]


class Right(Widget):
    BINDINGS = [Binding("x", "cut", "Cut", id="right.cut")]


CATALOGUE = binding_catalogue([DemoApp, Left, Right])


def test_catalogue_lists_bindings_with_ids_once():
    ids = {info.id: info for info in CATALOGUE}
    assert set(ids) == {
        "app.quit",
        "app.toggle",
        "app.settings",
        "left.up",
        "left.copy",
        "right.cut",
    }
    assert ids["left.up"].keys == "up,k"
    assert ids["app.toggle"].is_global and not ids["left.up"].is_global
    assert ids["left.copy"].description == "copy"


@pytest.mark.parametrize(
    ("keys", "normal"),
    [
        ("?", "question_mark"),
        ("ctrl+q, f2", "ctrl+q,f2"),
        ("shift+tab", "shift+tab"),
        ("alt+é", "alt+é"),
        ("ctrl+pageup", "ctrl+pageup"),
    ],
)
def test_keys_are_normalised(keys, normal):
    assert normalise_keys(keys) == normal


# "banana" and "ctrl+banana" name no key on a keyboard, though Unicode names 🍌 so.
@pytest.mark.parametrize(
    "keys", ["", " , ", "ctrl+", "hyperdrive+a", "flurb", "ctrl+banana", "banana", "ctrl+pgup"]
)
def test_bad_keys_are_refused(keys):
    with pytest.raises(ValueError):
        normalise_keys(keys)


def test_remap_is_kept():
    report = build_keymap({"app.toggle": "f8", "left.up": "up, i"}, CATALOGUE)
    assert report.keymap == {"app.toggle": "f8", "left.up": "up,i"}
    assert report.problems == []


def test_remap_to_the_default_keys_is_left_out():
    assert build_keymap({"app.toggle": "f6"}, CATALOGUE).keymap == {}


def test_unknown_ids_and_bad_keys_are_reported():
    report = build_keymap({"app.nothing": "f9", "app.toggle": "ctrl+"}, CATALOGUE)
    assert report.keymap == {}
    assert set(report.refused) == {"app.nothing", "app.toggle"}
    assert "no such action" in report.refused["app.nothing"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("toggle", ["app.toggle"]),
        ("app.setings", ["app.settings"]),
        ("left.cpy", ["left.copy"]),
        ("copy", ["left.copy"]),
        ("ctrl+g", []),
        ("xyzzy", []),
    ],
)
def test_an_unknown_id_suggests_the_closest_real_ones(typed, meant):
    assert closest_ids(typed, [info.id for info in CATALOGUE]) == meant
    said = build_keymap({typed: "f9"}, CATALOGUE).refused[typed]
    assert said.startswith(f"{typed}: no such action")
    assert (f"did you mean {meant[0]}?" in said) if meant else "did you mean" not in said
    assert said.endswith("(F2's Keymap table lists every action id)")


def test_clash_with_a_global_binding_is_refused():
    report = build_keymap({"left.copy": "ctrl+q", "app.toggle": "f8"}, CATALOGUE)
    assert report.keymap == {"app.toggle": "f8"}
    assert report.refused == {"left.copy": "ctrl+q is bound to both app.quit and left.copy"}


def test_same_key_in_sibling_widgets_is_no_clash():
    assert build_keymap({"right.cut": "y"}, CATALOGUE).keymap == {"right.cut": "y"}


def test_swapping_two_keys_is_no_clash():
    report = build_keymap({"app.toggle": "f2", "app.settings": "f6"}, CATALOGUE)
    assert report.keymap == {"app.toggle": "f2", "app.settings": "f6"}


def test_refusing_one_remap_can_expose_another_clash():
    # app.settings moves to f6 only because app.toggle leaves it; app.toggle's new key
    # clashes with app.quit, so app.toggle stays on f6 and app.settings must be refused too.
    report = build_keymap({"app.toggle": "ctrl+q", "app.settings": "f6"}, CATALOGUE)
    assert report.keymap == {}
    assert set(report.refused) == {"app.toggle", "app.settings"}


async def test_textual_applies_the_keymap():
    pressed: list[str] = []

    class Probe(DemoApp):
        def action_toggle(self) -> None:
            pressed.append("toggle")

    app = Probe()
    async with app.run_test() as pilot:
        app.set_keymap(build_keymap({"app.toggle": "f8"}, CATALOGUE).keymap)
        await pilot.press("f6")
        assert pressed == []
        await pilot.press("f8")
        assert pressed == ["toggle"]
