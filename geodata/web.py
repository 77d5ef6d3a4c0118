"""Geometry for drawing on the web: a snapshot simplified once, small enough to send to a browser.

Simplification keeps topology (``shapely.simplify(..., preserve_topology=True)``: no ring crosses
itself or another; for a shape of over ``_THIN_ABOVE`` vertices, the faster plain Douglas-Peucker
result where it is valid and keeps every part and hole) and is done in the equal-area CRS, so the
tolerance is in metres everywhere. The result is a compact GeoJSON geometry in EPSG:4326 with 5
decimals (about 1 m), exteriors wound counter-clockwise (RFC 7946). Its area stays within
``MAX_AREA_ERROR_PCT`` of the original and its text within ``MAX_BYTES``:

1. a shape whose text fits already is kept as it is (tolerance 0): a small smooth shape is never made
   coarser than it needs to be;
2. otherwise the first tolerance tried is fitted to the shape's size (``SIZE_TOLERANCE``: 1/2000 of the
   side of a square of its area; a DeepStateMap snapshot gets about 170 m, a 15 x 11 km ellipse 6 m);
   while the text does not fit, the tolerance grows by 1.5 (each step simplifying the last result);
3. where the first tolerance that fits moves the area too much, the tolerance is searched (bisection)
   between it and the largest one that did not fit, or a tolerance that cannot move the area by more
   than a tenth of the allowed error (``area * error / (20 * perimeter)``: every point moves at most by
   the tolerance).

Each step simplifies the last one's result, so a million-vertex shape is simplified once at full size
(about 0.5 s); for the search, a shape of more than ``_THIN_ABOVE`` vertices is first thinned at the
harmless tolerance (at least 0.5 m, what the 5-decimal grid moves a point by anyway).

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
    "SIZE_TOLERANCE",
    "WebGeometry",
    "equal_area_km2",
    "project",
    "simplify_for_web",
    "web_geojson",
]

MAX_BYTES = 50 * 1024
MAX_AREA_ERROR_PCT = 0.1
#: The first tolerance tried, as a fraction of the side of a square of the shape's area.
SIZE_TOLERANCE = 1 / 2000
_GROWTH = 1.5
_SEARCH_STEPS = 12
_THIN_ABOVE = 100_000
_MAX_TOLERANCE_M = 20_000.0
_MIN_TOLERANCE_M = 0.01
_MIN_BYTES_PER_VERTEX = 8  # "[1.1,2.2]," is 10: a shape with more vertices than max_bytes / 8 cannot fit
_GRID_DEGREES = 1e-5  # 5 decimals, about 1 m
_GRID_M = 0.5  # what rounding to that grid moves a point by, at most (about)


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


def _rings(geometry: shapely.Geometry) -> tuple[int, int]:
    parts = shapely.get_parts(geometry)
    return len(parts), int(shapely.get_num_interior_rings(parts).sum())


def _simplified(projected: shapely.Geometry, tolerance_m: float) -> shapely.Geometry:
    """``shapely.simplify(..., preserve_topology=True)``'s result; for a shape of more than ``_THIN_ABOVE``
    vertices, sooner: the plain Douglas-Peucker result (several times faster there) where it is valid and
    keeps every part and hole."""
    if shapely.get_num_coordinates(projected) > _THIN_ABOVE:
        quick = shapely.simplify(projected, tolerance_m, preserve_topology=False)
        if not shapely.is_empty(quick) and shapely.is_valid(quick) and _rings(quick) == _rings(projected):
            return quick
    return shapely.simplify(projected, tolerance_m, preserve_topology=True)


def _area_error_pct(back: shapely.Geometry, area_m2: float) -> float:
    return abs(float(shapely.area(project(back))) / area_m2 - 1) * 100 if area_m2 else 0.0


def _harmless_tolerance_m(projected: shapely.Geometry, max_area_error_pct: float) -> float:
    """A tolerance (m) that moves the area of ``projected`` by at most a tenth of ``max_area_error_pct``:
    every boundary point moves by at most the tolerance, so the area by at most 2 * tolerance * perimeter."""
    perimeter = float(shapely.length(projected))
    area = float(shapely.area(projected))
    harmless = area * max_area_error_pct / 100 / (20 * perimeter) if perimeter else _MIN_TOLERANCE_M
    return min(max(harmless, _MIN_TOLERANCE_M), _MAX_TOLERANCE_M)


@dataclass(frozen=True)
class _Attempt:
    tolerance_m: float
    metres: shapely.Geometry  # the simplified shape in the equal-area CRS (the next step starts from it)
    text: str  # "" where it has too many vertices to fit whatever their digits (not written out)
    area_error_pct: float

    def fits(self, max_bytes: int) -> bool:
        return bool(self.text) and len(self.text.encode()) <= max_bytes


def simplify_for_web(
    geometry: shapely.Geometry,
    *,
    max_bytes: int = MAX_BYTES,
    max_area_error_pct: float = MAX_AREA_ERROR_PCT,
    projected: shapely.Geometry | None = None,
) -> WebGeometry:
    """Simplify an EPSG:4326 (Multi)Polygon for drawing, within ``max_bytes`` and ``max_area_error_pct``
    (the steps are in the module's doc).

    ``projected``: the same geometry in the equal-area CRS where the caller has it already.
    Raises ``ValueError`` when no tolerance meets both bounds (a shape too detailed to draw at that size).
    """
    projected = project(geometry) if projected is None else projected
    area = float(shapely.area(projected))
    if (
        shapely.get_num_coordinates(geometry) * _MIN_BYTES_PER_VERTEX <= max_bytes
        and len(shapely.to_geojson(shapely.set_precision(geometry, _GRID_DEGREES, mode="pointwise")).encode())
        <= max_bytes
    ):  # fits as it is (on the 5-decimal grid: what is sent, but for winding and repairs): kept
        back = _snapped(geometry)
        text = shapely.to_geojson(back)
        if len(text.encode()) <= max_bytes:
            return WebGeometry(geojson=text, tolerance_m=0.0, area_error_pct=_area_error_pct(back, area))

    def attempt(start: shapely.Geometry, tolerance: float) -> _Attempt:
        simplified = _simplified(start, tolerance)
        if shapely.get_num_coordinates(simplified) * _MIN_BYTES_PER_VERTEX > max_bytes:
            return _Attempt(tolerance, simplified, "", float("nan"))
        back = _snapped(project(simplified, inverse=True))
        return _Attempt(tolerance, simplified, shapely.to_geojson(back), _area_error_pct(back, area))

    def result(found: _Attempt) -> WebGeometry:
        return WebGeometry(geojson=found.text, tolerance_m=found.tolerance_m, area_error_pct=found.area_error_pct)

    tolerance = min(float(np.sqrt(area)) * SIZE_TOLERANCE, _MAX_TOLERANCE_M)
    low = _Attempt(_harmless_tolerance_m(projected, max_area_error_pct), projected, "", 0.0)  # the largest
    high = attempt(projected, max(tolerance, low.tolerance_m))  # known not to fit, and the first that fits
    while not high.fits(max_bytes):
        if high.tolerance_m >= _MAX_TOLERANCE_M:
            raise ValueError(
                f"cannot simplify this geometry to {max_bytes / 1024:.0f} KB (even at {_MAX_TOLERANCE_M:,.0f} m "
                "tolerance it has too many parts or holes): draw it from a coarser source"
            )
        low = high
        high = attempt(low.metres, min(high.tolerance_m * _GROWTH, _MAX_TOLERANCE_M))
    if (
        high.area_error_pct >= max_area_error_pct
        and low.metres is projected
        and (shapely.get_num_coordinates(projected) > _THIN_ABOVE)
    ):  # the search below runs on a thinned copy, not on every vertex
        low = attempt(projected, max(low.tolerance_m, _GRID_M))
        if low.fits(max_bytes) and low.area_error_pct < max_area_error_pct:
            return result(low)
    for _ in range(_SEARCH_STEPS):  # the first fit moves the area too much: search below it
        if high.area_error_pct < max_area_error_pct:
            return result(high)
        middle = attempt(low.metres, float(np.sqrt(low.tolerance_m * high.tolerance_m)))
        if middle.fits(max_bytes):
            high = middle
        else:
            low = middle
    raise ValueError(
        f"cannot simplify this geometry to {max_bytes / 1024:.0f} KB with an area error under "
        f"{max_area_error_pct} % (at {high.tolerance_m:,.1f} m tolerance it fits, but its area changes by "
        f"{high.area_error_pct:.2f} %): draw it from a coarser source"
    )
