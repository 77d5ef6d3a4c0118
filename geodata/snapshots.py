"""Figures from control snapshots: area and share of the territory, whole and per region."""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import pandas as pd

from geodata.areas import area_km2, region_areas_km2
from geodata.boundaries import load_outline
from metrics.metadata import official_area_km2

__all__ = ["DENOMINATORS", "figures_from_snapshots", "share_pct", "territory_area_km2"]

#: The denominators of a territory's share (DESIGN.md): the official area, or the shipped outline's.
DENOMINATORS = ("official", "mapped")


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
) -> pd.DataFrame:
    """Derived figures of snapshots (one controlled (Multi)Polygon per as-of ``date``).

    For each snapshot: ``area_controlled_km2`` of the whole polygon (not clipped) and
    ``share_controlled_pct`` = area / ``territory_area_km2`` * 100, with an empty ``region``; and for
    each region (``regions.region``, ISO 3166-2), the area of the polygon inside it and its share of
    the region's ``area_km2``. Areas in km2 in the equal-area CRS. Returns the figure columns, long
    format, sorted by date and region.
    """
    whole = pd.DataFrame(
        {"date": snapshots["date"].to_numpy(), "region": "", "area": area_km2(snapshots.geometry).to_numpy()}
    )
    whole["share"] = whole["area"] / territory_area_km2 * 100
    per_region = region_areas_km2(snapshots.geometry, regions).set_axis(snapshots["date"].to_numpy())
    by_region = per_region.rename_axis(index="date", columns="region").stack().rename("area").reset_index()
    region_area = regions.set_index("region")["area_km2"]
    by_region["share"] = by_region["area"] / by_region["region"].map(region_area) * 100
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
