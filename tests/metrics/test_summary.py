"""Summary sentences: their numbers are the charts' numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics import overview as ov
from metrics.store import get_engine, read_figures
from metrics.summary import ordinal, overview_sentences, trend_sentence
from metrics.trends import trend_series


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
                    (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinals(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    engine = get_engine(bundled_sqlite(tmp_path_factory.mktemp("summary") / "territory.sqlite"))
    return read_figures(engine, regions=[""])


def test_november_2025_sentences_carry_the_chart_values(whole: pd.DataFrame) -> None:
    series = trend_series(whole, "net_change_km2", "M", end=pd.Timestamp("2025-11-30"))
    deepstate = series[(series["source"] == "DeepStateMap") & (series["definition"] == "occupied")]
    value = float(deepstate["value"].iloc[-1])
    assert value == pytest.approx(482.9, abs=0.1)
    gains = deepstate["value"].dropna()
    rank = int((gains[gains > 0] > value).sum()) + 1
    sentence = trend_sentence(deepstate, "net_change_km2", "M", "km2")
    assert sentence == (f"In November 2025, per DeepStateMap (occupied), Russian forces gained {value:,.0f} km², "
                        f"the {ordinal(rank)} largest monthly gain since May 2022.")  # fmt: skip
    isw = series[series["source"] == "ISW (AFP analysis)"]
    assert trend_sentence(isw, "net_change_km2", "M", "km2") == (
        "In November 2025, per ISW (AFP analysis) (assessed control+claimed), Russian forces gained 701 km², "
        "the 2nd largest monthly gain since May 2024."
    )  # AFP's monthly reports of 2024-05 .. 2025-10 ship too (press_reported.csv)


def test_overview_sentences_use_the_overview_frames(whole: pd.DataFrame) -> None:
    data = ov.overview_data(whole)
    sentences = overview_sentences(data.monthly, data.shares)
    pairs = pd.concat([data.monthly, data.shares])[["source", "definition"]].drop_duplicates()
    assert len(sentences) == len(pairs)  # one per shipped series
    [deepstate] = [s for s in sentences if "per DeepStateMap (occupied)," in s]
    [isw] = [s for s in sentences if "per ISW (AFP analysis) (assessed control+claimed)," in s]
    ds_monthly = data.monthly[(data.monthly["source"] == "DeepStateMap") & (data.monthly["definition"] == "occupied")]
    last_month = ds_monthly.iloc[-1]
    ds_shares = data.shares[(data.shares["source"] == "DeepStateMap") & (data.shares["definition"] == "occupied")]
    last_share = ds_shares.sort_values("date").iloc[-1]
    assert deepstate.startswith(f"In {last_month['period_start']:%B %Y}, per DeepStateMap (occupied), Russian forces")
    assert f"{abs(last_month['value']):,.0f} km²" in deepstate
    assert f"they hold {last_share['value']:.2f} % of Ukraine (as of {last_share['date']:%Y-%m-%d})" in deepstate
    assert isw == ("In November 2025, per ISW (AFP analysis) (assessed control+claimed), Russian forces gained "
                   "701 km², the 2nd largest monthly gain since May 2024; they hold 19.30 % of Ukraine "
                   "(as of 2025-11-30).")  # fmt: skip


def test_a_loss_is_said_as_a_loss() -> None:
    rows = pd.DataFrame({
        "label": ["S (d)"] * 3, "period": ["January 2025", "February 2025", "March 2025"],
        "date": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"]), "value": [-10.0, 5.0, -40.0],
        "note": ["", "", ""], "as_of": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"]),
    })  # fmt: skip
    assert trend_sentence(rows, "net_change_km2", "M", "km2") == (
        "In March 2025, per S (d), Russian forces lost 40 km², the largest monthly loss since January 2025."
    )


def test_extremes_name_the_largest_monthly_gain_and_loss_per_series() -> None:
    from metrics.summary import extremes_sentences

    starts = pd.to_datetime(["2022-03-01", "2022-04-01", "2022-05-01", "2022-06-01"])
    monthly = pd.DataFrame({
        "period_start": list(starts) * 2, "date": list(starts + pd.offsets.MonthEnd(0)) * 2,
        "source": ["A"] * 4 + ["B"] * 4, "definition": ["held"] * 8,
        "value": [100.0, -2500.0, 1200.0, -30.0, 5.0, 7.0, 6.0, 1.0],
    })  # fmt: skip
    assert extremes_sentences(monthly) == [
        "Per A (held), since March 2022: the largest monthly gain 1,200 km² (May 2022), "
        "the largest monthly loss 2,500 km² (April 2022).",
        "Per B (held), since March 2022: the largest monthly gain 7 km² (April 2022), no monthly loss.",
    ]


def test_the_overview_table_has_one_row_per_series_with_its_age(whole: pd.DataFrame) -> None:
    import datetime as dt

    data = ov.overview_data(whole)
    table = ov.latest_table(data, dt.date(2026, 10, 19)).set_index(["source", "definition"])
    deepstate = table.loc[("DeepStateMap", "occupied")]
    assert (deepstate["as_of"], deepstate["age_days"]) == ("2026-10-09", 10)
    months = data.monthly[(data.monthly["source"] == "DeepStateMap") & (data.monthly["definition"] == "occupied")]
    assert deepstate["monthly"] == [round(v, 1) for v in months["value"]]  # the sparkline is the chart's frame
    assert deepstate["last_month_km2"] == pytest.approx(months["value"].iloc[-1])
