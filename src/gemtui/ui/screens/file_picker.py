"""The fuzzy file picker (F3, or ``@`` at the start of a word in the composer).

Lists files under the working directory and narrows them as the user types: the typed letters
must appear in order in the path, and files whose *name* holds them come first. A query written
as a path (``./my``, ``~/Doc``, ``/tmp/x``) lists the entries of its folder whose names hold the
letters after its last ``/``. Enter picks the highlighted file, or the path or URL typed (http,
https, gs); Escape cancels. The caller's ``attach`` attaches what was chosen; when it refuses
(an empty file, a type the API does not take, a URL with no type), the picker says why in
place and stays open, and it closes with what was attached.

The walk is breadth first (files near the top come first), runs in a thread so a slow disk never
freezes the screen, and stops at :data:`MAX_FILES`, so starting gemtui in ``/`` costs a moment,
not minutes. File names are untrusted (anyone can name a file with escape sequences in it): they
are shown only through :func:`~gemtui.core.safety.safe_text`.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gemtui.core.attachments import is_url
from gemtui.core.safety import safe_text
from gemtui.core.working_dir import Folder, working_dir_or_home
from gemtui.ui.dialogs import pass_to_prompt
from gemtui.ui.pane_keys import PaneKey

#: Most files listed; the walk stops there.
MAX_FILES = 5000
#: Most directory entries looked at, so a tree of empty folders also ends the walk soon.
MAX_ENTRIES = 50_000
#: Most matches shown at once (typing narrows the rest).
MAX_SHOWN = 200
#: Directories never entered: tool caches and environments nobody attaches from.
SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__"})

HELP = "↑↓ choose · Enter attach (or a path, ~/…, a URL or gs://…) · Esc cancel"
#: The help line while the query is a path (the list holds its folder's entries then).
PATH_HELP = "↑↓ choose · Enter attach this path or the entry chosen · Esc cancel"


def walk_files(root: Path, limit: int = MAX_FILES, max_entries: int = MAX_ENTRIES) -> Iterator[str]:
    """Paths of files under ``root``, relative to it, breadth first and sorted per directory.

    Hidden directories, :data:`SKIPPED_DIRS` and symlinked directories (which can loop) are
    not entered; unreadable directories are passed over.
    """
    pending: deque[Path] = deque([root])
    found = seen = 0
    while pending:
        folder = pending.popleft()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > max_entries:
                return
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
                        pending.append(Path(entry.path))
                    continue
                if not entry.is_file():
                    continue
            except OSError:
                continue
            yield os.path.relpath(entry.path, root)
            found += 1
            if found >= limit:
                return


def _subsequence_span(query: str, text: str) -> tuple[int, int] | None:
    """Start and length of the shortest window of ``text`` that holds ``query`` in order."""
    best: tuple[int, int] | None = None
    start = text.find(query[0])
    while start != -1:
        position = start
        for char in query[1:]:
            position = text.find(char, position + 1)
            if position == -1:
                return best
        span = (start, position - start + 1)
        if best is None or span[1] < best[1]:
            best = span
        start = text.find(query[0], start + 1)
    return best


def rank(query: str, paths: Iterable[str], limit: int = MAX_SHOWN) -> list[str]:
    """``paths`` that hold the letters of ``query`` in order, best first.

    Matches within the file name beat matches across the path; then tighter matches, earlier
    ones and shorter paths win. Case is ignored and spaces in the query are not letters.
    """
    letters = "".join(query.lower().split())
    if not letters:
        return list(paths)[:limit]
    scored: list[tuple[tuple[int, int, int, int], str]] = []
    for path in paths:
        lowered = path.lower()
        name_start = max(lowered.rfind("/"), lowered.rfind(os.sep)) + 1
        in_name = _subsequence_span(letters, lowered[name_start:])
        if in_name is not None:
            scored.append(((0, in_name[1], in_name[0], len(path)), path))
            continue
        in_path = _subsequence_span(letters, lowered)
        if in_path is not None:
            scored.append(((1, in_path[1], in_path[0], len(path)), path))
    scored.sort()
    return [path for _, path in scored[:limit]]


def shown_path(folder: Path) -> str:
    """``folder`` as people write it: under the home directory as ``~/…``."""
    try:
        inside = folder.resolve().relative_to(Path.home().resolve())
    except (ValueError, RuntimeError):
        return str(folder)
    return "~" if inside == Path() else f"~/{inside}"


#: A URL's opening (``ftp://``): typed as a URL, though not one of a scheme that is attached.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def other_scheme(typed: str) -> str:
    """The scheme of a URL typed that cannot be attached (``ftp``), or ""."""
    match = _SCHEME.match(typed)
    return match.group(1) if match and not is_url(typed) else ""


def path_matches(typed: str, root: Path, limit: int = MAX_SHOWN) -> list[str]:
    """The entries of the folder a typed path is in whose names hold the letters typed after
    its last ``/`` (as :func:`rank` matches them), written as the user wrote the folder:
    ``./my`` lists ``./my photo ü.png``. A folder ends in ``/``; hidden entries show once the
    name typed starts with a dot."""
    if typed in ("~", ".", ".."):
        typed += "/"
    folder_text, slash, name = typed.rpartition("/")
    if not slash:
        return []
    folders: set[str] = set()
    names: list[str] = []
    try:
        with os.scandir(resolve_typed(folder_text + "/", root)) as scan:
            for seen, entry in enumerate(scan):
                if seen >= MAX_ENTRIES:
                    break
                if entry.name.startswith(".") and not name.startswith("."):
                    continue
                names.append(entry.name)
                if _is_dir(entry):
                    folders.add(entry.name)
    except OSError:
        return []
    return [
        f"{folder_text}/{found}{'/' if found in folders else ''}"
        for found in rank(name, sorted(names), limit)
    ]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a folder, or a link to one (listed, not walked: no loop)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def is_path(typed: str) -> bool:
    """Whether the query is written as a path (absolute, ``~``, ``./`` or ``../``) rather than
    letters to look for in the list."""
    return typed.startswith(("/", "~", "./", "../")) or typed in (".", "..")


def resolve_typed(typed: str, root: Path) -> Path:
    """The file a typed path names: ``~`` expanded, relative to ``root``."""
    path = Path(typed).expanduser()
    return path if path.is_absolute() else root / path


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be attached (missing, not a file, unreadable), or ``None``."""
    shown = shown_path(path)
    try:
        if not path.exists():
            return f"No such file: {shown}"
        if path.is_dir():
            return f"{shown} is a folder, not a file."
        if not path.is_file():
            return f"{shown} is not a regular file."
        with path.open("rb"):
            pass
    except OSError as error:
        return f"Cannot read {shown}: {error.strerror or error}."
    return None


