"""Cells: dates, periods, numbers and units as spreadsheets write them, parsed once per distinct value.

Each parser returns the value or the message that says why the text is not one; ``distinct`` runs a
parser once per distinct text of a column (a column of 100,000 dates has a few hundred distinct ones).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from metrics.metadata import KM2_PER_SQ_MI, metadata

__all__ = [
    "UNITS",
    "did_you_mean",
    "distinct",
    "metric_units",
    "parse_date",
    "parse_numbers",
    "parse_period",
    "parsed_dates",
    "slash_order",
    "unit_of",
]

#: Units accepted, and the factor to the canonical unit (km2 for areas, percent for shares, km for lengths
#: and distances, a count for settlements and people).
UNITS: dict[str, float] = {
    "km2": 1.0,
    "sq_mi": KM2_PER_SQ_MI,
    "ha": 0.01,
    "percent": 1.0,
    "km": 1.0,
    "mi": 1.609344,
    "count": 1.0,
}
_UNIT_ALIASES = {
    "km2": ("km2", "km²", "km^2", "sq km", "sqkm", "sq_km", "km sq", "square km", "square kilometre",
            "square kilometres", "square kilometer", "square kilometers", "км2", "км²", "кв км", "кв. км"),
    "sq_mi": ("sq_mi", "sq mi", "sqmi", "sq. mi", "mi2", "mi²", "mi^2", "square mile", "square miles", "sq mile",
              "sq miles"),
    "ha": ("ha", "hectare", "hectares", "га"),
    "percent": ("percent", "%", "pct", "per cent", "percentage", "відсоток", "процент"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers", "км"),
    "mi": ("mi", "mile", "miles"),
    "count": ("count", "number", "settlements", "places", "people", "persons", "inhabitants"),
}  # fmt: skip
#: The units each canonical unit of a metric (metrics/metadata.toml) may be given in; the first is the default.
_UNITS_OF = {"km2": ("km2", "sq_mi", "ha"), "percent": ("percent",), "km": ("km", "mi"), "count": ("count",)}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DMY_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def slash_order(values: Iterable[str]) -> str | None:
    """'dmy' or 'mdy' where the file's a/b/YYYY dates show it (a day over 12 on one side only)."""
    day_first = month_first = False
    for value in values:
        m = _SLASHED.fullmatch(value)
        if m:
            day_first |= int(m.group(1)) > 12
            month_first |= int(m.group(2)) > 12
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


_YEARS = range(1900, 2200)  # dates outside are typing mistakes (and outside what pandas holds in ns)


