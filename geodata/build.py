"""Make the shipped data in ``geodata/data/`` (the commands are recorded in SOURCES.md).

    python -m geodata.build boundaries NE_ADMIN1.geojson
    python -m geodata.build figures ../shared/data          # every shipped figure file below, timed
    python -m geodata.build deepstate-figures HISTORY.parquet DAILY.parquet RAW_LATE_DIR
    python -m geodata.build isw-figures isw_layers/daily_areas.json
    python -m geodata.build economist-figures economist/area_assessed_as_controlled_by_russia.csv
    python -m geodata.build liveuamap-figures liveuamap_nzz/nzz_held_daily_area.csv \
        liveuamap_nzz/nzz_held_month_end.parquet
    python -m geodata.build press-figures reported/press_reported_figures.csv

All read inputs outside the project (../shared/data) and write only derived files: simplified
public-domain boundaries, and figures (numbers with date, source, definition and quality mark)
computed from the sources' polygons and tables, which themselves are not shipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geodata import build_sources
from geodata.boundaries import OUTLINE_FILE, REGIONS_FILE, outline_from_regions, regions_from_natural_earth
from geodata.build_deepstate import DEEPSTATE_FILE, deepstate_figures
from geodata.build_io import FIGURES_DIR, write_figures

__all__ = ["FIGURE_FILES", "SHARED_INPUTS", "build_boundaries", "build_figures", "deepstate_figures", "main"]

DEEPSTATE_FIGURES_FILE = FIGURES_DIR / DEEPSTATE_FILE
#: Shipped file -> (the function that makes its figures, its inputs' paths under ../shared/data).
FIGURE_FILES: dict[str, tuple[Callable[..., pd.DataFrame], tuple[str, ...]]] = {
    DEEPSTATE_FILE: (
        lambda *paths: deepstate_figures([Path(p) for p in paths]),
        (
            "deepstate/deepstate_occupied_history_2022_2024.parquet",
            "deepstate/deepstate_occupied_daily.parquet",
            "deepstate/raw_late_2026",
        ),
    ),  # fmt: skip
    "isw_map_layers.csv.gz": (build_sources.isw_figures, ("isw_layers/daily_areas.json",)),
    "economist.csv.gz": (build_sources.economist_figures, ("economist/area_assessed_as_controlled_by_russia.csv",)),
    "liveuamap_nzz.csv.gz": (
        build_sources.liveuamap_figures,
        ("liveuamap_nzz/nzz_held_daily_area.csv", "liveuamap_nzz/nzz_held_month_end.parquet"),
    ),
    "press_reported.csv": (build_sources.press_figures, ("reported/press_reported_figures.csv",)),
}
SHARED_INPUTS = {name: inputs for name, (_, inputs) in FIGURE_FILES.items()}
_COMMANDS = {
    "deepstate-figures": DEEPSTATE_FILE, "isw-figures": "isw_map_layers.csv.gz",
    "economist-figures": "economist.csv.gz", "liveuamap-figures": "liveuamap_nzz.csv.gz",
    "press-figures": "press_reported.csv",
}  # fmt: skip


def build_boundaries(natural_earth_admin1: Path) -> None:
    regions = regions_from_natural_earth(natural_earth_admin1)
    outline = outline_from_regions(regions)
    regions.to_file(REGIONS_FILE, driver="GeoJSON", COORDINATE_PRECISION=6)
    outline.to_file(OUTLINE_FILE, driver="GeoJSON", COORDINATE_PRECISION=6)
    print(f"{REGIONS_FILE.name}: {len(regions)} regions; {OUTLINE_FILE.name}: {outline.area_km2.iloc[0]:,.0f} km2")


def build_file(name: str, inputs: list[Path]) -> float:
    """Make one shipped figure file from its inputs; returns the seconds it took."""
    started = time.perf_counter()
    make, _ = FIGURE_FILES[name]
    figures = make(*inputs)
    path = write_figures(figures, name)
    elapsed = time.perf_counter() - started
    marks = figures["quality"].value_counts().drop("", errors="ignore").to_dict()
    size_kb = path.stat().st_size / 1024
    print(f"{name}: {len(figures):,} figures, {size_kb:,.0f} KB, marks {marks or 'none'}, {elapsed:.1f} s")
    return elapsed


def build_figures(shared: Path) -> float:
    """Make every shipped figure file from the inputs under ``shared`` (../shared/data); returns seconds."""
    started = time.perf_counter()
    for name, inputs in SHARED_INPUTS.items():
        build_file(name, [shared / p for p in inputs])
    total = time.perf_counter() - started
    size = sum(p.stat().st_size for p in FIGURES_DIR.glob("*.csv*"))
    print(f"all shipped figure files: {size / 1e6:.2f} MB, built in {total:.1f} s")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.build", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("boundaries", help="shipped oblasts and outline from Natural Earth admin-1").add_argument(
        "sources", type=Path, nargs=1
    )
    sub.add_parser("figures", help="every shipped figure file from ../shared/data").add_argument(
        "sources", type=Path, nargs=1
    )
    from geodata import build_front  # the front-line builds: their own module (issue 12)

    build_front.add_commands(sub)
    for command, name in _COMMANDS.items():
        sub.add_parser(command, help=f"figures/{name}").add_argument("sources", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command in build_front.COMMANDS:
        return build_front.run(args)
    missing = [p for p in args.sources if not p.exists()]
    if missing:
        print("\n".join(f"{p}: no such file or folder" for p in missing), file=sys.stderr)
        return 2
    if args.command == "boundaries":
        build_boundaries(args.sources[0])
    elif args.command == "figures":
        build_figures(args.sources[0])
    else:
        build_file(_COMMANDS[args.command], args.sources)
    return 0


if __name__ == "__main__":
    sys.exit(main())
