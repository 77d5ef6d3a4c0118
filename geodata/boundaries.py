"""Shipped boundaries of Ukraine: Natural Earth 10m admin-1 units (oblasts) and the outline.

The shipped files in ``geodata/data/`` are made by ``python -m geodata.build boundaries`` from the
Natural Earth file; see ``geodata/data/SOURCES.md``. Region codes are ISO 3166-2.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import shapely

from geodata.areas import area_km2

__all__ = [
    "DATA_DIR",
    "ISO_3166_2",
    "OUTLINE_FILE",
    "REGIONS_FILE",
    "load_outline",
    "outline_from_regions",
    "load_regions",
    "regions_from_natural_earth",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "ukraine_oblasts.geojson"
OUTLINE_FILE = DATA_DIR / "ukraine_outline.geojson"

#: Natural Earth admin-1 ``adm1_code`` -> (ISO 3166-2 code, English name in current spelling).
ISO_3166_2: dict[str, tuple[str, str]] = {
    "UKR-283": ("UA-43", "Autonomous Republic of Crimea"),
    "UKR-284": ("UA-48", "Mykolaiv Oblast"),
    "UKR-285": ("UA-74", "Chernihiv Oblast"),
    "UKR-286": ("UA-56", "Rivne Oblast"),
    "UKR-288": ("UA-77", "Chernivtsi Oblast"),
    "UKR-289": ("UA-26", "Ivano-Frankivsk Oblast"),
    "UKR-290": ("UA-68", "Khmelnytskyi Oblast"),
    "UKR-291": ("UA-46", "Lviv Oblast"),
    "UKR-292": ("UA-61", "Ternopil Oblast"),
    "UKR-293": ("UA-21", "Zakarpattia Oblast"),
    "UKR-318": ("UA-07", "Volyn Oblast"),
    "UKR-319": ("UA-71", "Cherkasy Oblast"),
    "UKR-320": ("UA-35", "Kirovohrad Oblast"),
    "UKR-321": ("UA-32", "Kyiv Oblast"),
    "UKR-322": ("UA-51", "Odesa Oblast"),
    "UKR-323": ("UA-05", "Vinnytsia Oblast"),
    "UKR-324": ("UA-18", "Zhytomyr Oblast"),
    "UKR-325": ("UA-59", "Sumy Oblast"),
    "UKR-326": ("UA-12", "Dnipropetrovsk Oblast"),
    "UKR-327": ("UA-14", "Donetsk Oblast"),
    "UKR-328": ("UA-63", "Kharkiv Oblast"),
    "UKR-329": ("UA-09", "Luhansk Oblast"),
    "UKR-330": ("UA-53", "Poltava Oblast"),
    "UKR-331": ("UA-23", "Zaporizhzhia Oblast"),
    "UKR-4826": ("UA-30", "Kyiv"),
    "UKR-4827": ("UA-65", "Kherson Oblast"),
    "UKR-5482": ("UA-40", "Sevastopol"),
}

# Grid snap before simplifying: the source polygons' shared edges differ in the last digits, which
# makes them an invalid coverage; 1e-6 degrees (~0.1 m) makes the edges coincide exactly.
_SNAP_DEGREES = 1e-6
# Simplification tolerance in degrees: keeps every unit's area within 0.06 % of the original.
_SIMPLIFY_DEGREES = 0.005


def regions_from_natural_earth(path: Path) -> gpd.GeoDataFrame:
    """Natural Earth admin-1 units of Ukraine -> shipped regions.

    Columns ``region`` (ISO 3166-2), ``name``, ``area_km2`` (equal-area CRS), geometry in EPSG:4326,
    simplified as one coverage (shared edges stay shared, so the units still dissolve to the outline
    without gaps or slivers).
    """
    src = gpd.read_file(path)
    unknown = sorted(set(src["adm1_code"]) - set(ISO_3166_2))
    assert not unknown, f"Natural Earth units without an ISO 3166-2 code in ISO_3166_2: {unknown}"
    snapped = shapely.set_precision(src.geometry.values, _SNAP_DEGREES)
    assert shapely.coverage_is_valid(snapped), "snapped admin-1 units must form a valid coverage"
    simplified = shapely.coverage_simplify(snapped, _SIMPLIFY_DEGREES)
    codes = [ISO_3166_2[c] for c in src["adm1_code"]]
    regions = gpd.GeoDataFrame(
        {"region": [c for c, _ in codes], "name": [n for _, n in codes]},
        geometry=shapely.make_valid(simplified),
        crs="EPSG:4326",
    )
    regions["area_km2"] = area_km2(regions.geometry).round(3)
    return regions.sort_values("region", ignore_index=True)


def outline_from_regions(regions: gpd.GeoDataFrame, territory: str = "UKR") -> gpd.GeoDataFrame:
    """Dissolve the regions into the territory outline, with its area in km2."""
    outline = gpd.GeoDataFrame(
        {"territory": [territory]}, geometry=[shapely.coverage_union_all(regions.geometry.values)], crs=regions.crs
    )
    outline["area_km2"] = area_km2(outline.geometry).round(3)
    return outline


@cache
def load_regions() -> gpd.GeoDataFrame:
    """The shipped oblasts (EPSG:4326): ``region``, ``name``, ``area_km2``, geometry. Do not mutate."""
    return gpd.read_file(REGIONS_FILE)


@cache
def load_outline() -> gpd.GeoDataFrame:
    """The shipped outline of Ukraine (EPSG:4326): ``territory``, ``area_km2``, geometry. Do not mutate."""
    return gpd.read_file(OUTLINE_FILE)
