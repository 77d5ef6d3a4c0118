"""Pandera schema of a figure (one row of the ``figures`` table), validated where data comes in.

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
import pandera.pandas as pa

from metrics.metadata import METRICS, metadata, metric_kind

__all__ = [
    "AREA_METRICS",
    "FigureSchema",
    "REGION_AREA_TOLERANCE",
    "SHARE_METRICS",
    "SIGNED_METRICS",
    "area_bound_km2",
    "known_territories",
    "region_areas",
    "validate_figures",
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


class FigureSchema(pa.DataFrameModel):
    """A figure in canonical units: km2 for areas and flows, percent for shares."""

    date: pd.Timestamp = pa.Field(coerce=True)
    period_start: pd.Timestamp = pa.Field(coerce=True)
    territory: str = pa.Field(isin=list(known_territories()))
    region: str = pa.Field(str_matches=r"^(|[A-Z]{2}-[A-Z0-9]{1,3})$")
    actor: str = pa.Field(str_length={"min_value": 1})
    metric: str = pa.Field(isin=list(METRICS))
    value: float = pa.Field(coerce=True, nullable=False)
    source: str = pa.Field(str_length={"min_value": 1})
    definition: str = pa.Field()
    source_url: str = pa.Field()
    published: str = pa.Field()
    notes: str = pa.Field()
    derived: bool = pa.Field(coerce=True)
    quality: str = pa.Field(isin=["", "glitch", "break"])

    @pa.dataframe_check(name="value_finite")
    def value_finite(cls, df: pd.DataFrame) -> pd.Series:
        return pd.Series(np.isfinite(df["value"].to_numpy(dtype=float)), index=df.index)

    @pa.dataframe_check(name="not_negative")
    def not_negative(cls, df: pd.DataFrame) -> pd.Series:
        return df["metric"].isin(SIGNED_METRICS) | ~(df["value"] < 0)

    @pa.dataframe_check(name="share_at_most_100")
    def share_at_most_100(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["metric"].isin(SHARE_METRICS) | ~(df["value"] > 100)

    @pa.dataframe_check(name="within_area")
    def within_area(cls, df: pd.DataFrame) -> pd.Series:
        areas = df["metric"].isin(AREA_METRICS + SIGNED_METRICS)
        if not areas.any():
            return pd.Series(True, index=df.index)
        bound = area_bound_km2(df["territory"], df["region"])
        return ~areas | ~(df["value"].abs() > bound)  # unknown bound (NaN): left to known_region

    @pa.dataframe_check(name="known_region")
    def known_region(cls, df: pd.DataFrame) -> pd.Series:
        ok = df["region"] == ""
        for territory in df.loc[~ok, "territory"].unique():
            codes = list(region_areas(territory))
            ok |= (df["territory"] == territory) & df["region"].isin(codes)
        return ok

    @pa.dataframe_check(name="period_not_after_date")
    def period_not_after_date(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_start"] <= df["date"]

    @pa.dataframe_check(name="stock_period_start_is_date")
    def stock_period_start_is_date(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["metric"].isin(_STOCK_METRICS) | (df["period_start"] == df["date"])

    class Config:
        strict = False
        coerce = True


def validate_figures(frame: pd.DataFrame, *, lazy: bool = False) -> pd.DataFrame:
    """Validate and coerce a frame of figures; fills optional text columns with ''.

    ``lazy=True`` collects every failure into one ``pandera.errors.SchemaErrors``.
    """
    frame = frame.copy()
    for column in ("region", "definition", "source_url", "published", "notes", "quality"):
        frame[column] = frame[column].fillna("").astype(str) if column in frame else ""
    if "period_start" not in frame:
        frame["period_start"] = frame["date"]
    frame = frame.assign(
        territory=frame.get("territory", "UKR"),
        actor=frame.get("actor", "RU"),
        derived=frame.get("derived", False),
    )
    return FigureSchema.validate(frame, lazy=lazy)
