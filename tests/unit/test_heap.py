"""Memory a turn freed goes back to the system (glibc's heap keeps it otherwise)."""

from __future__ import annotations

import ctypes
import platform
from pathlib import Path

import pytest

from gemtui.core.heap import release_freed_memory

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")

#: mallopt's parameter for how much free memory at the heap's top ``free`` gives back itself.
M_TRIM_THRESHOLD = -1
DEFAULT_TRIM_THRESHOLD = 128 * 1024


def rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


@pytest.fixture
def heap_keeps_what_is_freed():
    """``free`` gives nothing back on its own, whatever the heap looked like before (a test
    process has run other tests): only a trim can."""
    mallopt = ctypes.CDLL(None).mallopt
    mallopt(M_TRIM_THRESHOLD, 1 << 30)
    yield
    mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)


def test_freed_heap_pages_are_returned(heap_keeps_what_is_freed):
    # Blocks under glibc's mmap threshold come from its heap, filled so their pages are used.
    blocks = [bytearray(b"x" * 64 * 1024) for _ in range(400)]
    del blocks
    before = rss_kb()
    assert release_freed_memory()
    assert before - rss_kb() > 10 * 1024
