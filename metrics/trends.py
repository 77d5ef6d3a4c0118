"""Time series for the Trends page: one metric per source and definition, per period of a frequency,
with gaps kept as gaps, in km² or square miles, optionally as a rolling mean or cumulated.

Pure functions over frames of figures; the numbers are those of ``metrics.pipelines`` (stocks at the
period end, flows summed per period, net change from reported flows or the change of stocks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from metrics.metadata import KM2_PER_SQ_MI, metadata, metric_kind
from metrics.periods import frequency, period_name
from metrics.pipelines import by_period

__all__ = ["RANGE_PRESETS", "TREND_COLUMNS", "UNITS", "TrendView", "preset_range", "trend_series", "trend_view"]

#: The date ranges every time chart offers (the page's ``<page>_range`` URL key holds the name); days
#: back from the latest figure, None for the whole span. "custom" uses the page's From and To.
RANGE_PRESETS: dict[str, int | None] = {"whole war": None, "last 12 months": 365, "last 90 days": 90}

UNITS = ("km2", "sq_mi")
TREND_COLUMNS = [
    "label", "source", "definition", "period", "period_start", "date", "as_of", "value", "derived", "note",
]  # fmt: skip


def preset_range(preset: str, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The dates ``preset`` (a key of ``RANGE_PRESETS``) covers within the figures' span ``first`` ..
    ``last``: the whole span, or the last 365 or 90 days up to the latest figure (never before ``first``)."""
    if preset not in RANGE_PRESETS:
        raise ValueError(f"unknown range {preset!r}: use one of {', '.join(RANGE_PRESETS)}")
    days = RANGE_PRESETS[preset]
    if days is None:
        return first, last
    return max(first, last - dt.timedelta(days=days - 1)), last


def _by_period(figures: pd.DataFrame, metric: str, freq: str) -> pd.DataFrame:
    out = by_period(figures, metric, freq)
    if metric_kind(metric) == "stock" and not out.empty:
        # a period without an observation of its own is a gap, not the carried-forward value
        out.loc[out["carried_forward"].astype(bool), "value"] = float("nan")
    if out.empty:
        return out
    if metric_kind(metric) == "flow":
        out = out[out["complete"].astype(bool)]
    return out


def _with_gaps(series: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Every period between the series' first and last, missing ones as NaN rows."""
    ends = pd.date_range(series["date"].min(), series["date"].max(), freq=frequency(freq).ends)
    full = series.set_index("date").reindex(ends.union(pd.DatetimeIndex(series["date"])))
    full.index.name = "date"
    for column in ("source", "definition", "label"):
        full[column] = series[column].iloc[0]
    return full.reset_index()


def _joined(notes: pd.Series, text: str) -> pd.Series:
    return notes.where(notes == "", notes + "; ") + text


def trend_series(
    figures: pd.DataFrame,
    metric: str,
    freq: str,
    *,
    region: str = "",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    unit: str = "km2",
    rolling: int = 0,
    cumulative: bool = False,
) -> pd.DataFrame:
    """The metric per period of ``freq`` for each (source, definition) of ``figures`` in ``region``
    ("" = the whole territory), oldest first; ``TREND_COLUMNS``.

    Periods a source has no figure for are rows with an empty value (drawn as gaps). ``unit`` "sq_mi"
    converts areas (shares stay in percent). ``rolling`` > 1 replaces each value by the mean of the
    last ``rolling`` periods (empty where any of them is missing), after ``cumulative`` has summed flows
    from the first period shown. The date range applies to the periods' ends.
    """
    frequency(freq)  # ValueError for an unknown code
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: use km2 or sq_mi")
    rows = figures[figures["region"] == region]
    periods = _by_period(rows, metric, freq)
    if periods.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TREND_COLUMNS})
    periods = periods.assign(label=periods["source"] + " (" + periods["definition"] + ")")
    parts = []
    for _, series in periods.groupby(["source", "definition"], sort=True):
        series = _with_gaps(series.sort_values("date"), freq)
        if start is not None:
            series = series[series["date"] >= pd.Timestamp(start)]
        if end is not None:
            series = series[series["date"] <= pd.Timestamp(end)]
        if series.empty:
            continue
        values = series["value"].astype(float)
        if unit == "sq_mi" and metadata()["metrics"][metric]["unit"] == "km2":
            values = values / KM2_PER_SQ_MI
        notes = pd.Series("", index=series.index)
        if "complete" in series and "observed_date" in series:
            incomplete = series["complete"].eq(False) & series["observed_date"].notna()
            notes[incomplete] = "period incomplete: last observation " + series.loc[
                incomplete, "observed_date"
            ].dt.strftime("%Y-%m-%d")
        if cumulative and metric_kind(metric) == "flow":
            values = values.cumsum().where(values.notna())
            notes = _joined(notes, "cumulated from the first period shown")
        if rolling and rolling > 1:
            values = values.rolling(rolling, min_periods=rolling).mean()
            notes = _joined(notes, f"mean of the last {rolling} periods")
        parts.append(series.assign(value=values, note=notes))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TREND_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["period"] = [period_name(d, freq) for d in out["date"]]
    out["period_start"] = out["period_start"].fillna(out["date"])
    observed = out["observed_date"] if "observed_date" in out else pd.Series(pd.NaT, index=out.index)
    out["as_of"] = observed.where(observed.notna() & out["value"].notna(), out["date"]).where(out["value"].notna())
    out["derived"] = out["derived"].astype("boolean")
    return out[TREND_COLUMNS].sort_values(["date", "label"], ignore_index=True)


@dataclass(frozen=True)
class TrendView:
    """What the Trends page shows: the series, its chart (None when the series is empty) and sentences."""

    series: pd.DataFrame  # trend_series
    chart: Any = None  # a plotly Figure (metrics.charts.trend_chart with the event markers)
    sentences: list[str] = field(default_factory=list)  # metrics.summary.trend_sentence per series


def trend_view(
    figures: pd.DataFrame,
    events: pd.DataFrame,
    metric: str,
    freq: str,
    *,
    region: str = "",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    unit: str = "km2",
    rolling: int = 0,
    cumulative: bool = False,
) -> TrendView:
    """``trend_series`` of ``figures`` (the chosen sources), its chart with ``events`` as markers and one
    sentence per series, from the one pipeline; ``region`` is named from the shipped regions of Ukraine."""
    from metrics.charts import trend_chart
    from metrics.event_markers import series_breaks
    from metrics.schema import region_areas
    from metrics.summary import trend_sentence

    series = trend_series(
        figures, metric, freq, region=region, start=start, end=end, unit=unit, rolling=rolling, cumulative=cumulative
    )
    if series.empty:
        return TrendView(series)
    region_name = f"{region_areas('UKR')[region][0]} ({region})" if region else "Ukraine"
    breaks = series_breaks(figures[figures["region"] == region])  # drawn on the chart, with the reason on hover
    chart = trend_chart(
        series, metric=metric, freq=freq, unit=unit, region_name=region_name, events=events, breaks=breaks
    )
    sentences = [trend_sentence(rows, metric, freq, unit) for _, rows in series.groupby("label", sort=True)]
    return TrendView(series, chart, [s for s in sentences if s])
