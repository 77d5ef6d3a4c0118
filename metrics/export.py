"""Exports of figures: the query behind ``python -m metrics export`` and the file formats."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import pandas as pd

from metrics.metadata import FIGURE_COLUMNS
from metrics.pipelines import by_period
from metrics.text import neutralise_frame, write_csv

__all__ = ["FORMATS", "export_figures", "export_per_place", "neutralise_formulas", "select_rows", "to_bytes"]

FORMATS = ("csv", "json", "xlsx")


def export_figures(
    figures: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    region: str | None = None,
    freq: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Tidy rows (figure columns) of the current ``figures``, oldest first.

    Without ``freq``, the figures themselves. With ``freq``, per period: stocks at the period end,
    flows summed per period, and ``net_change_km2`` from reported flows or, where a source reports
    none, from the change of its period-end area stocks. ``region`` ("" = whole territory) and the
    date range (on ``date``, inclusive) are applied after the periods are formed, so a period's
    change uses the stock before the range.
    """
    wanted = list(metrics) if metrics else sorted(figures["metric"].unique())
    if region is not None:
        figures = figures[figures["region"] == region]
    if freq is None:
        rows = figures[figures["metric"].isin(wanted)]
    else:
        parts = [p for p in (by_period(figures, m, freq) for m in wanted) if not p.empty]
        rows = pd.concat(parts, ignore_index=True) if parts else figures.iloc[:0]  # nothing matched: no rows
        if parts:
            incomplete = ~rows["complete"].astype(bool)
            rows.loc[incomplete, "notes"] = "period incomplete: last observation " + rows.loc[
                incomplete, "observed_date"
            ].dt.strftime("%Y-%m-%d")
    if start is not None:
        rows = rows[rows["date"] >= start]
    if end is not None:
        rows = rows[rows["date"] <= end]
    rows = rows.assign(_whole=rows["region"] != "")
    rows = rows.sort_values(["date", "period_start", "_whole", "region", "metric", "source", "definition"])
    return rows[FIGURE_COLUMNS].reset_index(drop=True)


def export_per_place(
    figures: pd.DataFrame,
    *,
    metric: str,
    region: str | None = None,
    freq: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """``export_figures`` of figures that carry a ``place`` (a city's GeoNames id, e.g. each watched
    city's ``distance_to_front_km``): one series per place, the ``place`` column after ``region``."""
    parts = [export_figures(group.drop(columns="place"), metrics=[metric], region=region, freq=freq, start=start,
                            end=end).assign(place=int(place))
             for place, group in figures.groupby("place", sort=False)]  # fmt: skip
    columns = list(FIGURE_COLUMNS)
    columns.insert(columns.index("region") + 1, "place")
    if not parts:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(parts, ignore_index=True)[columns]
    return rows.sort_values(["date", "source", "definition", "place"], ignore_index=True)


def select_rows(
    figures: pd.DataFrame,
    *,
    sources: Sequence[str] | None = None,
    definitions: Sequence[str] | None = None,
    batches: Sequence[int] | None = None,
    metrics: Sequence[str] | None = None,
    region: str | None = None,
    freq: str | None = None,
    start: object | None = None,
    end: object | None = None,
) -> pd.DataFrame:
    """The Data page's query: current ``figures`` of the chosen sources, definitions and batches
    (None or empty: all), then ``export_figures`` with the other filters (dates as anything
    ``pandas.Timestamp`` reads)."""
    for column, values in (("source", sources), ("definition", definitions), ("batch_id", batches)):
        if values:
            figures = figures[figures[column].isin(list(values))]
    return export_figures(
        figures, metrics=metrics or None, region=region, freq=freq,
        start=pd.Timestamp(start) if start else None, end=pd.Timestamp(end) if end else None,
    )  # fmt: skip


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (=, +, -, @, ...) with an apostrophe
    (``metrics.text.neutralise_frame``; numbers stay numbers)."""
    return neutralise_frame(frame)


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        date=frame["date"].dt.strftime("%Y-%m-%d"), period_start=frame["period_start"].dt.strftime("%Y-%m-%d")
    )


def to_bytes(rows: pd.DataFrame, fmt: str) -> bytes:
    """Rows from ``export_figures`` as a file: ``csv`` (UTF-8), ``json`` (records) or ``xlsx``."""
    frame = _dated(rows)
    if fmt == "csv":
        return write_csv(frame)
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records"))
        return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode()
    if fmt == "xlsx":
        buffer = io.BytesIO()
        neutralise_formulas(frame).to_excel(buffer, index=False, sheet_name="figures")
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
