"""AppTest of the Sources page: the metric per period from each source side by side (table and chart with
the spread band and the event markers), the consistency checks with their differences, and the controls
(metric, frequency, dates, the sidebar's sources) changing what is shown."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.store import get_engine, list_batches, set_batch_status
from tests.pages.chart_titles import chart_titles

PAGE = "pages/sources.py"
ISW = "ISW (AFP analysis) · assessed control+claimed"
DSM = "DeepStateMap · occupied"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _table(at: AppTest) -> pd.DataFrame:
    """The comparison table (the page's first table), by period."""
    return at.dataframe[0].value.set_index("period")


def _checks(at: AppTest, first_column: str) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if d.value.columns[0] == "source" and first_column in d.value]
    return table


def _chart(at: AppTest) -> dict:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)


def _traces(at: AppTest) -> dict[str, dict]:
    # a long name is wrapped for the legend ("<br> "): looked up as one line
    return {trace["name"].replace("<br> ", " "): trace for trace in _chart(at)["data"]}


def _numbers(values: object) -> list[float]:
    """A trace's numbers from the chart's JSON (plotly sends arrays as base64 typed arrays)."""
    if isinstance(values, dict):
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return [round(float(v), 3) for v in values]


def _events(at: AppTest) -> dict | None:
    """The chart's trace of event markers ("Events (hover the ▼ markers)"), or None."""
    return next((t for name, t in _traces(at).items() if name.startswith("Events")), None)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


LAYERS = "ISW (map layers) · assessed control+advances+claimed"


def _two_sources(at: AppTest) -> AppTest:
    """The sidebar narrowed to DeepStateMap's polygons and AFP's ISW figures (the pair of issue 6)."""
    at.multiselect(key="sources").set_value(["DeepStateMap", "ISW (AFP analysis)"])
    at.multiselect(key="definitions").set_value(["occupied", "assessed control+claimed"])
    return _run(at)


def test_default_view_is_the_monthly_net_change_side_by_side(app: AppTest) -> None:
    assert app.selectbox(key="sources_metric").value == "net_change_km2"
    assert app.button_group(key="sources_freq").value == "M"
    assert app.segmented_control(key="sources_range").value == "whole war"
    table = _table(app)
    assert {DSM, ISW, LAYERS, "spread"} <= set(table.columns)
    assert table.index[-1] == "2022-03"  # the whole war: the Economist and liveuamap from February 2022
    november = table.loc["2025-11"]
    assert november[ISW] == 701
    assert round(november[DSM], 1) == 482.9
    assert round(november[LAYERS], 1) == 697.6  # AFP's count, within 3.4 km2 of the map layers'

    traces = _traces(app)
    assert {"Spread between the series", DSM, ISW} <= set(traces)
    assert traces["Spread between the series"]["type"] == "bar"
    assert any("capture of Pokrovsk" in c[0] for c in _events(app)["customdata"])
    assert "Series break (hover the ✕)" in traces  # liveuamap's and DeepStateMap's breaks, drawn
    flows = _checks(app, "reported_km2").set_index("stocks_from")
    assert round(flows.loc[DSM, "stock_change_km2"].max(), 1) >= 482.9


def test_the_controls_change_what_is_shown(app: AppTest) -> None:
    _two_sources(app)
    app.selectbox(key="sources_metric").set_value("share_controlled_pct")
    _run(app)
    table = _table(app)
    assert table.loc["2025-11", ISW] == 19.3
    assert round(table.loc["2025-11", DSM], 2) == 19.17
    assert table.loc["2025-11", "spread"] == pytest.approx(0.127, abs=0.001)
    (title,) = chart_titles(app)
    assert title == "Share of territory controlled at the end of each month"
    assert "Per month, newest first" in [s.value for s in app.subheader]

    app.button_group(key="sources_freq").set_value("Q")
    _run(app)
    table = _table(app)
    assert table.loc["2025-Q4", ISW] == 19.3  # its share on 2025-11-30
    assert round(table.loc["2025-Q4", DSM], 3) == 19.253  # on 2025-12-31
    assert "Per quarter, newest first" in [s.value for s in app.subheader]

    app.selectbox(key="sources_metric").set_value("net_change_km2")
    app.button_group(key="sources_freq").set_value("M")
    app.date_input(key="sources_from").set_value(dt.date(2025, 11, 1))
    app.date_input(key="sources_to").set_value(dt.date(2025, 12, 31))
    _run(app)
    assert _table(app).index.tolist() == ["2025-12", "2025-11"]
    assert _events(app)["x"]

    app.date_input(key="sources_from").set_value(dt.date(2026, 7, 1))
    app.date_input(key="sources_to").set_value(dt.date(2026, 6, 30))
    _run(app)
    assert "is after 'To'" in app.error[0].value
    assert not app.get("plotly_chart")


def test_the_sidebar_selection_applies(app: AppTest) -> None:
    app.multiselect(key="sources").set_value(["ISW (AFP analysis)"])
    _run(app)
    table = _table(app)
    assert [c for c in table.columns if c != "spread"] == [ISW]
    assert table.loc["2025-11", ISW] == 701
    assert "2024-05" in table.index  # AFP's monthly figures as the press reported them
    assert "Spread between the series" not in _traces(app)

    app.multiselect(key="sources").set_value([])
    _run(app)
    assert "Choose at least one source" in app.info[0].value
    assert not app.dataframe


def test_retracted_events_leave_the_chart(own_store: str, open_app: Callable[..., AppTest]) -> None:
    engine = get_engine(own_store)
    batches = list_batches(engine)
    events = batches.loc[batches["filename"].str.startswith("bundled:events_"), "id"].tolist()
    assert len(events) == 2  # the turning points of the war and December 2025's
    for batch in events:
        set_batch_status(engine, int(batch), "retracted")
    at = open_app(own_store, PAGE)
    assert _events(at) is None
    assert not [s for s in _chart(at)["layout"].get("shapes", []) if s["line"]["dash"] == "dot"]
    set_batch_status(engine, int(events[0]), "active")
    assert _events(_run(at)) is not None


def test_published_beside_computed_and_the_marked_figures(app: AppTest) -> None:
    assert not app.exception, app.exception
    labels = [e.label for e in app.expander]
    [afp] = [label for label in labels if label.startswith("ISW (AFP analysis) · assessed control+claimed beside ")]
    assert "ISW (map layers) · assessed control+advances+claimed" in afp
    assert any(label.startswith("The Economist") and "(+3.3" in label for label in labels)
    [marks] = [s.value for s in app.subheader if s.value.startswith("Glitches and series breaks")]
    assert marks == "Glitches and series breaks (34)"
    assert app.segmented_control(key="sources_range").value == "whole war"
