"""The checks of a file of figures: metrics, values and units, dates and periods, provenance and quality
marks, then the schema's range checks (``figure_schema``) and duplicates. Vectorised: Python loops run over
the distinct values of a column and over the rows that have a problem, never over all rows."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import numpy as np
import pandas as pd

from metrics.ingest.cells import (
    UNITS,
    did_you_mean,
    distinct,
    metric_units,
    parse_numbers,
    parse_period,
    parsed_dates,
    slash_order,
    unit_of,
)
from metrics.ingest.figure_schema import schema_check
from metrics.ingest.problems import DATE_FIX, PERIOD_FIX, Problem, Progress
from metrics.ingest.table import Checker, ColumnSpec, Table, check_columns, merge_duplicates
from metrics.metadata import FIGURE_COLUMNS, KEY_COLUMNS, METRICS, metric_kind
from metrics.schema import SHARE_METRICS
from metrics.tables import Figure, text_limits

__all__ = [
    "FIGURES",
    "FUTURE_DAYS",
    "OPTIONAL_COLUMNS",
    "OUT_COLUMNS",
    "QUALITY_MARKS",
    "REQUIRED_COLUMNS",
    "check_figures",
    "empty_figures",
]

#: Columns a file must have (``date`` may be left out when the file has a ``period`` column).
REQUIRED_COLUMNS = ("date", "metric", "value", "source")
#: Columns a file may have.
OPTIONAL_COLUMNS = (
    "unit", "period", "period_start", "territory", "region", "actor", "definition", "source_url", "published", "notes",
    "quality",
)  # fmt: skip
#: Quality marks a figure may carry (DESIGN.md): a glitch (left out of charts and flows by default) or a
#: series break (no flow across it); the reason goes in ``notes``.
QUALITY_MARKS = ("", "glitch", "break")
#: Text columns of a figure; the longest text a cell may hold (the store's column sizes; the same on
#: SQLite and PostgreSQL).
_TEXT_COLUMNS = ("territory", "region", "actor", "metric", "source", "definition", "source_url", "published", "notes")
FIGURES = ColumnSpec(
    what="figures", required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS,
    accepted=("batch_id", "derived"),  # an export's own columns: an exported file imports again
    unescape=_TEXT_COLUMNS, names=("territory", "region", "actor", "metric", "source", "definition", "quality"),
    free_text=("notes",), limits=text_limits(Figure, ("actor", "source", "definition", "source_url", "notes")),
    replaces={"date": "period"},
)  # fmt: skip
OUT_COLUMNS = [c for c in FIGURE_COLUMNS if c != "batch_id"]
#: How far after today a figure's date may lie (a report dated next week is a typo).
FUTURE_DAYS = 3
_URL = re.compile(r"https?://[^\s\"'<>]+", flags=re.IGNORECASE)


def empty_figures() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in OUT_COLUMNS})
    return frame.assign(
        date=pd.Series(dtype="datetime64[ns]"), period_start=pd.Series(dtype="datetime64[ns]"),
        value=pd.Series(dtype=float), derived=pd.Series(dtype=bool), line=pd.Series(dtype=np.int64),
    )  # fmt: skip


def check_figures(
    table: Table, report: Progress, today: dt.date | None = None
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """(canonical figures, problems, notes) of a table; the figures are empty when there is a problem."""
    checker = Checker(table, FIGURES)
    if not check_columns(checker):
        return empty_figures(), checker.problems, checker.notes
    report("checking", 0.1)
    metric, kind = _metrics(checker)
    value = _values(checker, metric, table.delimiter)
    report("checking", 0.3)
    date, period_start = _dates_and_periods(checker, kind)
    _not_in_future(checker, date, today or dt.date.today())
    report("checking", 0.5)
    source = checker.text("source")
    checker.cells((source == "").to_numpy(), "source", lambda i: "the source is empty",
                  "name who published the figure, e.g. ISW or DeepStateMap")  # fmt: skip
    if "batch_id" in checker.raw:
        checker.notes.append("column batch_id ignored: the import is a new batch")
    canonical = pd.DataFrame({
        "date": date, "period_start": period_start,
        "territory": checker.text("territory").str.upper().replace("", "UKR"),
        "region": checker.text("region").str.upper(),
        "actor": checker.text("actor").str.upper().replace("", "RU"),
        "metric": metric, "value": value, "source": source, "definition": checker.text("definition"),
        "source_url": _source_urls(checker), "published": _published(checker, today or dt.date.today()),
        "notes": checker.text("notes"), "derived": _derived(checker), "quality": _quality(checker),
        "line": table.lines,
    })  # fmt: skip
    report("checking", 0.6)
    schema_check(checker, canonical)
    report("checking", 0.8)
    content = [*OUT_COLUMNS]
    figures = merge_duplicates(checker, canonical[~checker.bad], KEY_COLUMNS, content, _key_text,
                               "date, region, source, definition")  # fmt: skip
    report("checking", 1.0)
    if checker.problems:
        return empty_figures(), checker.sorted_problems(), checker.notes
    return figures.reset_index(drop=True), [], checker.notes


def _key_text(row: dict[str, object]) -> str:
    """What makes a figure, in words: metric, where, when, source, definition."""
    when = f"{row['date']:%Y-%m-%d}"
    if row["period_start"] != row["date"]:
        when = f"{row['period_start']:%Y-%m-%d} to {when}"
    parts = [row["metric"], f"{row['territory']} {row['region']}".strip(), when, row["source"], row["definition"]]
    return ", ".join(str(p) for p in parts if p)


def _not_in_future(checker: Checker, date: pd.Series, today: dt.date) -> None:
    """Dates more than ``FUTURE_DAYS`` after today: a typo, not a report."""
    limit = pd.Timestamp(today + dt.timedelta(days=FUTURE_DAYS))
    late = (date > limit).to_numpy(bool) & checker.fresh("date", "period", "period_start")
    column = "date" if "date" in checker.raw else "period"
    checker.cells(late, column, lambda i: f"the figure is dated {date.iat[i]:%Y-%m-%d}, after today ({today:%Y-%m-%d})",
                  "check the year and the month: a figure cannot be reported before its date (a flow is dated "
                  "on the last day of its period)")  # fmt: skip


def _source_urls(checker: Checker) -> pd.Series:
    """The source's web address: http(s) only (no javascript:, data: or file: links)."""
    url = checker.text("source_url")
    bad = ((url != "") & ~url.str.fullmatch(_URL.pattern, flags=re.IGNORECASE)).to_numpy(bool)
    checker.cells(bad, "source_url", lambda i: f'"{url.iat[i]}" is not a web address starting with http:// or '
                  "https://", "write the whole address, e.g. https://www.example.org/report, or leave it "
                  "empty")  # fmt: skip
    return url


