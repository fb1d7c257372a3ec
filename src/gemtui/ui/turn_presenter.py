"""Keeps the chat items of one turn in step with the turn's assembled state.

The stream worker notes every :class:`~gemtui.core.assembler.Change` here as it arrives (cheap:
it only remembers what changed) and the app flushes at most every 50 ms, so widgets repaint at
about 20 Hz however fast the deltas come.

It also remembers which turn each item shows (``turn_of``), so a key on a selected message can
reach its turn (its interaction id) without the items carrying turn data.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from gemtui.api.models import ModelOutputStep, StepBase, TextContent, ThoughtStep
from gemtui.core.assembler import Change, StepState
from gemtui.core.conversation import Turn
from gemtui.core.structured import json_schema_of
from gemtui.ui.chat_items import (
    AnswerItem,
    ChatItem,
    ThoughtItem,
    ToolItem,
    UserItem,
    item_for_step,
)
from gemtui.ui.widgets.conversation import ConversationView

#: The turn each item shows; weak, so items that leave the view are forgotten with it.
_TURNS: WeakKeyDictionary[ChatItem, Turn] = WeakKeyDictionary()


def turn_of(items: Sequence[ChatItem], index: int) -> Turn | None:
    """The turn ``items[index]`` belongs to.

    Items made here know their turn; a prompt shown by someone else (older turns read back
    from the history) takes the turn of the items after it, and a notice the turn before it.
    """
    item = items[index]
    if item in _TURNS:
        return _TURNS[item]
    if isinstance(item, UserItem):
        for following in items[index + 1 :]:
            if isinstance(following, UserItem):
                break
            if following in _TURNS:
                return _TURNS[following]
        return None
    for position in range(index - 1, -1, -1):
        if items[position] in _TURNS or isinstance(items[position], UserItem):
            return turn_of(items, position)
    return None


def _seed_text(state: StepState) -> str:
    """Text a ``step.start`` already carried (the API may seed a step with initial content)."""
    step = state.step
    if isinstance(step, ModelOutputStep):
        blocks = step.content or []
    elif isinstance(step, ThoughtStep):
        blocks = step.summary or []
    else:
        return ""
    return "".join(block.text for block in blocks if isinstance(block, TextContent))


class TurnPresenter:
    """Maps step indices of one turn to chat items and applies batched changes to them."""

    def __init__(self, view: ConversationView, turn: Turn) -> None:
        self.view = view
        self.turn = turn
        # Every way a turn is shown adds its prompt just before giving it a presenter.
        prompt = view.items[-1] if view.items else None
        if isinstance(prompt, UserItem) and prompt not in _TURNS and prompt.prompt == turn.prompt:
            _TURNS[prompt] = turn
        self.items: dict[int, ChatItem] = {}
        self._text: dict[int, list[str]] = {}
        self._touched: dict[int, None] = {}
        self._stopped: set[int] = set()

    @property
    def dirty(self) -> bool:
        return bool(self._touched)

    def note(self, change: Change) -> None:
        index = change.step_index
        if index is None:
            return
        if change.kind == "step_started":
            step = self._step_state(index)
            seed = _seed_text(step) if step is not None else ""
            self._text[index] = [seed] if seed else []
        elif change.appended_text:
            self._text.setdefault(index, []).append(change.appended_text)
        elif change.kind == "step_stopped":
            self._stopped.add(index)
        self._touched[index] = None

    def _step_state(self, index: int) -> StepState | None:
        for step in reversed(self.turn.state.steps):
            if step.index == index:
                return step
        return None

    def flush(self) -> None:
        """Bring the items up to date with everything noted since the last flush."""
        touched, self._touched = self._touched, {}
        for index in touched:
            state = self._step_state(index)
            if state is None:
                continue
            item = self.items.get(index)
            if item is None:
                item = _item_for(state.step, self.turn)
                self.items[index] = item
                _TURNS[item] = self.turn
                self.view.add_item(item)
            texts = self._text.pop(index, None)
            if isinstance(item, AnswerItem | ThoughtItem):
                if texts:
                    item.feed("".join(texts))
                if index in self._stopped:
                    item.finish(state.step)
            elif isinstance(item, ToolItem):
                item.update(state.step, final=index in self._stopped)
            self.view.item_changed(item)

    def close(self) -> None:
        """The turn is over: answers cut short show every character that arrived."""
        for item in self.items.values():
            if isinstance(item, AnswerItem) and not item.final:
                item.settle()
                self.view.item_changed(item)

    def show_finished(self) -> None:
        """A turn read back from the history: an item for every step, already final."""
        for position, item in enumerate(finished_items(self.turn)):
            self.items[position] = item
            self.view.add_item(item)


def finished_items(turn: Turn) -> list[ChatItem]:
    """The items of a finished turn's steps, already final (not yet in any view)."""
    items = []
    for state in turn.state.steps:
        item = _item_for(state.step, turn)
        if isinstance(item, AnswerItem | ThoughtItem):
            item.finish(state.step)
        elif isinstance(item, ToolItem):
            item.update(state.step, final=True)
        _TURNS[item] = turn
        items.append(item)
    return items


def _item_for(step: StepBase, turn: Turn) -> ChatItem:
    """The item for ``step``; an answer learns the schema its request asked it to follow."""
    item = item_for_step(step)
    if isinstance(item, AnswerItem):
        item.schema = json_schema_of(turn.request.get("response_format"))
    return item
