"""The prompt editor: multi-line, Enter sends, prompt history on up/down at the edges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from gemtui.core.safety import clean_draft_text
from gemtui.ui.pane_keys import PaneKey

if TYPE_CHECKING:
    from gemtui.ui.widgets.slash_popup import SlashPopup
    from gemtui.ui.widgets.vim import Mode, VimKeys

#: Where the conversation scrolls to when asked from the prompt (the prompt keeps the focus).
ScrollTarget = Literal["page_up", "page_down", "line_up", "line_down", "top", "newest"]

#: Keys that insert a line break instead of sending. Only Ctrl+J (a bare LF) works in every
#: terminal, tmux and SSH session. Textual sees the others only where the terminal reports them:
#: with the kitty keyboard protocol (all three), or in tmux with ``extended-keys always``
#: (Shift+Enter and Ctrl+Enter, as CSI 13;2u and 13;5u). Elsewhere they arrive as CR, or as ESC CR
#: for Alt+Enter (tmux always sends that), and Textual 8.2 reads both as plain ``enter``: it sends.
NEWLINE_KEYS = frozenset({"ctrl+j", "alt+enter", "shift+enter", "ctrl+enter"})
#: The keys the open completion list takes (see ``_popup_key``).
POPUP_KEYS = frozenset({"up", "down", "escape", "tab", "enter"})


class Composer(TextArea):
    """Where the user writes; the draft stays until the app says the request was accepted."""

    BINDINGS = [
        Binding("ctrl+up", "history_previous", "Older prompt", show=False, id="composer.older"),
        Binding("ctrl+down", "history_next", "Newer prompt", show=False, id="composer.newer"),
        # The conversation scrolls while the prompt keeps the focus (these replace the text
        # area's page moves and Shift+arrow selection, which a prompt of a few lines hardly
        # needs; Shift+Left/Right still select).
        Binding("pageup", "scroll('page_up')", "Scroll up", show=False,
                id="composer.scroll_page_up"),
        Binding("pagedown", "scroll('page_down')", "Scroll down", show=False,
                id="composer.scroll_page_down"),
        Binding("shift+up", "scroll('line_up')", "Scroll up a line", show=False,
                id="composer.scroll_line_up"),
        Binding("shift+down", "scroll('line_down')", "Scroll down a line", show=False,
                id="composer.scroll_line_down"),
        Binding("ctrl+home", "scroll('top')", "Top of the conversation", show=False,
                id="composer.scroll_top"),
        Binding("ctrl+end", "scroll('newest')", "Newest output", show=False,
                id="composer.scroll_newest"),
    ]  # fmt: skip
    #: What ``_on_key`` does, for F1 (README's keys table says the same).
    HELP_KEYS = (
        PaneKey("enter", "Send (with the attachments)"),
        PaneKey("ctrl+j", "New line"),
        PaneKey("shift+enter,ctrl+enter,alt+enter", "New line if the terminal tells (else: send)"),
        PaneKey("up", "At the first line: older prompt", replaces=False),
        PaneKey("down", "At the last line: newer prompt", replaces=False),
        PaneKey("end", "At the end of the line: newest output", replaces=False),
        PaneKey("at", "At a word's start: attach a file or URL (as F3)", display="@"),
        PaneKey("ctrl+x", "The prompt in your editor (as ^g)", display="^x ^e",
                replaces=False),
    )  # fmt: skip

    class Submitted(Message):
        """The user asked to send the draft."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    class CommandSubmitted(Message):
        """The user sent a slash command (``/name argument``) rather than a prompt."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    class EditorRequested(Message):
        """Ctrl+X Ctrl+E (the shells' chord): edit the prompt in the user's editor."""

    class ScrollRequested(Message):
        """Scroll the conversation (the prompt keeps the focus)."""

        def __init__(self, target: ScrollTarget) -> None:
            super().__init__()
            self.target = target

    class VimModeChanged(Message):
        """Vim keys went to ``mode`` (``None``: vim keys were switched off)."""

        def __init__(self, mode: Mode | None) -> None:
            super().__init__()
            self.mode = mode

    class AttachRequested(Message):
        """``@`` was typed at the start of a word: open the file picker."""

        def __init__(self, at: tuple[int, int]) -> None:
            super().__init__()
            #: Where the ``@`` is, so a pick can take it out again (a cancel leaves it).
            self.at = at

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            highlight_cursor_line=False,
            compact=True,
            tab_behavior="focus",
            placeholder="Ask Gemini…  (Enter send · Ctrl+J newline · F1 keys · Ctrl+P actions)",
        )
        self.prompt_history: list[str] = []
        self._history_index: int | None = None
        self._stashed_draft = ""
        #: Set while attachments wait to be sent: Enter then sends even without text.
        self.attachments_pending = False
        #: Vim keys, while the ``vim_mode`` setting is on.
        self.vim: VimKeys | None = None
        #: The completion list of slash commands, which takes some keys while it is open.
        self.popup: SlashPopup | None = None
        #: Ctrl+X was pressed with nothing selected: Ctrl+E next opens the editor.
        self._chord = False
        #: An ``@`` asked for the picker, which is not up yet; Enter came meanwhile.
        self._picker_asked = False
        #: Where the cursor was when that Enter came: what is typed after it is the prompt's.
        self._enter_for_picker: tuple[int, int] | None = None

    async def _on_key(self, event: events.Key) -> None:
        if self._chord_key(event.key):
            event.prevent_default()
            event.stop()
            return
        if self._popup_key(event.key):
            event.prevent_default()
            event.stop()
            return
        if self.vim is not None and self.vim.key(event.key, event.character):
            event.prevent_default()
            event.stop()
            return
        if event.key == "enter":
            event.prevent_default()
            event.stop()
            if self._picker_asked and self._enter_for_picker is None:
                # Typed behind the @, before the picker was up: it is the picker's.
                self._enter_for_picker = self.cursor_location
            else:
                self.submit()
            return
        if event.character == "@" and self._at_word_start():
            event.prevent_default()
            event.stop()
            self.insert("@")
            row, column = self.cursor_location
            self._picker_asked = True
            self.post_message(self.AttachRequested((row, column - 1)))
            return
        if event.key in NEWLINE_KEYS:
            event.prevent_default()
            event.stop()
            self.insert("\n")
            return
        if event.key == "up" and self.cursor_at_first_line and self.prompt_history:
            event.prevent_default()
            event.stop()
            self.action_history_previous()
            return
        if event.key == "down" and self.cursor_at_last_line and self._history_index is not None:
            event.prevent_default()
            event.stop()
            self.action_history_next()
            return
        # Anything else falls through: Textual calls TextArea._on_key next, as it calls the
        # handler of every class in the MRO until one prevents the default.

    def submit(self) -> None:
        """Send the draft: a slash command as a command, ``//text`` as the prompt ``/text``."""
        text = self.text
        if text.startswith("/") and not text.startswith("//"):
            self.post_message(self.CommandSubmitted(self, text))
        elif text.strip() or self.attachments_pending:
            self.post_message(self.Submitted(self, text[1:] if text.startswith("//") else text))

    def _chord_key(self, key: str) -> bool:
        """Ctrl+X Ctrl+E opens the editor, as in bash and zsh. Ctrl+X alone is the text
        area's cut: with a selection it cuts at once; with none (it would cut the line) it
        waits for the next key, and cuts then unless that key is Ctrl+E."""
        if self._chord:
            self._chord = False
            if key == "ctrl+e":
                self.post_message(self.EditorRequested())
                return True
            self.action_cut()
            return False
        if key == "ctrl+x" and self.selection.is_empty and not self.read_only:
            self._chord = True
            return True
        return False

    def _popup_key(self, key: str) -> bool:
        """Up/Down choose in the open completion list, Tab completes, Enter completes (and
        runs what needs no more), Escape closes the list."""
        popup = self.popup
        if popup is None or key not in POPUP_KEYS:
            return False
        popup.sync(self.text)  # the text may have changed since the app last offered a list
        if not popup.is_open:
            return False
        if key in ("up", "down"):
            popup.move(-1 if key == "up" else 1)
        elif key == "escape":
            popup.close(self.text)
        elif key in ("tab", "enter"):
            chosen = popup.current
            if chosen is None:
                return False
            self.load_text(chosen.text)
            if key == "enter" and chosen.runs:
                popup.close(chosen.text)
                self.submit()
        else:
            return False
        return True

    def set_vim(self, enabled: bool) -> None:
        """Switch vim keys on (in insert mode) or off."""
        if enabled == (self.vim is not None):
            return
        if enabled:
            from gemtui.ui.widgets.vim import VimKeys  # only for those who use it

            self.vim = VimKeys(self, on_mode=lambda mode: self.post_message(
                self.VimModeChanged(mode)))  # fmt: skip
            self.post_message(self.VimModeChanged(self.vim.mode))
        else:
            self.vim = None
            self.post_message(self.VimModeChanged(None))

    def action_scroll(self, target: ScrollTarget) -> None:
        self.post_message(self.ScrollRequested(target))

    def action_cursor_line_end(self, select: bool = False) -> None:
        """End moves to the end of the line; already there (or in an empty prompt) it is not
        the editor's: the app's End takes it to the newest output."""
        at_end = self.get_cursor_line_end_location() == self.cursor_location
        if at_end and not select and self.selection.is_empty:
            raise SkipAction()
        super().action_cursor_line_end(select)

    def _at_word_start(self) -> bool:
        row, column = min(self.selection)
        return column == 0 or self.document.get_line(row)[column - 1].isspace()

    def take_picker_keys(self, at: tuple[int, int]) -> tuple[str, bool]:
        """What was typed after the ``@`` at ``at`` that opens the picker, taken out of the
        prompt, and whether Enter came after it.

        Keys typed fast after the ``@`` (or sent in one burst) reach the prompt before the
        picker is up: they are meant for the picker, Enter included (it sent the prompt). The
        keys after that Enter stay in the prompt: they were lost in the picker's field."""
        enter_at, self._picker_asked, self._enter_for_picker = self._enter_for_picker, False, None
        enter = enter_at is not None
        row, column = enter_at or self.cursor_location
        if row != at[0] or column <= at[1] + 1 or self.get_text_range(at, (row, at[1] + 1)) != "@":
            return "", enter
        start = (row, at[1] + 1)
        typed = self.get_text_range(start, (row, column))
        self.delete(start, (row, column))
        return typed, enter

    def remove_at_sign(self, at: tuple[int, int]) -> None:
        """Take out the ``@`` that opened the picker, if it is still where it was typed."""
        after = (at[0], at[1] + 1)
        if self.get_text_range(at, after) == "@":
            self.delete(at, after)

    def load_text(self, text: str) -> None:
        """Show ``text`` as the draft, with the cursor at its end: a draft put back (a failed
        request, a recalled or edited prompt, another chat's draft) is typed on from there.
        TextArea's own puts the cursor at the start, and keys then went in front of it."""
        # The TextArea paints its text as is: escape sequences must not reach the terminal.
        super().load_text(clean_draft_text(text))
        self.move_cursor(self.document.end)

    def _on_paste(self, event: events.Paste) -> None:
        """Clean the pasted text in the event; TextArea._on_paste then inserts it.

        No ``super()`` call: Textual dispatches an event to the handler of every class in the
        MRO (this one first), so calling TextArea's here as well inserted the paste twice.
        """
        event.text = clean_draft_text(event.text)

    def load_prompt(self, prompt: str) -> None:
        """Load a prompt sent before as the draft that sends it again (see ``_draft_of``)."""
        self.load_text(self._draft_of(prompt))

    @staticmethod
    def _draft_of(prompt: str) -> str:
        """A prompt that begins with ``/`` is written ``//``: Enter would run it as a command
        (the reverse of what ``submit`` does)."""
        return f"/{prompt}" if prompt.startswith("/") else prompt

    def recall_from(self, earlier: list[str]) -> None:
        """Put prompts of earlier sessions (oldest first) before this session's in the history
        Up walks; a prompt sent again now is kept once, at its latest place."""
        sent_now = set(self.prompt_history)
        older = [prompt for prompt in earlier if prompt not in sent_now]
        self.prompt_history[:0] = older
        if self._history_index is not None:  # Up pressed already: stay on the same prompt
            self._history_index += len(older)

    def remember(self, prompt: str) -> None:
        """Add a sent prompt to the history (no immediate duplicates)."""
        if prompt.strip() and (not self.prompt_history or self.prompt_history[-1] != prompt):
            self.prompt_history.append(prompt)
        self._history_index = None

    def action_history_previous(self) -> None:
        if not self.prompt_history:
            return
        if self._history_index is None:
            self._stashed_draft = self.text
            self._history_index = len(self.prompt_history) - 1
        elif self._history_index > 0:
            self._history_index -= 1
        self.load_text(self._draft_of(self.prompt_history[self._history_index]))

    def action_history_next(self) -> None:
        if self._history_index is None:
            return
        if self._history_index < len(self.prompt_history) - 1:
            self._history_index += 1
            self.load_text(self._draft_of(self.prompt_history[self._history_index]))
        else:
            self._history_index = None
            self.load_text(self._stashed_draft)
