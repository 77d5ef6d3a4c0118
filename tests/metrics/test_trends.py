"""Trend series: periods, gaps as gaps, units, rolling means and cumulated flows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.metadata import KM2_PER_SQ_MI
from metrics.trends import trend_series


def _figures(rows: list[tuple[str, str, str, float]], source: str = "S", definition: str = "d") -> pd.DataFrame:
    """(date, period_start, metric, value) -> figure rows of one source, whole territory."""
    frame = pd.DataFrame(rows, columns=["date", "period_start", "metric", "value"])
    return frame.assign(
        date=pd.to_datetime(frame["date"]), period_start=pd.to_datetime(frame["period_start"]), territory="UKR",
        region="", actor="RU", source=source, definition=definition, source_url="", published="", notes="",
        batch_id=1, derived=False,
    )  # fmt: skip


AREAS = _figures([
    ("2025-01-31", "2025-01-31", "area_controlled_km2", 1000.0),
    ("2025-02-28", "2025-02-28", "area_controlled_km2", 1100.0),
    # no figure in March 2025: a gap
    ("2025-04-30", "2025-04-30", "area_controlled_km2", 1300.0),
    ("2025-05-31", "2025-05-31", "area_controlled_km2", 1250.0),
])  # fmt: skip


def test_a_month_without_a_figure_is_a_gap_not_a_zero_or_a_carried_value() -> None:
    series = trend_series(AREAS, "area_controlled_km2", "M")
    assert series["period"].tolist() == ["January 2025", "February 2025", "March 2025", "April 2025", "May 2025"]
    values = series["value"].tolist()
    assert values[:2] == [1000.0, 1100.0] and math.isnan(values[2]) and values[3:] == [1300.0, 1250.0]


def test_net_change_from_stocks_leaves_the_gap_months_out_and_keeps_signs() -> None:
    series = trend_series(AREAS, "net_change_km2", "M")
    by_period = dict(zip(series["period"], series["value"], strict=True))
    assert by_period["February 2025"] == 100.0
    assert by_period["May 2025"] == -50.0  # a loss stays negative


def test_square_miles_convert_areas_but_not_shares() -> None:
    series = trend_series(AREAS, "area_controlled_km2", "M", unit="sq_mi")
    assert series["value"].iloc[0] == pytest.approx(1000.0 / KM2_PER_SQ_MI)
    shares = _figures([("2025-01-31", "2025-01-31", "share_controlled_pct", 19.3)])
    assert trend_series(shares, "share_controlled_pct", "M", unit="sq_mi")["value"].tolist() == [19.3]


def test_rolling_mean_needs_every_period_of_its_window() -> None:
    flows = _figures([(f"2025-{m:02d}-{d}", f"2025-{m:02d}-01", "net_change_km2", v)
                      for m, d, v in ((1, 31, 10.0), (2, 28, 20.0), (3, 31, 30.0), (4, 30, 60.0))])  # fmt: skip
    series = trend_series(flows, "net_change_km2", "M", rolling=2)
    values = series["value"].tolist()
    assert math.isnan(values[0]) and values[1:] == [15.0, 25.0, 45.0]
    assert series["note"].iloc[-1] == "mean of the last 2 periods"


def test_cumulative_flows_sum_from_the_first_period_shown() -> None:
    flows = _figures([(f"2025-{m:02d}-{d}", f"2025-{m:02d}-01", "net_change_km2", v)
                      for m, d, v in ((1, 31, 10.0), (2, 28, -5.0), (3, 31, 30.0))])  # fmt: skip
    series = trend_series(flows, "net_change_km2", "M", cumulative=True, start=pd.Timestamp("2025-02-01"))
    assert series["value"].tolist() == [-5.0, 25.0]


def test_weeks_quarters_and_years_are_named_and_stocks_are_the_last_figure() -> None:
    quarters = trend_series(AREAS, "area_controlled_km2", "Q")
    assert quarters["period"].tolist() == ["2025-Q1", "2025-Q2"]
    assert quarters["value"].tolist() == [1100.0, 1250.0]
    assert quarters["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-28", "2025-05-31"]
    assert trend_series(AREAS, "area_controlled_km2", "Y")["period"].tolist() == ["2025"]
    assert trend_series(AREAS, "area_controlled_km2", "W")["period"].iloc[0] == "2025-W05"


def test_bad_frequency_and_unit_are_refused() -> None:
    with pytest.raises(ValueError, match="frequency"):
        trend_series(AREAS, "area_controlled_km2", "X")
    with pytest.raises(ValueError, match="unit"):
        trend_series(AREAS, "area_controlled_km2", "M", unit="acres")


def test_range_presets_count_back_from_the_latest_figure() -> None:
    import datetime as dt

    from metrics.trends import preset_range

    first, last = dt.date(2022, 2, 24), dt.date(2026, 10, 9)
    assert preset_range("whole war", first, last) == (first, last)
    assert preset_range("last 12 months", first, last) == (dt.date(2025, 10, 10), last)
    assert preset_range("last 90 days", first, last) == (dt.date(2026, 7, 12), last)
    assert preset_range("last 90 days", dt.date(2026, 9, 1), last) == (dt.date(2026, 9, 1), last)  # not before first
    with pytest.raises(ValueError, match="unknown range 'forever'"):
        preset_range("forever", first, last)
