"""Keyboard habits from other agent CLIs, as part of the app: the prompt in your editor
(Ctrl+G, Ctrl+X Ctrl+E), slash commands with completion, scrolling the conversation from the
prompt, drafts that survive, vim keys, and find in the conversation (Ctrl+F).

:class:`HabitsMixin` is a base class of :class:`~gemtui.ui.app.GemtuiApp`, so its actions
are the app's actions (bindings, the palette and slash commands reach them by name) and its
message handlers run beside the app's own: Textual calls the handler of every class in the
MRO. Its bindings and palette entries are listed here and spliced into the app's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import TextArea

from gemtui.core.drafts import DraftFiles, drafts_dir
from gemtui.core.model_names import agent_families
from gemtui.core.safety import clean_draft_text
from gemtui.core.store import StoreError
from gemtui.core.wording import plural
from gemtui.ui.chat.drafts import DraftKeeper
from gemtui.ui.render.chat_items import AnswerItem
from gemtui.ui.widgets.attachment_bar import AttachmentBar
from gemtui.ui.widgets.composer import Composer
from gemtui.ui.widgets.slash_popup import SlashPopup

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp
    from gemtui.ui.chat.commands import Candidate, SlashCommand
    from gemtui.ui.screens.help_screen import HelpSection
    from gemtui.ui.widgets.find_bar import FindBar

#: The app's bindings for these habits (spliced into ``GemtuiApp.BINDINGS``).
HABIT_BINDINGS = [
    Binding("ctrl+g", "external_editor", "Editor", show=False, id="app.external_editor"),
    # Priority, so the keys typed right behind it go into the find bar (see app.BINDINGS).
    Binding("ctrl+f", "find", "Find", show=False, id="app.find", priority=True),
]

#: Their entries in the command palette (spliced into ``PALETTE_COMMANDS``).
HABIT_PALETTE = [
    ("Edit the prompt in your editor", "The editor setting, else $VISUAL, else $EDITOR (Ctrl+G, "
     "or Ctrl+X Ctrl+E)", "external_editor"),
    ("Find in the conversation", "Highlight and step through matches (Ctrl+F, / in the "
     "messages; n/N next/previous)", "find"),
    ("Slash commands", "Every /command the prompt takes (/help)", "slash_help"),
    ("Choose the model", "For the next turns, from the list that opens in the prompt (/model)",
     "start_command('model')"),
    (f"Use an agent: {', '.join(agent_families())}", "For the next turns, from the list that "
     "opens in the prompt, your own agents too (/agent)", "start_command('agent')"),
    ("Go to the top of the conversation", "Scroll to the first turn, the prompt keeps the focus "
     "(Ctrl+Home)", "conversation_top"),
    ("Vim keys in the prompt", "Switch vim keys on or off for this session (F2: vim_mode)",
     "toggle_vim"),
    ("Continue the last conversation", "Open the conversation updated last (gemtui --continue)",
     "continue_last"),
]  # fmt: skip

#: What the composer's completion list does with which key (for F1; not remappable, as the
#: prompt's own Enter and @ are not).
COMPLETION_KEYS = (
    ("/", "start a command; a list of matches opens above the prompt"),
    ("↑ ↓", "choose in the list"),
    ("Tab", "complete the chosen command or argument"),
    ("Enter", "complete it, and run it when it needs nothing more"),
    ("Escape", "close the list (it opens again as you type)"),
    ("//", "send a prompt that begins with /"),
)


class HabitsMixin:
    """The actions and handlers above; ``self`` is the :class:`GemtuiApp`."""

    #: The palette's table, from which every action is also a slash command (set by the app).
    PALETTE: ClassVar[list[tuple[str, str, str]]] = []
    drafts: DraftKeeper | None = None
    _find_return: Widget | None = None

    # ------------------------------------------------------------------ set-up

    def on_mount(self) -> None:
        app = self._app
        popup = SlashPopup(self._completions, id="slash-popup")
        app.query_one("#composer-box").mount(popup, before=app.composer)
        app.composer.popup = popup
        self.drafts = DraftKeeper(app, DraftFiles(drafts_dir(), app.connection.secrets))
        self.drafts.restore()

    def on_unmount(self) -> None:
        if self.drafts is not None:
            self.drafts.closing()  # Ctrl+Q asks nothing and keeps the draft

    @property
    def _app(self) -> GemtuiApp:
        return cast("GemtuiApp", self)

    # ------------------------------------------------------------------ the draft

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        app = self._app
        if event.text_area is not app.composer:
            return
        if self.drafts is not None:
            self.drafts.changed()
        popup = app.composer.popup
        if popup is not None:
            popup.sync(app.composer.text)
            app.query_one("#composer-box").set_class(popup.is_open, "-completing")

    def _completions(self, text: str) -> list[Candidate]:
        """The completion list's rows for the prompt ``text``."""
        if text[:1] != "/":
            return []
        from gemtui.ui.chat.commands import candidates  # on the first "/": start-up

        return candidates(self._app, self.command_table(), text)

    def on_attachment_bar_changed(self, _message: AttachmentBar.Changed) -> None:
        if self.drafts is not None:
            self.drafts.changed()

    # ------------------------------------------------------------------ slash commands

    def command_table(self) -> dict[str, SlashCommand]:
        from gemtui.ui.chat.commands import command_table

        return command_table(self.PALETTE)

    def on_composer_command_submitted(self, message: Composer.CommandSubmitted) -> None:
        from gemtui.ui.chat.commands import run

        app = self._app
        if run(app, self.command_table(), message.text):
            app.composer.remember(message.text)
            app.composer.load_text("")

    def action_start_command(self, name: str) -> None:
        """Begin ``/name`` in the empty prompt with its list of choices open: the palette's
        way to a command that needs a choice. A draft is never replaced; the user is told. A
        bare command name is no draft (this action, run twice, leaves one)."""
        from gemtui.ui.chat.commands import parse  # the palette is long after start-up

        composer = self._app.composer
        typed = composer.text.strip()
        command = parse(typed)
        if typed and (command is None or command.argument):
            self._app.notify(
                f"The prompt holds a draft: send or clear it, then type /{name} to choose.",
                markup=False,
            )
            return
        composer.load_text(f"/{name} ")
        composer.focus()

    def show_command_help(self) -> None:
        """``/help``: the commands, then the keys in force."""
        self._app.action_help(commands_first=True)

    def action_slash_help(self) -> None:
        self.show_command_help()

    def slash_help_sections(self, *, full: bool = True) -> list[HelpSection]:
        """The slash commands and the keys of their completion list; ``full=False`` (F1 in the
        prompt): only the keys, and where the list of commands is."""
        from gemtui.ui.screens.help_screen import HelpSection

        # Short titles: they share the keys' column, whose widest entry sets its width.
        keys = HelpSection("Slash completion", COMPLETION_KEYS)
        if not full:
            return [HelpSection(keys.title, (*keys.rows, ("/help", "every slash command")))]
        table = self.command_table()
        rows = tuple((command.line, command.summary) for command in table.values())
        return [HelpSection("Slash commands", rows), keys]

    def show_settings_in_force(self) -> None:
        self._app._show_settings_in_force()

    def copy_answer(self, number: int) -> None:
        """Copy the ``number``-th last answer (1: the last one); a number with no answer
        raises :class:`~gemtui.ui.chat.commands.CommandError`."""
        from gemtui.ui.chat.commands import CommandError

        app = self._app
        answers = [item for item in app.view.items if isinstance(item, AnswerItem)]
        if not answers:
            raise CommandError("No answer to copy yet.")
        if not 1 <= number <= len(answers):
            raise CommandError(
                f"There {'is' if len(answers) == 1 else 'are'} {plural(len(answers), 'answer')}"
                f": /copy 1 to /copy {len(answers)}."
            )
        what = "" if number == 1 else f"Answer {number} from the last"
        app._copy(answers[-number].copy_text(), what)

    def search_history(self, query: str) -> None:
        """The history search (Ctrl+R), with ``query`` typed in."""
        app = self._app
        if not app._history_available():
            return
        from gemtui.ui.screens.history_search import SearchScreen

        app.push_screen(SearchScreen(app.store, query=query), app._search_chosen)

    def action_continue_last(self) -> None:
        app = self._app
        if not app._history_available() or app.store is None:
            return
        try:
            last = app.store.last_conversation_id()
        except StoreError as error:
            app.notify(error.explained(), severity="error", markup=False)
            return
        if last is None:
            app.notify("Nothing to continue: the history holds no conversation yet.",
                       severity="warning")  # fmt: skip
        elif last != app.conversation_id:
            app.open_stored(last)
        else:
            app.notify("The last conversation is the one open already.")

    # ------------------------------------------------------------------ the editor

    def action_external_editor(self) -> None:
        """Edit the draft in the user's editor; the text comes back into the prompt."""
        from gemtui.core.editor import EditorError, edit_text, find_editor  # on first use

        app = self._app
        if app.busy:
            # Nothing opens it later: it would take the screen from under the user's typing.
            app.notify("Not while an answer runs: press Ctrl+G again once it has ended "
                       "(Escape cancels it).", severity="warning")  # fmt: skip
            return
        try:
            command = find_editor(app.user_settings.editor)
        except EditorError as error:
            app.notify(str(error), severity="warning", timeout=12, markup=False)
            return
        composer = app.composer
        failure: Exception | None = None
        edited = None
        try:
            with app.suspend():
                try:
                    edited = edit_text(command, composer.text)
                except EditorError as error:  # inside: suspend() resumes only on a clean exit
                    failure = error
        except SuspendNotSupported:
            app.notify("This session cannot hand the terminal to an editor (a browser cannot).",
                       severity="warning")  # fmt: skip
            return
        if failure is not None:
            app.notify(str(failure), severity="warning", timeout=12, markup=False)
        elif edited is not None:
            document = composer.document
            # One edit, so Ctrl+Z takes the whole round trip back.
            composer.replace(clean_draft_text(edited), document.start, document.end)
            composer.move_cursor(composer.document.end)
        composer.focus()

    def on_composer_editor_requested(self, _message: Composer.EditorRequested) -> None:
        self.action_external_editor()

    # ------------------------------------------------------------------ scrolling

    def on_composer_scroll_requested(self, message: Composer.ScrollRequested) -> None:
        app = self._app
        view = app.view
        target = message.target
        if target == "page_up":
            view.scroll_page_up(animate=False)
        elif target == "page_down":
            view.scroll_page_down(animate=False)
        elif target == "line_up":
            view.scroll_lines(-1)
        elif target == "line_down":
            view.scroll_lines(1)
        elif target == "top":
            self.action_conversation_top()
        else:
            self.action_conversation_newest()

    def action_conversation_top(self) -> None:
        app = self._app
        app._load_older(everything=True)  # the top of the chat, not of what was read so far
        app.view.scroll_home(animate=False)

    def action_conversation_newest(self) -> None:
        self._app.view.follow_now(force=True)

    # ------------------------------------------------------------------ vim keys

    def action_toggle_vim(self) -> None:
        app = self._app
        on = app.composer.vim is None
        app.composer.set_vim(on)
        app.notify(f"Vim keys {'on' if on else 'off'} in the prompt for this session "
                   "(F2 keeps it: vim_mode).")  # fmt: skip

    def on_composer_vim_mode_changed(self, message: Composer.VimModeChanged) -> None:
        box = self._app.query_one("#composer-box")
        box.border_title = f"vim: {message.mode}" if message.mode else None

    # ------------------------------------------------------------------ find

    @property
    def find_bar(self) -> FindBar | None:
        from gemtui.ui.widgets.find_bar import FindBar  # mounted on first use

        found = self._app.query(FindBar)
        return found.first() if found else None

    async def action_find(self, query: str = "") -> None:
        """Open the find bar (``query`` typed in)."""
        from gemtui.ui.widgets.find_bar import FindBar

        app = self._app
        if len(app.screen_stack) > 1:
            return
        bar = self.find_bar
        if bar is None:
            bar = FindBar(id="find-bar")
            await app.screen.mount(bar, before=app.query_one("#composer-box"))
        if not bar.display:
            self._find_return = app.focused
        app.view.start_find()
        bar.open(query)
        if query:
            self._search(query)

    def action_find_step(self, delta: int) -> None:
        app = self._app
        finder = app.view.finder
        if finder is None:
            app.notify("Ctrl+F (or / in the messages) finds text first.", severity="warning")
            return
        finder.refresh()
        app.view.show_match(finder.step(delta))
        if self.find_bar is not None:
            self.find_bar.show_count(finder.position)

    def _search(self, query: str) -> None:
        app = self._app
        finder = app.view.start_find()
        finder.search(query)
        app.view.show_match(finder.matches[finder.current] if finder.current is not None else None)
        if self.find_bar is not None:
            self.find_bar.show_count(finder.position if query else "")

    def on_find_bar_changed(self, message: FindBar.Changed) -> None:
        self._search(message.query)

    def on_find_bar_step(self, message: FindBar.Step) -> None:
        self.action_find_step(message.delta)

    def on_find_bar_closed(self, _message: FindBar.Closed) -> None:
        app = self._app
        app.view.stop_find()
        back = self._find_return
        self._find_return = None
        if back is not None and back.is_attached and back.focusable:
            back.focus()
        else:
            app.composer.focus()
