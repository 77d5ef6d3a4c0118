"""Computing the shipped figures from all DeepStateMap snapshots (areas, shares, per oblast).

Target (issue 2): under 60 s for the 769 snapshots in ../shared/data/deepstate. Writes nothing.
"""

from __future__ import annotations

import time

from benchmarks._common import SHARED_DATA, report
from geodata import deepstate
from geodata.boundaries import load_regions
from geodata.snapshots import figures_from_snapshots
from metrics.metadata import official_area_km2


def main() -> None:
    parquet = SHARED_DATA / "deepstate" / "deepstate_occupied_daily.parquet"
    started = time.perf_counter()
    snapshots = deepstate.read_archive_parquet(str(parquet))
    read = time.perf_counter() - started
    figures = figures_from_snapshots(
        snapshots,
        load_regions(),
        source=deepstate.SOURCE,
        definition=deepstate.DEFINITION,
        territory_area_km2=official_area_km2("UKR"),
    )
    total = time.perf_counter() - started
    print(f"{len(snapshots)} snapshots read in {read:.2f} s; {len(figures):,} figures")
    report("shipped DeepStateMap figures (read + areas + per-oblast overlay)", total, 60)


if __name__ == "__main__":
    main()
