"""A read-only sequence that works out each item when it is read.

The indexing rules (negative indexes, slices, ``IndexError`` past either end) in one place for
the sequences that keep places rather than items: an answer's blocks as places in its text
(``markdown_blocks.BlockTexts``), its lines as places in its blocks (``AnswerLines``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    __slots__ = ()

    @abstractmethod
    def _item(self, index: int) -> T:
        """Item ``index``, with ``0 <= index < len(self)``."""

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._item(n) for n in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        return self._item(index)
