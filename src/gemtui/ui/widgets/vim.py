"""Vim keys for the prompt editor (the ``vim_mode`` setting).

:class:`VimKeys` sits in front of a ``TextArea``'s own key handling: the composer hands it every
key first, and what it does not take goes on to the text area and the bindings as before. It
starts in insert mode, where it takes only Escape (to normal mode) and otherwise watches the
typing, so that ``.`` can repeat an insert. In normal mode it takes every printable key:

* motions ``h j k l w b e 0 $ gg G`` (and the arrows, which the text area moves by itself);
* counts before commands and motions (``3w``, ``2d3w`` is ``d6w``, ``5G`` goes to line 5);
* operators ``d c y`` with a motion, doubled for whole lines (``dd cc yy``), and
  ``D C x X p P``; ``i a I A o O`` enter insert mode;
* ``.`` repeats the last change (with its inserted text; a new count replaces the old one);
* ``u`` undoes the last change as one step and Ctrl+R redoes it, on the text area's own undo
  history (a change may span several of its batches; each change marks where it began).

Escape with nothing pending, Enter (send) and every other non-printable key are not taken, so
they do in normal mode what they do anyway. Words are Vim's small words: runs of letters,
digits and ``_``, or runs of other non-blank characters; an empty line is a word of its own.

Positions are offsets into the text (lines joined by ``\\n``); only the edits go through the
text area's ``insert`` / ``delete`` / ``replace``, so its undo history records them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from textual.widgets import TextArea

Mode = Literal["insert", "normal"]
Kind = Literal["exclusive", "inclusive", "linewise"]

#: Keys (Textual names) that mean "new line" while inserting; recorded for ``.`` as ``\\n``.
NEWLINE = frozenset({"ctrl+j", "alt+enter", "shift+enter", "ctrl+enter"})
MOTIONS = frozenset("hjklwbe0$G")
OPERATORS = frozenset("dcy")
#: Commands that change the text (recorded for ``.``).
CHANGES = frozenset("xXDCpPiaIAoO")


def char_class(char: str) -> int:
    """0 blank (line breaks too), 1 word character, 2 any other character."""
    if char.isspace():
        return 0
    return 1 if char.isalnum() or char == "_" else 2


def line_start(text: str, p: int) -> int:
    return text.rfind("\n", 0, p) + 1


def line_end(text: str, p: int) -> int:
    """The offset of the line break ending ``p``'s line (or the end of the text)."""
    end = text.find("\n", p)
    return len(text) if end < 0 else end


def first_non_blank(text: str, p: int) -> int:
    start, end = line_start(text, p), line_end(text, line_start(text, p))
    q = start
    while q < end and text[q] in " \t":
        q += 1
    return q if q < end else start


def next_word(text: str, p: int) -> int:
    """Where ``w`` goes from ``p``: the next word's start, or an empty line, or the end."""
    n = len(text)
    if p >= n:
        return n
    kind = char_class(text[p])
    if kind:
        while p < n and char_class(text[p]) == kind:
            p += 1
    while p < n and char_class(text[p]) == 0:
        if text[p] == "\n":
            p += 1
            if p < n and text[p] == "\n":
                return p
            continue
        p += 1
    return p


def word_end(text: str, p: int) -> int:
    """Where ``e`` goes from ``p``: the last character of this or the next word."""
    n = len(text)
    p += 1
    while p < n and char_class(text[p]) == 0:
        p += 1
    if p >= n:
        return max(n - 1, 0)
    kind = char_class(text[p])
    while p + 1 < n and char_class(text[p + 1]) == kind:
        p += 1
    return p


def previous_word(text: str, p: int) -> int:
    """Where ``b`` goes from ``p``: this or the previous word's start, or an empty line."""
    if p <= 0:
        return 0
    p -= 1
    while p > 0 and char_class(text[p]) == 0:
        if text[p] == "\n" and text[p - 1] == "\n":
            return p
        p -= 1
    kind = char_class(text[p])
    if kind == 0:
        return p
    while p > 0 and char_class(text[p - 1]) == kind:
        p -= 1
    return p


@dataclass
class Change:
    """What ``.`` repeats: the command's keys and the keys typed in the insert it began."""

    keys: list[str]
    inserted: list[str] = field(default_factory=list)