def _quality(checker: Checker) -> pd.Series:
    """The quality mark: '' (none), ``glitch`` or ``break`` (DESIGN.md; the reason goes in notes)."""
    text = checker.text("quality").str.lower()
    checker.cells(~text.isin(QUALITY_MARKS).to_numpy(bool), "quality",
                  lambda i: f'"{checker.raw["quality"].iat[i]}" is not a quality mark',
                  "write glitch (a figure to leave out of charts and flows) or break (a change of definition: "
                  "no flow across it), with the reason in notes; or leave it empty")  # fmt: skip
    return text.where(text.isin(QUALITY_MARKS), "").astype(str)


def _metrics(checker: Checker) -> tuple[pd.Series, pd.Series]:
    metric = checker.text("metric").str.lower()
    unknown = ~metric.isin(METRICS).to_numpy(bool)
    if "metric" in checker.raw:
        raw = checker.raw["metric"]
        checker.cells(
            unknown, "metric",
            lambda i: f'unknown metric "{raw.iat[i]}"{did_you_mean(metric.iat[i], METRICS)}' if raw.iat[i]
            else "the metric is empty",
            f"use one of {', '.join(METRICS)}",
        )  # fmt: skip
    kind = metric.map({m: metric_kind(m) for m in METRICS}).fillna("").astype(str)
    return metric, kind


def _values(checker: Checker, metric: pd.Series, delimiter: str) -> pd.Series:
    """Values in the canonical unit (NaN where a cell has a problem); units checked against the metric."""
    if "value" not in checker.raw:
        return pd.Series(np.nan, index=range(checker.n))
    raw = checker.raw["value"]
    value, percent, problem, decimal = parse_numbers(raw, delimiter)
    if decimal == "," and raw.str.contains(",", regex=False).any():
        checker.notes.append("decimal commas read (12,5 = 12.5)")
    example = "1234,5" if decimal == "," else "1234.5"
    checker.cells((problem == "empty").to_numpy(), "value", lambda i: "the value is empty",
                  "fill in the number, or delete the line")  # fmt: skip
    checker.cells((problem == "not a number").to_numpy(), "value", lambda i: f'"{raw.iat[i]}" is not a number',
                  f"write the number alone, e.g. {example} (the unit goes in the unit column)")  # fmt: skip
    checker.cells((problem == "ambiguous").to_numpy(), "value", lambda i: _ambiguous(raw.iat[i]),
                  lambda i: _ambiguous_fix(raw.iat[i], decimal))  # fmt: skip
    unit = _units(checker, percent, metric)
    usable = checker.fresh("value", "unit")
    value = value.where(usable, np.nan)
    for name, canonical in (("sq_mi", "km2"), ("ha", "km2"), ("mi", "km")):
        mask = usable & (unit == name).to_numpy()
        if mask.any():
            # hectares divided by 100 (not times 0.01): whole hectares give the nearest km2 value
            value[mask] = value[mask] / 100.0 if name == "ha" else value[mask] * UNITS[name]
            checker.notes.append(f"{int(mask.sum()):,} value{'s' if mask.sum() > 1 else ''} converted from {name} "
                                 f"to {canonical}")  # fmt: skip
    return value


