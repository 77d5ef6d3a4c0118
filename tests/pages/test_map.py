"""AppTest of the Map page: the date slider, the every-day toggle, the comparison of two dates, and the
polygons once the store holds snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.ingest import import_file
from metrics.store import get_engine

PAGE = "pages/map.py"


def _figure(app: AppTest) -> dict:
    return json.loads(app.get("plotly_chart")[0].proto.spec)


def _legend(app: AppTest) -> list[str]:
    return [t["name"] for t in _figure(app)["data"] if t.get("showlegend", True) and t.get("name")]


def _title(app: AppTest) -> str:
    """The chart's title as one line (titles wrap with "<br> " for phones)."""
    return json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].replace("<br> ", " ")


def test_dates_are_month_ends_and_the_latest_unless_every_day(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    app = open_app(loaded_store, PAGE)
    slider = app.select_slider(key="map_date")
    assert slider.value == "2026-10-09"  # DeepStateMap's last day (a late raw file)
    assert "2025-11-30" in slider.options and "2025-11-29" not in slider.options
    assert "Share of each oblast held by Russian forces, 2026-10-09" in _title(app)
    app.toggle(key="map_daily").set_value(True).run()
    assert "2025-11-29" in app.select_slider(key="map_date").options
    app.select_slider(key="map_date").set_value("2025-11-29").run()
    assert not app.exception, app.exception
    assert "2025-11-29" in _title(app)


def test_comparison_from_figures_names_net_gains_and_losses(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    app = open_app(loaded_store, PAGE)
    app.select_slider(key="map_date").set_value("2025-11-30")
    app.toggle(key="map_compare").set_value(True).run()
    app.select_slider(key="map_from").set_value("2025-10-31").run()
    assert not app.exception, app.exception
    legend = _legend(app)
    assert any(name.startswith("Oblasts with a net gain: +") and "km²" in name for name in legend)
    assert "2025-10-31 to 2025-11-30" in _title(app)
    assert "offset each other" in app.caption[-1].value or any("offset" in c.value for c in app.caption)


def test_with_snapshots_the_map_draws_gained_and_lost_polygons(
    own_store: str, open_app: Callable[..., AppTest], shared_data: Callable[[str], Path]
) -> None:
    for day in ("20251101", "20251201"):
        raw = shared_data(f"deepstate/raw_month_edges/deepstatemap_data_{day}.geojson")
        import_file(get_engine(own_store), raw, source="DeepStateMap", definition="occupied")
    app = open_app(own_store, PAGE)
    app.select_slider(key="map_date").set_value("2025-11-30").run()
    assert any(name.startswith("Area held per DeepStateMap's polygon, 2025-11-30") for name in _legend(app))
    app.toggle(key="map_compare").set_value(True).run()
    app.select_slider(key="map_from").set_value("2025-10-31").run()
    legend = _legend(app)
    gained = next(name for name in legend if name.startswith("Gained: "))
    lost = next(name for name in legend if name.startswith("Lost: "))
    assert float(gained.split()[1].replace(",", "")) == pytest.approx(501.1, abs=0.2)  # geodata change's figure
    assert float(lost.split()[1].replace(",", "")) == pytest.approx(18.2, abs=0.2)
    assert len(app.get("plotly_chart")[0].proto.spec) < 300_000  # the figure for one date stays small
