"""Equal-area measurement of polygons: areas in km2 and per-region overlays.

Every area in the project is computed here, after projecting to ``EQUAL_AREA_CRS``, a Lambert
azimuthal equal-area projection centred on Ukraine (48.5 N, 31.5 E). Areas in degrees are refused.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["EQUAL_AREA_CRS", "area_km2", "region_areas_km2", "to_equal_area"]

EQUAL_AREA_CRS = "+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
_M2_PER_KM2 = 1_000_000.0


def to_equal_area(geoms: gpd.GeoSeries | gpd.GeoDataFrame) -> gpd.GeoSeries | gpd.GeoDataFrame:
    """Project to ``EQUAL_AREA_CRS``; refuse geometry without a CRS (it cannot be measured)."""
    if geoms.crs is None:
        raise ValueError("geometry has no CRS: set the CRS it was drawn in (set_crs) before measuring")
    return geoms.to_crs(EQUAL_AREA_CRS)


def area_km2(geoms: gpd.GeoSeries) -> pd.Series:
    """Area of each geometry in km2, measured in the equal-area CRS (input CRS left unchanged)."""
    return to_equal_area(geoms).area / _M2_PER_KM2


def region_areas_km2(geoms: gpd.GeoSeries, regions: gpd.GeoDataFrame, code: str = "region") -> pd.DataFrame:
    """Area in km2 of each geometry inside each region.

    Returns a frame indexed like ``geoms`` with one column per region code (``regions[code]``).
    Regions the geometry does not touch get 0. Both inputs are projected to the equal-area CRS.
    """
    shapes = to_equal_area(geoms).values
    parts = to_equal_area(regions.geometry).values
    shapely.prepare(parts)
    out = np.zeros((len(shapes), len(parts)))
    for i, shape in enumerate(shapes):
        if shape is None or shape.is_empty:
            continue
        touching = np.flatnonzero(shapely.intersects(parts, shape))
        pieces = shapely.intersection(parts[touching], shape)
        out[i, touching] = shapely.area(pieces) / _M2_PER_KM2
    return pd.DataFrame(out, index=geoms.index, columns=regions[code].to_list())
