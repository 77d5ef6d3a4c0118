"""The Overview's share line: a long daily series is drawn from one real observation a week."""

from __future__ import annotations

import pandas as pd

from metrics.overview import MAX_DRAWN_DAILY, drawn_shares


def test_a_long_daily_share_line_is_drawn_from_one_observation_a_week() -> None:
    days = pd.date_range("2022-04-03", "2026-10-09", freq="D")  # a Sunday to a Friday
    daily = pd.DataFrame({"date": days, "source": "A", "definition": "d", "value": range(len(days))})
    short = pd.DataFrame({"date": days[:30], "source": "B", "definition": "d", "value": 1.0})
    drawn = drawn_shares(pd.concat([daily, short], ignore_index=True))
    a = drawn[drawn["source"] == "A"]
    assert len(drawn[drawn["source"] == "B"]) == 30  # a short series: every observation
    weeks = days.to_period("W-SUN").nunique()
    assert len(days) > MAX_DRAWN_DAILY and len(a) == weeks  # one a week (the ends are a week's last too)
    assert a["date"].iloc[0] == days[0] and a["date"].iloc[-1] == days[-1]
    assert (a["date"].iloc[:-1].dt.dayofweek == 6).all()  # each week's last day (Sunday), then the latest
    assert a["value"].tolist() == daily.set_index("date").loc[a["date"], "value"].tolist()  # real values


def test_the_share_line_leaves_the_marked_glitches_out(bundled_sqlite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """liveuamap's mislabelled files of 2023-12-09..11 (2.8 % and 7.2 % of Ukraine for three days, marked as
    glitches by the shipped build) are not drawn, nor in the chart's CSV; the days around them are."""
    from metrics.overview import chart_data, overview_data
    from metrics.store import get_engine, read_figures

    figures = read_figures(get_engine(bundled_sqlite(tmp_path / "t.sqlite")), regions=[""])
    data = overview_data(figures[figures["source"] == "liveuamap (via NZZ)"])
    december = data.shares[(data.shares["date"] >= "2023-12-01") & (data.shares["date"] <= "2023-12-20")]
    assert not december.empty and december["value"].min() > 13  # without Crimea 13.4 %, with it 17.8 %
    days = set(december["date"].dt.strftime("%Y-%m-%d"))
    assert {"2023-12-08", "2023-12-12"} <= days and not days & {"2023-12-09", "2023-12-10", "2023-12-11"}
    rows = chart_data(data)
    assert not rows["date"].isin(["2023-12-09", "2023-12-10", "2023-12-11"]).any()
    assert (figures["quality"] == "glitch").any()  # the marks are in the store: only the chart leaves them out
