"""The bounds and the known regions a figure (one row of the ``figures`` table) is checked against where
data comes in; the pandera model itself is ``metrics.figure_model.FigureSchema``.

Range checks: areas (stock, gained, lost) are not negative and no larger than the territory (or the
region) they measure; a net change may be negative but lies within plus or minus that area; shares
lie in [0, 100]. The bound of the whole territory is its official area (``metadata.toml``); the bound
of a region is its area in the shipped Natural Earth boundaries plus ``REGION_AREA_TOLERANCE`` (sources
that divide by official oblast areas differ from Natural Earth by up to ~15 %, e.g. Sevastopol).

Region codes and areas come from the properties of ``geodata/data/ukraine_oblasts.geojson``, read with
the standard ``json`` module (no geopandas) and only when a frame has per-region rows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.metadata import METRICS, metadata, metric_kind

__all__ = [
    "AREA_METRICS",
    "REGION_AREA_TOLERANCE",
    "SHARE_METRICS",
    "SIGNED_METRICS",
    "area_bound_km2",
    "known_territories",
    "region_areas",
]

#: Areas: not negative, at most the territory's (region's) area.
AREA_METRICS = ("area_controlled_km2", "area_gained_km2", "area_lost_km2")
#: Signed areas: within plus or minus the territory's (region's) area.
SIGNED_METRICS = ("net_change_km2",)
#: Shares in percent: in [0, 100].
SHARE_METRICS = ("share_controlled_pct",)
#: A region's bound is its shipped (Natural Earth) area times 1 + this.
REGION_AREA_TOLERANCE = 0.2
#: Shipped region boundaries per territory (GeoJSON with ``region``, ``name``, ``area_km2`` properties).
REGION_FILES = {"UKR": Path(__file__).resolve().parents[1] / "geodata" / "data" / "ukraine_oblasts.geojson"}
_STOCK_METRICS = tuple(m for m in METRICS if metric_kind(m) == "stock")


def known_territories() -> tuple[str, ...]:
    """Territories described in ``metadata.toml`` (ISO 3166-1 alpha-3)."""
    return tuple(metadata()["territories"])


@cache
def region_areas(territory: str) -> dict[str, tuple[str, float]]:
    """ISO 3166-2 code -> (name, area in km2) of the territory's shipped regions; empty when none ship."""
    path = REGION_FILES.get(territory)
    if path is None:
        return {}
    with path.open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    props = (feature["properties"] for feature in features)
    return {p["region"]: (p["name"], float(p["area_km2"])) for p in sorted(props, key=lambda p: p["region"])}


def area_bound_km2(territory: pd.Series, region: pd.Series) -> pd.Series:
    """The largest area a figure of (territory, region) may take, in km2; NaN where unknown."""
    territories = metadata()["territories"]
    official = {t: float(info["official_area_km2"]) for t, info in territories.items()}
    bound = territory.map(official).astype(float)
    has_region = (region != "").to_numpy()
    if has_region.any():
        pairs = pd.DataFrame({"t": territory[has_region], "r": region[has_region]})
        limits = {
            (t, r): area * (1 + REGION_AREA_TOLERANCE)
            for t in pairs["t"].unique()
            for r, (_, area) in region_areas(t).items()
        }
        keys = pd.MultiIndex.from_frame(pairs)
        bound[has_region] = pd.Series(limits, dtype=float).reindex(keys).to_numpy() if limits else np.nan
    return bound
