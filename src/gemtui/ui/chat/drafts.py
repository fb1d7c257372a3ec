"""Keep the composer's draft on disk while it is typed, per conversation.

Every change of the prompt or of its attachments asks for a save; the save happens at most
:data:`SAVE_DELAY` seconds later (one timer, not one per key), so a ``kill -9`` of the terminal
loses at most that much typing. Quitting saves at once. The draft of a chat belongs to its
conversation: a chat that gets its row in the history by its first turn takes its draft along
(the ``new`` slot is emptied), and opening another conversation (or a new chat) first saves the
draft where it belongs, then shows the other one's. A sent draft leaves an empty composer,
which is saved as no file at all.

While an earlier prompt is being edited (``e`` on a message), the draft is the one that edit
displaced, not the text being edited, and its attachments are the ones set aside meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.timer import Timer

from gemtui.core.drafts import Draft, DraftFiles, slot_name

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: Longest time between a change and its save.
SAVE_DELAY = 0.5


class DraftKeeper:
    """Saves and restores the drafts of ``app``'s conversations in ``files``."""

    def __init__(self, app: GemtuiApp, files: DraftFiles) -> None:
        self.app = app
        self.files = files
        #: The slot the composer's draft belongs to.
        self.slot = self._slot_now()
        self._timer: Timer | None = None
        #: Called after each save (tests wait on it instead of on the clock).
        self.on_saved: Callable[[str], None] = lambda _slot: None
        #: The draft as of the last change, not saved yet (the app may be closing: its
        #: widgets are then gone, this is not).
        self._pending: Draft | None = None

    @property
    def unsaved(self) -> bool:
        """Whether a change waits for its save."""
        return self._pending is not None

    def _slot_now(self) -> str:
        return slot_name(self.app.conversation_id)

    def current(self) -> Draft:
        app = self.app
        editing = app.chat.editing
        text = editing.draft if editing is not None else app.composer.text
        sources = [a.source for a in app.draft_attachments() if a.source]
        return Draft(text, sources)

    # ------------------------------------------------------------------ saving

    def changed(self) -> None:
        """The draft changed: save it within SAVE_DELAY."""
        self._pending = self.current()
        if self._timer is None:
            self._timer = self.app.set_timer(SAVE_DELAY, self.save, name="save-draft")

    def save(self) -> None:
        """Write the draft now (to its slot; a chat saved meanwhile takes it along)."""
        try:
            draft = self.current()
        except NoMatches:  # the timer fired while the app was closing
            self.closing()
            return
        self._write(draft)

    def closing(self) -> None:
        """The app is going (its widgets may be gone): write what changed since the last save."""
        if self._pending is not None:
            self._write(self._pending)

    def _write(self, draft: Draft) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending = None
        slot = self._slot_now()
        if slot != self.slot:
            self.files.remove(self.slot)  # the new chat became a stored one
            self.slot = slot
        self.files.save(slot, draft)
        self.on_saved(slot)

    # ------------------------------------------------------------------ switching chats

    def leaving(self) -> None:
        """Another conversation is about to open: keep this one's draft."""
        self.save()

    def arrived(self) -> None:
        """Another conversation is open: show its draft (an empty prompt when it has none)."""
        self.slot = self._slot_now()
        self.restore()

    def forget(self, conversation_id: int) -> None:
        """The conversation was deleted from the history: its saved draft goes too (it was
        left on disk for good)."""
        self.files.remove(slot_name(conversation_id))

    def carry_in(self, draft: Draft) -> None:
        """Put ``draft`` (of a chat that is gone) in the prompt of the chat now open, after
        the text and attachments already there, and save it in this chat's slot."""
        if draft.empty:
            return
        app = self.app
        here = self.current()
        texts = [text for text in (here.text.rstrip(), draft.text) if text.strip()]
        app.composer.load_text("\n\n".join(texts))
        for source in draft.sources:
            if source not in here.sources:
                app.attachment_bar.add(source)
        self.save()

    def restore(self) -> None:
        """Put the slot's draft in the composer and its attachments above it."""
        draft = self.files.load(self.slot)
        app = self.app
        # The change events of this come back as a save of the same draft: harmless, and
        # ignoring them could also ignore keys typed meanwhile.
        app.composer.load_text(draft.text)
        bar = app.attachment_bar
        bar.take()
        for source in draft.sources:
            bar.add(source)  # a file gone since is refused with its reason, and left out
