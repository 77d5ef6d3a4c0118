"""Figures from control snapshots: area and share of the territory, whole and per region."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.areas import area_km2, region_areas_km2, to_equal_area
from geodata.boundaries import load_outline
from metrics.metadata import official_area_km2

__all__ = [
    "DENOMINATORS", "EDGE_METHOD", "EDGE_NOTE", "EDGE_TOLERANCE_M", "edge_slivers_km2", "figures_from_snapshots",
    "share_pct", "territory_area_km2",
]  # fmt: skip

#: The denominators of a territory's share (DESIGN.md): the official area, or the shipped outline's.
DENOMINATORS = ("official", "mapped")
#: The tolerance of ``edge_slivers_km2`` used for the shipped figures, in metres.
EDGE_TOLERANCE_M = 3_000.0
#: The method of the per-unit shares with edge slivers left out, in a sentence (notes, SOURCES.md).
EDGE_METHOD = (
    "unit share = area held in the unit / (unit area - edge slivers); an edge sliver is a piece of the unit not "
    "held, within 3 km of the unit's outer edge (coast or state border), and wholly within 3 km of the held "
    "area: the source's coastline or border drawn differently from Natural Earth's, not unheld land"
)
#: The same in a few words, for each figure's notes (the method in full: SOURCES.md, metadata.toml).
EDGE_NOTE = "unit share without edge slivers (3 km; geodata/data/SOURCES.md)"
_WORKERS = 2
_SIMPLIFY_M = 250.0  # the held area is simplified by this before the buffer (and the buffer widened by it)


def territory_area_km2(territory: str = "UKR", basis: Literal["official", "mapped"] = "official") -> float:
    """The area a share divides by: ``official`` (603,628 km2 for UKR, metrics/metadata.toml) or
    ``mapped``, the area of the shipped outline measured in the equal-area CRS (599,094 km2)."""
    if basis == "official":
        return official_area_km2(territory)
    if basis == "mapped":
        outline = load_outline()
        rows = outline[outline["territory"] == territory]
        if rows.empty:
            raise KeyError(f"no shipped outline for territory {territory!r}")
        return float(rows["area_km2"].iloc[0])
    raise ValueError(f"unknown denominator {basis!r}: use one of {DENOMINATORS}")


def share_pct(
    area: float | pd.Series, territory: str = "UKR", basis: Literal["official", "mapped"] = "official"
) -> float | pd.Series:
    """Share of the territory in percent: ``area`` (km2) / ``territory_area_km2(territory, basis)`` * 100."""
    return area / territory_area_km2(territory, basis) * 100


def _slivers_of_one(held: shapely.Geometry, bands: np.ndarray, tolerance_m: float) -> np.ndarray:
    out = np.zeros(len(bands))
    if held is None or held.is_empty:
        return out
    near = shapely.buffer(shapely.simplify(held, _SIMPLIFY_M), tolerance_m + _SIMPLIFY_M, quad_segs=1)
    shapely.prepare(near)
    touching = np.flatnonzero(shapely.intersects(bands, held))
    for j in touching:
        pieces = shapely.get_parts(shapely.difference(bands[j], held))
        if len(pieces):
            out[j] = shapely.area(pieces[shapely.covered_by(pieces, near)]).sum() / 1e6
    return out


def edge_slivers_km2(
    geoms: gpd.GeoSeries, regions: gpd.GeoDataFrame, tolerance_m: float = EDGE_TOLERANCE_M, code: str = "region"
) -> pd.DataFrame:
    """Area in km2 of each geometry's *edge slivers* in each region (see ``EDGE_METHOD``): the pieces of
    the region that the geometry does not cover, that lie within ``tolerance_m`` of the regions' outer
    edge (the outline: coast or state border, not a border between two regions), and that lie wholly
    within ``tolerance_m`` of the geometry. There a source's map and the Natural Earth boundaries draw
    the same coast or border differently; a fully held unit would otherwise read e.g. 99.1 %.
    A piece that reaches farther than ``tolerance_m`` from the held area (unheld land) is never one.
    Returns a frame like ``geodata.areas.region_areas_km2``."""
    parts = to_equal_area(regions.geometry).values
    edge = shapely.union_all(parts).boundary
    bands = shapely.intersection(parts, shapely.buffer(edge, tolerance_m, quad_segs=2))
    shapes = to_equal_area(geoms).values
    keys = [shapely.to_wkb(shape) if shape is not None else b"" for shape in shapes]
    first = dict(zip(keys, range(len(keys)), strict=True))  # identical snapshots (a map not updated): once
    unique = sorted(set(first.values()))
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:  # shapely releases the GIL
        rows = dict(
            zip(unique, pool.map(lambda i: _slivers_of_one(shapes[i], bands, tolerance_m), unique), strict=True)
        )
    out = np.array([rows[first[key]] for key in keys]).reshape(len(shapes), len(parts))
    return pd.DataFrame(out, index=geoms.index, columns=regions[code].to_list())


def figures_from_snapshots(
    snapshots: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    source: str,
    definition: str,
    territory_area_km2: float,
    territory: str = "UKR",
    actor: str = "RU",
    notes: str = "",
    edge_tolerance_m: float | None = None,
) -> pd.DataFrame:
    """Derived figures of snapshots (one controlled (Multi)Polygon per as-of ``date``).

    For each snapshot: ``area_controlled_km2`` of the whole polygon (not clipped) and
    ``share_controlled_pct`` = area / ``territory_area_km2`` * 100, with an empty ``region``; and for
    each region (``regions.region``, ISO 3166-2), the area of the polygon inside it and its share of
    the region's ``area_km2``. Areas in km2 in the equal-area CRS. Returns the figure columns, long
    format, sorted by date and region.

    With ``edge_tolerance_m``, a region's share divides by its area minus the snapshot's edge slivers
    there (``edge_slivers_km2``), so that a coastline drawn differently does not count as unheld; the
    areas are unchanged.
    """
    whole = pd.DataFrame(
        {"date": snapshots["date"].to_numpy(), "region": "", "area": area_km2(snapshots.geometry).to_numpy()}
    )
    whole["share"] = whole["area"] / territory_area_km2 * 100
    per_region = region_areas_km2(snapshots.geometry, regions).set_axis(snapshots["date"].to_numpy())
    by_region = per_region.rename_axis(index="date", columns="region").stack().rename("area").reset_index()
    region_area = regions.set_index("region")["area_km2"]
    denominator = by_region["region"].map(region_area)
    if edge_tolerance_m is not None:
        slivers = edge_slivers_km2(snapshots.geometry, regions, edge_tolerance_m).set_axis(snapshots["date"].to_numpy())
        denominator = denominator - slivers.rename_axis(index="date", columns="region").stack().to_numpy()
    by_region["share"] = by_region["area"] / denominator * 100
    wide = pd.concat([whole, by_region], ignore_index=True)
    long = wide.melt(
        id_vars=["date", "region"],
        value_vars=["area", "share"],
        var_name="metric",
        value_name="value",
    )
    long["metric"] = long["metric"].map({"area": "area_controlled_km2", "share": "share_controlled_pct"})
    long["value"] = long["value"].round(3).clip(lower=0)
    long["value"] = long["value"].where(long["metric"] != "share_controlled_pct", long["value"].clip(upper=100))
    long = long.assign(
        period_start=long["date"],
        territory=territory,
        actor=actor,
        source=source,
        definition=definition,
        notes=notes,
        derived=True,
    )
    return long.sort_values(["date", "region", "metric"], ignore_index=True)
