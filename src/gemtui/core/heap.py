"""Give the memory a finished turn freed back to the operating system.

A long answer is built from strings that grow as it streams (the answer's text, its blocks).
glibc serves them from its heap and keeps the pages they leave once freed, so the process
stays as large as the turn's peak. ``malloc_trim`` hands the free pages back: after a 1 MB
answer the process kept about 3 MB less (``bench/huge_answer.py``). Other C libraries (macOS,
musl) have no such call, and there this does nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # on first use: a turn's end, never start-up

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process runs on
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system; True when there were any to return."""
    trim = _malloc_trim()
    return trim is not None and bool(trim(0))
