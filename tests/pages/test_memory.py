"""The server gives freed memory back (pages/memory.py): Arrow allocates with malloc, and the heaps
are trimmed, so an idle instance shrinks back after a burst."""

from __future__ import annotations

import sys

import pyarrow
import pytest

from pages import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_pages_go_back_after_a_burst() -> None:
    memory.release_to_system()
    assert pyarrow.default_memory_pool().backend_name == "system"

    def resident_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    before = resident_mb()
    burst = [bytearray(1024) for _ in range(300_000)]  # about 300 MB in small blocks, as a burst leaves
    alive = [bytearray(1024) for _ in range(300)]  # and a few that live on, above them in the heap
    assert resident_mb() > before + 200
    del burst
    assert resident_mb() > before + 200  # freed, but glibc keeps the pages below a live block
    assert memory.trim()
    assert resident_mb() < before + 100
    assert len(alive) == 300
