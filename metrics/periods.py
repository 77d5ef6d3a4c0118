"""The frequencies of periods and how a period is named: one table for the pipelines, the charts, the
sentences, the pages and the CLI.

A frequency has a code (``D``, ``W``, ``M``, ``Q``, ``Y``: the CLI's ``--freq`` and the pipelines'
argument), a name (``month``: the pages' choice and its word in a sentence, "per month"), an adjective
(``monthly``), the pandas period it groups by (weeks end on Sunday, ISO 8601) and the pandas alias of
its period ends (``ME``).

A period is named two ways, each for its reader:

- its code (``period_code``), the form the CSV's ``period`` column takes and a table sorts by:
  2025-11-30, 2025-W48, 2025-11, 2025-Q4, 2025;
- its name in prose (``period_name``), where only months differ: November 2025.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "FREQUENCIES",
    "FREQUENCY_BY_NAME",
    "FREQUENCY_NAMES",
    "Frequency",
    "frequency",
    "period_code",
    "period_codes",
    "period_first_days",
    "period_name",
]


@dataclass(frozen=True)
class Frequency:
    code: str  # "M"
    name: str  # "month"
    adjective: str  # "monthly"
    period: str  # pandas period frequency ("W-SUN": ISO weeks end on Sunday)
    ends: str  # pandas alias of the period ends (pd.date_range)


#: Code -> frequency, shortest first.
FREQUENCIES: dict[str, Frequency] = {
    f.code: f
    for f in (
        Frequency("D", "day", "daily", "D", "D"),
        Frequency("W", "week", "weekly", "W-SUN", "W-SUN"),
        Frequency("M", "month", "monthly", "M", "ME"),
        Frequency("Q", "quarter", "quarterly", "Q", "QE"),
        Frequency("Y", "year", "yearly", "Y", "YE"),
    )
}
#: Code -> its name in a sentence ("per month").
FREQUENCY_NAMES: dict[str, str] = {code: f.name for code, f in FREQUENCIES.items()}
#: Name -> code (the pages offer the names: a link carries "month", not "M").
FREQUENCY_BY_NAME: dict[str, str] = {f.name: code for code, f in FREQUENCIES.items()}


def frequency(code: str) -> Frequency:
    """The frequency of ``code``; ValueError naming the codes for anything else."""
    if code not in FREQUENCIES:
        raise ValueError(f"unknown frequency {code!r}: use one of {', '.join(FREQUENCIES)}")
    return FREQUENCIES[code]


def period_code(date: pd.Timestamp, freq: str) -> str:
    """The code of the period ending on ``date``: 2025-11-30, 2025-W48, 2025-11, 2025-Q4, 2025."""
    code = frequency(freq).code
    if code == "D":
        return f"{date:%Y-%m-%d}"
    if code == "W":
        year, week, _ = date.isocalendar()
        return f"{year}-W{week:02d}"
    if code == "M":
        return f"{date:%Y-%m}"
    if code == "Q":
        return f"{date.year}-Q{date.quarter}"
    return f"{date.year}"


def period_name(date: pd.Timestamp, freq: str) -> str:
    """The period ending on ``date`` in prose: its code, except months, which are spelled (November 2025)."""
    return f"{date:%B %Y}" if frequency(freq).code == "M" else period_code(date, freq)


def period_codes(dates: pd.Series, freq: str) -> pd.Series:
    """``period_code`` of each period-end date (a Series of datetimes), same index."""
    code = frequency(freq).code
    if dates.empty:
        return pd.Series(dtype="str", index=dates.index)
    if code == "D":
        return dates.dt.strftime("%Y-%m-%d")
    if code == "W":
        iso = dates.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    if code == "M":
        return dates.dt.strftime("%Y-%m")
    if code == "Q":
        return dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)
    return dates.dt.year.astype(str)


def period_first_days(dates: pd.Series, freq: str) -> pd.Series:
    """The first day of the period of ``freq`` that holds each date."""
    return dates.dt.to_period(frequency(freq).period).dt.start_time.dt.normalize()
