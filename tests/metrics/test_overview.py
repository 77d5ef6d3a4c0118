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
