"""Computing the shipped figures from all DeepStateMap snapshots (areas, shares, per oblast).

Target (issue 2): under 60 s for the 769 snapshots in ../shared/data/deepstate. Writes nothing.
"""

from __future__ import annotations

import time

from benchmarks._common import SHARED_DATA, report
from geodata.build import deepstate_figures


def main() -> None:
    started = time.perf_counter()
    figures = deepstate_figures(SHARED_DATA / "deepstate" / "deepstate_occupied_daily.parquet")
    total = time.perf_counter() - started
    print(f"{figures['date'].nunique()} snapshots; {len(figures):,} figures")
    report("shipped DeepStateMap figures (read + areas + per-oblast overlay)", total, 60)


if __name__ == "__main__":
    main()