def _units(checker: Checker, percent: pd.Series, metric: pd.Series) -> pd.Series:
    """Canonical unit per row: the unit column's (aliases accepted), % after the value, or the metric's."""
    unit_text = checker.text("unit")
    lookup = {u: ("" if u == "" else unit_of(u) or "?") for u in unit_text.unique()}
    unit = unit_text.map(lookup).astype(str)
    checker.cells((unit == "?").to_numpy(), "unit", lambda i: f'unknown unit "{unit_text.iat[i]}"',
                  "use km2, sq_mi or ha for areas, percent for shares, km or mi for lengths, count for "
                  "counts")  # fmt: skip
    pct = percent.to_numpy(bool)
    raw_value = checker.text("value")
    checker.cells(pct & ~unit.isin(["", "percent", "?"]).to_numpy(), "value",
                  lambda i: f'"{raw_value.iat[i]}" is a percentage but the unit is "{unit_text.iat[i]}"',
                  "remove the % sign, or set the unit to percent")  # fmt: skip
    unit = unit.where(~(pct & (unit == "").to_numpy()), "percent")
    default = metric.map({m: metric_units(m)[0] for m in METRICS}).fillna("").astype(str)
    unit = unit.where(unit != "", default)
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([unit, metric.astype(str)]))
    fits = np.array([m not in METRICS or u in ("", "?") or u in metric_units(m) for u, m in pairs], dtype=bool)
    misfit = ~fits[codes] & checker.fresh("metric")
    given = (unit_text != "").to_numpy()
    checker.cells(misfit & given, "unit", lambda i: f'unit "{unit_text.iat[i]}" does not fit {metric.iat[i]}',
                  lambda i: _unit_words(metric.iat[i]))  # fmt: skip
    checker.cells(misfit & ~given, "value",
                  lambda i: f'"{raw_value.iat[i]}" is a percentage but {metric.iat[i]} is not a share',
                  lambda i: _unit_words(metric.iat[i]))  # fmt: skip
    return unit


def _ambiguous(text: str) -> str:
    digits, number = re.sub(r"[.,]", "", text), float(text.replace(",", "."))
    return f'"{text}" is ambiguous: {digits} (with a thousands separator) or {number:g} (with a decimal separator)?'


def _ambiguous_fix(text: str, decimal: str) -> str:
    digits, number = re.sub(r"[.,]", "", text), f"{float(text.replace(',', '.')):g}"
    as_decimal = number.replace(".", ",") if decimal == "," else number
    return f"write {digits} for the whole number (no thousands separator), or {as_decimal} for the decimal number"


def _unit_words(metric: str) -> str:
    units = metric_units(metric)
    if metric in SHARE_METRICS:
        return f"{metric} is in percent of the territory: set the unit to percent, or leave it empty"
    if units[0] == "km":
        return f"{metric} is a length: set the unit to km or mi, or leave it empty for km"
    if units[0] == "count":
        return f"{metric} is a count: set the unit to count, or leave it empty"
    return f"{metric} is an area: set the unit to km2, sq_mi or ha, or leave it empty for km2"


