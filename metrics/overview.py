"""What the Overview shows, computed from current figures: KPIs per source, the monthly net change,
the share over time, the per-region values of the latest date, and the sources described."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from metrics.metadata import definition_text, source_info
from metrics.periods import period_name
from metrics.pipelines import change_over_days, latest_values, net_change
from metrics.quality import drop_glitches
from metrics.store import read_figures

__all__ = [
    "Kpi",
    "OverviewData",
    "SourceKpis",
    "area_kpi",
    "chart_data",
    "complete_months",
    "date_span",
    "definitions_by_source",
    "drawn_shares",
    "described",
    "in_range",
    "latest_region_values",
    "latest_table",
    "net_change_how",
    "overview_data",
    "region_values",
    "select_figures",
    "share_kpi",
    "sources_with_regions",
    "stock_kpi",
    "whole_territory",
    "UPDATE_HOWTO",
]


@dataclass(frozen=True)
class Kpi:
    """One number with its unit, the period or date it refers to, and how it was obtained."""

    label: str
    value: float | None  # None: the source publishes no such figure
    unit: str  # "km2" or "percent"
    as_of: str  # the date or period, as text for display
    note: str  # reported / computed, and from what
    date: str = ""  # a stock's date, YYYY-MM-DD ("" for a change or a missing figure)

    @property
    def text(self) -> str:
        """The value for display: ``116,995 km²``, ``19.38 %``, ``+43 km²`` for a change, ``—`` if none."""
        if self.value is None:
            return "—"
        if self.unit == "percent":
            return f"{self.value:.2f} %"
        sign = "+" if self.label.startswith("Net change") else ""
        return f"{self.value:{sign},.0f} km²"


@dataclass(frozen=True)
class SourceKpis:
    source: str
    definition: str
    definition_text: str
    area: Kpi
    share: Kpi
    last_month: Kpi
    last_30_days: Kpi


@dataclass(frozen=True)
class OverviewData:
    kpis: list[SourceKpis]
    monthly: pd.DataFrame  # whole-territory net_change_km2 per complete month
    shares: pd.DataFrame  # whole-territory share_controlled_pct observations
    sources: list[dict[str, str]]  # source, definition, publisher, url, licence, method, definition_text


def chart_data(data: OverviewData) -> pd.DataFrame:
    """The figures behind the Overview chart, tidy: the monthly net changes (top panel) and the
    shares (bottom panel), with the store's column names, oldest first."""
    columns = ["date", "period_start", "territory", "region", "actor", "metric", "value", "source", "definition"]
    parts = [frame.reindex(columns=columns) for frame in (data.monthly, data.shares) if not frame.empty]
    if not parts:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(parts, ignore_index=True).sort_values(["metric", "source", "definition", "date"], kind="stable")
    return rows.assign(
        date=rows["date"].dt.strftime("%Y-%m-%d"), period_start=rows["period_start"].dt.strftime("%Y-%m-%d")
    ).reset_index(drop=True)


def _missing(label: str, unit: str) -> Kpi:
    return Kpi(label, None, unit, "", "not published by this source")


def stock_kpi(figures: pd.DataFrame, metric: str, label: str, unit: str, *, on: pd.Timestamp | None = None) -> Kpi:
    """The latest figure of the stock ``metric`` among ``figures`` (one source and definition), on or
    before ``on`` where given (the Overview: the latest; the report: the end of its period)."""
    rows = figures[figures["metric"] == metric]
    if on is not None:
        rows = rows[rows["date"] <= on]
    if rows.empty:
        return _missing(label, unit)
    row = rows.sort_values("date", kind="stable").iloc[-1]
    day = f"{row['date']:%Y-%m-%d}"
    return Kpi(label, float(row["value"]), unit, f"as of {day}", _origin(row), day)


def area_kpi(figures: pd.DataFrame, *, on: pd.Timestamp | None = None) -> Kpi:
    """The area controlled (km2) of one source and definition: ``stock_kpi`` of ``area_controlled_km2``."""
    return stock_kpi(figures, "area_controlled_km2", "Area controlled", "km2", on=on)


