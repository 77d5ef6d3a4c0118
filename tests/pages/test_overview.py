"""AppTest of the Overview: the KPI cards show the store's latest figures, with source and date."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.ingest import import_file
from metrics.store import get_engine, read_figures


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store)


def _latest(url: str, source: str, metric: str) -> tuple[float, str]:
    figures = read_figures(get_engine(url), sources=[source], metrics=[metric], regions=[""])
    row = figures.sort_values("date").iloc[-1]
    return float(row["value"]), f"{row['date']:%Y-%m-%d}"


def _cards(at: AppTest) -> dict[str, list[str]]:
    cards: dict[str, list[str]] = {}
    for metric in at.metric:
        cards.setdefault(metric.label, []).append(metric.value)
    return cards


def test_overview_shows_each_sources_latest_figures(app: AppTest, loaded_store: str) -> None:
    area, area_date = _latest(loaded_store, "DeepStateMap", "area_controlled_km2")
    share, _ = _latest(loaded_store, "DeepStateMap", "share_controlled_pct")
    cards = _cards(app)
    assert cards["Area controlled"] == [f"{area:,.0f} km²", "—"]  # ISW publishes no area stock
    assert cards["Share of Ukraine"] == [f"{share:.2f} %", "19.30 %"]
    assert cards["Net change, last full month"][1] == "+701 km²"
    captions = " ".join(c.value for c in app.caption)
    assert f"as of {area_date}" in captions
    assert "November 2025 · as reported" in captions
    subheaders = [s.value for s in app.subheader]
    assert subheaders == ["DeepStateMap · occupied", "ISW (AFP analysis) · assessed control+claimed"]
    assert "Sources and definitions" in [h.value for h in app.header]
    sentences = [m.value for m in app.markdown if m.value.startswith("**In ")]
    assert sentences[1] == ("**In November 2025, per ISW (AFP analysis) (assessed control+claimed), Russian forces "
                            "gained 701 km²; they hold 19.30 % of Ukraine (as of 2025-11-30).**")  # fmt: skip
    assert f"they hold {share:.2f} % of Ukraine (as of {area_date})" in sentences[0]


def test_overview_follows_the_sidebar_selection(app: AppTest) -> None:
    app.multiselect(key="sources").set_value(["ISW (AFP analysis)"]).run()
    assert not app.exception
    assert [s.value for s in app.subheader] == ["ISW (AFP analysis) · assessed control+claimed"]
    assert _cards(app)["Share of Ukraine"] == ["19.30 %"]
    # ISW has no per-oblast figures: no map, and the page says why
    assert any("no map" in i.value for i in app.info)

    app.multiselect(key="sources").set_value([]).run()
    assert not app.metric
    assert "Choose at least one source" in app.info[0].value


def test_overview_draws_chart_and_oblast_map(app: AppTest) -> None:
    charts = app.get("plotly_chart")
    assert len(charts) == 2
    assert app.selectbox(key="overview_map_source").value == "DeepStateMap|occupied"


def test_the_map_draws_the_sources_polygon_once_the_store_holds_one(
    own_store: str, open_app: Callable[..., AppTest], shared_data: Callable[[str], Path]
) -> None:
    app = open_app(own_store)
    assert not _polygon_traces(app)  # shipped figures only: oblasts coloured, no polygon
    raw = shared_data("deepstate/raw_month_edges/deepstatemap_data_20260822.geojson")
    import_file(get_engine(own_store), raw, source="DeepStateMap", definition="occupied")
    app = open_app(own_store)
    (label,) = _polygon_traces(app)
    assert label == "Area held per DeepStateMap's polygon, 2026-08-21: 116,995 km²"


def _polygon_traces(app: AppTest) -> list[str]:
    figure = json.loads(app.get("plotly_chart")[1].proto.spec)
    return [t["name"] for t in figure["data"] if t.get("name", "").startswith("Area held per")]
