"""Time-series pipelines on figures: pure functions, a frame in and a new frame out.

Inputs are current figures as returned by ``metrics.store.read_figures`` (figure columns, dates as
``datetime64``). A series is one (territory, region, actor, metric, source, definition). Frequencies
are ``D`` (day), ``W`` (week ending Sunday), ``M`` (month), ``Q`` (quarter) and ``Y`` (year)
(``metrics.periods.FREQUENCIES``).

Gaps: a period-end stock is the last observation on or before the period end, carried forward over
periods without an observation; ``observed_date`` says which observation it is, ``carried_forward``
flags the gap, and ``complete`` is false for a period that ends after the series' last observation.

Quality marks (``metrics.quality``): figures marked as glitches are left out of every pipeline here
(``keep_glitches=True`` keeps them), and no flow is computed across a series break: a net change whose
two period-end stocks lie on either side of a break is left out (its period is a gap).
"""

from __future__ import annotations

import pandas as pd

from metrics.metadata import FIGURE_COLUMNS, metric_kind
from metrics.periods import FREQUENCIES, frequency
from metrics.quality import BREAK, drop_glitches, quality_of

__all__ = [
    "FREQUENCIES",
    "SERIES_COLUMNS",
    "by_period",
    "change_over_days",
    "flows_by_period",
    "latest_values",
    "net_change",
    "net_change_from_stocks",
    "period_end_stocks",
]

SERIES_COLUMNS = ["territory", "region", "actor", "metric", "source", "definition"]
_EXTRA_COLUMNS = ["observed_date", "carried_forward", "complete"]


def _period(freq: str) -> str:
    return frequency(freq).period


