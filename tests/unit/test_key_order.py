"""KeysInOrder with a widget made for the purpose: what no screen of the app does on demand."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input

from gemtui.ui.key_routing import GIVE_UP_SECONDS, KeyDone, KeysInOrder


class Swallowing(Widget, can_focus=True):
    """Takes letters; after ``v`` it keeps the App's ``KeyDone`` to itself and hands the focus
    on, as a widget that never lets a key be done would."""

    def __init__(self) -> None:
        super().__init__()
        self.taken: list[str] = []

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.taken.append(event.key)
        if event.key == "v":
            self.app.query_one(Input).focus()

    def on_key_done(self, message: KeyDone) -> None:
        if "v" in self.taken:
            message.stop()


class KeysApp(KeysInOrder, App[None]):
    def compose(self) -> ComposeResult:
        yield Swallowing()
        yield Input()

    def on_mount(self) -> None:
        self.query_one(Swallowing).focus()


async def test_keys_behind_one_never_done_go_on_after_the_give_up_time():
    """The give-up timer was set when the first key started waiting and stopped when a key was
    done: keys behind a later key that was never done (``v``) waited until another key came."""
    app = KeysApp()
    async with app.run_test() as pilot:
        for key in ("x", "v", "h", "i"):
            app.post_message(events.Key(key, key))
        await pilot.pause(GIVE_UP_SECONDS * 3)
        await pilot.pause()
        assert app.query_one(Swallowing).taken == ["x", "v"]
        assert app.query_one(Input).value == "hi"
