"""Regenerate the last answer, edit an earlier prompt, switch branch: the app's side of
:mod:`gemtui.core.branching`.

Each of these goes back to a point of the conversation (:meth:`Conversation.rewind`), removes what
followed from the view and the timeline, and sends from there; the turns left behind stay in the
history as another branch (the next turn is written with the dropped turn's parent as its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gemtui.core.branching import branch_tips
from gemtui.core.safety import clean_terminal_text, escape_markup
from gemtui.core.store import StoreError

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: How much of the edited prompt the status bar shows.
LABEL_LIMIT = 24


@dataclass
class EditState:
    """An earlier prompt loaded into the composer: which turn, and the draft it displaced."""

    turn_index: int
    draft: str
    label: str


def rewind_to(app: GemtuiApp, turn_index: int) -> bool:
    """Cut the conversation back to before turn ``turn_index``; False if the view and the turns
    do not line up (then nothing changed)."""
    positions = app.prompt_positions()
    turns = app.conversation.turns
    if len(positions) != len(turns) or not 0 <= turn_index < len(turns):
        app.notify("This turn cannot be branched from.", severity="warning")
        return False
    dropped = app.conversation.rewind(turn_index)
    app.branch_parent = dropped[0].stored_parent
    app.view.remove_from(positions[turn_index])
    timeline = app.timeline
    kept = min(turn_index, timeline.rows.turn_count)
    timeline.set_turns([timeline.turn_entry(index) for index in range(kept)])
    app.status.set(total_tokens=app.conversation.total_tokens(), last_tokens=None)
    return True


def regenerate(app: GemtuiApp) -> None:
    """Send the last prompt again from the same point; the old answer stays as a branch."""
    if app.busy:
        app.notify("A turn is running: Escape cancels it first.", severity="warning")
        return
    turns = app.conversation.turns
    if not turns or not (turns[-1].prompt or turns[-1].attachments):
        app.notify("No prompt to regenerate an answer for.", severity="warning")
        return
    last = turns[-1]
    leave_edit(app, restore=False)
    if rewind_to(app, len(turns) - 1):
        app.send(last.prompt, last.attachments, last.attachment_labels)


def begin_edit(app: GemtuiApp, item_index: int) -> None:
    """Load the prompt of the message at ``item_index`` into the composer, to resend it."""
    if app.busy:
        app.notify("A turn is running: Escape cancels it first.", severity="warning")
        return
    positions = app.prompt_positions()
    if item_index not in positions or len(positions) != len(app.conversation.turns):
        app.notify("Select one of your messages to edit it.", severity="warning")
        return
    turn_index = positions.index(item_index)
    prompt = app.conversation.turns[turn_index].prompt
    draft = app.editing.draft if app.editing is not None else app.composer.text
    words = " ".join(clean_terminal_text(prompt).split())
    label = words if len(words) <= LABEL_LIMIT else words[: LABEL_LIMIT - 1] + "…"
    app.editing = EditState(turn_index, draft, label)
    app.status.set(editing=f"editing “{label}” (Esc leaves)")
    app.composer.load_text(prompt)
    app.composer.move_cursor(app.composer.document.end)
    app.composer.focus()


def leave_edit(app: GemtuiApp, *, restore: bool = True) -> None:
    """Stop editing; ``restore`` puts the displaced draft back in the composer."""
    editing, app.editing = app.editing, None
    if editing is None:
        return
    app.status.set(editing="")
    if restore:
        app.composer.load_text(editing.draft)


def send_edit(app: GemtuiApp, prompt: str) -> None:
    """Send the edited prompt as a new branch from before the edited turn."""
    editing = app.editing
    if editing is None:
        return
    edited = app.conversation.turns[editing.turn_index]
    leave_edit(app, restore=False)
    if rewind_to(app, editing.turn_index):
        app.draft_after_send = editing.draft
        app.send(prompt, edited.attachments, edited.attachment_labels)


def switch_branch(app: GemtuiApp) -> None:
    """List the branches of the open conversation and open the chosen one."""
    conversation_id = app.conversation_id
    if app.store is None or conversation_id is None:
        app.notify("No saved conversation is open.", severity="warning")
        return
    try:
        summary = app.store.get_conversation(conversation_id)
        turns = app.store.load_turns(conversation_id, limit=None, all_branches=True)
    except StoreError as error:
        app.notify(escape_markup(f"{error} {error.hint}"), severity="error")
        return
    head = summary.head_turn_id if summary is not None else None

    def chosen(leaf_id: int | None) -> None:
        if leaf_id is None or app.store is None:
            return
        try:
            app.store.set_head(conversation_id, leaf_id)
        except StoreError as error:
            app.notify(escape_markup(f"{error} {error.hint}"), severity="error")
            return
        app.open_stored(conversation_id)

    from gemtui.ui.widgets.branch_list import BranchListScreen  # on demand: start-up time

    app.push_screen(BranchListScreen(branch_tips(turns, head)), chosen)
