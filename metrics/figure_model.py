"""The pandera model of a figure (``FigureSchema``) and ``validate_figures``: in a module of their own so
that reading the store and drawing pages never imports pandera (a third of a second at start)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from metrics.metadata import METRICS
from metrics.schema import (
    _STOCK_METRICS,
    AREA_METRICS,
    SHARE_METRICS,
    SIGNED_METRICS,
    area_bound_km2,
    known_territories,
    region_areas,
)

__all__ = ["FigureSchema", "validate_figures"]


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
