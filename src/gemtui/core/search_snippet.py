"""The few words shown under a history search hit, cut from the hit's text in Python.

FTS5's ``snippet()`` and ``highlight()`` take time that grows with the square of the hits in
one text: a 1 MB answer holding the searched word 200 000 times kept ``snippet()`` busy for
six minutes and ``highlight()`` for seven seconds, and the history search runs again at every
letter typed. FTS5 still decides which texts match and in what order; this only places the
words in one of them, with one regular expression run over the text until enough are found.

Folding follows the index's tokenizer (``unicode61 remove_diacritics 2``) closely enough to
place a snippet: each letter of a query word stands for every letter that folds to it (case
and accents dropped), so the text itself is searched, never a folded copy of it (folding a
1 MB answer that is not ASCII took about 0.1 s, for every hit).
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
#: Letters from U+00C0 up to here may fold to another one (Latin, Greek, Cyrillic and the
#: other alphabets, Vietnamese's Latin, Greek's accented forms); past it, scripts have no case
#: or accents to drop.
_FOLDED_SCRIPTS_END = 0x2000


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


@lru_cache(maxsize=1)
def _letters_folding_to() -> dict[str, str]:
    """For each folded letter, every letter of the alphabetic scripts that folds to it (made
    once, on the first search: about 8 000 characters)."""
    letters: dict[str, list[str]] = {}
    for code in [*range(ord("A"), ord("Z") + 1), *range(0xC0, _FOLDED_SCRIPTS_END)]:
        char = chr(code)
        folded = _fold_char(char)
        if folded != char:
            letters.setdefault(folded, [folded]).append(char)
    return {folded: "".join(chars) for folded, chars in letters.items()}


def _word_pattern(word: str) -> str:
    """A regular expression for ``word``'s letters, each as any letter that folds to it."""
    letters = _letters_folding_to()
    pieces = []
    for char in fold(word):
        found = letters.get(char)
        pieces.append(f"[{re.escape(found)}]" if found else re.escape(char))
    return "".join(pieces)


#: Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer); the wide ones
#: (Chinese, Japanese, Korean) are told by their East Asian width.
_UNSPACED_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))


def is_substring_word(word: str) -> bool:
    """Whether ``word`` is searched for as a substring of the text, not as an indexed token.

    The index's tokenizer keeps a run of Chinese or Japanese (no spaces between words) as
    one token, so a word inside the run was never found, and it drops symbols such as emoji
    altogether: a word holding any of those is looked for anywhere in the text instead."""
    return not word.isascii() and any(_unspaced(char) for char in word)


@lru_cache(maxsize=4096)
def _unspaced(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.east_asian_width(char) in ("W", "F")
        or unicodedata.category(char).startswith("S")
        or any(first <= code <= last for first, last in _UNSPACED_RANGES)
    )


@lru_cache(maxsize=32)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Each word as a whole token, the last one as a token's start (as the query has it); a
    substring word (:func:`is_substring_word`) anywhere."""
    alternatives = []
    for number, word in enumerate(words, start=1):
        pattern = _word_pattern(word)
        if is_substring_word(word):
            alternatives.append(pattern)
        elif number == len(words):
            alternatives.append(f"(?<![^\\W_]){pattern}")
        else:
            alternatives.append(f"(?<![^\\W_]){pattern}(?![^\\W_])")
    return re.compile("|".join(f"(?:{alternative})" for alternative in alternatives))


def _found(text: str, words: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, the word folded) of the first query words found in ``text``."""
    found = []
    for match in _pattern(tuple(words)).finditer(text):
        found.append((match.start(), match.end(), fold(match.group())))
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