def parse_date(text: str, slash_order: str | None) -> pd.Timestamp | str:
    """A date, or the message that says why the text is not one."""
    if m := _ISO_DATE.fullmatch(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4) is not None and (int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)) != (0, 0, 0):
            return f'"{text}" has a time of day'
    elif m := _YMD_SLASH.fullmatch(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DMY_DOT.fullmatch(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _SLASHED.fullmatch(text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a != b and a <= 12 and b <= 12 and slash_order is None:
            return f'"{text}" is ambiguous: {a} {_month(b)} or {b} {_month(a)}?'
        d, mo = (a, b) if (slash_order == "dmy" or a > 12) else (b, a)
    else:
        return f'"{text}" is not a date'
    if y not in _YEARS:
        return f'"{text}" is not a plausible date (year {y})'
    try:
        return pd.Timestamp(dt.date(y, mo, d))
    except ValueError:
        return f'"{text}" is not a date (no such day)'


def _month(number: int) -> str:
    return dt.date(2000, number, 1).strftime("%B") if 1 <= number <= 12 else str(number)


_PERIOD_YEAR = re.compile(r"(\d{4})")
_PERIOD_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_PERIOD_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", flags=re.IGNORECASE)
_PERIOD_QUARTER = re.compile(r"(\d{4})-?Q(\d)", flags=re.IGNORECASE)


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | str:
    """(first day, last day) of a period, or the message that says why the text is not one."""
    year = re.match(r"\d{4}", text)
    if year and int(year.group()) not in _YEARS and not _ISO_DATE.fullmatch(text):
        return f'"{text}" is not a plausible period (year {year.group()})'
    try:
        if m := _PERIOD_YEAR.fullmatch(text):
            year = int(m.group(1))
            return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        if m := _PERIOD_MONTH.fullmatch(text):
            start = pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
            return start, start + pd.offsets.MonthEnd(0)
        if m := _PERIOD_WEEK.fullmatch(text):
            try:
                monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                return f'"{text}" is not an ISO week (year {m.group(1)} has no week {int(m.group(2))})'
            return pd.Timestamp(monday), pd.Timestamp(monday + dt.timedelta(days=6))
        if m := _PERIOD_QUARTER.fullmatch(text):
            quarter = int(m.group(2))
            if not 1 <= quarter <= 4:
                return f'"{text}" is not a quarter (Q1 to Q4)'
            start = pd.Timestamp(int(m.group(1)), 3 * quarter - 2, 1)
            return start, start + pd.offsets.QuarterEnd(0)
    except ValueError:
        return f'"{text}" is not a period (no such month)'
    if _ISO_DATE.fullmatch(text) or _DMY_DOT.fullmatch(text) or _SLASHED.fullmatch(text):
        return (f'"{text}" is a date, not a period (a spreadsheet may have turned 2025-11 into a date: format '
                "the column as text)")  # fmt: skip
    return f'"{text}" is not a period'


def _unit_key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower().replace(".", "")).strip()


_UNIT_LOOKUP = {_unit_key(alias): unit for unit, aliases in _UNIT_ALIASES.items() for alias in aliases}


def unit_of(text: str) -> str | None:
    """The canonical name of a unit as written (``"sq. mi"`` -> ``sq_mi``), or None when unknown."""
    return _UNIT_LOOKUP.get(_unit_key(text))


def metric_units(metric: str) -> tuple[str, ...]:
    """The units a metric's value may be given in, its canonical unit first."""
    return _UNITS_OF.get(metadata()["metrics"].get(metric, {}).get("unit", "km2"), ("km2",))


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(text.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


# ----------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009 "
_NUMBER_PATTERNS = {
    "int": r"[+-]?\d+",
    "sci": r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+",
    "dot3": r"[+-]?\d{1,3}\.\d{3}",
    "comma3": r"[+-]?\d{1,3},\d{3}",
    "dot": r"[+-]?(?:\d*\.\d+|\d+\.)",
    "comma": r"[+-]?(?:\d*,\d+|\d+,)",
    "dots_comma": r"[+-]?\d{1,3}(?:\.\d{3})+,\d+",
    "commas_dot": r"[+-]?\d{1,3}(?:,\d{3})+\.\d+",
    "commas": r"[+-]?\d{1,3}(?:,\d{3}){2,}",
    "dots": r"[+-]?\d{1,3}(?:\.\d{3}){2,}",
}
_SPACE_GROUPED = rf"[+-]?\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:[.,]\d+)?"


def parse_numbers(text: pd.Series, delimiter: str) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """Numbers from trimmed text: (values, is_percent, problem kind per cell or '', decimal separator).

    The decimal separator is the one the file's unambiguous numbers use (12,5 or 1.234,5 vs 12.5 or
    1,234.5), else a comma in semicolon files and a point otherwise. 1.234 and 1,234 are read with the
    file's decimal separator when it is that character, and are ambiguous otherwise.
    """
    text = text.str.replace("\u2212", "-", regex=False)
    percent = text.str.endswith("%")
    text = text.where(~percent, text.str.slice(0, -1).str.rstrip())
    spaced = text.str.fullmatch(_SPACE_GROUPED)
    if spaced.any():
        text = text.where(~spaced, text.str.replace(f"[{_SPACES}]", "", regex=True))
    kind = {
        name: text.str.fullmatch(pattern).fillna(False).to_numpy(bool) for name, pattern in _NUMBER_PATTERNS.items()
    }
    dot_evidence = (kind["dot"] & ~kind["dot3"]) | kind["commas_dot"] | kind["commas"]
    comma_evidence = (kind["comma"] & ~kind["comma3"]) | kind["dots_comma"] | kind["dots"]
    if dot_evidence.any() != comma_evidence.any():
        decimal = "." if dot_evidence.any() else ","
    elif not dot_evidence.any():
        decimal = "," if delimiter == ";" else "."
    else:
        decimal = ""  # both kinds in one file: 1.234 and 1,234 stay ambiguous
    plain = kind["int"] | kind["sci"] | (kind["dot"] & ~kind["dot3"]) | (kind["dot3"] & (decimal == "."))
    comma_decimal = (kind["comma"] & ~kind["comma3"]) | (kind["comma3"] & (decimal == ","))
    ambiguous = (kind["dot3"] & (decimal != ".")) | (kind["comma3"] & (decimal != ","))
    normal = pd.Series(np.nan, index=text.index, dtype=object)
    normal[plain] = text[plain]
    normal[comma_decimal] = text[comma_decimal].str.replace(",", ".", regex=False)
    for name, drop, dec in (("dots_comma", ".", ","), ("commas_dot", ",", "."), ("commas", ",", ""), ("dots", ".", "")):
        mask = kind[name]
        if mask.any():
            cleaned = text[mask].str.replace(drop, "", regex=False)
            normal[mask] = cleaned.str.replace(",", ".", regex=False) if dec == "," else cleaned
    values = pd.Series(pd.array(normal, dtype="str"), index=text.index).astype(float)
    values[~np.isfinite(values.to_numpy())] = np.nan  # 1e999 and 400 digits overflow to infinity
    problem = pd.Series("", index=text.index, dtype=object)
    problem[values.isna().to_numpy() & ~ambiguous] = "not a number"
    problem[ambiguous] = "ambiguous"
    problem[(text == "").to_numpy()] = "empty"
    return values, percent, problem, decimal


def distinct(text: pd.Series, parse: Callable[[str], object]) -> tuple[np.ndarray, list[object]]:
    """``parse`` run once per distinct text: (code per row, result per distinct text)."""
    codes, uniques = pd.factorize(text)
    return codes, [parse(str(u)) for u in uniques]


def parsed_dates(text: pd.Series, order: str | None) -> tuple[pd.Series, np.ndarray]:
    """(dates, message per row: '' where fine or empty) of a column of date texts."""
    codes, results = distinct(text, lambda v: parse_date(v, order) if v else pd.NaT)
    stamps = pd.DatetimeIndex([r if isinstance(r, pd.Timestamp) else pd.NaT for r in results], dtype="datetime64[ns]")
    errors = np.array([r if isinstance(r, str) else "" for r in results], dtype=object)
    return pd.Series(stamps.take(codes), index=text.index), errors[codes]
