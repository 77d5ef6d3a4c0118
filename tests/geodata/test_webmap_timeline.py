"""The Map page's timeline (geodata.webmap_timeline): state codes and histories of a hand-built change
table with known answers, and on the shipped data the frames of the map (one per month-end and the
date shown, in order), Pokrovsk's known colour in the frames of October and November 2025, the
legend's counts per frame and the size of the figure with its frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from geodata.front_queries import distances, settlement_changes
from geodata.gazetteer import load_settlements
from geodata.webmap import LAYERS
from geodata.webmap_data import map_view, place_states
from geodata.webmap_timeline import STATE_CODES, histories, state_codes
from metrics.bundled import ensure_bundled_data
from metrics.regions import map_dates
from metrics.store import get_engine, read_figures

POKROVSK = 704422
T = pd.Timestamp


def _changes() -> pd.DataFrame:
    """Place 1: held from the source's first date, lost, taken again; place 2: taken later."""
    return pd.DataFrame({
        "geonameid": [1, 2, 1, 1],
        "date": [T("2022-04-03"), T("2023-05-20"), T("2022-09-11"), T("2024-02-01")],
        "held": [True, True, False, True],
        "previous_date": [pd.NaT, T("2023-05-01"), T("2022-09-01"), T("2024-01-20")],
    })  # fmt: skip


def test_state_codes_follow_the_changes_in_date_order() -> None:
    days = [T("2022-03-31"), T("2022-04-30"), T("2022-09-30"), T("2023-05-31"), T("2024-02-29")]
    codes = state_codes(_changes(), [1, 2, 3], days)
    assert codes.dtype == np.int8
    held, lost, never = STATE_CODES["held"], STATE_CODES["lost"], STATE_CODES["never"]
    assert codes.tolist() == [[never, never, never], [held, never, never], [lost, never, never],
                              [lost, held, never], [held, held, never]]  # fmt: skip


def test_histories_name_each_spell() -> None:
    text = histories(_changes())
    assert text[1] == ("held 2022-04-03 (the source's first date, or earlier) to 2022-09-11; "
                       "held since 2024-02-01")  # fmt: skip
    assert text[2] == "held since 2023-05-20"
    assert histories(_changes().iloc[0:0]).empty