def share_kpi(figures: pd.DataFrame, *, on: pd.Timestamp | None = None) -> Kpi:
    """The share of Ukraine held (percent) of one source and definition."""
    return stock_kpi(figures, "share_controlled_pct", "Share of Ukraine", "percent", on=on)


def whole_territory(figures: pd.DataFrame, territory: str = "UKR") -> pd.DataFrame:
    """The figures of the territory as a whole (empty region)."""
    return figures[(figures["region"] == "") & (figures["territory"] == territory)]


def complete_months(whole: pd.DataFrame) -> pd.DataFrame:
    """Net change in km2 per complete month and series (``metrics.pipelines.net_change``), oldest first."""
    monthly = net_change(whole, "M")
    return monthly[monthly["complete"].astype(bool)] if not monthly.empty else monthly


def net_change_how(months: pd.DataFrame) -> str:
    """How a net change over ``months`` was obtained: "as reported" or "change of month-end stocks"."""
    return "as reported" if not months["derived"].any() else "change of month-end stocks"


def _origin(row: pd.Series) -> str:
    return "computed by this project" if row["derived"] else "as reported"


def _source_kpis(figures: pd.DataFrame, monthly: pd.DataFrame) -> SourceKpis:
    first = figures.iloc[0]
    months = monthly[monthly["complete"]]
    if months.empty:
        last_month = _missing("Net change, last full month", "km2")
    else:
        row = months.iloc[-1]
        last_month = Kpi(
            "Net change, last full month", float(row["value"]), "km2", period_name(row["date"], "M"),
            net_change_how(months.tail(1)),
        )  # fmt: skip
    recent = change_over_days(figures[figures["metric"] == "area_controlled_km2"], 30)
    if recent.empty:
        last_30 = _missing("Net change, last 30 days", "km2")
    else:
        row = recent.iloc[0]
        last_30 = Kpi(
            "Net change, last 30 days", float(row["value"]), "km2",
            f"{row['observed_date']:%Y-%m-%d} to {row['date']:%Y-%m-%d}", "change of stocks",
        )  # fmt: skip
    return SourceKpis(
        source=first["source"],
        definition=first["definition"],
        definition_text=definition_text(first["definition"]),
        area=area_kpi(figures),
        share=share_kpi(figures),
        last_month=last_month,
        last_30_days=last_30,
    )


def select_figures(figures: pd.DataFrame, sources: Sequence[str], definitions: Sequence[str]) -> pd.DataFrame:
    """The figures of the chosen sources and definitions (the sidebar's selection)."""
    return figures[figures["source"].isin(sources) & figures["definition"].isin(definitions)]


def overview_data(figures: pd.DataFrame, territory: str = "UKR") -> OverviewData:
    """KPIs and series of the whole territory, one group per (source, definition)."""
    whole = whole_territory(figures, territory)
    monthly = complete_months(whole)
    kpis, sources = [], []
    for (source, definition), rows in whole.groupby(["source", "definition"], sort=True):
        series_monthly = monthly[(monthly["source"] == source) & (monthly["definition"] == definition)]
        kpis.append(_source_kpis(rows, series_monthly))
        sources.append(described(source, definition))
    shares = drop_glitches(whole[whole["metric"] == "share_controlled_pct"])  # charts leave glitches out
    return OverviewData(kpis=kpis, monthly=monthly, shares=shares, sources=sources)


def described(source: str, definition: str) -> dict[str, str]:
    """What the Overview and the report say of a source and definition: source, definition,
    definition_text, publisher, url, licence, method."""
    return {"source": source, "definition": definition, "definition_text": definition_text(definition),
            **source_info(source)}  # fmt: skip


def region_values(figures: pd.DataFrame, source: str, definition: str) -> pd.DataFrame:
    """Per region, the latest area and share of one source: ``region``, ``date``,
    ``area_controlled_km2``, ``share_controlled_pct`` (one row per region)."""
    rows = figures[(figures["region"] != "") & (figures["source"] == source) & (figures["definition"] == definition)]
    latest = latest_values(rows)
    wide = latest.pivot_table(index="region", columns="metric", values="value", aggfunc="last")
    dates = latest.groupby("region")["date"].max()
    return wide.assign(date=dates).reset_index()


