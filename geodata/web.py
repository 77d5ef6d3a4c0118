"""Geometry for drawing on the web: a snapshot simplified once, small enough to send to a browser.

Simplification keeps topology (``shapely.simplify(..., preserve_topology=True)``: no ring crosses
itself or another) and is done in the equal-area CRS, so the tolerance is in metres everywhere. The
result is a compact GeoJSON geometry in EPSG:4326 with 5 decimals (about 1 m), exteriors wound
counter-clockwise (RFC 7946). Its area stays within ``MAX_AREA_ERROR_PCT`` of the original and its
text within ``MAX_BYTES``: the tolerance starts at ``START_TOLERANCE_M`` and grows until the text fits.

Figures never use this geometry: they are measured on the stored snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyproj
import shapely

from geodata.areas import EQUAL_AREA_CRS

__all__ = [
    "MAX_AREA_ERROR_PCT",
    "MAX_BYTES",
    "START_TOLERANCE_M",
    "WebGeometry",
    "equal_area_km2",
    "project",
    "simplify_for_web",
    "web_geojson",
]

MAX_BYTES = 50 * 1024
MAX_AREA_ERROR_PCT = 0.1
START_TOLERANCE_M = 200.0  # DeepStateMap snapshots: about 40 KB and 0.005 % area error
_GROWTH = 1.5
_MAX_TOLERANCE_M = 20_000.0
_GRID_DEGREES = 1e-5  # 5 decimals, about 1 m


@dataclass(frozen=True)
class WebGeometry:
    """A snapshot simplified for drawing: GeoJSON geometry text (EPSG:4326) and how it was made."""

    geojson: str
    tolerance_m: float
    area_error_pct: float

    @property
    def size_bytes(self) -> int:
        return len(self.geojson.encode())

    @property
    def geometry(self) -> shapely.Geometry:
        """The simplified geometry as a shapely object (EPSG:4326)."""
        return shapely.from_geojson(self.geojson)

    def feature(self, **properties: object) -> dict[str, object]:
        """A GeoJSON Feature with this geometry and the given properties."""
        return {"type": "Feature", "properties": properties, "geometry": json.loads(self.geojson)}


@cache
def _transformer(forward: bool) -> pyproj.Transformer:
    crs = ("EPSG:4326", EQUAL_AREA_CRS) if forward else (EQUAL_AREA_CRS, "EPSG:4326")
    return pyproj.Transformer.from_crs(*crs, always_xy=True)


def project(geometry: shapely.Geometry, *, inverse: bool = False) -> shapely.Geometry:
    """EPSG:4326 geometry to the equal-area CRS (metres), or back with ``inverse=True``."""
    transformer = _transformer(not inverse)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def equal_area_km2(geometry: shapely.Geometry) -> float:
    """Area in km2 of one EPSG:4326 geometry, measured in the equal-area CRS."""
    return float(shapely.area(project(geometry))) / 1e6


def web_geojson(geometry: shapely.Geometry) -> str:
    """Compact GeoJSON text of an EPSG:4326 geometry for drawing: 5 decimals, RFC 7946 winding; no
    simplification (for small shapes such as the gains and losses between two dates)."""
    return shapely.to_geojson(_snapped(geometry))


def _snapped(geometry: shapely.Geometry) -> shapely.Geometry:
    """On the 5-decimal grid, valid, exteriors counter-clockwise. Rounding each vertex is enough almost
    always; where it makes the shape invalid, GEOS snaps it to the grid keeping it valid."""
    snapped = shapely.set_precision(geometry, _GRID_DEGREES, mode="pointwise")
    if not shapely.is_valid(snapped):
        snapped = shapely.set_precision(geometry, _GRID_DEGREES)
    return shapely.orient_polygons(snapped, exterior_cw=False)


def simplify_for_web(
    geometry: shapely.Geometry,
    *,
    max_bytes: int = MAX_BYTES,
    max_area_error_pct: float = MAX_AREA_ERROR_PCT,
    start_tolerance_m: float = START_TOLERANCE_M,
    projected: shapely.Geometry | None = None,
) -> WebGeometry:
    """Simplify an EPSG:4326 (Multi)Polygon for drawing, within ``max_bytes`` and ``max_area_error_pct``.

    ``projected``: the same geometry in the equal-area CRS where the caller has it already.
    Raises ``ValueError`` when no tolerance meets both bounds (a shape too detailed to draw at that size).
    """
    projected = project(geometry) if projected is None else projected
    area = float(shapely.area(projected))
    tolerance = start_tolerance_m
    while tolerance <= _MAX_TOLERANCE_M:
        simplified = shapely.simplify(projected, tolerance, preserve_topology=True)
        back = _snapped(project(simplified, inverse=True))
        text = shapely.to_geojson(back)
        error_pct = abs(float(shapely.area(project(back))) / area - 1) * 100 if area else 0.0
        if len(text.encode()) <= max_bytes:
            if error_pct >= max_area_error_pct:
                break
            return WebGeometry(geojson=text, tolerance_m=tolerance, area_error_pct=error_pct)
        tolerance *= _GROWTH
    raise ValueError(
        f"cannot simplify this geometry to {max_bytes / 1024:.0f} KB with an area error under "
        f"{max_area_error_pct} % (reached {tolerance:,.0f} m tolerance): draw it from a coarser source"
    )
