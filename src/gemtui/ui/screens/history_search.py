"""Full-text search of the history (Ctrl+R): results follow typing; Enter jumps to the turn.

A modal screen over a :class:`~gemtui.core.store.Store`; dismisses with ``(conversation_id,
turn_id)`` or ``None``. The store ranks (prompts, then answers, thoughts, tool results) and quotes
whatever was typed, so this screen only shows. Titles and snippets are untrusted text and reach
Rich only as :func:`~gemtui.core.safety.safe_text`.

Each change of the query starts a search in a worker thread rather than on the UI thread: a
search takes milliseconds on a few hundred turns but grows with the history, and typing must not
wait for it. No debounce: a search is cheaper than the pause a debounce would add, and results
that arrive for a query no longer in the field are dropped. Enter pressed before the results of
what is typed have come (typed fast, or in one burst over SSH) opens the first of them when
they come.
"""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gemtui.core.safety import safe_text
from gemtui.core.store import SearchHit, Store, StoreError

HELP = "Type to search  ↓↑ move  Enter jump to the turn  Esc close"
PROMPT = "Search prompts, answers, thoughts and tool results. Every word must occur."


class SearchResults(OptionList):
    """The hits; Up on the first one goes back to the query field."""

    COMPONENT_CLASSES = {
        "search-results--match",
        "search-results--kind",
        "search-results--title",
    }

    class LeftTop(Message):
        """Up was pressed on the first result."""

    def action_cursor_up(self) -> None:
        if not self.highlighted:
            self.post_message(self.LeftTop())
            return
        super().action_cursor_up()

    def show(self, hits: list[SearchHit]) -> None:
        self.set_options(
            Option(self.render_hit(hit), id=str(position)) for position, hit in enumerate(hits)
        )
        if hits:
            self.highlighted = 0

    def render_hit(self, hit: SearchHit) -> Group:
        """Kind, title, then the snippet below with the matched words marked; its lines
        wrap two columns in, under its first (they ran back to the edge)."""
        line = Text.assemble(
            safe_text(f"{hit.kind:<7}", self.get_component_rich_style("search-results--kind")),
            " ",
            safe_text(
                hit.conversation_title, self.get_component_rich_style("search-results--title")
            ),
        )
        if hit.outcome not in ("", "completed", "requires_action"):
            # A cancelled prompt sent again read the same as its resend.
            line.append_text(
                safe_text(
                    f" · {hit.outcome}", self.get_component_rich_style("search-results--kind")
                )
            )
        # Tabs and line breaks become spaces one for one, so the offsets still fit.
        snippet = safe_text(hit.snippet.replace("\n", " ").replace("\t", " "))
        match = self.get_component_rich_style("search-results--match")
        for start, end in hit.highlights:
            snippet.stylize(match, start, end)
        return Group(line, Padding(snippet, (0, 0, 0, 2)))


class SearchScreen(ModalScreen[tuple[int, int] | None]):
    """Search the history; dismisses with ``(conversation_id, turn_id)``, or ``None``."""

    BINDINGS = [
        # Priority, so Enter opens the highlighted hit from the query field and from the list.
        Binding("enter", "open", "Jump", id="search.open", priority=True),
        Binding("down", "to_results", "Results", show=False, id="search.to_results"),
        Binding("escape", "close", "Close", id="search.close"),
    ]

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > #search-box {
        width: 100%; max-width: 110; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    SearchScreen #search-help { color: $text-muted; }
    SearchScreen #search-status { color: $text-muted; height: auto; }
    SearchScreen #search-status.-error { color: $error; }
    SearchScreen SearchResults { height: 1fr; border: none; padding: 0; }
    SearchScreen SearchResults > .search-results--match {
        color: $warning; text-style: bold underline;
    }
    SearchScreen SearchResults > .search-results--kind { color: $accent; }
    SearchScreen SearchResults > .search-results--title { text-style: bold; }
    """

    def __init__(self, store: Store, query: str = "") -> None:
        """``query``: typed in already (``/search TEXT``)."""
        super().__init__()
        self.store = store
        self.hits: list[SearchHit] = []
        self._query = query
        #: The query ``hits`` are for.
        self._shown_for = ""
        #: Enter came before the results of what was typed: open the first when they come.
        self._open_on_arrival = False

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(HELP, id="search-help")
            yield Input(self._query, id="search-input", placeholder="words to find")
            yield Static(PROMPT, id="search-status")
            yield SearchResults(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-box").border_title = "Search the history"
        self.query_field.focus()
        if self._query.strip():
            self._search(self._query)

    @property
    def query_field(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def results(self) -> SearchResults:
        return self.query_one(SearchResults)

    # ------------------------------------------------------------------ searching

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip():
            self._search(event.value)
        else:
            self._show(event.value, [], None)

    @work(thread=True, exclusive=True, group="history-search")
    def _search(self, query: str) -> None:
        try:
            hits, error = self.store.search(query), None
        except StoreError as problem:
            hits, error = [], problem
        self.app.call_from_thread(self._show, query, hits, error)

    def _show(self, query: str, hits: list[SearchHit], error: StoreError | None) -> None:
        if query != self.query_field.value:
            return  # the user typed on; the search for the newer text is under way
        self.hits, self._shown_for = hits, query
        self.results.show(hits)
        status = self.query_one("#search-status", Static)
        status.set_class(error is not None, "-error")
        if error is not None:
            status.update(safe_text(error.explained()))
        elif not query.strip():
            status.update(PROMPT)
        elif not hits:
            status.update(Text.assemble("Nothing matches “", safe_text(query.strip()), "”."))
        else:
            count = f"{len(hits)} result{'' if len(hits) == 1 else 's'}"
            status.update(f"{count}, prompts first · ↓ to move · Enter jumps to the turn")
        if self._open_on_arrival:
            self._open_on_arrival = False
            if hits:
                self.dismiss((hits[0].conversation_id, hits[0].turn_id))

    # ------------------------------------------------------------------ keys

    class EnterTyped(Message):
        """Enter in the field, queued behind the keys typed before it (see ``action_open``)."""

    def action_open(self) -> None:
        if self.query_field.has_focus:
            # Enter is a priority key: it comes here before the field has taken the keys typed
            # in front of it in one burst. It is decided once they are in.
            self.query_field.post_message(self.EnterTyped())
            return
        if not self._open_highlighted():
            raise SkipAction()

    def on_search_screen_enter_typed(self, message: EnterTyped) -> None:
        message.stop()
        typed = self.query_field.value
        if typed.strip() and typed != self._shown_for:
            self._open_on_arrival = True  # the results of what is typed are on their way
        else:
            self._open_highlighted()

    def _open_highlighted(self) -> bool:
        """Open the highlighted hit's turn; whether there was one."""
        index = self.results.highlighted
        if index is None or index >= len(self.hits):
            return False
        hit = self.hits[index]
        self.dismiss((hit.conversation_id, hit.turn_id))
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a hit (Enter never gets here: the priority binding takes it)."""
        event.stop()
        hit = self.hits[event.option_index]
        self.dismiss((hit.conversation_id, hit.turn_id))

    def action_to_results(self) -> None:
        if self.hits:
            self.results.focus()

    def on_search_results_left_top(self, event: SearchResults.LeftTop) -> None:
        event.stop()
        self.query_field.focus()

    def action_close(self) -> None:
        self.dismiss(None)
