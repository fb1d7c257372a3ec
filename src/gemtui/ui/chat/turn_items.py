"""The chat items of a turn: what it asked, then one item per step of what came back.

Every item made here knows its turn (``item.turn``), so a key on a selected message reaches
its turn directly, and where each turn starts in the conversation is found from the items
rather than kept in a list beside them. A turn always begins with exactly one item that says
what was asked (a prompt, the results of function calls, a recording or an interaction opened
by id), whether it is shown live or read back from the history.
"""

from __future__ import annotations

from gemtui.api.models import ModelOutputStep, TextContent, ThoughtStep, parse_step
from gemtui.core.assembler import StepState
from gemtui.core.structured import json_schema_of
from gemtui.core.turn import Turn
from gemtui.ui.chat.messages import StepUpdate, TurnChanged
from gemtui.ui.render.chat_items import (
    AnswerItem,
    ChatItem,
    ResultsSentItem,
    ThoughtItem,
    ToolItem,
    UserItem,
    item_for_step,
)
from gemtui.ui.widgets.conversation import ConversationView


def asked_items(turn: Turn) -> list[ChatItem]:
    """The items of what ``turn`` asked: its prompt (or what stands for it), and for a results
    turn one row per result sent."""
    asked = turn.asked
    items: list[ChatItem]
    if asked.kind == "captured":
        items = [_captured_item(turn)]
        items += [ToolItem(parse_step(result)) for result in asked.results]
    elif asked.kind == "results":
        items = [ResultsSentItem(asked.results)]
        items += [ToolItem(parse_step(result)) for result in asked.results]
    else:
        items = [UserItem(asked.prompt, asked.attachment_labels, note=_note(turn))]
    for item in items:
        item.turn = turn
    return items


def _captured_item(turn: Turn) -> UserItem:
    """A captured turn is introduced by the program that sent it and the request it made."""
    asked = turn.asked
    exchange = asked.exchange
    note = f"· {exchange.label}" if exchange is not None else "· captured"
    if asked.results:
        note += f" · results of {', '.join(str(r.get('name')) for r in asked.results)}"
    who = exchange.client if exchange is not None and exchange.client else "captured"
    return UserItem(asked.prompt, asked.attachment_labels, note=note, who=who)


def _note(turn: Turn) -> str:
    """What stands for the prompt of a turn that has no prompt text."""
    if turn.asked.prompt:
        return ""
    if turn.asked.kind == "replayed":
        return "(a replayed recording)"
    if turn.asked.kind == "opened":
        return f"(interaction {turn.interaction_id or turn.asked.label})"
    return ""


def _step_item(state: StepState, turn: Turn) -> ChatItem:
    """The item for a step; an answer learns the schema its request asked it to follow."""
    item = item_for_step(state.step)
    if isinstance(item, AnswerItem):
        item.schema = json_schema_of(turn.asked.request.get("response_format"))
    item.turn = turn
    return item


def finished_items(turn: Turn) -> list[ChatItem]:
    """Every item of a finished turn (read back from the history), already final."""
    items = asked_items(turn)
    for state in turn.reply.state.steps:
        item = _step_item(state, turn)
        if isinstance(item, AnswerItem | ThoughtItem):
            item.finish(state.step)
        elif isinstance(item, ToolItem):
            item.update(state.step, final=True)
        items.append(item)
    return items


def caught_up(turn: Turn) -> dict[int, StepUpdate]:
    """One batch that brings a presenter that saw nothing of ``turn`` up to where it is: every
    step started, with all its text so far, and stopped if it has."""
    steps: dict[int, StepUpdate] = {}
    for state in turn.reply.state.steps:
        step = state.step
        if isinstance(step, ModelOutputStep):
            blocks = step.content or []
        elif isinstance(step, ThoughtStep):
            blocks = step.summary or []
        else:
            blocks = []
        text = "".join(block.text for block in blocks if isinstance(block, TextContent))
        steps[state.index] = StepUpdate([text] if text else [], started=True, stopped=state.done)
    return steps


class TurnPresenter:
    """Keeps the items of the running turn in step with its state, one batch at a time."""

    def __init__(self, view: ConversationView, turn: Turn) -> None:
        self.view = view
        self.turn = turn
        self.items: dict[int, ChatItem] = {}

    def _step_state(self, index: int) -> StepState | None:
        for step in reversed(self.turn.reply.state.steps):
            if step.index == index:
                return step
        return None

    def apply(self, message: TurnChanged) -> None:
        """Bring the items up to date with one batch of changes."""
        for index, update in message.steps.items():
            state = self._step_state(index)
            if state is None:
                continue
            item = self.items.get(index)
            if item is None or update.started:
                item = _step_item(state, self.turn)
                self.items[index] = item
                self.view.add_item(item)
            if isinstance(item, AnswerItem | ThoughtItem):
                if update.texts:
                    item.feed("".join(update.texts))
                if update.stopped:
                    item.finish(state.step)
            elif isinstance(item, ToolItem):
                item.update(state.step, final=update.stopped)
            self.view.item_changed(item)

    def close(self) -> None:
        """The turn is over: answers cut short show every character that arrived."""
        for item in self.items.values():
            if isinstance(item, AnswerItem) and not item.final:
                item.settle()
                self.view.item_changed(item)
