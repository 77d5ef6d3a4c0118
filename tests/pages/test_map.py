"""AppTest of the Map page: the date slider and the every-day toggle, the settlements of a date, the
comparison of two dates with the settlements that changed hands and the view fitted to them, a place
found by name, Play's frames (in the browser), and the polygons once the store holds snapshots."""

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
    return _figure(app)["layout"]["title"]["text"].replace("<br> ", " ")


def test_dates_are_month_ends_and_the_latest_unless_every_day(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    app = open_app(loaded_store, PAGE)
    slider = app.select_slider(key="map_date")
    assert slider.value == "2026-10-09"  # DeepStateMap's last day (a late raw file)
    assert "2025-11-30" in slider.options and "2025-11-29" not in slider.options
    assert "Who holds what on 2026-10-09" in _title(app)
    app.toggle(key="map_daily").set_value(True).run()
    assert "2025-11-29" in app.select_slider(key="map_date").options
    app.select_slider(key="map_date").set_value("2025-11-29").run()
    assert not app.exception, app.exception
    assert "2025-11-29" in _title(app)


def test_a_fresh_install_shows_who_holds_each_settlement(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    app = open_app(loaded_store, PAGE)
    app.select_slider(key="map_date").set_value("2025-11-30").run()
    figure = _figure(app)
    sources = figure["layout"]["map"]["style"]["sources"]  # a style of our own: nothing fetched from elsewhere
    assert {name: source["type"] for name, source in sources.items()} == dict.fromkeys(
        ["none", "settlement-names", "oblast-names"], "geojson")  # fmt: skip
    assert sources["settlement-names"]["data"] == "app/static/settlement-names.geojson"  # the app's own file
    held = next(name for name in _legend(app) if name.startswith("Held by Russian forces ("))
    assert int(held.split("(")[1].rstrip(")").replace(",", "")) > 1000
    assert any("held by Russian forces on 2025-11-30" in c.value for c in app.caption)
    assert any("no polygon" in c.value for c in app.caption)  # and says why no held area is drawn
    assert len(app.get("plotly_chart")[0].proto.spec) < 1_000_000


def test_comparison_lists_the_settlements_that_changed_hands_and_fits_the_view(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    app = open_app(loaded_store, PAGE)
    app.select_slider(key="map_date").set_value("2025-11-30")
    app.toggle(key="map_compare").set_value(True).run()
    app.select_slider(key="map_from").set_value("2025-10-31").run()
    assert not app.exception, app.exception
    assert "Changes from 2025-10-31 to 2025-11-30" in _title(app)
    assert "Taken 2025-10-31 to 2025-11-30: 8 settlements" in _legend(app)
    table = app.dataframe[0].value
    assert "Pokrovsk" in set(table["name"]) and set(table["change"]) == {"taken"}
    whole = _figure(app)["layout"]["map"]
    app.segmented_control(key="map_view").set_value("The changes").run()
    fitted = _figure(app)["layout"]
    assert fitted["uirevision"] == "changes:2025-10-31"
    assert fitted["map"]["zoom"] > whole["zoom"] and 36 < fitted["map"]["center"]["lon"] < 39


def test_a_place_found_by_name_centres_the_map(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    app = open_app(loaded_store, PAGE)
    app.text_input(key="map_place").input("Krasnoarmeysk").run()  # Pokrovsk's name before 2016
    assert app.segmented_control(key="map_view").value == "A place"
    layout = _figure(app)["layout"]
    assert layout["map"]["zoom"] == 11 and layout["map"]["center"]["lat"] == pytest.approx(48.28, abs=0.01)
    assert any(c.value.startswith("Pokrovsk (Покровськ)") for c in app.caption)
    app.select_slider(key="map_date").set_value("2025-11-30").run()
    assert _figure(app)["layout"]["uirevision"] == layout["uirevision"]  # a new date keeps the view
    app.text_input(key="map_place").input("Nowhere-on-earth").run()
    assert any("No settlement called" in w.value for w in app.warning)


def test_play_is_the_maps_own_month_end_frames_and_a_comparison_has_none(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    app = open_app(loaded_store, PAGE)
    app.select_slider(key="map_date").set_value("2026-07-31").run()
    figure = _figure(app)
    names = [frame["name"] for frame in figure["frames"]]
    month_ends = app.select_slider(key="map_date").options
    assert names == month_ends  # every month-end and the latest date, in order
    buttons = [b["label"] for b in figure["layout"]["updatemenus"][0]["buttons"]]
    assert buttons == ["▶ Play", "❚❚ Pause"]
    slider = figure["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "2026-07-31"
    assert figure["frames"][0]["layout"]["title"]["text"] == f"Who holds what on {names[0]}"
    assert len(app.get("plotly_chart")[0].proto.spec) < 1_000_000  # frames included
    app.toggle(key="map_daily").set_value(True).run()  # every day on the slider, month-ends in the frames
    assert [frame["name"] for frame in _figure(app)["frames"]] == month_ends
    app.toggle(key="map_compare").set_value(True).run()
    assert not _figure(app).get("frames") and "sliders" not in _figure(app)["layout"]


def test_with_snapshots_the_map_draws_the_held_area_and_the_gained_and_lost_polygons(
    own_store: str, open_app: Callable[..., AppTest], shared_data: Callable[[str], Path]
) -> None:
    for day in ("20251101", "20251201"):
        raw = shared_data(f"deepstate/raw_month_edges/deepstatemap_data_{day}.geojson")
        import_file(get_engine(own_store), raw, source="DeepStateMap", definition="occupied")
    app = open_app(own_store, PAGE)
    app.select_slider(key="map_date").set_value("2025-11-30").run()
    assert any(name.startswith("Area held per the polygon of 2025-11-30") for name in _legend(app))
    app.toggle(key="map_compare").set_value(True).run()
    app.select_slider(key="map_from").set_value("2025-10-31").run()
    legend = _legend(app)
    assert "Area gained: 501.1 km²" in legend and "Area lost: 18.2 km²" in legend  # geodata.change's figures
    assert len(app.get("plotly_chart")[0].proto.spec) < 1_000_000  # the figure for one date, every layer on
