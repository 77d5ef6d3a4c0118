"""Pipelines (metrics.pipelines) on tiny hand-built series, and properties that hold for any series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.figure_model import validate_figures
from metrics.pipelines import (
    by_period,
    change_over_days,
    flows_by_period,
    latest_values,
    net_change,
    net_change_from_stocks,
    period_end_stocks,
)


def _as_read(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Figures as ``read_figures`` returns them: validated, with a batch id."""
    return validate_figures(pd.DataFrame(rows)).assign(batch_id=1)


def _stocks(points: dict[str, float], metric: str = "area_controlled_km2", source: str = "S", **extra: object):
    return _as_read([{"date": d, "metric": metric, "value": v, "source": source, "definition": "d", **extra}
                     for d, v in points.items()])  # fmt: skip


def _flows(spans: list[tuple[str, str, float]], source: str = "S", **extra: object) -> pd.DataFrame:
    return _as_read([{"period_start": a, "date": b, "metric": "net_change_km2", "value": v, "source": source,
                      "definition": "d", **extra} for a, b, v in spans])  # fmt: skip


def _days(column: pd.Series) -> list[str]:
    return column.dt.strftime("%Y-%m-%d").tolist()


# --- period-end stocks ------------------------------------------------------------------------------


def test_month_end_stock_is_carried_forward_over_a_month_without_observation() -> None:
    stocks = _stocks({"2025-01-10": 100, "2025-01-31": 110, "2025-03-15": 130, "2025-04-02": 135})
    ends = period_end_stocks(stocks, "M")
    assert _days(ends["date"]) == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    assert ends["value"].tolist() == [110, 110, 130, 135]
    assert ends["carried_forward"].tolist() == [False, True, False, False]  # February had no observation
    assert _days(ends["observed_date"]) == ["2025-01-31", "2025-01-31", "2025-03-15", "2025-04-02"]
    assert ends["derived"].tolist() == [False, True, True, True]  # only 31 January is an observation itself
    assert (ends["period_start"] == ends["date"]).all()  # a stock's period_start is its date
    assert set(ends["source"]) == {"S"} and set(ends["definition"]) == {"d"}  # inputs' source and definition


def test_the_last_partial_month_is_incomplete() -> None:
    ends = period_end_stocks(_stocks({"2025-01-31": 100, "2025-02-10": 104}), "M")
    assert ends["complete"].tolist() == [True, False]  # February ends after the last observation
    through_the_end = period_end_stocks(_stocks({"2025-01-31": 100, "2025-02-28": 104}), "M")
    assert through_the_end["complete"].tolist() == [True, True]


def test_period_ends_of_other_frequencies() -> None:
    stocks = _stocks({"2024-02-27": 1, "2024-02-29": 2, "2024-03-04": 3})
    assert _days(period_end_stocks(stocks, "M")["date"]) == ["2024-02-29", "2024-03-31"]  # leap year
    weeks = period_end_stocks(stocks, "W")  # weeks end on Sunday
    assert _days(weeks["date"]) == ["2024-03-03", "2024-03-10"]
    assert weeks["value"].tolist() == [2, 3]
    days = period_end_stocks(stocks, "D")
    assert len(days) == 7 and days["carried_forward"].sum() == 4  # 28 Feb, 1, 2, 3 March
    assert period_end_stocks(stocks, "Q")["value"].tolist() == [3]
    with pytest.raises(ValueError, match="unknown frequency"):
        period_end_stocks(stocks, "X")


def test_each_series_gets_its_own_period_ends() -> None:
    stocks = pd.concat([
        _stocks({"2025-01-31": 100, "2025-03-31": 130}, region="UA-14"),
        _stocks({"2025-02-28": 5}, region="UA-09"),
    ], ignore_index=True)  # fmt: skip
    ends = period_end_stocks(stocks, "M").sort_values(["region", "date"])
    assert ends[["region", "value"]].values.tolist() == [["UA-09", 5], ["UA-14", 100], ["UA-14", 100], ["UA-14", 130]]


# --- flows from stocks ------------------------------------------------------------------------------


def test_net_change_from_stocks_is_the_difference_of_month_end_stocks_without_the_first_month() -> None:
    stocks = _stocks({"2025-01-15": 90, "2025-01-31": 100, "2025-02-10": 104, "2025-02-28": 108.5,
                      "2025-04-30": 107})  # fmt: skip
    ends = period_end_stocks(stocks, "M")
    flows = net_change_from_stocks(stocks, "M")
    assert flows["value"].tolist() == pytest.approx(ends["value"].diff().iloc[1:].tolist())
    assert flows["value"].tolist() == [8.5, 0, -1.5]  # March carried forward: no change
    assert _days(flows["period_start"]) == ["2025-02-01", "2025-03-01", "2025-04-01"]
    assert _days(flows["date"]) == ["2025-02-28", "2025-03-31", "2025-04-30"]
    assert flows["metric"].unique().tolist() == ["net_change_km2"]
    assert flows["derived"].all()
    assert flows["notes"].iloc[0] == "net change of period-end stocks observed on 2025-01-31 and 2025-02-28"


