"""Sources side by side: one metric from several sources and definitions per period and the spread between
them, with the consistency checks of each source's own figures (``metrics.source_checks``). Pure
functions, a frame in, frames out.

Inputs are current figures (``metrics.store.read_figures``) of one territory as a whole (``region`` empty).
A series is one (source, definition); its label is ``"source · definition"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from metrics.metadata import metadata, metric_kind
from metrics.periods import FREQUENCY_NAMES, period_codes, period_first_days
from metrics.pipelines import by_period
from metrics.source_checks import check_summaries, flow_checks, in_date_range, series_label, share_checks

__all__ = ["SourcesView", "compare_series", "comparison_table", "sources_view", "spread_band"]

_SERIES_COLUMNS = [
    "period", "date", "first_day", "source", "definition", "label", "value", "derived", "observed_date",
    "carried_forward", "complete",
]  # fmt: skip


def compare_series(
    figures: pd.DataFrame,
    metric: str,
    freq: str,
    *,
    start: dt.date | pd.Timestamp | None = None,
    end: dt.date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The metric per period of ``freq`` for every (source, definition) in ``figures``, long, oldest first.

    Stocks are the last observation on or before each period end (``carried_forward`` where the period
    has none; the last period may end after the last observation: ``complete`` false). Flows are whole
    periods only: ``net_change_km2`` is the reported flow where a source reports one, else the change of
    its period-end area stocks; ``area_gained_km2`` / ``area_lost_km2`` are reported flows summed per
    period. Observations after ``end`` are left out; periods ending before ``start`` are dropped.

    Columns: ``period`` (label), ``date`` (period end), ``first_day``, ``source``, ``definition``,
    ``label``, ``value``, ``derived``, ``observed_date``, ``carried_forward``, ``complete``.
    """
    if end is not None:
        figures = figures[figures["date"] <= pd.Timestamp(end)]
    out = by_period(figures, metric, freq)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _SERIES_COLUMNS})
    if metric_kind(metric) == "flow":
        out = out[out["complete"].astype(bool)]
    if start is not None:
        out = out[out["date"] >= pd.Timestamp(start)]
    out = out.assign(
        period=period_codes(out["date"], freq),
        first_day=period_first_days(out["date"], freq),
        label=[series_label(s, d) for s, d in zip(out["source"], out["definition"], strict=True)],
        value=out["value"].astype(float),
        derived=out["derived"].astype(bool),
        carried_forward=out["carried_forward"].astype(bool),
        complete=out["complete"].astype(bool),
    )
    return out[_SERIES_COLUMNS].sort_values(["date", "label"], ignore_index=True)


def spread_band(series: pd.DataFrame) -> pd.DataFrame:
    """Per period where at least two series have a value: the lowest and highest value and their spread.

    Columns ``period, date, first_day, low, high, spread, count, low_label, high_label``.
    """
    columns = ["period", "date", "first_day", "low", "high", "spread", "count", "low_label", "high_label"]
    values = series.dropna(subset=["value"])
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    ordered = values.sort_values(["date", "value", "label"], kind="stable")
    grouped = ordered.groupby("date", sort=True)
    band = grouped.agg(
        period=("period", "first"), first_day=("first_day", "first"), low=("value", "first"),
        high=("value", "last"), count=("value", "size"), low_label=("label", "first"), high_label=("label", "last"),
    ).reset_index()  # fmt: skip
    band = band[band["count"] >= 2].assign(spread=lambda f: f["high"] - f["low"])
    return band[columns].reset_index(drop=True)


def comparison_table(series: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """One row per period, newest first: ``period``, one column per series label (sorted), ``spread``
    (highest minus lowest where two or more series have a value, else empty)."""
    if series.empty:
        return pd.DataFrame({"period": pd.Series(dtype="str"), "spread": pd.Series(dtype=float)})
    wide = series.pivot_table(index=["date", "period"], columns="label", values="value", aggfunc="last")
    wide = wide.reindex(columns=sorted(wide.columns)).reset_index()
    wide.columns.name = None
    wide = wide.merge(band[["date", "spread"]], on="date", how="left")
    wide["spread"] = wide["spread"].astype(float)
    return wide.sort_values("date", ascending=False).drop(columns="date").reset_index(drop=True)


# --- everything the Sources page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class SourcesView:
    metric: str
    freq: str
    series: pd.DataFrame  # compare_series
    band: pd.DataFrame  # spread_band
    table: pd.DataFrame  # comparison_table
    shares: pd.DataFrame  # share_checks (last share of each period)
    flows: pd.DataFrame  # flow_checks
    notes: list[str] = field(default_factory=list)  # series without a figure at this frequency, said plainly
    share_summary: list[str] = field(default_factory=list)  # check_summaries(shares, "share")
    flow_summary: list[str] = field(default_factory=list)  # check_summaries(flows, "flow")


def sources_view(
    figures: pd.DataFrame,
    metric: str,
    freq: str,
    *,
    start: dt.date | pd.Timestamp | None = None,
    end: dt.date | pd.Timestamp | None = None,
) -> SourcesView:
    """The comparison of ``metric`` per period of ``freq`` and the checks, over ``start`` .. ``end``."""
    whole = figures[figures["region"] == ""]
    series = compare_series(whole, metric, freq, start=start, end=end)
    band = spread_band(series)
    notes = []
    inputs = ("net_change_km2", "area_controlled_km2") if metric == "net_change_km2" else (metric,)
    candidates = in_date_range(whole[whole["metric"].isin(inputs)], start, end)
    shown = set(series["label"])
    title = metadata()["metrics"][metric]["title"].lower()
    for (source, definition), _ in candidates.groupby(["source", "definition"], sort=True):
        label = series_label(source, definition)
        if label not in shown:
            notes.append(f"{label}: no {title} for a whole {FREQUENCY_NAMES[freq]} in this range.")
    shares = share_checks(whole, freq=freq, start=start, end=end)
    flows = flow_checks(whole, start=start, end=end)
    return SourcesView(
        metric=metric,
        freq=freq,
        series=series,
        band=band,
        table=comparison_table(series, band),
        shares=shares,
        flows=flows,
        notes=notes,
        share_summary=check_summaries(shares, "share"),
        flow_summary=check_summaries(flows, "flow"),
    )
