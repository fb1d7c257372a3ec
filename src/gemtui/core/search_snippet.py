"""The few words shown under a history search hit, cut from the hit's text in Python.

FTS5's ``snippet()`` and ``highlight()`` take time that grows with the square of the hits in
one text: a 1 MB answer holding the searched word 200 000 times kept ``snippet()`` busy for
six minutes and ``highlight()`` for seven seconds, and the history search runs again at every
letter typed. FTS5 still decides which texts match and in what order; this only places the
words in one of them, in linear time (regular expressions over a folded copy of the text).

Folding follows the index's tokenizer (``unicode61 remove_diacritics 2``) closely enough to
place a snippet: case and accents are dropped one character for one, so offsets in the
folded copy are offsets in the text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from gemtui.core.store_records import MARK_END, MARK_START

#: Words in a snippet (what FTS5's ``snippet(…, 16)`` gave).
SNIPPET_WORDS = 16
#: Characters after a found word within which the other query words count as near it.
_NEAR_CHARS = 120
#: Words found, at most, to place the snippet: a long answer can hold a hundred thousand.
_FOUND_AT_MOST = 1000
#: How far back the words leading up to the snippet's first match are looked for.
_LEAD_CHARS = 80
_WORD = re.compile(r"\S+\s*")
_LEAD = re.compile(r"(?:\S+\s+){1,2}\Z")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """``char`` lower-cased and without its accents, if that is one character; else itself."""
    lower = char.lower()
    if len(lower) != 1:
        return char
    bare = "".join(c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c))
    return bare if len(bare) == 1 else lower


def fold(text: str) -> str:
    """``text`` without case or accents, one character for each of ``text``'s."""
    if text.isascii():
        return text.lower()
    return text.translate({ord(char): _fold_char(char) for char in set(text)})


def _pattern(words: list[str]) -> re.Pattern[str]:
    """Each word as a whole token, the last one as a token's start (as the query has it)."""
    *whole, last = (re.escape(fold(word)) for word in words)
    alternatives = [f"{word}(?![^\\W_])" for word in whole] + [last]
    return re.compile(f"(?<![^\\W_])(?:{'|'.join(alternatives)})")


def _found(text: str, words: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, the word folded) of the first query words found in ``text``."""
    folded = fold(text)
    found = []
    for match in _pattern(words).finditer(folded):
        found.append((match.start(), match.end(), match.group()))
        if len(found) == _FOUND_AT_MOST:
            break
    return found


def _best_start(found: list[tuple[int, int, str]]) -> int:
    """Where most of the different words are found within _NEAR_CHARS (the first such)."""
    best_start, best_count = (found[0][0] if found else 0), 0
    near: dict[str, int] = {}
    end = 0
    for start, _, word in found:
        while end < len(found) and found[end][0] <= start + _NEAR_CHARS:
            near[found[end][2]] = near.get(found[end][2], 0) + 1
            end += 1
        if len(near) > best_count:
            best_start, best_count = start, len(near)
        near[word] -= 1
        if not near[word]:
            del near[word]
    return best_start


def snippet(text: str, words: list[str], length: int = SNIPPET_WORDS) -> str:
    """About ``length`` words of ``text`` around its best place for ``words`` (the query's,
    the last one a prefix), the found words between MARK_START and MARK_END, with "…" where
    the text was cut."""
    found = _found(text, words) if words else []
    start = _best_start(found)
    lead = _LEAD.search(text, max(0, start - _LEAD_CHARS), start)
    begin = lead.start() if lead is not None else start
    stop = begin
    for count, word in enumerate(_WORD.finditer(text, begin), start=1):
        stop = word.end()
        if count == length:
            break
    end = len(text[begin:stop].rstrip()) + begin
    pieces, at = [], begin
    for first, last, _ in found:
        if first >= begin and last <= end:
            pieces += [text[at:first], MARK_START, text[first:last], MARK_END]
            at = last
    pieces.append(text[at:end])
    return ("…" if begin > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")
