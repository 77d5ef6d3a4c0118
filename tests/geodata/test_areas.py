"""Golden tests of the equal-area measurement: shapes drawn in the equal-area CRS with known areas,
handed over in lon/lat like real input, and boxes in lon/lat against the geodesic area (pyproj.Geod)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geodata.areas import EQUAL_AREA_CRS, area_km2, region_areas_km2

KM = 1000.0  # the equal-area CRS is in metres
_RELATIVE = 1e-6


def _lonlat(*shapes: shapely.Geometry, index: list[str] | None = None) -> gpd.GeoSeries:
    """Shapes drawn in the equal-area CRS (metres), converted to EPSG:4326 as real input arrives."""
    return gpd.GeoSeries(list(shapes), crs=EQUAL_AREA_CRS, index=index).to_crs("EPSG:4326")


_SQUARE = box(0, 0, 100 * KM, 100 * KM)  # 100 km x 100 km at the CRS centre (48.5 N, 31.5 E)
# an L of three 50 km x 50 km squares
_L_SHAPE = Polygon([(0, 0), (100 * KM, 0), (100 * KM, 50 * KM), (50 * KM, 50 * KM), (50 * KM, 100 * KM), (0, 100 * KM)])


@pytest.mark.parametrize(
    ("shape", "expected_km2"),
    [
        pytest.param(_SQUARE, 10_000.0, id="square-100km"),
        pytest.param(_L_SHAPE, 7_500.0, id="L-of-three-50km-squares"),
        # far from the centre (western Ukraine, ~700 km west): still equal-area
        pytest.param(box(-700 * KM, 100 * KM, -600 * KM, 200 * KM), 10_000.0, id="square-700km-west"),
        pytest.param(box(0, 0, 10 * KM, 5 * KM), 50.0, id="small-rectangle"),
        pytest.param(
            Polygon(_SQUARE.exterior, [box(25 * KM, 25 * KM, 75 * KM, 75 * KM).exterior]),
            7_500.0,
            id="square-with-a-hole",
        ),
        pytest.param(MultiPolygon([_SQUARE, box(300 * KM, 0, 350 * KM, 50 * KM)]), 12_500.0, id="multipolygon"),
    ],
)
def test_shapes_of_known_area_measure_back_exactly(shape: shapely.Geometry, expected_km2: float) -> None:
    lonlat = _lonlat(shape)
    assert lonlat.crs.to_epsg() == 4326
    assert 20 < lonlat.iloc[0].centroid.x < 40  # really in degrees now, not metres
    assert area_km2(lonlat).iloc[0] == pytest.approx(expected_km2, rel=_RELATIVE)


@pytest.mark.parametrize("bounds", [(30, 48, 31, 49), (22.1, 44.4, 40.2, 52.4)], ids=["1-degree", "all-Ukraine"])
def test_lonlat_boxes_agree_with_the_geodesic_area(bounds: tuple[float, float, float, float]) -> None:
    # densified so that straight edges in either projection follow the same lines on the ellipsoid
    shape = shapely.segmentize(box(*bounds), 0.001)
    geodesic_km2 = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(shape)[0]) / 1e6
    assert area_km2(gpd.GeoSeries([shape], crs="EPSG:4326")).iloc[0] == pytest.approx(geodesic_km2, rel=_RELATIVE)


def test_areas_keep_the_index_and_measure_each_geometry() -> None:
    lonlat = _lonlat(_SQUARE, _L_SHAPE, index=["square", "L"])
    areas = area_km2(lonlat)
    assert areas.index.tolist() == ["square", "L"]
    assert areas.tolist() == pytest.approx([10_000.0, 7_500.0], rel=_RELATIVE)


def test_area_refuses_geometry_without_crs() -> None:
    with pytest.raises(ValueError, match="no CRS"):
        area_km2(gpd.GeoSeries([box(30, 48, 31, 49)]))


def _regions() -> gpd.GeoDataFrame:
    """Two adjacent 100 km squares A | B, and C far away."""
    shapes = _lonlat(box(0, 0, 100 * KM, 100 * KM), box(100 * KM, 0, 200 * KM, 100 * KM),
                     box(500 * KM, 0, 600 * KM, 100 * KM))  # fmt: skip
    return gpd.GeoDataFrame({"region": ["UA-01", "UA-02", "UA-03"]}, geometry=shapes.values, crs="EPSG:4326")


def test_a_square_half_in_each_of_two_regions_splits_in_halves() -> None:
    regions = _regions()
    shapes = _lonlat(
        box(50 * KM, 0, 150 * KM, 100 * KM),  # straddles A | B
        box(0, 0, 20 * KM, 100 * KM),  # inside A only
        box(1000 * KM, 0, 1100 * KM, 100 * KM),  # outside every region
        index=["straddling", "inside-A", "outside"],
    )
    areas = region_areas_km2(shapes, regions)
    assert areas.columns.tolist() == ["UA-01", "UA-02", "UA-03"]
    assert areas.index.tolist() == ["straddling", "inside-A", "outside"]
    assert areas.loc["straddling"].tolist() == pytest.approx([5_000.0, 5_000.0, 0.0], rel=_RELATIVE)
    assert areas.loc["inside-A"].tolist() == pytest.approx([2_000.0, 0.0, 0.0], rel=_RELATIVE)
    assert areas.loc["outside"].tolist() == [0.0, 0.0, 0.0]
    assert areas.loc["straddling", "UA-03"] == 0.0  # exactly 0 where untouched, not a tiny number


def test_region_areas_of_an_empty_geometry_are_zero() -> None:
    shapes = gpd.GeoSeries([Polygon()], crs="EPSG:4326")
    assert region_areas_km2(shapes, _regions()).iloc[0].tolist() == [0.0, 0.0, 0.0]


def test_region_areas_use_the_code_column_given() -> None:
    regions = _regions().assign(iso=["X", "Y", "Z"])
    areas = region_areas_km2(_lonlat(box(50 * KM, 0, 150 * KM, 100 * KM)), regions, code="iso")
    assert areas.columns.tolist() == ["X", "Y", "Z"]


def test_region_areas_refuse_regions_without_crs() -> None:
    regions = gpd.GeoDataFrame({"region": ["UA-01"]}, geometry=[box(30, 48, 31, 49)])
    with pytest.raises(ValueError, match="no CRS"):
        region_areas_km2(gpd.GeoSeries([box(30, 48, 31, 49)], crs="EPSG:4326"), regions)


def test_inputs_are_not_mutated() -> None:
    shapes = _lonlat(box(50 * KM, 0, 150 * KM, 100 * KM), _L_SHAPE, index=["a", "b"])
    regions = _regions()
    shapes_before, regions_before = shapes.copy(deep=True), regions.copy(deep=True)
    area_km2(shapes)
    region_areas_km2(shapes, regions)
    for after, before in ((shapes, shapes_before), (regions.geometry, regions_before.geometry)):
        assert after.crs == before.crs
        assert after.index.equals(before.index)
        assert after.geom_equals_exact(before, tolerance=0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(regions.drop(columns="geometry")),
                                  pd.DataFrame(regions_before.drop(columns="geometry")))  # fmt: skip
    assert regions.columns.tolist() == ["region", "geometry"]
