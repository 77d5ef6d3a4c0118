"""AppTest of the Overview: the KPI cards show the store's latest figures, with source and date."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geodata.ingest import import_file
from metrics.latest_markdown import COLUMNS
from metrics.store import get_engine, read_figures
from pages.in_view import seen_key


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store)


def _plain(markdown: str) -> str:
    """Markdown as the reader sees it: stored text reaches Markdown escaped (metrics.display.markdown_text)."""
    return markdown.replace("\\", "").replace("\u2060", "")


def _latest(url: str, source: str, metric: str) -> tuple[float, str]:
    figures = read_figures(get_engine(url), sources=[source], metrics=[metric], regions=[""])
    row = figures.sort_values("date").iloc[-1]
    return float(row["value"]), f"{row['date']:%Y-%m-%d}"


def _tables(at: AppTest) -> list[str]:
    """The Markdown of the table of the latest figures (metrics.latest_markdown), if drawn."""
    return [m.value for m in at.markdown if m.value.startswith("| " + " | ".join(COLUMNS) + " |")]


def _table(at: AppTest) -> pd.DataFrame:
    """The table of the latest figures as the reader reads it: one row per series, its cells' text."""
    [markdown] = _tables(at)
    rows = [[_plain(cell.strip()) for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in markdown.splitlines()[2:]]
    return pd.DataFrame(rows, columns=list(COLUMNS)).set_index(["source", "definition"])


def test_overview_shows_each_sources_latest_figures_in_one_table(app: AppTest, loaded_store: str) -> None:
    area, area_date = _latest(loaded_store, "DeepStateMap", "area_controlled_km2")
    share, _ = _latest(loaded_store, "DeepStateMap", "share_controlled_pct")
    table = _table(app)
    assert len(table) == 9  # every shipped series, one row each
    deepstate = table.loc[("DeepStateMap", "occupied")]
    assert deepstate["area, km²"] == f"{area:,.0f}"
    assert deepstate["share"] == f"{share:.2f}\u00a0%"
    assert deepstate["as of"] == area_date.replace("-", "\u2011")  # a date that does not wrap
    assert deepstate["age, days"] == str((dt.date.today() - dt.date.fromisoformat(area_date)).days)  # freshness
    sparkline = re.fullmatch(r"!\[(\d+) months\]\(data:image/svg\+xml;base64,[A-Za-z0-9+/=]+\)", deepstate.iloc[-1])
    assert sparkline and int(sparkline[1]) >= 50  # every complete month since May 2022, nothing fetched
    afp = table.loc[("ISW (AFP analysis)", "assessed control+claimed")]
    assert afp["area, km²"] == f"{_latest(loaded_store, 'ISW (AFP analysis)', 'area_controlled_km2')[0]:,.0f}"
    assert table.loc[("DeepStateMap", "occupied (monthly report)"), "area, km²"] == "–"  # shares only
    assert afp["share"] == "19.30\u00a0%"
    assert afp["month, km²"] == "+701"
    captions = _plain(" ".join(c.value for c in app.caption))
    assert "ISW (AFP analysis) (assessed control+claimed): November 2025" in captions
    assert "python -m geodata sync deepstate" in captions
    [words] = [_plain(m.value) for m in app.markdown if m.value.startswith("**In ")]  # one element
    sentences = words.split("\n\n")
    assert ("**In November 2025, per ISW (AFP analysis) (assessed control+claimed), Russian forces gained 701 km², "
            "the 2nd largest monthly gain since May 2024; they hold 19.30 % of Ukraine (as of 2025-11-30).**"
            ) in sentences  # fmt: skip
    assert any(f"they hold {share:.2f} % of Ukraine (as of {area_date})" in s for s in sentences)
    [extremes] = [_plain(m.value) for m in app.markdown if m.value.startswith("- Per ")]
    assert "- Per ISW (AFP analysis) (assessed control+claimed), since May 2024: the largest monthly gain" in extremes
    assert "Sources and definitions" in [h.value for h in app.header]


def test_overview_follows_the_sidebar_selection(app: AppTest) -> None:
    app.multiselect(key="sources").set_value(["ISW (AFP analysis)"]).run()
    assert not app.exception
    assert list(_table(app).index) == [("ISW (AFP analysis)", "assessed control+claimed")]
    # ISW has no per-oblast figures: no map, and the page says why
    assert any("no map" in i.value for i in app.info)

    app.multiselect(key="sources").set_value([]).run()
    assert not _tables(app)
    assert "Choose at least one source" in app.info[0].value


def test_the_overview_chart_range_presets(app: AppTest) -> None:
    def first_bar(at: AppTest) -> str:
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return min(x for t in spec["data"] if t["type"] == "bar" for x in t["x"])

    assert app.segmented_control(key="overview_range").value == "whole war"
    assert first_bar(app) < "2022-05"  # the war's first months
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert any((t.get("name") or "").startswith("Series break") for t in spec["data"])
    app.segmented_control(key="overview_range").set_value("last 12 months").run()
    assert not app.exception, app.exception
    assert first_bar(app) >= "2025-10"


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


def test_below_the_fold_the_chart_and_map_wait_for_the_reader(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    """Before the reader scrolls to them, the chart and the map are boxes (pages.in_view) and their
    downloads are not there; the session flag their boxes' callback sets draws both."""
    at = open_app(loaded_store, scrolled=False)
    assert not at.get("plotly_chart")
    assert [box.key for box in at.get("bidi_component")] == ["overview_chart_in_view", "overview_map_in_view"]
    assert not at.get("download_button")
    assert _tables(at), "the table above the fold is drawn at once"
    at.session_state[seen_key("overview_chart")] = True  # what the box's callback does
    at.run()
    assert len(at.get("plotly_chart")) == 1
    assert [box.key for box in at.get("bidi_component")] == ["overview_map_in_view"]
    assert {b.proto.label for b in at.get("download_button")} >= {"PNG", "SVG", "PDF", "HTML", "Data (CSV)"}
