"""Building every shipped figure file from ../shared/data (issue 11: under 2 minutes), and each file's
share of it. Writes nothing (the figures are made in memory)."""

from __future__ import annotations

import time

from benchmarks._common import SHARED_DATA, report
from geodata.build import FIGURE_FILES


def main() -> None:
    total = 0.0
    for name, (make, inputs) in FIGURE_FILES.items():
        started = time.perf_counter()
        figures = make(*[SHARED_DATA / p for p in inputs])
        elapsed = time.perf_counter() - started
        total += elapsed
        print(f"{name}: {len(figures):,} figures in {elapsed:.1f} s")
    report("all shipped figure files (read + areas + per-oblast overlay + marks)", total, 120)


if __name__ == "__main__":
    main()
