"""Memory a turn freed goes back to the system (glibc's heap keeps it otherwise)."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from gemtui.core.heap import release_freed_memory

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


def rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


def test_freed_heap_pages_are_returned():
    # Blocks under glibc's mmap threshold come from its heap. A small one kept after each
    # makes every freed block a hole inside the heap: pages only a trim gives back.
    blocks, pinned = [], []
    for _ in range(400):
        blocks.append(bytes(64 * 1024))
        pinned.append(bytes(1024))
    del blocks
    before = rss_kb()
    assert release_freed_memory()
    assert before - rss_kb() > 10 * 1024
    assert len(pinned) == 400