class FilePickerScreen(ModalScreen[str | None]):
    """Choose a file under the working directory, or type a URL; dismisses with it or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="file_picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="file_picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="file_picker.previous"),
    ]
    #: The field's Enter (``on_input_submitted``), for F1.
    HELP_KEYS = (PaneKey("enter", "Attach the file chosen, or the path or URL typed"),)

    DEFAULT_CSS = """
    FilePickerScreen { align: center middle; }
    FilePickerScreen > Vertical {
        width: 76; max-width: 95%; height: 20; max-height: 95%; padding: 0 1;
        border: round $primary; background: $surface;
    }
    FilePickerScreen #picker-title { text-style: bold; }
    FilePickerScreen #picker-help { color: $text-muted; }
    FilePickerScreen #picker-help.-problem, FilePickerScreen #picker-moved {
        color: $warning; text-style: bold;
    }
    FilePickerScreen OptionList { height: 1fr; border: none; padding: 0; }
    FilePickerScreen OptionList > .option-list--option-highlighted {
        background: $accent 40%; text-style: bold;
    }
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        query: str = "",
        submit: bool = False,
        attach: Callable[[str], str | None] | None = None,
    ) -> None:
        """``query``: what is already typed (after an ``@`` in the prompt); ``submit``: Enter
        was pressed after it, before the picker was up; ``attach(source)``: attaches what was
        chosen, or returns why not (``None``: the picker only chooses)."""
        super().__init__()
        self._attacher = attach
        folder = Folder(root) if root is not None else working_dir_or_home()
        self.root = folder.path
        #: Why the picker lists another folder than the working one ("": it does not).
        self._moved = folder.problem
        self._query = query
        self.files: list[str] = []
        self.shown: list[str] = []
        #: Enter came before the folder was read (keys in one burst): submit once it is.
        self._submit_when_listed: str | None = query.strip() if submit else None
        self._listed_yet = False

    def compose(self) -> ComposeResult:
        with Vertical():
            where = shown_path(self.root)
            yield Static(safe_text(f"Attach a file from {where}, or a URL"), id="picker-title")
            if self._moved:
                yield Static(safe_text(self._moved), id="picker-moved")
            # Not selected on focus: the keys that follow go on after what was typed.
            yield Input(
                self._query,
                placeholder="name, part of a path, or https://…",
                id="picker-query",
                select_on_focus=False,
            )
            yield OptionList(id="picker-files")
            yield Static(HELP, id="picker-help")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        if self._submit_when_listed is None:
            field.focus()
        else:
            self._await_listing()
        if self._query:
            # Its cursor is at the end; Input shows the start of a value it was made with.
            self.call_after_refresh(field.scroll_to, x=field.max_scroll_x, animate=False)
        self._walk()

    @work(thread=True, exclusive=True, group="file-picker")
    def _walk(self) -> None:
        files = list(walk_files(self.root))
        self.app.call_from_thread(self._listed, files)

    def _listed(self, files: list[str]) -> None:
        self.files, self._listed_yet = files, True
        self._show(self.query_one(Input).value)
        typed, self._submit_when_listed = self._submit_when_listed, None
        if typed is not None:
            # Not from inside the walk's worker (this runs on its call): closing the screen
            # cancels the screen's workers, that one too.
            self.call_later(self._submit, typed)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _say(self, problem: str | None) -> None:
        """Show why Enter did nothing in the help line (``None``: the usual help)."""
        help_line = self.query_one("#picker-help", Static)
        typed = self.query_one(Input).value.strip()
        usual = PATH_HELP if is_path(typed) else HELP
        help_line.update(safe_text(problem) if problem else usual)
        help_line.set_class(problem is not None, "-problem")

    def _show(self, query: str) -> None:
        typed = query.strip()
        self._say(None)
        if is_path(typed):
            self._set_shown([])
            self._list_folder(typed)
            return
        self._set_shown([] if is_url(typed) or other_scheme(typed) else rank(query, self.files))

    def _set_shown(self, shown: list[str]) -> None:
        options = self.query_one(OptionList)
        self.shown = shown
        options.set_options(Option(safe_text(path)) for path in shown)
        if shown:
            options.highlighted = 0

    @work(thread=True, exclusive=True, group="file-picker-folder")
    def _list_folder(self, typed: str) -> None:
        """The entries a typed path names, read in a thread (a slow disk never freezes the
        screen); shown only if the field still holds that path."""
        found = path_matches(typed, self.root)
        self.app.call_from_thread(self._folder_listed, typed, found)

    def _folder_listed(self, typed: str, found: list[str]) -> None:
        if self.is_attached and self.query_one(Input).value.strip() == typed:
            self._set_shown(found)

    def _target(self, index: int) -> str:
        """The path of the listed entry ``index``."""
        shown = self.shown[index]
        if is_path(shown):
            return str(resolve_typed(shown, self.root))
        return str(self.root / shown)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if not self._listed_yet and not (is_url(typed) or is_path(typed)):
            self._submit_when_listed = typed  # letters to match against files not read yet
            self._await_listing()
            return
        self._submit(typed)

    def _await_listing(self) -> None:
        """Enter is taken and waits for the folder: the field lets go of the focus, so that
        what is typed on goes to the prompt (:meth:`on_key`), not into a query already
        decided (it was lost when the picker closed)."""
        self.set_focus(None)

    def on_key(self, event: events.Key) -> None:
        if self.focused is None:
            pass_to_prompt(self, event)

    def _submit(self, typed: str) -> None:
        """Enter with ``typed`` in the field: attach the highlighted file, the URL or the path
        typed, or say why not."""
        if is_url(typed):
            self._choose(typed)
            return
        if scheme := other_scheme(typed):
            self._refuse(
                f"Only http://, https:// and gs:// URLs can be attached, not {scheme}://. "
                "Download the file and attach it from here."
            )
            return
        highlighted = self.query_one(OptionList).highlighted
        listed = highlighted is not None and highlighted < len(self.shown)
        if not is_path(typed) and listed:
            self._pick_listed(highlighted or 0)
            return
        if not typed:
            self._refuse("No file here to attach: type a name, a path or a URL.")
            return
        # A path, or letters nothing listed matches (a hidden file, say): as a path.
        path = resolve_typed(typed, self.root)
        problem = path_problem(path)
        if problem is None:
            self._choose(str(path))
        elif listed and (problem.startswith("No such file") or typed.endswith("/")):
            # Part of a name, or a folder's entries listed: the entry chosen.
            self._pick_listed(highlighted or 0)
        elif not is_path(typed) and problem.startswith("No such file"):
            self._refuse(f"No file here matches “{typed}”: type a path (/…, ~/…, ./…) or a URL.")
        else:
            self._refuse(problem)

    def _pick_listed(self, index: int) -> None:
        """Attach the listed file ``index``; a folder listed for a typed path is opened: its
        entries are listed next."""
        if self.shown[index].endswith("/"):
            field = self.query_one(Input)
            field.value = self.shown[index]
            field.cursor_position = len(field.value)
            field.focus()
            return
        self._choose(self._target(index))

    def _choose(self, source: str) -> None:
        """Attach ``source`` and close, or say why not and stay (the next keys are the
        picker's again)."""
        problem = self._attacher(source) if self._attacher is not None else None
        if problem is None:
            self.dismiss(source)
        else:
            self._refuse(problem)

    def _refuse(self, problem: str) -> None:
        self._say(problem)
        self.app.bell()
        self.query_one(Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick_listed(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