def period_end_stocks(stocks: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Stock at the end of each period, per series, from the first to the last observed period.

    Returns the figure columns with ``date`` = ``period_start`` = period end, plus
    ``observed_date``, ``carried_forward`` and ``complete`` (see the module docstring). Values keep
    the unit of the input metric; ``derived`` is true where the period end is not an observation.
    """
    period = _period(freq)
    obs = stocks.sort_values("date").assign(period=lambda f: f["date"].dt.to_period(period))
    last = obs.groupby([*SERIES_COLUMNS, "period"], sort=False).tail(1)
    out = []
    for _, series in last.groupby(SERIES_COLUMNS, sort=False):
        full = pd.period_range(series["period"].min(), series["period"].max(), freq=period)
        filled = series.set_index("period").reindex(full)
        filled["carried_forward"] = filled["value"].isna()
        filled = filled.ffill()
        filled["observed_date"] = filled["date"]
        filled["date"] = full.end_time.normalize()
        filled["period_start"] = filled["date"]  # a stock's period_start is its date
        filled["complete"] = filled["date"] <= series["date"].max()
        filled["derived"] = filled["derived"].astype(bool) | (filled["date"] != filled["observed_date"])
        out.append(filled.reset_index(drop=True))
    if not out:
        return pd.DataFrame(columns=[*FIGURE_COLUMNS, *_EXTRA_COLUMNS])
    result = pd.concat(out, ignore_index=True)
    result["carried_forward"] = result["carried_forward"].astype(bool)
    result["batch_id"] = result["batch_id"].astype("Int64")
    if "quality" not in result:  # frames made by hand (tests) may leave the quality mark out
        result["quality"] = ""
    return result[[*FIGURE_COLUMNS, *_EXTRA_COLUMNS]]


def net_change_from_stocks(stocks: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Net change in km2 over each period: the difference of consecutive period-end area stocks.

    Uses ``area_controlled_km2`` stocks only. The first period of a series has no earlier stock and
    is left out. Returns ``net_change_km2`` figures (derived) with the extra columns of
    ``period_end_stocks`` (``complete`` is false for a period after the last observation).
    """
    areas = drop_glitches(stocks[stocks["metric"] == "area_controlled_km2"])
    ends = period_end_stocks(areas, freq)
    if ends.empty:
        return ends
    ends = ends.assign(_segment=_segment_at(ends, areas))
    previous = ends.groupby(SERIES_COLUMNS, sort=False)
    flows = ends.assign(
        value=(ends["value"] - previous["value"].shift()).round(3),
        period_start=previous["date"].shift() + pd.Timedelta(days=1),
        start_observed=previous["observed_date"].shift(),
        metric="net_change_km2",
        derived=True,
        quality="",
    ).dropna(subset=["value"])
    flows = flows[flows["_segment"] == previous["_segment"].shift().reindex(flows.index)].drop(columns="_segment")
    flows["notes"] = (
        "net change of period-end stocks observed on "
        + flows["start_observed"].dt.strftime("%Y-%m-%d")
        + " and "
        + flows["observed_date"].dt.strftime("%Y-%m-%d")
    )
    return flows.drop(columns="start_observed").reset_index(drop=True)


def flows_by_period(flows: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Reported flows summed per period of ``freq``, per series.

    A flow counts in the period that holds its whole span (``period_start`` .. ``date``); flows that
    straddle two periods cannot be split and are left out. ``complete`` is true where the flows
    summed cover the period from its first to its last day.
    """
    period = _period(freq)
    start_period = flows["period_start"].dt.to_period(period)
    end_period = flows["date"].dt.to_period(period)
    inside = flows[start_period == end_period].assign(period=end_period[start_period == end_period])
    if inside.empty:
        return pd.DataFrame(columns=[*FIGURE_COLUMNS, *_EXTRA_COLUMNS])
    grouped = inside.groupby([*SERIES_COLUMNS, "period"], sort=False)
    summed = grouped.agg(
        value=("value", "sum"),
        first_day=("period_start", "min"),
        last_day=("date", "max"),
        source_url=("source_url", "last"),
        published=("published", "last"),
        notes=("notes", "last"),
        batch_id=("batch_id", "max"),
        derived=("derived", "any"),
        count=("value", "size"),
    ).reset_index()
    periods = pd.PeriodIndex(summed["period"])
    summed["period_start"] = periods.start_time.normalize()
    summed["date"] = periods.end_time.normalize()
    summed["complete"] = (summed["first_day"] == summed["period_start"]) & (summed["last_day"] == summed["date"])
    summed["observed_date"] = summed["last_day"]
    summed["carried_forward"] = False
    summed["derived"] = summed["derived"] | (summed["count"] > 1)
    summed["batch_id"] = summed["batch_id"].astype("Int64")
    summed["quality"] = ""  # a sum of reported flows carries no mark of its own
    return summed[[*FIGURE_COLUMNS, *_EXTRA_COLUMNS]]


def _segment_at(ends: pd.DataFrame, stocks: pd.DataFrame) -> pd.Series:
    """For each period-end stock, how many series breaks of its series lie on or before the observation it
    carries (two stocks with the same number are on the same side of every break)."""
    breaks = stocks[quality_of(stocks) == BREAK]
    segment = pd.Series(0, index=ends.index, dtype="int64")
    if breaks.empty:
        return segment
    for key, dates in breaks.groupby(SERIES_COLUMNS, sort=False)["date"]:
        rows = (ends[SERIES_COLUMNS] == pd.Series(key, index=SERIES_COLUMNS)).all(axis=1)
        observed = ends.loc[rows, "observed_date"].to_numpy(dtype="datetime64[ns]")
        segment[rows] = (dates.sort_values().to_numpy(dtype="datetime64[ns]")[None, :] <= observed[:, None]).sum(axis=1)
    return segment


def net_change(figures: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Net change in km2 per period and series: reported flows where a source reports them,
    else the change of the source's period-end area stocks. Oldest first."""
    figures = drop_glitches(figures)
    reported = flows_by_period(figures[figures["metric"] == "net_change_km2"], freq)
    from_stocks = net_change_from_stocks(figures, freq)
    key = [*SERIES_COLUMNS, "date", "period_start"]
    if not reported.empty and not from_stocks.empty:
        reported_keys = pd.MultiIndex.from_frame(reported[key])
        from_stocks = from_stocks[~pd.MultiIndex.from_frame(from_stocks[key]).isin(reported_keys)]
    parts = [p for p in (reported, from_stocks) if not p.empty]
    if not parts:
        return reported
    return pd.concat(parts, ignore_index=True).sort_values(["date", "source", "region"], ignore_index=True)


def by_period(figures: pd.DataFrame, metric: str, freq: str) -> pd.DataFrame:
    """``metric`` per period of ``freq``, per series, by the pipeline its kind calls for: the stock at each
    period end (``period_end_stocks``), ``net_change_km2`` from reported flows or else stocks
    (``net_change``), other flows summed per period (``flows_by_period``). The one dispatch from a metric
    to its pipeline (the export, the Sources and the Trends pages use it)."""
    figures = drop_glitches(figures)
    if metric == "net_change_km2":
        return net_change(figures, freq)
    if metric_kind(metric) == "stock":
        return period_end_stocks(figures[figures["metric"] == metric], freq)
    return flows_by_period(figures[figures["metric"] == metric], freq)


def latest_values(figures: pd.DataFrame) -> pd.DataFrame:
    """The latest figure of each series (one row per series), glitches left out."""
    return drop_glitches(figures).sort_values("date").groupby(SERIES_COLUMNS, sort=False).tail(1).reset_index(drop=True)


def change_over_days(stocks: pd.DataFrame, days: int) -> pd.DataFrame:
    """Change of each stock series over the ``days`` days up to its last observation.

    ``value`` = last stock minus the stock on (last date - ``days``) or the last observation before
    it; ``period_start`` is the day after that baseline date, ``observed_date`` the baseline's own
    date. Series without an observation that old are left out. Metric keeps the stock's name with
    ``kind`` flow semantics (``area_controlled_km2`` -> ``net_change_km2``).
    """
    rows = []
    for _, series in drop_glitches(stocks).sort_values("date").groupby(SERIES_COLUMNS, sort=False):
        last = series.iloc[-1]
        baseline_day = last["date"] - pd.Timedelta(days=days)
        before = series[series["date"] <= baseline_day]
        if before.empty:
            continue
        base = before.iloc[-1]
        if (quality_of(series) == BREAK)[(series["date"] > base["date"]) & (series["date"] <= last["date"])].any():
            continue  # a series break in the window: no change across it
        row = last.copy()
        row["value"] = last["value"] - base["value"]
        row["period_start"] = baseline_day + pd.Timedelta(days=1)
        row["observed_date"] = base["date"]
        row["derived"] = True
        if last["metric"] == "area_controlled_km2":
            row["metric"] = "net_change_km2"
        row["notes"] = f"change of stocks observed on {base['date']:%Y-%m-%d} and {last['date']:%Y-%m-%d}"
        rows.append(row)
    return pd.DataFrame(rows).reset_index(drop=True)
