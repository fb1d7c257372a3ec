"""Keeps the chat items of one turn in step with the turn's assembled state.

The stream worker notes every :class:`~gemtui.core.assembler.Change` here as it arrives (cheap:
it only remembers what changed) and the app flushes at most every 50 ms, so widgets repaint at
about 20 Hz however fast the deltas come.
"""

from __future__ import annotations

from gemtui.api.models import ModelOutputStep, TextContent, ThoughtStep
from gemtui.core.assembler import Change, StepState
from gemtui.core.conversation import Turn
from gemtui.ui.chat_items import AnswerItem, ChatItem, ThoughtItem, ToolItem, item_for_step
from gemtui.ui.widgets.conversation import ConversationView


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
                item = item_for_step(state.step)
                self.items[index] = item
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
        for position, state in enumerate(self.turn.state.steps):
            item = item_for_step(state.step)
            self.items[position] = item
            self.view.add_item(item)
            if isinstance(item, AnswerItem | ThoughtItem):
                item.finish(state.step)
            elif isinstance(item, ToolItem):
                item.update(state.step, final=True)
            self.view.item_changed(item)
