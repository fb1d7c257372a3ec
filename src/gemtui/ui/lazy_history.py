"""A stored conversation shown from its end: the newest turns at once, older ones in batches as
the reader scrolls up (issue 8, "long histories stay fast").

Opening reads one batch of turns, which is about a screen or more of a typical chat, so the last
screen paints without waiting for hundreds of turns to be read and measured. When the reader comes
within a screen of the top (:class:`ConversationView.NearTop`), the next batch is read and its
items go in above the others; the view keeps what the reader sees where it was.

Store reads run on the UI thread: one batch is one short transaction (see
``bench/long_chat.py`` for what a batch costs), and a worker would only add a state (rows not
yet read) to reason about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gemtui.core.branching import place_stored_turns
from gemtui.core.safety import escape_markup
from gemtui.core.store import StoreError
from gemtui.core.store_records import StoredTurn
from gemtui.ui.chat_items import ChatItem, UserItem
from gemtui.ui.turn_presenter import finished_items

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: Turns read per batch, when the conversation opens and each time the reader nears the top.
BATCH = 10


@dataclass
class OlderTurns:
    """Where the turns not read yet end: the branch in use before ordinal ``before``."""

    conversation_id: int
    before: int


def stored_items(turns: list[StoredTurn]) -> list[ChatItem]:
    """The items of stored turns, in order: each prompt, then its steps."""
    items: list[ChatItem] = []
    for stored in turns:
        items.append(UserItem(stored.turn.prompt, stored.turn.attachment_labels))
        items.extend(finished_items(stored.turn))
    return items


def older_after(conversation_id: int, turns: list[StoredTurn], has_older: bool) -> OlderTurns:
    """What is left to read before ``turns`` (``before`` 0: nothing)."""
    return OlderTurns(conversation_id, turns[0].ordinal if has_older and turns else 0)


def load_older(app: GemtuiApp) -> int:
    """Read the next batch of older turns and put it above the others; how many turns came."""
    older = app.older_turns
    if older is None or not older.before or app.store is None:
        return 0
    try:
        turns = app.store.load_turns(older.conversation_id, older.before, BATCH + 1)
    except StoreError as error:
        app.notify(escape_markup(f"{error} {error.hint}"), severity="error")
        older.before = 0
        return 0
    has_more = len(turns) > BATCH
    turns = turns[-BATCH:]
    conversation = app.conversation
    history_after = conversation.turns[0].history_before if conversation.turns else 0
    place_stored_turns(turns, history_after)
    conversation.turns[:0] = [stored.turn for stored in turns]
    arrived = sum((s.turn.usage.total_tokens or 0) for s in turns if s.turn.usage)
    conversation.unloaded_tokens = max(0, conversation.unloaded_tokens - arrived)
    app.view.prepend_items(stored_items(turns))
    timeline = app.timeline
    shown = [timeline.turn_entry(index) for index in range(timeline.rows.turn_count)]
    timeline.set_turns([(s.turn.prompt, s.turn.state, None) for s in turns] + shown)
    older.before = turns[0].ordinal if has_more and turns else 0
    return len(turns)


def fill_top(app: GemtuiApp) -> None:
    """Read older batches while the top of the conversation is less than a screen away: the
    reader never waits at the top for what is above."""
    view = app.view
    while view.scroll_y < view.scrollable_content_region.height and load_older(app):
        pass
