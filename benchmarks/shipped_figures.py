"""Building every shipped figure file from ../shared/data (issue 11: under 2 minutes), and each file's
share of it. Writes nothing (the figures are made in memory). Without the team's data folder it says that
it is skipped and why (``TERRITORY_SHARED_DATA`` points elsewhere)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._common import report, shared_data_dir, shared_files
from geodata.build import FIGURE_FILES

NAME = "benchmarks.shipped_figures"


def main(shared: Path | None = None) -> None:
    inputs = sorted({p for _make, relative in FIGURE_FILES.values() for p in relative},
                    key=lambda p: (not str(p).startswith("deepstate/deepstate_occupied_daily"), str(p)))  # fmt: skip
    paths = shared_files(NAME, *map(str, inputs), folder=shared)
    if paths is None:
        return
    base = shared if shared is not None else shared_data_dir()
    total = 0.0
    for name, (make, relative) in FIGURE_FILES.items():
        started = time.perf_counter()
        figures = make(*[base / p for p in relative])
        elapsed = time.perf_counter() - started
        total += elapsed
        print(f"{name}: {len(figures):,} figures in {elapsed:.1f} s")
    report("all shipped figure files (read + areas + per-oblast overlay + marks)", total, 120)


if __name__ == "__main__":
    main()
