"""Per-oblast figures on a date and their change over a period, for the Regions and Map pages and the
report. Pure functions on frames of figures (``metrics.store.read_figures``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.schema import region_areas
from metrics.source_checks import series_label

__all__ = [
    "REGION_COLUMNS", "map_dates", "region_date_range", "region_dates", "regional_source_labels", "regional_sources",
    "regions_on",
]  # fmt: skip

REGION_COLUMNS = [
    "region", "oblast", "area_km2", "share_pct", "as_of", "change_km2", "change_pp", "since",
]  # fmt: skip
_METRICS = ("area_controlled_km2", "share_controlled_pct")


def _regional(figures: pd.DataFrame, source: str, definition: str) -> pd.DataFrame:
    return figures[
        (figures["region"] != "") & (figures["source"] == source) & (figures["definition"] == definition)
        & figures["metric"].isin(_METRICS)
    ]  # fmt: skip


def regional_sources(figures: pd.DataFrame) -> list[tuple[str, str]]:
    """The (source, definition) pairs with per-oblast figures, DeepStateMap first."""
    pairs = figures.loc[figures["region"] != "", ["source", "definition"]].drop_duplicates()
    return sorted(map(tuple, pairs.to_numpy().tolist()), key=lambda p: (p[0] != "DeepStateMap", p))


def regional_source_labels(figures: pd.DataFrame) -> list[str]:
    """``"source · definition"`` of every pair with per-oblast figures, DeepStateMap first (the pages' choice)."""
    return [series_label(source, definition) for source, definition in regional_sources(figures)]


def region_date_range(figures: pd.DataFrame, source: str, definition: str) -> tuple[dt.date, dt.date]:
    """The first and the last date with per-oblast figures of a source (a date input's range)."""
    dates = region_dates(figures, source, definition)
    return dates[0].date(), dates[-1].date()


def region_dates(figures: pd.DataFrame, source: str, definition: str) -> list[pd.Timestamp]:
    """The dates with per-oblast figures of a source, oldest first."""
    return sorted(pd.to_datetime(_regional(figures, source, definition)["date"].unique()))


def map_dates(figures: pd.DataFrame, source: str, definition: str, *, daily: bool) -> list[str]:
    """The Map slider's dates (YYYY-MM-DD): every date with per-oblast figures, or, without ``daily``,
    the last such date of each month and the latest."""
    dates = pd.DatetimeIndex(region_dates(figures, source, definition))
    if not daily and len(dates):
        month_ends = dates.to_series().groupby(dates.to_period("M")).max()
        dates = pd.DatetimeIndex(sorted(set(month_ends) | {dates.max()}))
    return [f"{d:%Y-%m-%d}" for d in dates]


def _latest(rows: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """Per region and metric, the latest value on or before ``on``, wide, with its date."""
    upto = rows[rows["date"] <= on].sort_values("date").groupby(["region", "metric"]).tail(1)
    wide = upto.pivot_table(index="region", columns="metric", values="value", aggfunc="last")
    wide = wide.reindex(columns=list(_METRICS))
    return wide.assign(as_of=upto.groupby("region")["date"].max())


def regions_on(
    figures: pd.DataFrame, source: str, definition: str, on: object, since: object | None = None,
    territory: str = "UKR",
) -> pd.DataFrame:  # fmt: skip
    """Per oblast of the territory: the area and share a source gives on ``on`` (its latest figure on or
    before it, dated in ``as_of``) and, with ``since``, the change from its latest figure on or before
    ``since`` (km² and percentage points). Oblasts without a figure are listed with empty values.
    Sorted by share, largest first. Columns ``REGION_COLUMNS``."""
    rows = _regional(figures, source, definition)
    now = _latest(rows, pd.Timestamp(on))
    names = {code: name for code, (name, _area) in region_areas(territory).items()}
    table = pd.DataFrame({"region": list(names), "oblast": list(names.values())}).set_index("region")
    table = table.join(now.rename(columns={"area_controlled_km2": "area_km2", "share_controlled_pct": "share_pct"}))
    if since is not None:
        then = _latest(rows, pd.Timestamp(since))
        table["change_km2"] = table["area_km2"] - then["area_controlled_km2"].reindex(table.index)
        table["change_pp"] = table["share_pct"] - then["share_controlled_pct"].reindex(table.index)
        table["since"] = then["as_of"].reindex(table.index)
    else:
        table = table.assign(change_km2=float("nan"), change_pp=float("nan"), since=pd.NaT)
    table = table.reset_index().sort_values(["share_pct", "region"], ascending=[False, True], na_position="last")
    return table[REGION_COLUMNS].reset_index(drop=True)
