"""Each pushed screen's keys are a scope of their own: a remap is refused only when its key is
taken by an action in force at the same time (the App, the main screen's focused widgets), never
because some dialog uses the key while it is open."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widget import Widget

from gemtui.ui.app import keymap_catalogue
from gemtui.ui.keymap import binding_catalogue, build_keymap


class DemoApp(App[None]):
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+o", "history", "History", id="app.history"),
    ]


class Pane(Widget):
    BINDINGS = [Binding("y", "copy", "Copy", id="pane.copy")]


class ListDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("d", "delete", "Delete", id="dialog.delete"),
        Binding("r", "rename", "Rename", id="dialog.rename"),
    ]


class OtherDialog(ModalScreen[None]):
    BINDINGS = [Binding("x", "close", "Close", id="other.close")]


CATALOGUE = binding_catalogue([DemoApp, Pane, ListDialog, OtherDialog])


def refused(config: dict[str, str], catalogue=CATALOGUE) -> dict[str, str]:
    report = build_keymap(config, catalogue)
    assert set(report.keymap) | set(report.refused) == set(config)
    return report.refused


def test_a_dialog_key_does_not_block_the_same_key_elsewhere():
    # "d" deletes in the dialog; in the chat, where the dialog is closed, it can copy.
    assert refused({"pane.copy": "d"}) == {}
    # A non-priority App key is hidden by the open dialog's own key, not lost.
    assert refused({"app.history": "r"}) == {}
    # Two dialogs are never open as one layer.
    assert refused({"other.close": "d"}) == {}
    # And the other way round: a dialog key may take a key of the main screen's widgets.
    assert refused({"dialog.rename": "y"}) == {}


def test_a_clash_within_a_dialog_or_with_a_priority_app_key_is_refused():
    assert "dialog.rename" in refused({"dialog.rename": "d"})
    # Priority App keys win over every screen: the dialog would never see this key.
    problems = refused({"dialog.delete": "ctrl+q"})
    assert problems == {"dialog.delete": "ctrl+q is bound to both app.quit and dialog.delete"}
    # And the main screen still clashes with the App, as before.
    assert "pane.copy" in refused({"pane.copy": "ctrl+o"})


def test_the_apps_own_catalogue_follows_the_same_scopes():
    catalogue = keymap_catalogue()
    layers = {info.id: info.layer for info in catalogue}
    assert layers["app.quit"] == "app"
    assert layers["conversation.edit"] == "main"
    assert layers["history.delete"] == "ConversationListScreen"
    # The conversation list's "r" (rename) and the chat's Ctrl+O are never active together.
    assert refused({"app.history": "r"}, catalogue) == {}
    assert refused({"conversation.edit": "d"}, catalogue) == {}
    assert "history.delete" in refused({"history.delete": "f8"}, catalogue)
    assert "conversation.edit" in refused({"conversation.edit": "y"}, catalogue)
