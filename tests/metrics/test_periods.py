"""The one table of frequencies and period names (metrics.periods)."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.periods import FREQUENCIES, FREQUENCY_BY_NAME, frequency, period_code, period_codes, period_name

DATES = pd.Series(pd.to_datetime(["2025-11-30", "2025-12-31"]))


@pytest.mark.parametrize(
    ("freq", "codes", "name"),
    [("D", ["2025-11-30", "2025-12-31"], "2025-11-30"), ("W", ["2025-W48", "2026-W01"], "2025-W48"),
     ("M", ["2025-11", "2025-12"], "November 2025"), ("Q", ["2025-Q4", "2025-Q4"], "2025-Q4"),
     ("Y", ["2025", "2025"], "2025")],
)  # fmt: skip
def test_codes_and_names(freq: str, codes: list[str], name: str) -> None:
    assert period_codes(DATES, freq).tolist() == codes
    assert [period_code(d, freq) for d in DATES] == codes  # the scalar and the column agree
    assert period_name(DATES.iloc[0], freq) == name


def test_the_table() -> None:
    assert list(FREQUENCIES) == ["D", "W", "M", "Q", "Y"]
    assert FREQUENCY_BY_NAME == {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
    assert frequency("M").adjective == "monthly"
    # period ends: the alias gives the last day of each period
    ends = pd.date_range("2025-01-01", "2025-12-31", freq=frequency("Q").ends)
    assert [f"{d:%m-%d}" for d in ends] == ["03-31", "06-30", "09-30", "12-31"]


def test_an_unknown_frequency_names_the_codes() -> None:
    with pytest.raises(ValueError, match="unknown frequency 'X': use one of D, W, M, Q, Y"):
        frequency("X")