@pytest.fixture(scope="module")
def shown():  # type: ignore[no-untyped-def]
    """The map of 2025-11-15 (not a month-end) with its frames, every layer on, on a fresh install."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{folder}/territory.sqlite")
        ensure_bundled_data(engine, report=lambda _line: None)
        changes = settlement_changes(engine, "DeepStateMap", "occupied")
        figures = read_figures(engine)
        month_ends = map_dates(figures, "DeepStateMap", "occupied", daily=False)
        view = map_view(engine, figures, changes, distances(engine, source="DeepStateMap", definition="occupied"),
                        source="DeepStateMap", definition="occupied", on=T("2025-11-15"),
                        layers=dict.fromkeys(LAYERS, True), frame_dates=month_ends)  # fmt: skip
        yield view, month_ends, changes
        engine.dispose()


def _colour_in_frame(figure, frame_name: str, geonameid: int) -> int:  # type: ignore[no-untyped-def]
    """The state code of a place in a frame: its trace (by the hover's name) and position."""
    frame = next(f for f in figure.frames if f.name == frame_name)
    name = "Pokrovsk" if geonameid == POKROVSK else None
    for number, data in zip(frame.traces, frame.data, strict=True):
        trace = figure.data[number]
        if data.marker is not None and data.marker.color is not None and name in list(trace.text):
            return int(data.marker.color[list(trace.text).index(name)])
    raise AssertionError(f"{geonameid} is in no frame's data")


def test_a_frame_per_month_end_and_the_date_shown_with_pokrovsks_known_colour(shown) -> None:  # type: ignore[no-untyped-def]
    view, month_ends, _changes_ = shown
    figure = view.figure
    names = [frame.name for frame in figure.frames]
    assert names == sorted([*month_ends, "2025-11-15"]) and len(names) == len(month_ends) + 1
    assert _colour_in_frame(figure, "2025-10-31", POKROVSK) == STATE_CODES["never"]
    assert _colour_in_frame(figure, "2025-11-15", POKROVSK) == STATE_CODES["held"]  # held since 2025-11-02
    slider = figure.layout.sliders[0]
    assert slider.steps[slider.active].label == "2025-11-15"
    assert figure.frames[0].layout.title.text == f"Who holds what on {names[0]}"


def test_each_frames_legend_counts_the_places_held_on_its_date(shown) -> None:  # type: ignore[no-untyped-def]
    view, _month_ends, changes = shown
    frame = next(f for f in view.figure.frames if f.name == "2025-10-31")
    legend = [data.name for data in frame.data if data.name]
    held = int(place_states(changes, T("2025-10-31"))["status"].isin(["held", "first"]).sum())
    assert legend[0] == f"Held by Russian forces ({held:,})"
    assert legend[1].startswith("Not held (held before) (") and legend[2].startswith("Not held (")


def test_the_figure_with_its_frames_and_every_layer_is_under_1_mb(shown) -> None:  # type: ignore[no-untyped-def]
    view, _month_ends, _changes_ = shown
    text = pio.to_json(view.figure, validate=False)  # what st.plotly_chart sends
    frames = json.dumps(json.loads(text)["frames"], separators=(",", ":"))
    assert len(text.encode()) < 1_000_000
    assert len(frames) < 300_000  # about 4.5 KB a frame: the colour numbers of 1 379 places and 3 names


def test_an_image_of_the_map_has_no_timeline_and_the_same_map(shown) -> None:  # type: ignore[no-untyped-def]
    from geodata.webmap_timeline import SLIDER_PX, without_timeline

    figure = shown[0].figure
    still = without_timeline(figure)
    assert not still.frames and not still.layout.sliders and not still.layout.updatemenus
    assert figure.frames and figure.layout.sliders  # the page's figure is left as it was
    plot = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b
    assert still.layout.height - still.layout.margin.t - still.layout.margin.b == plot  # the map keeps its size
    assert still.layout.height == figure.layout.height - SLIDER_PX
    assert still.layout.legend.y == pytest.approx(figure.layout.legend.y + SLIDER_PX / plot)


def test_a_frame_restyles_only_the_changing_places_and_the_rest_is_in_still_layers(shown) -> None:  # type: ignore[no-untyped-def]
    """A step of Play (``animate`` with redraw) sends every trace to MapLibre again and leaves
    ``layout.map.layers`` that did not change alone: what never changes colour is drawn by layers."""
    from geodata.webmap_timeline import STILL_LAYER

    view, _month_ends, changes = shown
    figure = view.figure
    data = figure.data
    dynamic = [n for n, t in enumerate(data) if t.name == "settlements that change hands"]
    legend = [n for n, t in enumerate(data) if t.showlegend is not False and t.legendgroup in ("held", "lost", "never")]
    assert len(dynamic) == 1 and data[dynamic[0]].mode == "markers" and len(legend) == 3
    for frame in figure.frames:
        assert list(frame.traces) == dynamic + legend  # not the oblasts, not the places that never change
        assert len(frame.data[0].marker.color) == len(data[dynamic[0]].lon)
        assert {d.name is None for d in frame.data[1:]} == {False}
    still = next(t for t in data if t.name == "settlements")
    assert still.mode == "none" and "not held on any date" in still.hovertemplate  # hover, nothing drawn
    layers = [layer for layer in figure.layout.map.layers if (layer.name or "").startswith(STILL_LAYER)]
    assert [layer.circle.radius for layer in layers] == [2, 2.5, 3.5, 4.5, 6]  # a layer per tier, largest on top
    points = sum(len(layer.source["geometry"]["coordinates"]) for layer in layers)
    assert points == len(still.lon) == len(load_settlements()) - len(data[dynamic[0]].lon)
