"""The front line of a held area: its length, and the distance from a city to the held area.

The **front** is the part of the held area's boundary that is neither the state border nor the coast:
the boundary (outer rings and the rings of pockets inside it) clipped to the territory's shipped
outline shrunk by ``BORDER_TOLERANCE_M`` (3 km). The tolerance absorbs the difference between a
source's drawing of the border and coast and the shipped Natural Earth outline (DeepStateMap's
occupied polygon runs up to about 3 km off it along the Russian border and the coasts). Where the
front runs into the border it is cut at the tolerance; each such cut end is given back
``BORDER_TOLERANCE_M`` (the length of a front meeting the border square on), and an open piece
shorter than ``2 * BORDER_TOLERANCE_M`` (a wobble of the source's border line) is not front. Closed
rings (a pocket, an island of held area) count whole, however small.

The length is measured at a stated resolution, ``FRONT_RESOLUTION_M`` (200 m): the held area is
simplified (Douglas-Peucker, topology kept, in the equal-area CRS) at 200 m before its boundary is
measured, so that a source's wiggles below that scale add no length, and the geometry simplified for
the web (``geodata.web``, 200 m and up) measures the same to well under 1 %. Lengths are geodesic
(WGS84 ellipsoid, ``pyproj.Geod``) of the front drawn in EPSG:4326; the clipping is done in the
project's equal-area CRS (metres). Distances are geodesic too: from the city
to the nearest point of the held area found in the equal-area CRS; 0 where the city is inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyproj
import shapely

from geodata.boundaries import load_outline
from geodata.web import project

__all__ = [
    "BORDER_TOLERANCE_M",
    "FRONT_RESOLUTION_M",
    "Front",
    "distance_to_held_km",
    "front_of",
    "frontline_length_km",
    "geodesic_length_km",
    "polygons_of",
]

#: How far inside the shipped outline the held area's boundary must lie to count as front.
BORDER_TOLERANCE_M = 3_000.0
#: The scale at which the front is measured (the web's starting simplification, ``geodata.web``).
FRONT_RESOLUTION_M = 200.0
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class Front:
    """The front of one held area: its lines (EPSG:4326) and its length in km (cut ends given back)."""

    lines: shapely.Geometry
    length_km: float
    cut_ends: int


@cache
def _inner_zone(outline_wkb: bytes, tolerance_m: float) -> shapely.Geometry:
    """The outline (EPSG:4326 WKB) in the equal-area CRS, shrunk by the tolerance, prepared."""
    inner = shapely.buffer(project(shapely.from_wkb(outline_wkb)), -tolerance_m)
    shapely.prepare(inner)
    return inner


@cache
def _shipped_outline_wkb() -> bytes:
    return shapely.to_wkb(load_outline().geometry.values[0])


def polygons_of(geometry: shapely.Geometry | None) -> shapely.Geometry:
    """The polygonal part of a geometry (a repaired one may be a collection with stray lines or points,
    whose boundary GEOS does not compute); an empty polygon for None."""
    if geometry is None or geometry.is_empty:
        return shapely.Polygon()
    if shapely.get_type_id(geometry) in (3, 6):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def geodesic_length_km(lines: shapely.Geometry) -> float:
    """Geodesic length in km of EPSG:4326 lines on the WGS84 ellipsoid."""
    if lines is None or lines.is_empty:
        return 0.0
    return float(_GEOD.geometry_length(lines)) / 1000


def front_of(
    held: shapely.Geometry,
    *,
    outline: shapely.Geometry | None = None,
    tolerance_m: float = BORDER_TOLERANCE_M,
    resolution_m: float = FRONT_RESOLUTION_M,
    projected: shapely.Geometry | None = None,
) -> Front:
    """The front of a held (Multi)Polygon in EPSG:4326 (see the module's definition).

    ``outline``: the territory (EPSG:4326; default the shipped outline of Ukraine); ``resolution_m``:
    the simplification before measuring (0: none); ``projected``: the held area in the equal-area CRS
    where the caller has it already.
    """
    held = polygons_of(held)
    if held.is_empty:
        return Front(shapely.MultiLineString([]), 0.0, 0)
    inner = _inner_zone(_shipped_outline_wkb() if outline is None else shapely.to_wkb(outline), float(tolerance_m))
    shape = project(held) if projected is None else polygons_of(projected)
    if resolution_m > 0:
        shape = shapely.simplify(shape, resolution_m, preserve_topology=True)
    clipped = shapely.line_merge(shapely.intersection(shapely.boundary(shape), inner))
    kept, cut_ends = [], 0
    for part in shapely.get_parts(clipped):
        if shapely.is_closed(part):
            kept.append(part)
        elif shapely.length(part) >= 2 * tolerance_m:
            kept.append(part)
            cut_ends += 2
    lines = project(shapely.multilinestrings(kept), inverse=True) if kept else shapely.MultiLineString([])
    length = geodesic_length_km(lines) + cut_ends * tolerance_m / 1000
    return Front(lines, length, cut_ends)


def frontline_length_km(
    held: shapely.Geometry, *, outline: shapely.Geometry | None = None, tolerance_m: float = BORDER_TOLERANCE_M
) -> float:
    """Length in km of the front of a held (Multi)Polygon in EPSG:4326 (``front_of``)."""
    return front_of(held, outline=outline, tolerance_m=tolerance_m).length_km


def distance_to_held_km(
    held: shapely.Geometry, lon: np.ndarray, lat: np.ndarray, *, projected: shapely.Geometry | None = None
) -> np.ndarray:
    """Geodesic distance in km from each point (EPSG:4326) to the held area; 0 inside or on its edge.

    NaN for every point when there is no held area.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if held is None or held.is_empty:
        return np.full(len(lon), np.nan)
    shape = project(held) if projected is None else projected
    points = project(shapely.points(lon, lat))
    nearest = shapely.get_point(shapely.shortest_line(points, shape), 1)
    back = project(nearest, inverse=True)
    _, _, metres = _GEOD.inv(lon, lat, shapely.get_x(back), shapely.get_y(back))
    out = np.asarray(metres, dtype=float) / 1000
    inside = shapely.intersects_xy(held, lon, lat)
    return np.where(inside, 0.0, out)
