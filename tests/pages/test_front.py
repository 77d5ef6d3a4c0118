"""AppTest of the Front line page: the front's length, settlements held, taken and lost per month, the
distance to chosen cities, the period's table and the sentences built from the same frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.chart_titles import chart_titles

PAGE = "pages/front.py"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _titles(app: AppTest) -> list[str]:
    return chart_titles(app)


def test_the_page_shows_every_chart_with_downloads_and_the_default_cities(app: AppTest) -> None:
    assert _titles(app) == ["Length of the front line", "Settlements held", "Settlements taken and lost per month",
                            "Distance from the city to the front"]  # fmt: skip
    cities = app.multiselect(key="front_cities").value
    assert {c.split(" (")[0] for c in cities} == {"Kramatorsk", "Sloviansk", "Zaporizhzhia", "Kharkiv", "Kherson",
                                                   "Sumy"}  # fmt: skip
    keys = {b.key for b in app.get("download_button")}
    for chart in ("length", "held", "monthly", "distance"):  # PNG, SVG, PDF, HTML and the data under each chart
        assert {f"dl_front_{chart}_{fmt}" for fmt in ("png", "svg", "pdf", "html", "csv")} <= keys
    assert "dl_front_changed" in keys  # and the table's CSV
    text = " ".join(m.value for m in app.markdown)
    assert "Russian forces took" in text and "closest approach" in text and "census-era" in text


def test_november_2025_names_pokrovsk_in_the_table_and_the_sentence(app: AppTest) -> None:
    app.date_input(key="front_from").set_value(dt.date(2025, 11, 1))
    app.date_input(key="front_to").set_value(dt.date(2025, 11, 30)).run()
    assert not app.exception, app.exception
    table = app.dataframe[-1].value  # the period's table comes last
    deepstate = table[table["source"] == "DeepStateMap"]
    assert "Pokrovsk" in set(deepstate["name"]) and (deepstate["change"] == "taken").sum() == 8
    sentence = next(m.value for m in app.markdown if m.value.startswith("In November 2025, per DeepStateMap"))
    assert "took 8 settlements of 500+ people" in sentence and "Pokrovsk (Donetsk Oblast" in sentence
    assert sentence.endswith("none was retaken.")


def test_a_link_reproduces_the_view(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    app = open_app(loaded_store)
    app.query_params["front_from"] = "2025-11-01"
    app.query_params["front_to"] = "2025-11-30"
    app.query_params["front_cities"] = ["Sumy (Sumy Oblast)"]
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.date_input(key="front_from").value == dt.date(2025, 11, 1)
    assert app.multiselect(key="front_cities").value == ["Sumy (Sumy Oblast)"]
    assert any(m.value.startswith("In November 2025, per DeepStateMap") for m in app.markdown)


def test_picking_a_city_and_a_backwards_period(app: AppTest) -> None:
    app.multiselect(key="front_cities").set_value(["Kramatorsk (Donetsk Oblast)"]).run()
    closest = app.dataframe[0].value  # the closest approaches, under the distance chart
    assert set(closest["city"]) == {"Kramatorsk"} and (closest["distance_km"] < 30).all()
    app.date_input(key="front_from").set_value(dt.date(2025, 12, 1))
    app.date_input(key="front_to").set_value(dt.date(2025, 11, 1)).run()
    assert not app.exception, app.exception
    assert any("'From' is after 'To'" in w.value for w in app.warning)