def test_net_change_from_stocks_uses_area_stocks_only() -> None:
    figures = pd.concat([_stocks({"2025-01-31": 100, "2025-02-28": 110}),
                         _stocks({"2025-01-31": 10, "2025-02-28": 50}, metric="share_controlled_pct")])  # fmt: skip
    assert net_change_from_stocks(figures, "M")["value"].tolist() == [10]
    assert net_change_from_stocks(_stocks({"2025-01-31": 1}, metric="share_controlled_pct"), "M").empty


# --- reported flows ---------------------------------------------------------------------------------


def test_weekly_flows_sum_into_months_and_straddling_flows_are_left_out() -> None:
    weekly = _flows([("2025-11-03", "2025-11-09", 10), ("2025-11-10", "2025-11-16", 20),
                     ("2025-11-24", "2025-11-30", 5), ("2025-11-28", "2025-12-04", 99),
                     ("2025-12-01", "2025-12-07", 7)])  # fmt: skip
    monthly = flows_by_period(weekly, "M")
    assert monthly["value"].tolist() == [35, 7]  # 99 straddles November and December: in neither
    assert _days(monthly["period_start"]) == ["2025-11-01", "2025-12-01"]
    assert _days(monthly["date"]) == ["2025-11-30", "2025-12-31"]
    assert monthly["complete"].tolist() == [False, False]  # the weeks cover neither month from end to end
    assert monthly["derived"].tolist() == [True, False]  # a sum of three reports is derived; one is not
    whole_month = flows_by_period(_flows([("2025-11-01", "2025-11-15", 300), ("2025-11-16", "2025-11-30", 401)]), "M")
    assert whole_month[["value", "complete"]].values.tolist() == [[701, True]]


def test_flows_that_all_straddle_give_no_rows() -> None:
    assert flows_by_period(_flows([("2025-11-28", "2025-12-04", 99)]), "M").empty


def test_reported_flows_take_precedence_over_derived_for_the_same_source_and_period() -> None:
    stocks = _stocks({"2025-10-31": 1000, "2025-11-30": 1400, "2025-12-31": 1500})
    reported = _flows([("2025-11-01", "2025-11-30", 701)])
    other_source = _stocks({"2025-10-31": 50, "2025-11-30": 60}, source="T")
    other_report = _flows([("2025-12-01", "2025-12-31", 9)], source="U")
    monthly = net_change(pd.concat([stocks, reported, other_source, other_report], ignore_index=True), "M")
    rows = {(r.source, f"{r.date:%Y-%m}"): (r.value, r.derived) for r in monthly.itertuples()}
    assert rows == {
        ("S", "2025-11"): (701, False),  # reported, not the 400 of its stocks
        ("S", "2025-12"): (100, True),  # no report for December: from its stocks
        ("T", "2025-11"): (10, True),  # another source: its own stocks, untouched by S's report
        ("U", "2025-12"): (9, False),  # reports only
    }
    assert monthly["date"].is_monotonic_increasing  # oldest first
    assert set(monthly["metric"]) == {"net_change_km2"}


def test_a_report_of_another_definition_does_not_replace_derived_changes() -> None:
    stocks = _stocks({"2025-10-31": 1000, "2025-11-30": 1400})
    reported = _flows([("2025-11-01", "2025-11-30", 701)], definition="claimed")
    monthly = net_change(pd.concat([stocks, reported], ignore_index=True), "M")
    assert sorted(zip(monthly["definition"], monthly["value"], strict=True)) == [("claimed", 701), ("d", 400)]


# --- latest values, change over days ----------------------------------------------------------------


def test_latest_values_are_the_last_figure_of_each_series() -> None:
    figures = pd.concat([
        _stocks({"2025-11-19": 160, "2025-10-01": 100, "2025-11-01": 150}),
        _stocks({"2025-11-20": 7, "2025-11-18": 8}, region="UA-14"),
        _stocks({"2025-11-30": 19.3}, metric="share_controlled_pct"),
    ], ignore_index=True)  # fmt: skip
    latest = latest_values(figures)
    assert len(latest) == 3
    got = {(r.region, r.metric): (f"{r.date:%Y-%m-%d}", r.value) for r in latest.itertuples()}
    assert got == {
        ("", "area_controlled_km2"): ("2025-11-19", 160),
        ("UA-14", "area_controlled_km2"): ("2025-11-20", 7),
        ("", "share_controlled_pct"): ("2025-11-30", 19.3),
    }