class VimKeys:
    """Normal and insert mode over ``area``; ``on_mode`` hears every mode change."""

    def __init__(self, area: TextArea, on_mode: Callable[[Mode], None] = lambda _m: None) -> None:
        self.area = area
        self.on_mode = on_mode
        self.mode: Mode = "insert"
        #: What a yank or delete took, and whether it was whole lines.
        self.register: tuple[str, bool] = ("", False)
        self.last_change: Change | None = None
        self._keys: list[str] = []  # the command being typed
        self._inserting: Change | None = None  # the change whose insert is being typed
        self._insert_repeat = 1
        self._undo_marks: list[int] = []
        self._redo_counts: list[int] = []
        self._column: int | None = None  # the column j and k aim for
        self._replaying = False
        self._mark_change()

    # ------------------------------------------------------------------ entry point

    def key(self, key: str, character: str | None) -> bool:
        """Handle one key press; whether it was taken (else the text area gets it)."""
        if self.mode == "insert":
            return self._insert_key(key, character)
        token = self._token(key, character)
        if token is None:
            if self._keys:  # a non-printable key cancels a half-typed command
                self._keys = []
                return key == "escape"
            return False
        if token == "ctrl+r":
            self._redo()
            return True
        self._keys.append(token)
        if self._run(self._keys) != "more":
            self._keys = []
        return True

    def reset(self) -> None:
        """Back to insert mode with nothing pending (vim mode switched on, or text replaced)."""
        self._keys = []
        self._inserting = None
        self._set_mode("insert")

    # ------------------------------------------------------------------ insert mode

    def _insert_key(self, key: str, character: str | None) -> bool:
        if key == "escape":
            self._leave_insert()
            return True
        recording = self._inserting
        if recording is not None and not self._replaying:
            if key in NEWLINE:
                recording.inserted.append("\n")
            elif key in ("backspace", "delete"):
                recording.inserted.append(key)
            elif character is not None and character.isprintable() and key != "enter":
                recording.inserted.append(character)
            elif key in ("up", "down", "left", "right", "home", "end"):
                # Moving away ends what ``.`` can repeat, as in Vim.
                self._inserting = None
        return False

    def _leave_insert(self) -> None:
        change, self._inserting = self._inserting, None
        if change is not None:
            for _ in range(self._insert_repeat - 1):  # 3ix<Esc> types x three times
                self._type(change.inserted)
            if not self._replaying:
                self.last_change = change
        self._insert_repeat = 1
        row, column = self.area.cursor_location
        if column > 0:
            self.area.move_cursor((row, column - 1))
        self._set_mode("normal")

    def _type(self, keys: list[str]) -> None:
        for key in keys:
            if key == "backspace":
                self.area.action_delete_left()
            elif key == "delete":
                self.area.action_delete_right()
            else:
                self.area.insert(key)

    def _enter_insert(self, offset: int, keys: list[str], repeat: int = 1) -> None:
        self._move(offset, clamp=False)
        self._inserting = Change(list(keys))
        self._insert_repeat = repeat
        self._set_mode("insert")

    def _set_mode(self, mode: Mode) -> None:
        if mode != self.mode:
            self.mode = mode
            self.on_mode(mode)

    # ------------------------------------------------------------------ normal mode

    @staticmethod
    def _token(key: str, character: str | None) -> str | None:
        if key == "ctrl+r":
            return key
        if key == "backspace":
            return "h"
        if key == "delete":
            return "x"
        if key in NEWLINE:
            return "j"
        if character == " ":
            return "l"
        if character is not None and len(character) == 1 and character.isprintable():
            return character
        return None

    def _run(self, keys: list[str]) -> str:
        """Run the command in ``keys`` if it is complete: ``"more"`` while it is not."""
        count, rest = _split_count(keys)
        if not rest:
            return "more"
        command = rest[0]
        if command in OPERATORS:
            return self._operator(keys, count, command, rest[1:])
        if command == "g":
            if len(rest) == 1:
                return "more"
            if rest[1] == "g":
                self._jump_to_line(count - 1 if count else 0)
            return "done"
        if command in MOTIONS:
            self._motion_only(command, count)
            return "done"
        if command == ".":
            self._repeat(count)
            return "done"
        if command == "u":
            self._undo(count or 1)
            return "done"
        if command in CHANGES:
            self._change(keys, command, count or 1)
        return "done"

    def _operator(self, keys: list[str], count: int, operator: str, rest: list[str]) -> str:
        motion_count, motion = _split_count(rest)
        if not motion:
            return "more"
        total = (count or 1) * (motion_count or 1)
        given = bool(count or motion_count)
        name = motion[0]
        if name == "g":
            if len(motion) == 1:
                return "more"
            if motion[1] != "g":
                return "done"
            name = "gg"
        text = self.area.text
        p = self._offset()
        if name == operator:  # dd, cc, yy: this line and count - 1 below
            row = self.area.cursor_location[0]
            last = min(row + total - 1, self.area.document.line_count - 1)
            self._apply_lines(keys, operator, row, last)
            return "done"
        if name not in MOTIONS and name != "gg":
            return "done"
        if operator == "c" and name == "w" and p < len(text) and char_class(text[p]):
            name = "e"  # Vim's special case: cw changes to the end of the word
        target, kind = self._motion(name, total, p, given, for_operator=True)
        if name == "w":
            target = self._clip_word_motion(text, p, total)
        if kind == "linewise":
            rows = sorted((self.area.cursor_location[0], self._location(target)[0]))
            self._apply_lines(keys, operator, rows[0], rows[1])
            return "done"
        start, end = sorted((p, target))
        if kind == "inclusive":
            end = min(end + 1, len(text))
        self._apply_chars(keys, operator, start, end)
        return "done"

    def _clip_word_motion(self, text: str, p: int, count: int) -> int:
        """``dw`` on a line's last word stops at the line's end, not at the next line's word."""
        for _ in range(count - 1):
            p = next_word(text, p)
        target = next_word(text, p)
        end = line_end(text, p)
        return min(target, end) if end > p else target

    # ------------------------------------------------------------------ motions

    def _motion(
        self, name: str, count: int, p: int, given: bool, *, for_operator: bool = False
    ) -> tuple[int, Kind]:
        text = self.area.text
        count = max(count, 1)
        start, end = line_start(text, p), line_end(text, p)
        if name == "h":
            return max(start, p - count), "exclusive"
        if name == "l":
            limit = end if for_operator else max(start, end - 1)
            return min(limit, p + count), "exclusive"
        if name in ("j", "k"):
            row, column = self._location(p)
            if self._column is None:
                self._column = column
            lines = self.area.document.line_count
            row = min(row + count, lines - 1) if name == "j" else max(row - count, 0)
            length = len(self.area.document.get_line(row))
            column = min(self._column, max(length - 1, 0))
            return self._offset_of((row, column)), "linewise"
        if name == "0":
            return start, "exclusive"
        if name == "$":
            q = p
            for _ in range(count - 1):
                q = line_end(text, q) + 1 if line_end(text, q) < len(text) else q
            return line_end(text, q), "exclusive"
        if name == "w":
            for _ in range(count):
                p = next_word(text, p)
            return p, "exclusive"
        if name == "b":
            for _ in range(count):
                p = previous_word(text, p)
            return p, "exclusive"
        if name == "e":
            for _ in range(count):
                p = word_end(text, p)
            return p, "inclusive"
        # G and gg: a line by number (G without a count: the last line)
        lines = self.area.document.line_count
        if name == "G":
            row = min(count, lines) - 1 if given else lines - 1
        else:
            row = min(count, lines) - 1 if given else 0
        return first_non_blank(text, self._offset_of((row, 0))), "linewise"

    def _motion_only(self, name: str, count: int) -> None:
        target, _kind = self._motion(name, count, self._offset(), bool(count))
        keep_column = name in ("j", "k")
        self._move(target, keep_column=keep_column)
        if name == "$":
            self._column = 1 << 30  # stays at the end of each line j and k go to

    def _jump_to_line(self, row: int) -> None:
        lines = self.area.document.line_count
        row = max(0, min(row, lines - 1))
        self._move(first_non_blank(self.area.text, self._offset_of((row, 0))))

    # ------------------------------------------------------------------ changes

    def _apply_chars(self, keys: list[str], operator: str, start: int, end: int) -> None:
        text = self.area.text
        self.register = (text[start:end], False)
        if operator == "y":
            self._move(start)
            return
        self._begin_change(keys)
        if end > start:
            self.area.delete(self._location(start), self._location(end))
        if operator == "c":
            self._enter_insert(start, keys)
        else:
            self._finish_change(keys)
            self._move(start)

    def _apply_lines(self, keys: list[str], operator: str, first: int, last: int) -> None:
        document = self.area.document
        lines = document.line_count
        taken = "\n".join(document.get_line(row) for row in range(first, last + 1)) + "\n"
        self.register = (taken, True)
        if operator == "y":
            self._move(self._offset_of((first, self.area.cursor_location[1])))
            return
        self._begin_change(keys)
        last_length = len(document.get_line(last))
        if operator == "c":
            self.area.replace("", (first, 0), (last, last_length))
            self._enter_insert(self._offset_of((first, 0)), keys)
            return
        if last + 1 < lines:
            self.area.delete((first, 0), (last + 1, 0))
        elif first > 0:
            self.area.delete((first - 1, len(document.get_line(first - 1))), (last, last_length))
            first -= 1
        else:
            self.area.delete((0, 0), (last, last_length))
        self._finish_change(keys)
        self._move(first_non_blank(self.area.text, self._offset_of((first, 0))))

    def _change(self, keys: list[str], command: str, count: int) -> None:
        text = self.area.text
        p = self._offset()
        start, end = line_start(text, p), line_end(text, p)
        if command in "xX":
            span = (p, min(end, p + count)) if command == "x" else (max(start, p - count), p)
            if span[1] > span[0]:
                self._apply_chars(keys, "d", *span)
            return
        if command in "DC":
            target, _kind = self._motion("$", count, p, True)
            self._apply_chars(keys, "d" if command == "D" else "c", p, target)
            return
        if command in "pP":
            self._put(keys, command, count)
            return
        self._begin_change(keys)
        if command == "i":
            self._enter_insert(p, keys, count)
        elif command == "a":
            self._enter_insert(min(p + 1, end), keys, count)
        elif command == "I":
            self._enter_insert(first_non_blank(text, p), keys, count)
        elif command == "A":
            self._enter_insert(end, keys, count)
        elif command == "o":
            self.area.insert("\n", self._location(end))
            self._enter_insert(end + 1, keys)
        elif command == "O":
            self.area.insert("\n", self._location(start))
            self._enter_insert(start, keys)

    def _put(self, keys: list[str], command: str, count: int) -> None:
        taken, whole_lines = self.register
        if not taken:
            return
        self._begin_change(keys)
        text = self.area.text
        p = self._offset()
        if whole_lines:
            block = taken * count
            if command == "p":
                end = line_end(text, p)
                self.area.insert("\n" + block[:-1], self._location(end))
                landing = end + 1
            else:
                landing = line_start(text, p)
                self.area.insert(block, self._location(landing))
            self._move(first_non_blank(self.area.text, landing))
        else:
            block = taken * count
            at = min(p + 1, line_end(text, p)) if command == "p" else p
            self.area.insert(block, self._location(at))
            self._move(at + len(block) - 1)
        self._finish_change(keys)

    def _begin_change(self, keys: list[str]) -> None:
        if not self._replaying:
            self._mark_change()
            self._redo_counts.clear()

    def _finish_change(self, keys: list[str]) -> None:
        if not self._replaying:
            self.last_change = Change(list(keys))

    def _repeat(self, count: int) -> None:
        change = self.last_change
        if change is None:
            return
        keys = change.keys
        if count:
            keys = [*str(count), *_split_count(keys)[1]]
        self._mark_change()
        self._redo_counts.clear()
        self._replaying = True
        try:
            self._run(list(keys))
            if self.mode == "insert":
                if self._inserting is not None:
                    self._inserting.inserted = list(change.inserted)
                self._type(change.inserted)
                self._leave_insert()
        finally:
            self._replaying = False

    # ------------------------------------------------------------------ undo

    def _mark_change(self) -> None:
        """A change begins: ``u`` goes back to here, whatever batches the text area makes."""
        self.area.history.checkpoint()
        self._undo_marks.append(len(self.area.history.undo_stack))

    def _undo(self, count: int) -> None:
        for _ in range(count):
            depth = len(self.area.history.undo_stack)
            while self._undo_marks and self._undo_marks[-1] >= depth:
                self._undo_marks.pop()  # a mark with nothing after it (or a cleared history)
            mark = self._undo_marks.pop() if self._undo_marks else max(depth - 1, 0)
            undone = 0
            while len(self.area.history.undo_stack) > mark:
                self.area.undo()
                undone += 1
            if undone:
                self._redo_counts.append(undone)
        self._move(self._offset())

    def _redo(self) -> None:
        if not self._redo_counts:
            return
        depth = len(self.area.history.undo_stack)
        for _ in range(self._redo_counts.pop()):
            self.area.redo()
        self._undo_marks.append(depth)
        self._move(self._offset())

    # ------------------------------------------------------------------ positions

    def _offset(self) -> int:
        return self._offset_of(self.area.cursor_location)

    def _offset_of(self, location: tuple[int, int]) -> int:
        row, column = location
        lines = self.area.document.lines
        return sum(len(line) + 1 for line in lines[:row]) + column

    def _location(self, offset: int) -> tuple[int, int]:
        text = self.area.text
        offset = max(0, min(offset, len(text)))
        row = text.count("\n", 0, offset)
        return row, offset - line_start(text, offset)

    def _move(self, offset: int, *, clamp: bool = True, keep_column: bool = False) -> None:
        """Put the cursor at ``offset``; in normal mode never past a line's last character."""
        text = self.area.text
        offset = max(0, min(offset, len(text)))
        if clamp:
            end = line_end(text, offset)
            if offset >= end and end > line_start(text, offset):
                offset = end - 1
        if not keep_column:
            self._column = None
        self.area.move_cursor(self._location(offset))


def _split_count(keys: list[str]) -> tuple[int, list[str]]:
    """A leading count (``0`` only after another digit) and the keys after it."""
    digits = 0
    while digits < len(keys) and keys[digits].isdigit() and (digits or keys[digits] != "0"):
        digits += 1
    count = int("".join(keys[:digits])) if digits else 0
    return count, keys[digits:]
