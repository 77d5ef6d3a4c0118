"""AppTest of the Report page: it offers the last complete month, builds the chosen period's report
and shows its summary and key figures."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from metrics.images import chromium_path

PAGE = "pages/report.py"


def test_the_report_of_november_2025(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    if chromium_path() is None and os.environ.get("CI") != "true":
        pytest.skip("no Chromium or Chrome")
    at = open_app(loaded_store, PAGE)
    assert at.date_input(key="report_from").value == dt.date(2026, 9, 1)  # the last complete month of the data
    assert at.date_input(key="report_to").value == dt.date(2026, 9, 30)
    assert "build the report" in at.info[0].value
    at.date_input(key="report_from").set_value(dt.date(2025, 11, 1))
    at.date_input(key="report_to").set_value(dt.date(2025, 11, 30))
    at.button(key="report_build").click().run()
    assert not at.exception, at.exception
    sentences = [m.value for m in at.markdown]
    assert any("In November 2025, per ISW (AFP analysis)" in s and "701 km²" in s for s in sentences)
    kpis = at.dataframe[0].value.set_index(["source", "definition"])
    assert kpis.loc[("DeepStateMap", "occupied"), "net_change_km2"] == pytest.approx(482.9, abs=0.1)
    assert len(at.get("plotly_chart")) == 2  # the monthly chart and the map of the period


def test_a_period_that_ends_before_it_starts_is_refused(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    at = open_app(loaded_store, PAGE)
    at.date_input(key="report_from").set_value(dt.date(2025, 12, 1))
    at.date_input(key="report_to").set_value(dt.date(2025, 11, 1)).run()
    assert "'From' is after 'To'" in at.error[0].value
