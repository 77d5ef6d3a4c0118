"""What the Upload page shows of an upload before and after it is stored: the validation report,
the changes, the series it touches, and the batch history. Plain frames, no Streamlit."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from metrics import events, ingest
from metrics.ingest import ImportPlan, Problem
from metrics.ingest.cells import metric_units
from metrics.metadata import METRICS, metric_kind
from metrics.periods import period_code
from metrics.text import write_csv

__all__ = [
    "SERIES_COLUMNS", "batches_table", "changes_table", "events_format_help", "figures_format_help",
    "geo_problems_table", "one_series", "problems_csv", "problems_table", "series_labels",
]  # fmt: skip

_GEO_PROBLEM = re.compile(r"^(?P<file>.+?)(?::(?P<feature>\d+))?: (?P<text>.*)$", re.DOTALL)

#: What makes a series: every key column but the dates.
SERIES_COLUMNS = ["territory", "region", "actor", "metric", "source", "definition"]


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """The validation report: one row per problem, in file order."""
    rows = [{"line": p.line, "column": p.column, "problem": p.message, "what to do": p.fix} for p in problems]
    frame = pd.DataFrame(rows, columns=["line", "column", "problem", "what to do"])
    return frame.sort_values("line", kind="stable", ignore_index=True)


def problems_csv(problems: Sequence[Problem]) -> bytes:
    """The validation report as the CSV the Upload page offers for download: ``problems_table``'s rows,
    text a spreadsheet would run as a formula (a column named ``=cmd|' /C calc'!A0``) neutralised."""
    return write_csv(problems_table(problems))


def geo_problems_table(problems: Sequence[str]) -> pd.DataFrame:
    """The validation report of a polygon file from ``geodata.ingest.GeoInputError.problems``
    (``FILE[:N]: message; what to do``): one row per problem, with the feature number where known."""
    rows = []
    for line in problems:
        match = _GEO_PROBLEM.match(line)
        text, feature = (match["text"], match["feature"]) if match else (line, None)
        problem, _, fix = text.partition("; ")
        rows.append({"feature": int(feature) if feature else None, "problem": problem, "what to do": fix})
    return pd.DataFrame(rows, columns=["feature", "problem", "what to do"])


def changes_table(plan: ImportPlan) -> pd.DataFrame:
    """Each figure of the file with what storing it changes: new, supersedes (with the value it
    replaces) or unchanged; superseding figures first, then new ones."""
    order = {"supersedes": 0, "new": 1, "unchanged": 2}
    changes = plan.changes.assign(_order=plan.changes["change"].map(order))
    changes = changes.sort_values(["_order", "line"], kind="stable", ignore_index=True)
    columns = [
        "line", "change", "date", "period_start", "region", "metric", "value", "previous_value", "source",
        "definition",
    ]  # fmt: skip
    return changes[columns].assign(
        date=changes["date"].dt.strftime("%Y-%m-%d"), period_start=changes["period_start"].dt.strftime("%Y-%m-%d")
    )


def series_labels(plan: ImportPlan) -> dict[str, tuple[str, ...]]:
    """Label -> series key of every series the file touches, those with most new or changed figures
    first (``"source · definition · metric · region"``)."""
    changes = plan.changes.assign(touched=plan.changes["change"] != "unchanged")
    counts = changes.groupby(SERIES_COLUMNS, sort=True)["touched"].sum().sort_values(ascending=False, kind="stable")
    labels = {}
    for key in counts.index:
        values = dict(zip(SERIES_COLUMNS, key, strict=True))
        region = values["region"] or f"{values['territory']} (whole)"
        definition = values["definition"] or "no definition"
        labels[f"{values['source']} · {definition} · {values['metric']} · {region}"] = tuple(key)
    return labels


def one_series(affected: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """The rows of ``metrics.ingest.affected_series`` that belong to one series."""
    mask = pd.Series(True, index=affected.index)
    for column, value in zip(SERIES_COLUMNS, key, strict=True):
        mask &= affected[column] == value
    return affected[mask]


def batches_table(batches: pd.DataFrame) -> pd.DataFrame:
    """The batch history for the page, newest first, with readable times."""
    return batches.assign(
        created_at=pd.to_datetime(batches["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC"),
        sha256=batches["sha256"].str[:12],
    )[["id", "created_at", "status", "rows", "filename", "who", "sha256"]]


#: What the format help says of a column beyond its name (a column not here is listed by its name alone).
_COLUMN_NOTES = {
    "territory": "default `UKR`",
    "region": "ISO 3166-2, e.g. `UA-14`; empty for the whole territory",
    "actor": "default `RU`",
    "quality": " or ".join(f"`{mark}`" for mark in ingest.QUALITY_MARKS if mark) + "; empty for none",
}
_PERIOD_EXAMPLE = pd.Timestamp("2025-11-30")  # a Sunday: week 48 ends on it


def _codes(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def figures_format_help(limit_mb: float) -> str:
    """The Upload page's "CSV format" text (markdown), generated from the ingest constants: the
    required and optional columns, each metric's kind and units, the period codes and the size limit."""
    optional = [f"`{c}` ({_COLUMN_NOTES[c]})" if c in _COLUMN_NOTES else f"`{c}`" for c in ingest.OPTIONAL_COLUMNS]
    rows: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for metric in METRICS:
        kind = "stock on `date`" if metric_kind(metric) == "stock" else "flow over a period"
        rows.setdefault((kind, metric_units(metric)), []).append(metric)
    table = "".join(f"| {_codes(metrics)} | {kind} | {_codes(units)} |\n" for (kind, units), metrics in rows.items())
    periods = [f"`{period_code(_PERIOD_EXAMPLE, code)}`" for code in ("M", "W", "Q", "Y")]
    return (
        f"One figure a row, with a header row. Required columns: {_codes(ingest.REQUIRED_COLUMNS)}. "
        f"Optional: {', '.join(optional)}.\n\n"
        "| metric | kind | units accepted |\n| --- | --- | --- |\n" + table + "\n"
        f"Units the import reads: {_codes(list(ingest.UNITS))}, with the usual spellings (`km²`, `sq mi`, `%`...). "
        f"Flows need a period: `period` as {', '.join(periods[:-1])} or {periods[-1]}, or `period_start` "
        "with `date` as the period's last day. Files saved by spreadsheets are fine: UTF-8 (with or without "
        "BOM), UTF-16, Windows-1251/1252 or Latin-1; comma, semicolon or tab; decimal commas with semicolons. "
        f"Files up to {limit_mb:g} MB (`TERRITORY_MAX_UPLOAD_MB`)."
    )


def events_format_help() -> str:
    """The Upload page's "Events CSV format" text (markdown), from the event file's constants."""
    notes = {
        "date": "YYYY-MM-DD",
        "label": f"what happened, at most {events.MAX_LABEL} characters",
        "source": "who reported it",
        "short_label": f"drawn on the charts, at most {events.MAX_SHORT_LABEL} characters; else the label's first "
        "words",
        "url": "http or https",
    }

    def listed(columns: Sequence[str]) -> str:
        return ", ".join(f"`{c}` ({notes[c]})" if c in notes else f"`{c}`" for c in columns)

    return (
        f"One event a row, with a header row. Required columns: {listed(events.REQUIRED_COLUMNS)}. "
        f"Optional: {listed(events.OPTIONAL_COLUMNS)}. Read like files of figures: any common encoding and "
        "delimiter."
    )