def definitions_by_source(series: pd.DataFrame) -> dict[str, list[str]]:
    """Per source, its definitions, from ``metrics.store.list_series``."""
    return {source: list(rows) for source, rows in series.groupby("source")["definition"]}


def sources_with_regions(series: pd.DataFrame, sources: Sequence[str], definitions: Sequence[str]) -> list[str]:
    """``"source|definition"`` pairs among the chosen ones that have per-region figures."""
    rows = select_figures(series, sources, definitions).dropna(subset=["last_region_date"])
    return [f"{r.source}|{r.definition}" for r in rows.itertuples()]


def latest_region_values(engine: Engine, series: pd.DataFrame, source: str, definition: str) -> pd.DataFrame:
    """``region_values`` of one source on its latest date with per-region figures, reading only
    the figures from that date on, with ``source`` and ``definition`` columns (the map's data)."""
    chosen = series[(series["source"] == source) & (series["definition"] == definition)]
    since = chosen["last_region_date"].iloc[0].date()
    values = region_values(
        read_figures(engine, sources=[source], definitions=[definition], since=since), source, definition
    )
    return values.assign(source=source, definition=definition)


#: How to get newer figures of a source the project can update itself (the Overview's freshness note).
UPDATE_HOWTO = {
    "DeepStateMap": "`python -m geodata sync deepstate`, or the Upload page's button, adds newer DeepStateMap days",
}


def latest_table(data: OverviewData, today: dt.date) -> pd.DataFrame:
    """One row per source and definition (the Overview's compact table): ``source``, ``definition``,
    ``area_km2``, ``share_pct``, ``last_month_km2`` with ``last_month`` (its name), ``last_30_days_km2``,
    ``as_of`` (the latest date of the series), ``age_days`` (days from ``as_of`` to ``today``: freshness)
    and ``monthly`` (the complete months' net change of the whole war, oldest first: the sparkline)."""
    rows = []
    for group in data.kpis:
        monthly = data.monthly
        months = monthly[(monthly["source"] == group.source) & (monthly["definition"] == group.definition)]
        days = [d for d in (group.area.date, group.share.date) if d]
        as_of = max(days) if days else ""
        rows.append({
            "source": group.source, "definition": group.definition, "area_km2": group.area.value,
            "share_pct": group.share.value, "last_month_km2": group.last_month.value,
            "last_month": group.last_month.as_of, "last_30_days_km2": group.last_30_days.value,
            "as_of": as_of, "age_days": (today - dt.date.fromisoformat(as_of)).days if as_of else None,
            "monthly": [round(float(v), 1) for v in months.sort_values("date")["value"]],
        })  # fmt: skip
    columns = ["source", "definition", "area_km2", "share_pct", "last_month_km2", "last_month", "last_30_days_km2",
               "as_of", "age_days", "monthly"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def in_range(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """The rows of ``frame`` dated ``start`` .. ``end`` (either None: no bound on that side)."""
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= frame["date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame["date"] <= pd.Timestamp(end)
    return frame[keep]


#: A share line with more observations than this in the range is drawn from one a week.
MAX_DRAWN_DAILY = 400


def drawn_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """The share observations a chart line draws: every one, or for a series with more than
    ``MAX_DRAWN_DAILY`` in the range, the last of each week (Monday to Sunday) plus its first and its
    latest. Every point drawn is an observation on its own date (hover names it); the chart's CSV keeps
    them all. A whole war of daily shares (7 lines of 1,600 points) is 7x lighter to send and draw."""
    if shares.empty:
        return shares
    parts = []
    for _, rows in shares.sort_values("date").groupby(["source", "definition"], sort=False):
        if len(rows) > MAX_DRAWN_DAILY:
            week = rows["date"].dt.to_period("W-SUN")
            keep = ~week.duplicated(keep="last")
            keep.iloc[0] = keep.iloc[-1] = True
            rows = rows[keep]
        parts.append(rows)
    return pd.concat(parts).sort_index()


def date_span(figures: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """First and last date of ``figures``; None when there are none."""
    return (figures["date"].min().date(), figures["date"].max().date()) if not figures.empty else None
