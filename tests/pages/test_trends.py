"""AppTest of the Trends page: the controls change the series, chart, table and sentence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from metrics.store import get_engine, read_figures
from tests.pages.chart_titles import chart_titles

PAGE = "pages/trends.py"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _table(app: AppTest):  # type: ignore[no-untyped-def]
    return app.dataframe[0].value


def _title(app: AppTest) -> str:
    return chart_titles(app)[0]


def test_monthly_net_change_of_november_2025(app: AppTest) -> None:
    app.selectbox(key="trends_metric").set_value("net_change_km2")
    app.date_input(key="trends_to").set_value(dt.date(2025, 11, 30)).run()
    assert not app.exception, app.exception
    table = _table(app)
    november = table[table["period"] == "November 2025"].set_index("label")["value"]
    assert november["ISW (AFP analysis) (assessed control+claimed)"] == 701
    assert november["DeepStateMap (occupied)"] == pytest.approx(482.9, abs=0.1)
    sentences = [m.value for m in app.markdown]
    assert any("In November 2025, per DeepStateMap (occupied), Russian forces gained 483 km²" in s for s in sentences)
    assert _title(app).startswith("Net change in area controlled, Ukraine, per month")


def test_region_unit_frequency_and_cumulative(app: AppTest, loaded_store: str) -> None:
    donetsk = read_figures(
        get_engine(loaded_store), regions=["UA-14"], metrics=["area_controlled_km2"], sources=["DeepStateMap"]
    )
    latest_km2, latest_day = donetsk.sort_values("date")[["value", "date"]].iloc[-1]
    app.selectbox(key="trends_region").set_value("Donetsk Oblast (UA-14)")
    app.selectbox(key="trends_freq").set_value("quarter")
    app.radio(key="trends_unit").set_value("sq mi").run()
    table = _table(app)
    # ISW has no per-oblast figures; liveuamap has them at month ends
    liveuamap = "liveuamap (via NZZ) (held at window end, without Crimea)"
    assert set(table["label"]) == {"DeepStateMap (occupied)", liveuamap}
    table = table[table["label"] == "DeepStateMap (occupied)"]
    assert table["period"].iloc[-1] == f"{latest_day.year}-Q{(latest_day.month - 1) // 3 + 1}"  # 2026-10-09: Q4
    assert table["value"].iloc[-1] == pytest.approx(latest_km2 / 2.589988110336)  # the latest figure, in sq mi
    assert "Donetsk Oblast (UA-14), per quarter" in _title(app)

    app.selectbox(key="trends_metric").set_value("net_change_km2")
    app.selectbox(key="trends_freq").set_value("month")
    app.radio(key="trends_unit").set_value("km²").run()

    def deepstate(table):  # type: ignore[no-untyped-def]
        return table[table["label"] == "DeepStateMap (occupied)"]["value"].dropna()

    monthly = deepstate(_table(app))
    app.toggle(key="trends_cumulative").set_value(True).run()
    cumulated = deepstate(_table(app))
    assert cumulated.iloc[-1] == pytest.approx(monthly.sum())
    assert "cumulated" in _title(app)
    assert any(m.value.startswith("**From ") and "in all" in m.value for m in app.markdown)


def test_opens_on_the_whole_war_with_presets_and_breaks_drawn(app: AppTest) -> None:
    assert app.segmented_control(key="trends_range").value == "whole war"
    table = _table(app)
    assert table["date"].min() <= dt.datetime(2022, 4, 30)  # DeepStateMap from April 2022, not July 2024
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    [marks] = [t for t in spec["data"] if t.get("name", "").startswith("Series break")]
    reasons = {d: c for d, c in zip(marks["x"], marks["customdata"], strict=True)}
    assert any(d.startswith("2024-03-14") and "liveuamap" in c[0] and "-16,619 km2" in c[1] for d, c in reasons.items())
    assert any(d.startswith("2022-09-18") and "DeepStateMap" in c[0] for d, c in reasons.items())

    app.segmented_control(key="trends_range").set_value("last 90 days").run()
    assert not app.exception, app.exception
    table = _table(app)
    assert app.date_input(key="trends_from").value == dt.date(2026, 7, 12)  # 90 days up to 2026-10-09
    assert table["date"].min() >= dt.datetime(2026, 7, 12)  # the periods ending in the range
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert not [t for t in spec["data"] if t.get("name", "").startswith("Series break")]  # none in range


def test_a_link_with_dates_opens_the_custom_range(loaded_store: str, open_app) -> None:  # type: ignore[no-untyped-def]
    at = open_app(loaded_store)
    at.query_params["trends_from"] = "2025-01-01"
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="trends_range").value == "custom"
    assert _table(at)["date"].min() >= dt.datetime(2025, 1, 1)


def test_the_range_is_in_the_url(loaded_store: str, open_app) -> None:  # type: ignore[no-untyped-def]
    at = open_app(loaded_store)
    at.query_params["trends_range"] = "last 12 months"
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="trends_range").value == "last 12 months"
    assert at.date_input(key="trends_from").value == dt.date(2025, 10, 10)
