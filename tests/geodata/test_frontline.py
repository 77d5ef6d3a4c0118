"""The front line's length and the distance to the held area, on hand-built shapes with known
answers (drawn in the equal-area CRS in metres, then taken to EPSG:4326 as a source draws them), and
on real DeepStateMap days against the project's web simplification."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import shapely

from geodata import deepstate
from geodata.frontline import BORDER_TOLERANCE_M, distance_to_held_km, front_of, frontline_length_km
from geodata.settlements import covered
from geodata.web import project, simplify_for_web

KM = 1000.0
#: A square country 200 km across centred on the equal-area CRS's origin (48.5 N 31.5 E).
COUNTRY = project(shapely.box(-100 * KM, -100 * KM, 100 * KM, 100 * KM), inverse=True)


Box = tuple[float, float, float, float]


def _held(*boxes: Box, holes: Sequence[Box] = ()) -> shapely.Geometry:
    shape = shapely.union_all([shapely.box(*(v * KM for v in b)) for b in boxes])
    for hole in holes:
        shape = shape.difference(shapely.box(*(v * KM for v in hole)))
    return project(shape, inverse=True)


def _lonlat(x_km: float, y_km: float) -> tuple[np.ndarray, np.ndarray]:
    point = project(shapely.Point(x_km * KM, y_km * KM), inverse=True)
    return np.array([point.x]), np.array([point.y])


def test_a_square_next_to_a_straight_border_has_three_sides_of_front() -> None:
    held = _held((-100, -5, -90, 5))  # 10 km x 10 km, its west side on the border
    front = front_of(held, outline=COUNTRY)
    assert front.cut_ends == 2  # the front meets the border twice
    assert front.length_km == pytest.approx(30.0, rel=1e-3)  # three sides, not the border side
    assert shapely.length(project(front.lines)) == pytest.approx(30 * KM - 2 * BORDER_TOLERANCE_M, rel=1e-3)


def test_a_square_inside_counts_whole_and_a_pocket_adds_its_edge() -> None:
    inside = _held((-10, -10, 10, 10))
    assert frontline_length_km(inside, outline=COUNTRY) == pytest.approx(80.0, rel=1e-3)
    pocketed = _held((-10, -10, 10, 10), holes=[(-1, -1, 1, 1)])  # a 2 km pocket the other side holds
    assert frontline_length_km(pocketed, outline=COUNTRY) == pytest.approx(88.0, rel=1e-3)


def test_border_and_coast_are_not_front_and_a_wobble_of_the_border_line_is_dropped() -> None:
    corner = _held((-100, -100, -80, -80))  # a corner of the country: two sides on the border
    assert frontline_length_km(corner, outline=COUNTRY) == pytest.approx(40.0, rel=1e-3)
    # a source's border drawn 2 km inside (within the tolerance), with a 2 km wide bulge 3.5 km deep:
    # 3 km of its boundary lie beyond the tolerance, under twice the tolerance: a wobble, not front
    wobble = _held((-100, -5, -98, 5), (-100, -1, -96.5, 1))
    assert frontline_length_km(wobble, outline=COUNTRY) == 0.0
    deep = _held((-100, -5, -96, 5))  # a strip 4 km deep: its inner side is front (10 km + 2 x 1 km)
    assert frontline_length_km(deep, outline=COUNTRY) == pytest.approx(12.0 + 2 * BORDER_TOLERANCE_M / KM, rel=1e-3)
    assert frontline_length_km(_held(), outline=COUNTRY) == 0.0


def test_a_repaired_collection_is_measured_by_its_polygons() -> None:
    square = _held((-10, -10, 10, 10))
    stray = project(shapely.LineString([(20 * KM, 0), (30 * KM, 0)]), inverse=True)
    collection = shapely.GeometryCollection([square, stray])  # what make_valid may return
    assert frontline_length_km(collection, outline=COUNTRY) == pytest.approx(80.0, rel=1e-3)


def test_a_settlement_on_the_edge_is_held_and_a_city_inside_is_at_distance_zero() -> None:
    held = _held((-10, -10, 10, 10))
    on_edge, inside, outside = _lonlat(10, 0), _lonlat(0, 3), _lonlat(30, 0)
    lon = np.concatenate([on_edge[0], inside[0], outside[0]])
    lat = np.concatenate([on_edge[1], inside[1], outside[1]])
    assert covered(shapely.set_precision(held, 0), lon, lat).tolist() == [True, True, False]
    distance = distance_to_held_km(held, lon, lat)
    assert distance[1] == 0.0
    assert distance[0] == pytest.approx(0.0, abs=1e-3)
    assert distance[2] == pytest.approx(20.0, rel=2e-3)  # 20 km east of the east side
    assert np.isnan(distance_to_held_km(_held(), lon, lat)).all()


DAYS = ["2022-04-03", "2022-11-20", "2023-06-15", "2024-07-06"]


@pytest.fixture(scope="module")
def real_days(shared_data: Callable[[str], Path]) -> list[shapely.Geometry]:
    history = deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_history_2022_2024.parquet")))
    daily = deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_daily.parquet")))
    picked = [history[history["date"] == day].geometry.iloc[0] for day in DAYS]
    return picked + [daily.geometry.iloc[300], daily.geometry.iloc[-1]]


def test_front_length_is_stable_under_the_web_simplification(real_days: list[shapely.Geometry]) -> None:
    for held in real_days:
        web = simplify_for_web(held)
        full, drawn = frontline_length_km(held), frontline_length_km(web.geometry)
        assert abs(drawn / full - 1) < 0.01, (full, drawn, web.tolerance_m)
        assert 800 < full < 4_500  # the front of the whole war: about 4,100 km in April 2022, 900-1,200 since


def test_the_front_is_far_shorter_than_the_whole_boundary(real_days: list[shapely.Geometry]) -> None:
    latest = real_days[-1]
    front = front_of(latest)
    boundary_km = shapely.length(project(latest).boundary) / KM
    assert 0.15 < front.length_km / boundary_km < 0.4  # most of the boundary is border and coast
    assert front.cut_ends >= 2
