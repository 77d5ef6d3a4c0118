"""The Map page's map (geodata.webmap, geodata.webmap_data) on the shipped data: who holds a known
settlement on a known date and its colour, the changes of November 2025 and their bounds, the figure
for one date with every layer under 1 MB, a style that asks no host for anything, the view that fits
a box, the scale bar and finding a place by its Ukrainian name."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import shapely

from geodata.boundaries import load_regions
from geodata.front_queries import distances, settlement_changes
from geodata.ingest import import_file
from geodata.maps import GAINED_COLOUR, LOST_COLOUR
from geodata.webmap import BORDER_COLOUR, HELD_COLOUR, LAYERS, NOT_HELD_COLOUR, View, fit_view, scale_bar
from geodata.webmap_data import change_bounds, map_view, place_states, place_view
from geodata.webmap_style import LABEL_LAYER, NAMES_FILE, NAMES_URL, OBLAST_LAYER, inline_names, settlement_names
from geodata.webmap_timeline import NEVER_COLOUR
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine, read_figures

POKROVSK, KYIV, LAZURNYI = 704422, 703448, 13535742
EVERY_LAYER = dict.fromkeys(LAYERS, True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A fresh install: the bundled figures, no polygons."""
    url = f"sqlite:///{tmp_path_factory.mktemp('webmap') / 'territory.sqlite'}"
    engine = get_engine(url)
    ensure_bundled_data(engine, report=lambda _line: None)
    return engine


def _view(engine, on: str, since: str | None = None, **options):  # type: ignore[no-untyped-def]
    changes = settlement_changes(engine, "DeepStateMap", "occupied")
    near = distances(engine, source="DeepStateMap", definition="occupied")
    return map_view(engine, read_figures(engine), changes, near, source="DeepStateMap", definition="occupied",
                    on=pd.Timestamp(on), since=pd.Timestamp(since) if since else None, **options)  # fmt: skip


