"""Pipelines on tiny hand-built series, and properties that hold for any series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.pipelines import (
    change_over_days,
    flows_by_period,
    latest_values,
    net_change,
    net_change_from_stocks,
    period_end_stocks,
)
from metrics.schema import validate_figures


def _series(points: dict[str, float], metric: str = "area_controlled_km2", source: str = "S", **extra: object):
    rows = [{"date": d, "metric": metric, "value": v, "source": source, "definition": "d", **extra}
            for d, v in points.items()]  # fmt: skip
    return validate_figures(pd.DataFrame(rows)).assign(batch_id=1)  # as read from the store


def _flows(spans: list[tuple[str, str, float]], source: str = "S") -> pd.DataFrame:
    rows = [{"period_start": a, "date": b, "metric": "net_change_km2", "value": v, "source": source,
             "definition": "d"} for a, b, v in spans]  # fmt: skip
    return validate_figures(pd.DataFrame(rows)).assign(batch_id=1)  # as read from the store


def test_month_end_stock_is_the_last_observation_carried_over_gaps() -> None:
    stocks = _series({"2025-01-10": 100, "2025-01-31": 110, "2025-03-15": 130, "2025-04-02": 135})
    ends = period_end_stocks(stocks, "M")
    assert ends["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    assert ends["value"].tolist() == [110, 110, 130, 135]
    assert ends["carried_forward"].tolist() == [False, True, False, False]
    assert ends["observed_date"].dt.strftime("%Y-%m-%d").tolist()[1] == "2025-01-31"
    assert ends["complete"].tolist() == [True, True, True, False]  # April ends after the last observation
    assert (ends["period_start"] == ends["date"]).all()  # a stock's period_start is its date


def test_net_change_from_stocks_is_the_change_of_month_end_stocks() -> None:
    stocks = _series({"2025-01-31": 100, "2025-02-10": 104, "2025-02-28": 108.5, "2025-03-31": 107})
    flows = net_change_from_stocks(stocks, "M")
    assert flows["value"].tolist() == [8.5, -1.5]  # January has no earlier stock: left out
    assert flows["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-01", "2025-03-01"]
    assert flows["metric"].unique().tolist() == ["net_change_km2"]
    assert flows["derived"].all()


def test_reported_flows_win_over_flows_derived_from_the_same_sources_stocks() -> None:
    stocks = _series({"2025-10-31": 1000, "2025-11-30": 1400, "2025-12-31": 1500})
    reported = _flows([("2025-11-01", "2025-11-30", 701)])
    other = _series({"2025-10-31": 50, "2025-11-30": 60}, source="T")
    monthly = net_change(pd.concat([stocks, reported, other], ignore_index=True), "M")
    s = monthly[monthly["source"] == "S"]
    s = s.set_index(s["date"].dt.strftime("%Y-%m"))
    assert s.loc["2025-11", "value"] == 701 and not s.loc["2025-11", "derived"]
    assert s.loc["2025-12", "value"] == 100 and s.loc["2025-12", "derived"]
    assert monthly[monthly["source"] == "T"]["value"].tolist() == [10]


def test_weekly_flows_sum_into_months_and_straddling_flows_are_left_out() -> None:
    weekly = _flows([("2025-11-03", "2025-11-09", 10), ("2025-11-10", "2025-11-16", 20),
                     ("2025-11-24", "2025-11-30", 5), ("2025-11-28", "2025-12-04", 99)])  # fmt: skip
    monthly = flows_by_period(weekly, "M")
    assert monthly["value"].tolist() == [35]
    assert not monthly["complete"].iloc[0]  # the weeks do not cover 1 to 30 November
    whole_month = flows_by_period(_flows([("2025-11-01", "2025-11-30", 701)]), "M")
    assert whole_month["complete"].tolist() == [True]


def test_latest_values_and_change_over_days() -> None:
    stocks = _series({"2025-10-01": 100, "2025-10-20": 120, "2025-11-01": 150, "2025-11-19": 160})
    assert latest_values(stocks)["value"].tolist() == [160]
    change = change_over_days(stocks, 30).iloc[0]
    assert change["value"] == 40  # 160 on 11-19 minus 120, the last stock on or before 10-20
    assert change["observed_date"] == pd.Timestamp("2025-10-20")
    assert change["period_start"] == pd.Timestamp("2025-10-21")
    assert change_over_days(stocks, 365).empty  # no stock that old


def test_unknown_frequency_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown frequency"):
        period_end_stocks(_series({"2025-01-01": 1}), "X")


@st.composite
def _growing_daily_stocks(draw: st.DrawFn) -> pd.DataFrame:
    days = draw(st.integers(min_value=40, max_value=200))
    steps = draw(st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), min_size=days, max_size=days))
    start = pd.Timestamp("2024-07-01") + pd.Timedelta(days=draw(st.integers(0, 60)))
    dates = pd.date_range(start, periods=days, freq="D")
    keep = draw(st.lists(st.booleans(), min_size=days, max_size=days))  # random gaps
    keep[0] = keep[-1] = True
    values = 100_000 + np.cumsum(steps)
    points = {d.strftime("%Y-%m-%d"): round(float(v), 3) for d, v, k in zip(dates, values, keep, strict=True) if k}
    return _series(points)


@settings(max_examples=40, deadline=None)
@given(_growing_daily_stocks())
def test_monthly_changes_of_growing_stocks_are_gains_that_add_up(stocks: pd.DataFrame) -> None:
    ends = period_end_stocks(stocks, "M")
    flows = net_change_from_stocks(stocks, "M")
    assert (flows["value"] >= -1e-9).all()
    assert flows["value"].sum() == pytest.approx(ends["value"].iloc[-1] - ends["value"].iloc[0], abs=1e-6)
    shares = period_end_stocks(stocks.assign(metric="share_controlled_pct", value=stocks["value"] / 6036.28), "M")
    assert shares["value"].between(0, 100).all()
