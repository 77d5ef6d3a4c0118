"""Pandera schema of a figure (one row of the ``figures`` table), validated where data comes in."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from metrics.metadata import FIGURE_COLUMNS, METRICS

__all__ = ["FigureSchema", "empty_figures", "validate_figures"]


class FigureSchema(pa.DataFrameModel):
    """A figure in canonical units: km2 for areas and flows, percent for shares."""

    date: pd.Timestamp = pa.Field(coerce=True)
    period_start: pd.Timestamp = pa.Field(coerce=True)
    territory: str = pa.Field(str_length={"min_value": 3, "max_value": 3})
    region: str = pa.Field()
    actor: str = pa.Field(str_length={"min_value": 1})
    metric: str = pa.Field(isin=list(METRICS))
    value: float = pa.Field(coerce=True, ge=0, nullable=False)
    source: str = pa.Field(str_length={"min_value": 1})
    definition: str = pa.Field()
    source_url: str = pa.Field()
    published: str = pa.Field()
    notes: str = pa.Field()
    derived: bool = pa.Field(coerce=True)

    @pa.dataframe_check
    def period_not_after_date(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_start"] <= df["date"]

    @pa.dataframe_check
    def share_at_most_100(cls, df: pd.DataFrame) -> pd.Series:
        return (df["metric"] != "share_controlled_pct") | (df["value"] <= 100)

    class Config:
        strict = False
        coerce = True


def validate_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate and coerce a frame of figures; fills optional text columns with ''."""
    frame = frame.copy()
    for column in ("region", "definition", "source_url", "published", "notes"):
        frame[column] = frame[column].fillna("").astype(str) if column in frame else ""
    if "period_start" not in frame:
        frame["period_start"] = frame["date"]
    frame = frame.assign(
        territory=frame.get("territory", "UKR"),
        actor=frame.get("actor", "RU"),
        derived=frame.get("derived", False),
    )
    return FigureSchema.validate(frame)


def empty_figures() -> pd.DataFrame:
    """An empty frame with the figure columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FIGURE_COLUMNS})
