"""Change between two snapshots: the area gained and the area lost, whole territory and per region.

Gained = after minus before, lost = before minus after (the two differences, DESIGN.md), taken in the
equal-area CRS where the snapshots' areas are measured, so gained - lost = area(after) - area(before)
up to rounding. Per region: the parts inside each shipped oblast (ISO 3166-2 code); parts outside the
outline count in the whole territory only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from geodata.boundaries import load_regions
from geodata.store import NoSnapshotError, current_snapshots, nearest_dates
from geodata.web import project, web_geojson

__all__ = ["CHANGE_COLUMNS", "Change", "change_between", "snapshot_change"]

#: Columns of a change table (one row for the whole territory, region "", then one per region).
CHANGE_COLUMNS = ["region", "gained_km2", "lost_km2", "net_km2"]


@dataclass(frozen=True)
class Change:
    """Gained and lost polygons between two snapshots (EPSG:4326), with their areas.

    ``table``: ``CHANGE_COLUMNS``, the whole territory first (region ""), then each region by code.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    gained: shapely.Geometry
    lost: shapely.Geometry
    table: pd.DataFrame
    source: str = ""
    definition: str = ""

    @property
    def whole(self) -> pd.Series:
        """The whole territory's row: gained_km2, lost_km2, net_km2."""
        return self.table.iloc[0]

    def rows(self) -> pd.DataFrame:
        """The table with its dates, source and definition, as the CLI writes it."""
        return self.table.assign(
            from_date=f"{self.start:%Y-%m-%d}", to_date=f"{self.end:%Y-%m-%d}", source=self.source,
            definition=self.definition,
        )[["from_date", "to_date", "source", "definition", *CHANGE_COLUMNS]]  # fmt: skip

    def to_geojson(self) -> dict[str, object]:
        """A FeatureCollection of two features, ``gained`` and ``lost`` (EPSG:4326, 5 decimals), with
        their areas, whole and per region, in the properties."""
        features = []
        for kind, geometry in (("gained", self.gained), ("lost", self.lost)):
            column = f"{kind}_km2"
            by_region = self.table.iloc[1:].set_index("region")[column]
            properties = {
                "kind": kind, "from_date": f"{self.start:%Y-%m-%d}", "to_date": f"{self.end:%Y-%m-%d}",
                "source": self.source, "definition": self.definition, "area_km2": float(self.whole[column]),
                "by_region_km2": {r: float(v) for r, v in by_region.items() if v > 0},
            }  # fmt: skip
            shape = json.loads(web_geojson(geometry))
            features.append({"type": "Feature", "properties": properties, "geometry": shape})
        return {"type": "FeatureCollection", "features": features}


@cache
def _projected_regions() -> tuple[tuple[str, ...], np.ndarray]:
    regions = load_regions()
    parts = np.array([project(g) for g in regions.geometry.values], dtype=object)
    shapely.prepare(parts)
    return tuple(regions["region"]), parts


def _areas_km2(projected: shapely.Geometry) -> tuple[float, np.ndarray]:
    codes, parts = _projected_regions()
    whole = float(shapely.area(projected)) / 1e6
    by_region = np.zeros(len(codes))
    if not projected.is_empty:
        touching = np.flatnonzero(shapely.intersects(parts, projected))
        by_region[touching] = shapely.area(shapely.intersection(parts[touching], projected)) / 1e6
    return whole, by_region


def change_between(
    before: shapely.Geometry,
    after: shapely.Geometry,
    *,
    start: dt.date | pd.Timestamp | str = pd.NaT,
    end: dt.date | pd.Timestamp | str = pd.NaT,
    source: str = "",
    definition: str = "",
) -> Change:
    """Gained (``after - before``) and lost (``before - after``) polygons and their areas in km2.

    Both snapshots in EPSG:4326; the differences are taken in the equal-area CRS, where the areas are
    measured (so gained - lost is the difference of the snapshots' areas), and returned in EPSG:4326.
    Pure: nothing is read from the store.
    """
    before_m, after_m = project(before), project(after)
    gained_m = shapely.difference(after_m, before_m)
    lost_m = shapely.difference(before_m, after_m)
    gained, lost = project(gained_m, inverse=True), project(lost_m, inverse=True)
    gained_km2, gained_regions = _areas_km2(gained_m)
    lost_km2, lost_regions = _areas_km2(lost_m)
    codes, _ = _projected_regions()
    table = pd.DataFrame({
        "region": ["", *codes],
        "gained_km2": [gained_km2, *gained_regions],
        "lost_km2": [lost_km2, *lost_regions],
    })  # fmt: skip
    table["net_km2"] = table["gained_km2"] - table["lost_km2"]
    table[["gained_km2", "lost_km2", "net_km2"]] = table[["gained_km2", "lost_km2", "net_km2"]].round(3)
    table = pd.concat([table.iloc[:1], table.iloc[1:].sort_values("region")], ignore_index=True)
    return Change(start=pd.Timestamp(start), end=pd.Timestamp(end), gained=gained, lost=lost, table=table,
                  source=source, definition=definition)  # fmt: skip


def snapshot_change(
    engine: Engine,
    *,
    source: str,
    start: dt.date | pd.Timestamp | str,
    end: dt.date | pd.Timestamp | str,
    definition: str | None = None,
    territory: str = "UKR",
    actor: str = "RU",
) -> Change:
    """The change between the current snapshots of ``start`` and ``end`` in the store.

    ``definition`` may be left out where the source has snapshots under one definition only. Raises
    ``NoSnapshotError`` (a LookupError) naming the nearest dates that exist, before and after, where a
    date has no snapshot.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    available = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                                  geometry=False)  # fmt: skip
    if available.empty:
        what = f"{source}" + (f" ({definition})" if definition else "")
        raise NoSnapshotError(f"no snapshots of {what} in the store; import or sync them first")
    definitions = sorted(available["definition"].unique())
    if definition is None and len(definitions) > 1:
        raise NoSnapshotError(f"{source} has snapshots under several definitions ({', '.join(definitions)}); "
                          "choose one with --definition")  # fmt: skip
    definition = definitions[0]
    dates = set(available["date"])
    for day in (start, end):
        if day not in dates:
            before, after = nearest_dates(dates, day)
            near = ", ".join(f"{d:%Y-%m-%d} ({w})" for d, w in ((before, "before"), (after, "after")) if d is not None)
            raise NoSnapshotError(f"no {source} ({definition}) snapshot on {day:%Y-%m-%d}; nearest: {near}")
    snapshots = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                                  dates=[start, end]).set_index("date")  # fmt: skip
    return change_between(
        snapshots.geometry[start], snapshots.geometry[end], start=start, end=end, source=source,
        definition=definition,
    )  # fmt: skip
