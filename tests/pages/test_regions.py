"""AppTest of the Regions page: per-oblast figures on a date, the change since another, bars and table."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.chart_titles import chart_titles

PAGE = "pages/regions.py"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _array(values: object) -> list:
    """A plotly JSON array, plain or typed (``{"dtype": "f8", "bdata": base64}``)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)  # type: ignore[call-overload]


def _bars(app: AppTest) -> dict[str, float]:
    bar = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    return dict(zip(_array(bar["y"]), _array(bar["x"]), strict=True))


def _title(app: AppTest) -> str:
    """The chart's title as the page shows it."""
    return chart_titles(app)[0]


def test_november_2025_per_oblast_and_its_change(app: AppTest) -> None:
    assert app.date_input(key="regions_date").value == dt.date(2026, 10, 9)  # the latest per-oblast figures
    app.date_input(key="regions_date").set_value(dt.date(2025, 11, 30))
    app.date_input(key="regions_since").set_value(dt.date(2025, 10, 31)).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value.set_index("region")
    assert len(table) == 27
    assert table.loc["UA-14", "oblast"] == "Donetsk Oblast"
    assert table.loc["UA-14", "share_pct"] == pytest.approx(76.5, abs=0.1)  # edge slivers out (76.2 % of it all)
    assert table.loc["UA-14", "change_km2"] == pytest.approx(172.6, abs=0.5)  # as geodata change computes it
    assert table["change_km2"].sum() == pytest.approx(482.9, abs=25)  # the oblasts add up to about the whole
    bars = _bars(app)
    assert bars["Donetsk Oblast (UA-14)"] == pytest.approx(table.loc["UA-14", "share_pct"])
    assert "Share held per oblast, 2025-11-30" in _title(app)


def test_bars_show_the_change_in_area(app: AppTest) -> None:
    app.date_input(key="regions_date").set_value(dt.date(2025, 11, 30))
    app.date_input(key="regions_since").set_value(dt.date(2025, 10, 31))
    app.selectbox(key="regions_bars").set_value("change in area").run()
    bars = _bars(app)
    assert max(bars, key=bars.get) == "Zaporizhzhia Oblast (UA-23)"
    assert "2025-10-31 to 2025-11-30" in _title(app)


def test_a_change_since_after_the_date_warns(app: AppTest) -> None:
    app.date_input(key="regions_since").set_value(dt.date(2026, 10, 9)).run()
    assert "should be before" in app.warning[0].value
