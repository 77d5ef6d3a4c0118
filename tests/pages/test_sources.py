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
    return {trace["name"]: trace for trace in _chart(at)["data"]}


def _numbers(values: object) -> list[float]:
    """A trace's numbers from the chart's JSON (plotly sends arrays as base64 typed arrays)."""
    if isinstance(values, dict):
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return [round(float(v), 3) for v in values]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def test_default_view_is_the_monthly_net_change_side_by_side(app: AppTest) -> None:
    assert app.selectbox(key="sources_metric").value == "net_change_km2"
    assert app.button_group(key="sources_freq").value == "M"
    table = _table(app)
    assert table.columns.tolist() == [DSM, ISW, "spread"]
    assert table.index[0] == "2026-07"  # newest first; August 2026 is not a whole month yet
    november = table.loc["2025-11"]
    assert november[ISW] == 701
    assert round(november[DSM], 1) == 482.9
    assert round(november["spread"], 1) == 218.1
    assert pd.isna(table.loc["2025-10", ISW]) and pd.isna(table.loc["2025-10", "spread"])

    traces = _traces(app)
    assert list(traces) == ["Spread between the series", DSM, ISW, "Events"]
    band = traces["Spread between the series"]
    assert band["type"] == "bar"
    assert _numbers(band["base"]) == [482.905] and _numbers(band["y"]) == [218.095]
    assert [x[:10] for x in traces["Events"]["x"]] == ["2025-12-01", "2025-12-02"]
    assert "capture of Pokrovsk" in traces["Events"]["customdata"][0][0]
    layout = _chart(app)["layout"]
    assert len([s for s in layout["shapes"] if s["line"]["dash"] == "dot"]) == 2
    labels = [a["text"] for a in layout["annotations"]]
    assert "Pokrovsk capture claimed" in labels and "Witkoff and Kushner meet Putin" in labels

    flows = _checks(app, "reported_km2").set_index("stocks_from")
    assert flows.loc["", "verdict"] == "cannot check: ISW (AFP analysis) reports no area stock"
    assert round(flows.loc[DSM, "stock_change_km2"], 1) == 482.9
    assert round(flows.loc[DSM, "difference_km2"], 1) == 218.1
    warnings = " ".join(w.value for w in app.warning)
    assert (
        "cannot check its reported net change of +701 km² over 2025-11: ISW (AFP analysis) reports no area stock"
        in (warnings)
    )
    assert "DeepStateMap · occupied: +482.9 km² (+218.1 km²)" in warnings
    assert "cannot check its share of 19.30 % on 2025-11-30" in warnings
    shares = _checks(app, "reported_pct")
    dsm = shares[(shares["source"] == "DeepStateMap") & (shares["area_from"] == DSM)]
    assert len(dsm) == 26  # the last share of each month, July 2024 to August 2026
    assert (dsm["verdict"] == "matches area / 603,628 km² (official)").all()
    assert any("26 shares checked, all match" in s.value for s in app.success)
    assert app.expander[0].label == "Events on the chart (2)"


def test_the_controls_change_what_is_shown(app: AppTest) -> None:
    app.selectbox(key="sources_metric").set_value("share_controlled_pct")
    _run(app)
    table = _table(app)
    assert table.loc["2025-11", ISW] == 19.3
    assert round(table.loc["2025-11", DSM], 2) == 19.17
    assert table.loc["2025-11", "spread"] == pytest.approx(0.127)
    title = _chart(app)["layout"]["title"]["text"].replace("<br> ", " ").replace("<br>", " ")
    assert title == "Share of territory controlled at the end of each month"
    assert "Per month, newest first" in [s.value for s in app.subheader]

    app.button_group(key="sources_freq").set_value("Q")
    _run(app)
    table = _table(app)
    assert table.index.tolist()[:4] == ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4"]
    assert table.loc["2025-Q4", ISW] == 19.3  # its only share, on 2025-11-30
    assert round(table.loc["2025-Q4", DSM], 3) == 19.253  # on 2025-12-31
    assert "Per quarter, newest first" in [s.value for s in app.subheader]
    assert len(_checks(app, "reported_pct").query("source == 'DeepStateMap'")) == 9  # one share per quarter

    app.selectbox(key="sources_metric").set_value("net_change_km2")
    app.button_group(key="sources_freq").set_value("M")
    app.date_input(key="sources_from").set_value(dt.date(2025, 11, 1))
    app.date_input(key="sources_to").set_value(dt.date(2025, 12, 31))
    _run(app)
    table = _table(app)
    assert table.index.tolist() == ["2025-12", "2025-11"]
    assert _traces(app)["Events"]["x"]

    app.date_input(key="sources_from").set_value(dt.date(2026, 1, 1))
    app.date_input(key="sources_to").set_value(dt.date(2026, 6, 30))
    _run(app)
    assert _table(app).columns.tolist() == [DSM, "spread"]  # ISW has nothing in 2026
    assert list(_traces(app)) == [DSM]  # one series: no band; no event in the range: no markers
    assert app.expander[0].label == "Events on the chart (0)"
    assert any("None of the chosen sources reports a net change" in i.value for i in app.info)

    app.date_input(key="sources_from").set_value(dt.date(2026, 7, 1))
    app.date_input(key="sources_to").set_value(dt.date(2026, 6, 30))
    _run(app)
    assert "is after 'To'" in app.error[0].value
    assert not app.get("plotly_chart")


def test_the_sidebar_selection_applies(app: AppTest) -> None:
    app.multiselect(key="sources").set_value(["ISW (AFP analysis)"])
    _run(app)
    table = _table(app)
    assert table.columns.tolist() == [ISW, "spread"]
    assert table.index.tolist() == ["2025-11"]
    assert "Spread between the series" not in _traces(app)
    flows = _checks(app, "reported_km2")
    assert flows["verdict"].tolist() == ["cannot check: ISW (AFP analysis) reports no area stock"]  # nothing beside

    app.multiselect(key="sources").set_value([])
    _run(app)
    assert "Choose at least one source" in app.info[0].value
    assert not app.dataframe


def test_retracted_events_leave_the_chart(own_store: str, open_app: Callable[..., AppTest]) -> None:
    batches = list_batches(get_engine(own_store))
    (events_batch,) = batches.loc[batches["filename"] == "bundled:events_2025-12.csv", "id"]
    set_batch_status(get_engine(own_store), int(events_batch), "retracted")
    at = open_app(own_store, PAGE)
    assert "Events" not in _traces(at)
    assert not [s for s in _chart(at)["layout"].get("shapes", []) if s["line"]["dash"] == "dot"]
    set_batch_status(get_engine(own_store), int(events_batch), "active")
    assert "Events" in _traces(_run(at))



def test_published_beside_computed_and_the_marked_figures(app: AppTest) -> None:
    assert not app.exception, app.exception
    labels = [e.label for e in app.expander]
    [afp] = [label for label in labels if label.startswith("ISW (AFP analysis) · assessed control+claimed beside ")]
    assert "ISW (map layers) · assessed control+advances+claimed" in afp
    assert any(label.startswith("The Economist") and "(+3.3" in label for label in labels)
    [marks] = [s.value for s in app.subheader if s.value.startswith("Glitches and series breaks")]
    assert marks == "Glitches and series breaks (34)"
    assert app.segmented_control(key="sources_range").value == "whole war"
