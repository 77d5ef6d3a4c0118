"""Make the shipped data in ``geodata/data/`` (the commands are recorded in SOURCES.md).

    python -m geodata.build boundaries NE_ADMIN1.geojson
    python -m geodata.build deepstate-figures DEEPSTATE.parquet

Both read inputs outside the project (../shared/data) and write only derived files: simplified
public-domain boundaries, and figures (numbers with date, source and definition) computed from the
DeepStateMap polygons, which themselves are not shipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from geodata import deepstate
from geodata.boundaries import (
    OUTLINE_FILE,
    REGIONS_FILE,
    load_regions,
    outline_from_regions,
    regions_from_natural_earth,
)
from geodata.snapshots import figures_from_snapshots
from metrics.metadata import official_area_km2

DEEPSTATE_FIGURES_FILE = REGIONS_FILE.parent / "figures" / "deepstatemap_occupied.csv.gz"
_DEEPSTATE_URL = "https://github.com/cyterat/deepstate-map-data"
_CSV_COLUMNS = [
    "date", "period_start", "territory", "region", "actor", "metric", "value", "source", "definition",
    "source_url", "notes",
]  # fmt: skip


def build_boundaries(natural_earth_admin1: Path) -> None:
    regions = regions_from_natural_earth(natural_earth_admin1)
    outline = outline_from_regions(regions)
    regions.to_file(REGIONS_FILE, driver="GeoJSON", COORDINATE_PRECISION=6)
    outline.to_file(OUTLINE_FILE, driver="GeoJSON", COORDINATE_PRECISION=6)
    print(f"{REGIONS_FILE.name}: {len(regions)} regions; {OUTLINE_FILE.name}: {outline.area_km2.iloc[0]:,.0f} km2")


def deepstate_figures(parquet: Path) -> pd.DataFrame:
    """The shipped DeepStateMap figures, computed from the archive's snapshots in a GeoParquet."""
    snapshots = deepstate.read_archive_parquet(str(parquet))
    return figures_from_snapshots(
        snapshots,
        load_regions(),
        source=deepstate.SOURCE,
        definition=deepstate.DEFINITION,
        territory_area_km2=official_area_km2("UKR"),
        notes="computed by this project from the DeepStateMap archive file of the next day",
    )


def build_deepstate_figures(parquet: Path) -> None:
    started = time.perf_counter()
    figures = deepstate_figures(parquet)
    figures["source_url"] = _DEEPSTATE_URL
    figures["date"] = figures["date"].dt.strftime("%Y-%m-%d")
    figures["period_start"] = figures["date"]
    DEEPSTATE_FIGURES_FILE.parent.mkdir(exist_ok=True)
    figures[_CSV_COLUMNS].to_csv(DEEPSTATE_FIGURES_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    elapsed = time.perf_counter() - started
    print(f"{DEEPSTATE_FIGURES_FILE.name}: {len(figures):,} figures in {elapsed:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.build", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("boundaries", help="shipped oblasts and outline from Natural Earth admin-1").add_argument(
        "source", type=Path
    )
    sub.add_parser("deepstate-figures", help="shipped DeepStateMap figures from the archive").add_argument(
        "source", type=Path
    )
    from geodata import build_front  # the front-line builds: their own module (issue 12)

    build_front.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command in build_front.COMMANDS:
        return build_front.run(args)
    if not args.source.exists():
        print(f"{args.source}: no such file", file=sys.stderr)
        return 2
    if args.command == "boundaries":
        build_boundaries(args.source)
    else:
        build_deepstate_figures(args.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
