"""AppTest of the Trends page: the controls change the series, chart, table and sentence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from metrics.store import get_engine, read_figures

PAGE = "pages/trends.py"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _table(app: AppTest):  # type: ignore[no-untyped-def]
    return app.dataframe[0].value


def _title(app: AppTest) -> str:
    return json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].replace("<br> ", " ")


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
    donetsk = read_figures(get_engine(loaded_store), regions=["UA-14"], metrics=["area_controlled_km2"])
    latest_km2 = float(donetsk.sort_values("date")["value"].iloc[-1])
    app.selectbox(key="trends_region").set_value("Donetsk Oblast (UA-14)")
    app.selectbox(key="trends_freq").set_value("quarter")
    app.radio(key="trends_unit").set_value("sq mi").run()
    table = _table(app)
    assert set(table["label"]) == {"DeepStateMap (occupied)"}  # ISW has no per-oblast figures
    assert table["period"].iloc[-1] == "2026-Q3"
    assert table["value"].iloc[-1] == pytest.approx(latest_km2 / 2.589988110336)  # the latest figure, in sq mi
    assert "Donetsk Oblast (UA-14), per quarter" in _title(app)

    app.selectbox(key="trends_metric").set_value("net_change_km2")
    app.selectbox(key="trends_freq").set_value("month")
    app.radio(key="trends_unit").set_value("km²").run()
    monthly = _table(app)["value"].dropna()
    app.toggle(key="trends_cumulative").set_value(True).run()
    cumulated = _table(app)["value"].dropna()
    assert cumulated.iloc[-1] == pytest.approx(monthly.sum())
    assert "cumulated" in _title(app)
    assert any(m.value.startswith("**From ") and "in all" in m.value for m in app.markdown)
