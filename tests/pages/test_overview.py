"""AppTest of the Overview: the KPI cards show the store's latest figures, with source and date."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine, read_figures

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'territory.sqlite'}"
    ensure_bundled_data(get_engine(url), report=lambda _line: None)
    return url


class _NavigationPagesManager(PagesManager):
    """AppTest resets ``PagesManager.uses_pages_directory`` before every run; with a ``pages/``
    folder beside app.py it then reruns the last page's file alone (the pre-st.navigation
    behaviour), without app.py and its sidebar. A real server never does that: st.navigation turns
    the folder mode off for good. This keeps it off in AppTest too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


@pytest.fixture
def app(loaded_store: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TERRITORY_DB_URL", loaded_store)
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


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


def test_overview_follows_the_sidebar_selection(app: AppTest) -> None:
    app.multiselect(key="sidebar_sources").set_value(["ISW (AFP analysis)"]).run()
    assert not app.exception
    assert [s.value for s in app.subheader] == ["ISW (AFP analysis) · assessed control+claimed"]
    assert _cards(app)["Share of Ukraine"] == ["19.30 %"]
    # ISW has no per-oblast figures: no map, and the page says why
    assert any("no map" in i.value for i in app.info)

    app.multiselect(key="sidebar_sources").set_value([]).run()
    assert not app.metric
    assert "Choose at least one source" in app.info[0].value


def test_overview_draws_chart_and_oblast_map(app: AppTest) -> None:
    charts = app.get("plotly_chart")
    assert len(charts) == 2
    assert app.selectbox(key="overview_map_source").value == "DeepStateMap|occupied"
