"""Computing the shipped figures from all DeepStateMap snapshots (areas, shares, per oblast).

Target (issue 2): under 60 s for the 769 snapshots in ../shared/data/deepstate. Writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._common import report, shared_files

NAME = "benchmarks.shipped_figures"


def main(shared: Path | None = None) -> None:
    """``shared``: the team's data folder (default ``benchmarks._common.shared_data_dir()``)."""
    files = shared_files(NAME, "deepstate/deepstate_occupied_daily.parquet", folder=shared)
    if files is None:
        return
    from geodata.build import deepstate_figures

    started = time.perf_counter()
    figures = deepstate_figures(files[0])
    total = time.perf_counter() - started
    print(f"{figures['date'].nunique()} snapshots; {len(figures):,} figures")
    report("shipped DeepStateMap figures (read + areas + per-oblast overlay)", total, 60)


if __name__ == "__main__":
    main()