def _dates_and_periods(checker: Checker, kind: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``date`` and ``period_start`` per row from the date, period_start and period columns (DESIGN.md)."""
    texts = {c: checker.text(c) for c in ("date", "period_start", "period", "published")}
    order = slash_order(itertools.chain.from_iterable(texts[c].unique() for c in ("date", "period_start", "published")))
    checker.slash_order = order
    parsed = {}
    for column in ("date", "period_start"):
        parsed[column], errors = parsed_dates(texts[column], order)
        checker.cells(errors != "", column, lambda i, e=errors: e[i], DATE_FIX)
    codes, results = distinct(texts["period"], lambda v: parse_period(v) if v else "")
    p_start = pd.Series(pd.DatetimeIndex([r[0] if isinstance(r, tuple) else pd.NaT for r in results],
                                         dtype="datetime64[ns]").take(codes))  # fmt: skip
    p_end = pd.Series(pd.DatetimeIndex([r[1] if isinstance(r, tuple) else pd.NaT for r in results],
                                       dtype="datetime64[ns]").take(codes))  # fmt: skip
    p_error = np.array([r if isinstance(r, str) else "" for r in results], dtype=object)[codes]
    checker.cells(p_error != "", "period", lambda i: p_error[i], PERIOD_FIX)

    date, start, period = parsed["date"], parsed["period_start"], texts["period"]
    date_given, start_given = (texts["date"] != "").to_numpy(), (texts["period_start"] != "").to_numpy()
    has_period = (period != "").to_numpy()
    metric_ok = checker.fresh("metric")
    flow, stock = (kind == "flow").to_numpy() & metric_ok, (kind == "stock").to_numpy() & metric_ok
    date_ok = date_given & checker.fresh("date")
    start_ok = start_given & checker.fresh("period_start")
    period_ok = has_period & checker.fresh("period")

    def day(series: pd.Series, i: int) -> str:
        return f"{series.iat[i]:%Y-%m-%d}"

    checker.cells(
        period_ok & date_ok & (flow | stock) & (date != p_end).to_numpy(), "date",
        lambda i: f"date {day(date, i)} disagrees with period {period.iat[i]}, which ends {day(p_end, i)}",
        lambda i: f"leave date empty, or write {day(p_end, i)}",
    )  # fmt: skip
    date = date.where(~(period_ok & ~date_given), p_end)  # a period's figure is dated on its last day
    checker.cells(
        period_ok & start_ok & flow & (start != p_start).to_numpy(), "period_start",
        lambda i: f"period_start {day(start, i)} disagrees with period {period.iat[i]}, which starts {day(p_start, i)}",
        lambda i: f"leave period_start empty, or write {day(p_start, i)}",
    )  # fmt: skip
    if "date" in checker.raw:
        checker.cells(~date_given & ~has_period, "date", lambda i: "the date is empty",
                      "fill in the date as YYYY-MM-DD (or, for a flow, the period)")  # fmt: skip
    elif "period" in checker.raw:
        checker.cells(~has_period, "period", lambda i: "the period is empty and the file has no date column",
                      PERIOD_FIX + ", or add a date column")  # fmt: skip
    metric = checker.text("metric")
    checker.cells(
        flow & ~has_period & ~start_given & date_given, "period",
        lambda i: f"{metric.iat[i]} is a flow (an amount over a period) but the line gives no period",
        "fill period (2025-11, 2025-W47, 2025-Q4 or 2025), or period_start with date as the period's last day",
    )  # fmt: skip
    date_ok = date.notna().to_numpy() & checker.fresh("date", "period")
    checker.cells(
        stock & start_ok & date_ok & (start != date).to_numpy(), "period_start",
        lambda i: f"{metric.iat[i]} is a stock (a value on a date): its period_start is its date {day(date, i)}, "
        f"not {day(start, i)}", "leave period_start empty for stocks",
    )  # fmt: skip
    checker.cells(
        flow & start_ok & date_ok & ~has_period & (start > date).to_numpy(), "period_start",
        lambda i: f"period_start {day(start, i)} is after date {day(date, i)}",
        "period_start is the first day of the period, date its last day",
    )  # fmt: skip
    period_start = pd.Series(pd.NaT, index=date.index, dtype="datetime64[ns]")
    period_start = period_start.where(~flow, start.where(~period_ok, p_start))
    return date, period_start.where(~stock, date)


def _published(checker: Checker, today: dt.date) -> pd.Series:
    """The publication date as YYYY-MM-DD text ('' where not given)."""
    text = checker.text("published")
    if (text == "").all():
        return text
    dates, errors = parsed_dates(text, checker.slash_order)
    late = (dates > pd.Timestamp(today + dt.timedelta(days=FUTURE_DAYS))).to_numpy(bool) & (errors == "")
    if late.any():
        shown = ("published " + dates.dt.strftime("%Y-%m-%d") + f" is after today ({today:%Y-%m-%d})").to_numpy(object)
        errors = np.where(late, shown, errors)
    checker.cells(errors != "", "published", lambda i: errors[i],
                  f"{DATE_FIX} (the day the source published the figure), or leave it empty")  # fmt: skip
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype("str")


def _derived(checker: Checker) -> pd.Series:
    """The export's ``derived`` flag (false where not given)."""
    text = checker.text("derived").str.lower()
    truth = {"": False, "false": False, "0": False, "no": False, "true": True, "1": True, "yes": True}
    checker.cells(~text.isin(list(truth)).to_numpy(), "derived",
                  lambda i: f'"{checker.raw["derived"].iat[i]}" is not true or false',
                  "write true or false (or leave it empty: false)")  # fmt: skip
    return text.map(truth).fillna(False).astype(bool)
