"""The chat items of a turn: what it asked, then one item per step of what came back.

Every item made here knows its turn (``item.turn``), so a key on a selected message reaches
its turn directly, and where each turn starts in the conversation is found from the items
rather than kept in a list beside them. A turn always begins with exactly one item that says
what was asked (a prompt, the results of function calls, a recording or an interaction opened
by id), whether it is shown live or read back from the history.
"""

from __future__ import annotations

from gemtui.api.models import ModelOutputStep, TextContent, ThoughtStep, parse_step
from gemtui.core.assembler import StepState, continues_answer, step_groups
from gemtui.core.structured import json_schema_of
from gemtui.core.turn import Turn
from gemtui.ui.chat.messages import StepUpdate, TurnChanged
from gemtui.ui.render.chat_items import (
    AnswerItem,
    ChatItem,
    NoticeItem,
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


def _shows_a_step(item: ChatItem) -> bool:
    """Whether ``item`` shows a step of its turn's reply (not what it asked, not a notice)."""
    if isinstance(item, UserItem | NoticeItem):
        return False
    return not (isinstance(item, ToolItem) and item.step.type == "function_result")


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
    """What stands for the prompt of a turn that has no prompt text (or what a summary is)."""
    if turn.asked.kind == "summary":
        return "(compress: the next turns start from this summary)"
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


def step_items(turn: Turn) -> list[tuple[ChatItem, list[StepState]]]:
    """The items of ``turn``'s steps with the steps each shows: one step each, except an answer
    that came in continuation hops, which is one item for all its parts."""
    return [(_step_item(states[0], turn), states) for states in step_groups(turn.reply.state.steps)]


def finished_items(turn: Turn) -> list[ChatItem]:
    """Every item of a finished turn (read back from the history), already final."""
    items = asked_items(turn)
    for item, states in step_items(turn):
        if isinstance(item, AnswerItem | ThoughtItem):
            item.finish(*(state.step for state in states))
        elif isinstance(item, ToolItem):
            item.update(states[0].step, final=True)
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
    """Keeps the items of the running turn in step with its state, one batch at a time.

    ``shown`` are the items the turn already has (a resumed turn goes on with them)."""

    def __init__(
        self, view: ConversationView, turn: Turn, shown: list[ChatItem] | None = None
    ) -> None:
        self.view = view
        self.turn = turn
        #: The item of each step (by position in the turn's steps), and the steps each shows.
        self.items: dict[int, ChatItem] = {}
        self._parts: dict[int, list[StepState]] = {}
        steps = turn.reply.state.steps
        step_shown = [item for item in shown or [] if _shows_a_step(item)]
        for item, (_fresh, states) in zip(step_shown, step_items(turn), strict=False):
            for state in states:
                self.items[steps.index(state)] = item
            self._parts[id(item)] = states

    def _item_for(self, position: int) -> ChatItem:
        """A new item for a step that started, or the answer it continues (a new hop)."""
        steps = self.turn.reply.state.steps
        state = steps[position]
        before = self.items.get(position - 1)
        if isinstance(before, AnswerItem) and continues_answer(steps, position):
            before.reopen()
            self._parts[id(before)].append(state)
            return before
        item = _step_item(state, self.turn)
        self._parts[id(item)] = [state]
        self.view.add_item(item)
        return item

    def apply(self, message: TurnChanged) -> None:
        """Bring the items up to date with one batch of changes."""
        steps = self.turn.reply.state.steps
        for position, update in message.steps.items():
            if not 0 <= position < len(steps):
                continue
            state = steps[position]
            item = self.items.get(position)
            if item is None:
                item = self.items[position] = self._item_for(position)
            if isinstance(item, AnswerItem | ThoughtItem):
                if update.texts:
                    item.feed("".join(update.texts))
                if update.stopped:
                    item.finish(*(part.step for part in self._parts[id(item)]))
            elif isinstance(item, ToolItem):
                item.update(state.step, final=update.stopped)
            self.view.item_changed(item)

    def close(self) -> None:
        """The turn is over: answers cut short show every character that arrived, and a
        thought cut short stops saying "thinking…"."""
        for item in self.items.values():
            if isinstance(item, AnswerItem) and not item.final:
                item.settle()
                self.view.item_changed(item)
            elif isinstance(item, ThoughtItem) and not item.final:
                item.cut_short()
                self.view.item_changed(item)