def test_change_over_days_is_the_last_stock_minus_the_stock_that_many_days_before() -> None:
    stocks = _stocks({"2025-10-01": 100, "2025-10-20": 120, "2025-11-01": 150, "2025-11-19": 160})
    change = change_over_days(stocks, 30)
    assert len(change) == 1
    row = change.iloc[0]
    assert row["value"] == 40  # 160 on 11-19 minus 120, the last stock on or before 10-20
    assert row["metric"] == "net_change_km2" and row["derived"]
    assert row["observed_date"] == pd.Timestamp("2025-10-20")
    assert row["period_start"] == pd.Timestamp("2025-10-21") and row["date"] == pd.Timestamp("2025-11-19")
    assert change_over_days(stocks, 49).iloc[0]["value"] == 60  # baseline 10-01 exactly
    assert change_over_days(stocks, 365).empty  # no stock that old


def test_change_over_days_of_a_share_keeps_the_metric() -> None:
    shares = _stocks({"2025-10-01": 19.0, "2025-11-01": 19.2}, metric="share_controlled_pct")
    row = change_over_days(shares, 31).iloc[0]
    assert row["metric"] == "share_controlled_pct"
    assert row["value"] == pytest.approx(0.2)


# --- properties -------------------------------------------------------------------------------------


@st.composite
def _daily_stocks(draw: st.DrawFn, *, growing: bool) -> pd.DataFrame:
    """A daily series over 40..200 days with random gaps; non-decreasing areas or any shares."""
    days = draw(st.integers(min_value=40, max_value=200))
    start = pd.Timestamp("2024-07-01") + pd.Timedelta(days=draw(st.integers(0, 90)))
    dates = pd.date_range(start, periods=days, freq="D")
    keep = draw(st.lists(st.booleans(), min_size=days, max_size=days))
    keep[0] = keep[-1] = True
    if growing:
        steps = draw(st.lists(st.floats(0, 50, allow_nan=False), min_size=days, max_size=days))
        values, metric = 100_000 + np.cumsum(steps), "area_controlled_km2"
    else:
        values = draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=days, max_size=days))
        metric = "share_controlled_pct"
    points = {d.strftime("%Y-%m-%d"): round(float(v), 3) for d, v, k in zip(dates, values, keep, strict=True) if k}
    return _stocks(points, metric=metric)


@settings(max_examples=40, deadline=None)
@given(_daily_stocks(growing=True))
def test_monthly_net_changes_of_growing_stocks_are_gains_that_add_up(stocks: pd.DataFrame) -> None:
    ends = period_end_stocks(stocks, "M")
    flows = net_change_from_stocks(stocks, "M")
    assert len(flows) == len(ends) - 1
    assert (flows["value"] >= 0).all()
    assert flows["value"].sum() == pytest.approx(ends["value"].iloc[-1] - ends["value"].iloc[0], abs=1e-6)
    # and the last month-end is the last observation, the first month-end the last one of the first month
    assert ends["value"].iloc[-1] == stocks["value"].iloc[-1]
    first_month = stocks[stocks["date"].dt.to_period("M") == stocks["date"].iloc[0].to_period("M")]
    assert ends["value"].iloc[0] == first_month["value"].iloc[-1]


@settings(max_examples=40, deadline=None)
@given(_daily_stocks(growing=False))
def test_period_end_shares_stay_within_0_and_100_and_are_the_last_observation(shares: pd.DataFrame) -> None:
    for freq in ("W", "M"):
        ends = period_end_stocks(shares, freq)
        assert ends["value"].between(0, 100).all()
        # brute force: the last observation on or before each period end
        for end, value in zip(ends["date"], ends["value"], strict=True):
            assert value == shares[shares["date"] <= end]["value"].iloc[-1]


def test_by_period_is_the_one_dispatch_from_a_metric_to_its_pipeline() -> None:
    figures = pd.concat([
        _stocks({"2025-10-31": 100.0, "2025-11-30": 160.0}),
        _stocks({"2025-11-30": 19.3}, metric="share_controlled_pct"),
        _flows([("2025-11-01", "2025-11-30", 70.0)]),
        _as_read([{"period_start": "2025-11-01", "date": "2025-11-30", "metric": "area_gained_km2", "value": 80.0,
                   "source": "S", "definition": "d"}]),
    ], ignore_index=True)  # fmt: skip
    stock = by_period(figures, "share_controlled_pct", "M")
    assert stock["value"].tolist() == [19.3] and stock["metric"].unique().tolist() == ["share_controlled_pct"]
    net = by_period(figures, "net_change_km2", "M")
    assert net["value"].tolist() == [70.0]  # the reported flow, not the 60 of the stocks
    gained = by_period(figures, "area_gained_km2", "M")
    assert gained["value"].tolist() == [80.0]
