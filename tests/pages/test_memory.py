"""The server gives freed memory back (pages/memory.py): Arrow allocates with malloc, and the heaps
are trimmed, so an idle instance shrinks back after a burst. Measured in a fresh interpreter: the
test process's own heap (a whole suite's) would hide the burst."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_BURST = """
import json, pyarrow
from pages import memory

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

memory.release_to_system()
before = resident_mb()
burst = [bytearray(1024) for _ in range(300_000)]  # about 300 MB in small blocks, as a burst leaves
alive = [bytearray(1024) for _ in range(300)]  # and a few that live on, above them in the heap
peak = resident_mb()
del burst
freed = resident_mb()
trimmed = memory.trim()
print(json.dumps({"pool": pyarrow.default_memory_pool().backend_name, "before": before, "peak": peak,
                  "freed": freed, "trimmed": trimmed, "after": resident_mb(), "alive": len(alive)}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_pages_go_back_after_a_burst() -> None:
    out = subprocess.run([sys.executable, "-c", _BURST], cwd=ROOT, capture_output=True, text=True, check=True)
    m = json.loads(out.stdout)
    assert m["pool"] == "system"
    assert m["peak"] > m["before"] + 200
    assert m["freed"] > m["before"] + 200  # freed, but glibc keeps the pages below a live block
    assert m["trimmed"] and m["after"] < m["before"] + 100