def _marker_of(figure, name: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(colour, state, hover's history line) of the settlement named so: a place that changes hands
    has a number per place on the timeline's colour scale; the others are drawn grey by a layer (a
    circle at the place's own point) under a trace that gives their hover."""
    states = {0: "held", 1: "lost", 2: "never"}
    for trace in figure.data:
        hovered = trace.type == "scattermap" and trace.text is not None and trace.hoverinfo != "skip"
        if hovered and (trace.name or "").startswith("settlements") and name in list(trace.text):
            at = list(trace.text).index(name)
            if trace.mode == "none":
                lon, lat = float(trace.lon[at]), float(trace.lat[at])
                drawn = [layer.color for layer in figure.layout.map.layers if layer.type == "circle"
                         and any(abs(x - lon) < 2e-4 and abs(y - lat) < 2e-4
                                 for x, y in layer.source["geometry"]["coordinates"])]  # fmt: skip
                assert len(drawn) == 1, f"{name} is drawn by {len(drawn)} layers"
                return drawn[0], "never", "not held on any date"
            code = trace.marker.color[at]
            colour = {0: HELD_COLOUR, 1: NOT_HELD_COLOUR, 2: NEVER_COLOUR}[code]
            return colour, states[code], trace.customdata[at][3]
    raise AssertionError(f"{name} is not drawn")


def test_pokrovsk_is_red_from_2_november_2025_and_kyiv_is_never_held(store) -> None:  # type: ignore[no-untyped-def]
    changes = settlement_changes(store, "DeepStateMap", "occupied")
    before = place_states(changes, pd.Timestamp("2025-11-01")).set_index("geonameid")
    after = place_states(changes, pd.Timestamp("2025-11-30")).set_index("geonameid")
    assert before.loc[POKROVSK, "status"] == "never"
    assert (after.loc[POKROVSK, "status"], after.loc[POKROVSK, "since"]) == ("held", "2025-11-02")
    assert after.loc[KYIV, "status"] == "never"
    shown = _view(store, "2025-11-30")
    assert _marker_of(shown.figure, "Pokrovsk") == (HELD_COLOUR, "held", "held since 2025-11-02")
    assert _marker_of(shown.figure, "Kyiv")[1] == "never"
    assert _marker_of(_view(store, "2025-10-31").figure, "Pokrovsk")[:2] == (NEVER_COLOUR, "never")
    assert len({HELD_COLOUR, NOT_HELD_COLOUR, NEVER_COLOUR}) == 3
    row = shown.table.set_index("geonameid").loc[POKROVSK]
    assert (row["name_uk"], row["oblast"], row["population"]) == ("Покровськ", "Donetsk Oblast", 60127)
    hover = next(t.hovertemplate for t in shown.figure.data if (t.name or "").endswith("that change hands"))
    assert "GeoNames, census-era" in hover and "per the source: %{customdata[3]}" in hover


def test_an_oblast_hovers_its_area_and_share_and_its_borders_are_a_layer(store) -> None:  # type: ignore[no-untyped-def]
    shown = _view(store, "2025-11-30")
    oblasts = next(t for t in shown.figure.data if t.type == "choroplethmap")
    assert len(oblasts.locations) == len(oblasts.geojson["features"]) == 27
    assert "area %{customdata[1]} km²<br>%{customdata[2]}" in oblasts.hovertemplate
    at = list(oblasts.customdata[:, 0]).index("Donetsk Oblast")
    area = load_regions().set_index("name").loc["Donetsk Oblast", "area_km2"]
    assert oblasts.customdata[at, 1] == f"{area:,.0f}" and area > 20_000  # the shipped oblast's area
    assert oblasts.customdata[at, 2].endswith(" km²)") and " % held (" in oblasts.customdata[at, 2]
    # not drawn (opacity 0: MapLibre skips it) on coarser shapes than the borders, which are a layer that
    # a step of Play leaves alone (a step sends every trace to MapLibre again)
    assert oblasts.marker.opacity == 0 and oblasts.marker.line.width == 0
    borders = [layer for layer in shown.figure.layout.map.layers if layer.color == BORDER_COLOUR]
    assert len(borders) == 1 and borders[0].type == "line" and len(borders[0].source["features"]) == 27

    def vertices(collection: dict) -> int:  # type: ignore[type-arg]
        return sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
                   for f in collection["features"])  # fmt: skip

    assert vertices(oblasts.geojson) < vertices(borders[0].source) / 1.5
    filled = _view(store, "2025-11-30", layers={"shares": True})
    shares = next(t for t in filled.figure.data if t.type == "choroplethmap")
    assert shares.marker.opacity == 0.55 and shares.marker.line.width == 0.8  # the fill draws the borders
    assert vertices(shares.geojson) == vertices(borders[0].source)
    assert not [layer for layer in filled.figure.layout.map.layers if layer.color == BORDER_COLOUR]


def test_november_2025_changes_their_bounds_and_the_view_that_fits_them(store) -> None:  # type: ignore[no-untyped-def]
    shown = _view(store, "2025-11-30", "2025-10-31", fit_changes=True)
    taken = shown.moved[shown.moved["change"] == "taken"]
    assert len(taken) == 8 and (shown.moved["change"] == "lost").sum() == 0  # per the shipped change table
    assert {POKROVSK, LAZURNYI} <= set(taken["geonameid"])
    lon0, lat0, lon1, lat1 = shown.bounds
    assert lon0 < 37.18 < lon1 and lat0 < 48.28 < lat1  # Pokrovsk inside the bounds
    span = max(taken["lon"].max() - taken["lon"].min(), taken["lat"].max() - taken["lat"].min())
    assert lon0 == pytest.approx(taken["lon"].min() - max(0.05, 0.08 * span), abs=1e-4)  # no polygons: the places
    assert shown.view.key == "changes:2025-10-31"
    assert (lon0 + lon1) / 2 == pytest.approx(shown.view.lon, abs=1e-3)
    names = [t.name for t in shown.figure.data if t.name]
    assert "Taken 2025-10-31 to 2025-11-30: 8 settlements" in names
    moved = {"moved-taken", "moved-lost"}
    colours = {t.legendgroup: t.marker.color for t in shown.figure.data if t.legendgroup in moved}
    assert colours == {"moved-taken": GAINED_COLOUR, "moved-lost": LOST_COLOUR}
    assert shown.table.set_index("geonameid").loc[POKROVSK, "change"] == "taken"
    assert change_bounds(pd.DataFrame()) is None


def test_change_bounds_of_one_village_are_padded() -> None:
    moved = pd.DataFrame({"lon": [37.0], "lat": [48.0]})
    assert change_bounds(moved) == (36.95, 47.95, 37.05, 48.05)


def test_the_style_asks_no_host_and_the_figure_for_one_date_is_small(store) -> None:  # type: ignore[no-untyped-def]
    shown = _view(store, "2025-11-30", "2025-10-31", layers=EVERY_LAYER)
    text = pio.to_json(shown.figure, validate=False)  # what st.plotly_chart sends
    assert len(text.encode()) < 1_000_000
    layout = json.loads(text)["layout"]
    style = layout["map"]["style"]
    assert set(style) == {"version", "sources", "layers"}
    assert [source["type"] for source in style["sources"].values()] == ["geojson"] * 3  # inline, or the app's own
    assert style["sources"][LABEL_LAYER]["data"] == NAMES_URL == "app/static/settlement-names.geojson"
    assert len(style["sources"][OBLAST_LAYER]["data"]["features"]) == 27
    assert [layer["type"] for layer in style["layers"]] == ["background"] + ["symbol"] * 6  # 5 tiers, the oblasts
    zooms = {layer["id"]: layer.get("minzoom") for layer in style["layers"]}
    assert (zooms[f"{LABEL_LAYER}-0"], zooms[f"{LABEL_LAYER}-3"]) == (8.5, 0.0)  # villages' names from zoom 8.5
    assert not any("icon-image" in layer.get("layout", {}) for layer in style["layers"])  # plotly asks a CDN for icons
    assert "://" not in text  # no tile, glyph, sprite or any other URL anywhere in the figure
    assert layout["uirevision"] == shown.view.key
    data = json.loads(text)["data"]
    assert {trace["below"] for trace in data} == {f"{LABEL_LAYER}-0"}  # the names above every trace
    assert not any("text" in trace.get("mode", "") for trace in data)  # a Play step redraws every trace: no text


def test_the_names_the_app_serves_are_the_shipped_gazetteers_and_exports_carry_them(store) -> None:  # type: ignore[no-untyped-def]
    served = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    assert served == settlement_names()  # python -m geodata.webmap_style writes it again when the gazetteer changes
    pokrovsk = next(f for f in served["features"] if f["properties"]["n"] == "Pokrovsk")
    assert pokrovsk["geometry"]["coordinates"] == pytest.approx([37.18, 48.28], abs=0.01)
    assert pokrovsk["properties"]["t"] == 3  # 60 127 people: the 50 000+ tier
    assert len(served["features"]) == 5_224
    shown = _view(store, "2025-11-30", layers={"labels": False})
    assert LABEL_LAYER not in shown.figure.layout.map.style["sources"]  # names off: none
    figure = _view(store, "2025-11-30").figure
    exported = inline_names(go.Figure(figure))
    assert exported.layout.map.style["sources"][LABEL_LAYER]["data"] == served
    assert figure.layout.map.style["sources"][LABEL_LAYER]["data"] == NAMES_URL  # the page's figure is left as it was


def test_with_snapshots_the_held_area_front_line_and_gains_are_drawn_under_1_mb(
    tmp_path: Path, shared_data: Callable[[str], Path]
) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'territory.sqlite'}")
    ensure_bundled_data(engine, report=lambda _line: None)
    for day in ("20251101", "20251201"):
        raw = shared_data(f"deepstate/raw_month_edges/deepstatemap_data_{day}.geojson")
        import_file(engine, raw, source="DeepStateMap", definition="occupied")
    shown = _view(engine, "2025-11-30", "2025-10-31", layers=EVERY_LAYER)
    kinds = [(layer.type, layer.color) for layer in shown.figure.layout.map.layers]
    assert ("fill", GAINED_COLOUR) in kinds and ("fill", LOST_COLOUR) in kinds and ("line", "#67001f") in kinds
    names = [t.name for t in shown.figure.data if t.name]
    assert "Area gained: 501.1 km²" in names and "Area lost: 18.2 km²" in names  # geodata.change's figures
    assert len(pio.to_json(shown.figure, validate=False).encode()) < 1_000_000
    later = _view(engine, "2026-03-31")  # four months after the last polygon: not drawn as if it were current
    assert not any(layer.type == "fill" for layer in later.figure.layout.map.layers)
    assert "not drawn" in later.note


def test_fit_view_and_the_scale_bar_have_known_answers() -> None:
    whole = fit_view((-180.0, -60.0, 180.0, 60.0), width_px=512, height_px=10_000)
    assert whole.zoom == pytest.approx(0 - 0.3)  # 360 degrees in one 512 px tile: zoom 0 (then a margin)
    assert whole.lat == pytest.approx(0, abs=1e-6)
    fig = scale_bar(pio.from_json('{"layout": {"margin": {"l": 0, "r": 0}}}'), View(0.0, 0.0, 10.0), width_px=1000)
    metres_per_px = 40_075_016.686 / (512 * 2**10)  # 76.4 m at the equator
    bar = fig.layout.shapes[0]
    assert (bar.x1 - bar.x0) * 1000 * metres_per_px == pytest.approx(10_000)  # the largest 1-2-5 below a fifth
    assert fig.layout.annotations[0].text.startswith("10 km")
    assert math.isclose(metres_per_px, 76.44, rel_tol=1e-3)


def test_a_place_is_found_by_its_ukrainian_or_older_name() -> None:
    view, line = place_view("Покровськ", 12)
    assert view is not None and (view.lat, view.lon, view.zoom) == pytest.approx((48.28014, 37.18, 12), abs=0.01)
    assert line.startswith("Pokrovsk (Покровськ), Donetsk Oblast")
    missing, why = place_view("Nowhere-on-earth")
    assert missing is None and "No settlement called" in why
