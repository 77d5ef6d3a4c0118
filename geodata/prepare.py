"""Control snapshots from spatial files, read and checked: one clean (Multi)Polygon per date, nothing stored.

    read_spatial_file(path)          GeoJSON, GeoPackage, zipped Shapefile (pyogrio), GeoParquet
    prepare_snapshots(frame, ...)    checked and cleaned snapshots, one (Multi)Polygon per date

Cleaning (DESIGN.md, Geometry): features without geometry and non-polygonal features are skipped
(and reported); 3-D coordinates are flattened; invalid rings are repaired with ``make_valid``; the
features of one date are unioned; the geometry is reprojected from the file's CRS to EPSG:4326. A file
without a CRS is read as lon/lat only where every coordinate is in range, else refused; so is a file
read as lon/lat whose coordinates are out of range (a GeoJSON without a "crs" member is lon/lat by
definition). ``clip=True`` cuts the snapshot to the territory's outline; the area outside the outline
is reported either way; a snapshot larger than the whole territory is refused (naming ``--clip``).

Dates: ``date`` for the whole file, or ``date_field`` naming the field with each feature's date.
Without either, a file named like the DeepStateMap archive (``deepstatemap_data_YYYYMMDD.geojson``)
is dated by the archive's convention (``geodata.deepstate``: file of D = map as of D-1); a date field
whose values are such file names (the ``source_file`` column of the archive's GeoParquet) too.

Bad input raises ``GeoInputError``, one line per problem as ``FILE: message; what to do`` or
``FILE:N: feature N: ...`` (N counts features from 1 in the file's order).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geodata.areas import area_km2
from geodata.boundaries import load_outline
from geodata.errors import GeoInputError, RetractedImportError
from geodata.feature_dates import feature_dates, numbers, parse_date
from geodata.snapshots import territory_area_km2

__all__ = [
    "FORMATS_HINT",
    "GeoInputError",
    "MAX_VERTICES",
    "PreparedSnapshots",
    "RetractedImportError",
    "chunks",
    "parse_date",
    "prepare_snapshots",
    "read_spatial_file",
    "threaded",
]

T = TypeVar("T")
R = TypeVar("R")
FORMATS_HINT = "GeoJSON, GeoPackage, a zipped Shapefile or GeoParquet"
_POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon
_COLLECTION = 7
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}  # fmt: skip
#: The most vertices one feature may have: a million-vertex polygon imports in about 5 to 17 s and 0.7 GB
#: (tests/geodata/test_import_limits.py); more is refused before any geometry work, with how to thin it
#: first. A file may hold ten times as many in all (the DeepStateMap archive's 769 days hold 2.3 million).
MAX_VERTICES = 2_000_000
_MAX_FILE_VERTICES_FACTOR = 10


# -- threads ------------------------------------------------------------------------------------

_WORKERS = max(1, min(4, os.cpu_count() or 1))
_MIN_CHUNK = 16


def chunks(items: T) -> list[T]:
    """``items`` (an array or frame) cut into one contiguous chunk per worker thread (one chunk if small)."""
    n = min(_WORKERS, max(1, len(items) // _MIN_CHUNK))
    bounds = np.linspace(0, len(items), n + 1).astype(int)
    rows = items.iloc if isinstance(items, pd.DataFrame) else items
    return [rows[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def threaded(func: Callable[[T], R], chunks: list[T]) -> list[R]:
    """``func`` over the chunks, in threads: shapely releases the GIL in its vectorised operations."""
    if len(chunks) <= 1:
        return [func(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return list(pool.map(func, chunks))


# -- reading ---------------------------------------------------------------------------------------


def read_spatial_file(path: Path) -> gpd.GeoDataFrame:
    """Read a spatial file with pyogrio (GeoParquet with ``geopandas.read_parquet``).

    One layer is read: the file's only layer with geometry. Raises ``GeoInputError`` for a file that
    is missing, not spatial, a table without geometry, or holds several layers with geometry.
    """
    name = path.name
    if not path.is_file():
        raise GeoInputError(f"{path}: no such file; check the path")
    with path.open("rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        try:
            return gpd.read_parquet(path)
        except (ValueError, TypeError) as exc:
            reason = str(exc).split("\n")[0].strip().rstrip(".")
            raise GeoInputError(
                f"{name}: a Parquet file without geometry ({reason}); give GeoParquet (GeoPandas to_parquet, GDAL)"
            ) from None
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        reason = str(exc).split(";")[0].replace("/vsizip/", "").replace(str(path), name).rstrip(".")
        raise GeoInputError(f"{name}: not a spatial file ({reason}); give {FORMATS_HINT}") from None
    spatial = [str(layer) for layer, geometry_type in layers if geometry_type is not None]
    if not spatial:
        raise GeoInputError(f"{name}: a table without geometry (no layer has a geometry column); give {FORMATS_HINT}")
    if len(spatial) > 1:
        listed = ", ".join(spatial[:10])
        raise GeoInputError(f"{name}: {len(spatial)} layers with geometry ({listed}); put the snapshot's layer alone "
                            "in a file")  # fmt: skip
    try:
        frame = gpd.read_file(path, engine="pyogrio", layer=spatial[0])
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise GeoInputError(f"{name}: cannot be read ({exc}); give {FORMATS_HINT}") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise GeoInputError(f"{name}: a table without geometry; give {FORMATS_HINT}")
    return frame


# -- checking and cleaning -------------------------------------------------------------------------


@dataclass
class PreparedSnapshots:
    """Snapshots checked and cleaned, ready to measure: one row per date, oldest first.

    ``snapshots``: ``date`` (datetime64), ``features`` (how many were unioned), ``clipped_km2`` (area
    cut away by clipping, 0 without), geometry ((Multi)Polygon, EPSG:4326). ``notes``: what was done.
    """

    name: str
    snapshots: gpd.GeoDataFrame
    source_crs: str
    clipped: bool
    notes: list[str] = field(default_factory=list)


def _polygonal(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """The polygonal part of a geometry (None where it has none)."""
    if geometry is None:
        return None
    type_id = shapely.get_type_id(geometry)
    if type_id in _POLYGONAL:
        return None if geometry.is_empty else geometry
    if type_id == _COLLECTION:
        parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in _POLYGONAL and not p.is_empty]
        return shapely.union_all(parts) if parts else None
    return None


def _coord(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def _check_crs_and_range(frame: gpd.GeoDataFrame, geoms: np.ndarray, keep: np.ndarray, name: str) -> tuple[CRS, str]:
    """The CRS to read the file in, and a note; refuse coordinates out of the lon/lat range where the
    file declares no CRS or a geographic one."""
    bounds = shapely.bounds(geoms)
    finite = np.isfinite(bounds).all(axis=1)
    bad = np.flatnonzero(keep & ~finite)
    if len(bad):
        raise GeoInputError(
            f"{name}:{bad[0] + 1}: {numbers(bad)}: coordinates are not finite numbers (NaN or infinity); "
            "fix or drop the feature"
        )
    crs = frame.crs
    declared = crs.to_string() if crs is not None else "no CRS"
    if crs is not None and not crs.is_geographic:
        return crs, ""
    out = keep & ((bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90))
    if out.any():
        bad = np.flatnonzero(out)
        b = bounds[bad[0]]
        read_as = "the file declares no CRS" if crs is None else f"the file is read as {declared} (longitude/latitude)"
        raise GeoInputError(
            f"{name}:{bad[0] + 1}: {numbers(bad)}: coordinates out of range for longitude/latitude "
            f"(x {_coord(b[0])} to {_coord(b[2])}, y {_coord(b[1])} to {_coord(b[3])}) and {read_as}; declare its CRS "
            '(GeoJSON "crs" member, Shapefile .prj, GeoPackage srs) or reproject it to EPSG:4326'
        )
    if crs is None:
        return CRS.from_epsg(4326), "no CRS declared: every coordinate is in the lon/lat range, read as EPSG:4326"
    return crs, ""


def prepare_snapshots(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    date: dt.date | str | None = None,
    date_field: str | None = None,
    clip: bool = False,
    territory: str = "UKR",
) -> PreparedSnapshots:
    """Check and clean the features of a file into one snapshot per date (see the module's doc).

    Raises ``GeoInputError`` for bad input. Pure: ``frame`` is not changed.
    """
    if len(frame) == 0:
        raise GeoInputError(f"{name}: no features (an empty FeatureCollection or layer); nothing to import")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    per_feature = shapely.get_num_coordinates(geoms)
    largest, vertices = int(per_feature.max()), int(per_feature.sum())
    if largest > MAX_VERTICES or vertices > _MAX_FILE_VERTICES_FACTOR * MAX_VERTICES:
        one = len(geoms) > 1 and largest > MAX_VERTICES
        feature = f" (feature {int(per_feature.argmax()) + 1})" if one else ""
        file_limit = _MAX_FILE_VERTICES_FACTOR * MAX_VERTICES
        count, limit = (largest, MAX_VERTICES) if largest > MAX_VERTICES else (vertices, file_limit)
        raise GeoInputError(
            f"{name}: {count:,} vertices{feature}, more than the {limit:,} an import takes; simplify the file "
            "first (e.g. `ogr2ogr -simplify 10 out.gpkg in.gpkg`: 10 m in the file's CRS units) and import that"
        )
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    dates, date_note = feature_dates(frame, name, date, date_field, ~missing)
    notes = [date_note] if date_note else []
    if missing.all():
        raise GeoInputError(f"{name}: none of its {len(geoms)} features has a geometry; give features with polygons")
    if missing.any():
        notes.append(f"{numbers(np.flatnonzero(missing))}: no geometry, skipped")
    type_ids = np.where(missing, -1, shapely.get_type_id(geoms))
    crs, crs_note = _check_crs_and_range(frame, geoms, ~missing, name)
    if crs_note:
        notes.append(crs_note)

    geoms = shapely.force_2d(geoms)
    if shapely.has_z(np.asarray(frame.geometry.values, dtype=object)).any():
        notes.append("3-D coordinates flattened to 2-D")
    cleaned = np.array([None] * len(geoms), dtype=object)
    polygonal = ~missing & np.isin(type_ids, [*_POLYGONAL, _COLLECTION])
    valid = np.zeros(len(geoms), dtype=bool)
    valid[polygonal] = np.concatenate(threaded(shapely.is_valid, chunks(geoms[polygonal])))
    cleaned[valid] = geoms[valid]
    repair = np.flatnonzero(polygonal & ~valid)
    if len(repair):
        reasons = shapely.is_valid_reason(geoms[repair])
        cleaned[repair] = shapely.make_valid(geoms[repair])
        first = str(reasons[0]).split("[")[0]
        notes.append(f"{numbers(repair)}: invalid geometry ({first}) repaired with make_valid")
    cleaned[polygonal] = [_polygonal(g) for g in cleaned[polygonal]]
    kept = np.array([g is not None for g in cleaned])
    dropped = np.flatnonzero(~missing & ~kept)
    if not kept.any():
        kinds = sorted({_TYPE_NAMES.get(int(t), "unknown") for t in type_ids[~missing]})
        raise GeoInputError(
            f"{name}: no polygons (the features are {', '.join(kinds)}); a control snapshot is an area: give "
            "Polygon or MultiPolygon features"
        )
    if len(dropped):
        kinds = sorted({_TYPE_NAMES.get(int(t), "unknown") for t in type_ids[dropped]})
        notes.append(f"{numbers(dropped)}: no area ({', '.join(kinds)}), skipped")

    series = gpd.GeoSeries(cleaned[kept], crs=crs)
    source_crs = crs.to_string()
    if not crs.equals("EPSG:4326", ignore_axis_order=True):
        series = series.to_crs("EPSG:4326")
        if not np.isfinite(shapely.bounds(series.values)).all():
            raise GeoInputError(f"{name}: coordinates could not be reprojected from {source_crs} to EPSG:4326 (outside "
                                "the CRS's area of use); check the CRS the file declares")  # fmt: skip
        notes.append(f"reprojected from {source_crs} to EPSG:4326")
        moved = np.asarray(series.values, dtype=object)
        broken = ~shapely.is_valid(moved)
        if broken.any():
            moved[broken] = [_polygonal(g) for g in shapely.make_valid(moved[broken])]
        series = gpd.GeoSeries(moved, crs="EPSG:4326")
    else:
        series = series.set_crs("EPSG:4326", allow_override=True)

    by_date = pd.DataFrame({"date": dates[kept], "geometry": np.asarray(series.values, dtype=object)})
    rows = []
    for day, group in by_date.groupby("date", sort=True):
        parts = [g for g in group["geometry"] if g is not None]
        geometry = parts[0] if len(parts) == 1 else _polygonal(shapely.union_all(parts))
        rows.append({"date": day, "features": len(parts), "geometry": geometry})
    merged = [r for r in rows if r["features"] > 1]
    if merged:
        listed = ", ".join(f"{r['date']:%Y-%m-%d} ({r['features']})" for r in merged[:10])
        notes.append(f"features unioned per date: {listed}")
    snapshots = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    _check_inside(snapshots, name, territory)
    snapshots["clipped_km2"] = 0.0
    if clip:
        snapshots = _clip(snapshots, name, territory)
    else:
        _check_not_larger(snapshots, name, territory)
    return PreparedSnapshots(name=name, snapshots=snapshots, source_crs=source_crs, clipped=clip, notes=notes)


def _outline(territory: str, name: str) -> shapely.Geometry:
    outline = load_outline()
    outline = outline[outline["territory"] == territory]
    if outline.empty:
        raise GeoInputError(f"{name}: no shipped outline of territory {territory!r}; only UKR is supported")
    shape = outline.geometry.iloc[0]
    shapely.prepare(shape)
    return shape


def _check_inside(snapshots: gpd.GeoDataFrame, name: str, territory: str) -> None:
    """Refuse a snapshot that does not touch the territory at all (a wrong CRS, swapped axes...)."""
    touching = shapely.intersects(_outline(territory, name), np.asarray(snapshots.geometry.values, dtype=object))
    if not touching.all():
        day = snapshots["date"].iloc[int(np.flatnonzero(~touching)[0])]
        raise GeoInputError(
            f"{name}: the snapshot of {day:%Y-%m-%d} lies entirely outside the outline of {territory}; check the "
            "CRS the file declares and the order of its coordinates (longitude first)"
        )


def _check_not_larger(snapshots: gpd.GeoDataFrame, name: str, territory: str) -> None:
    """Refuse a snapshot larger than the whole territory (its share would be over 100 %), one line per
    date, saying that ``--clip`` cuts it to the outline."""
    official = territory_area_km2(territory)
    areas = area_km2(snapshots.geometry).to_numpy()
    over = np.flatnonzero(areas > official)
    if len(over):
        raise GeoInputError([
            f"{name}: the snapshot of {snapshots['date'].iloc[i]:%Y-%m-%d} covers {areas[i]:,.0f} km2, more than the "
            f"whole of {territory} ({official:,.0f} km2); import it with --clip to cut it to the outline of "
            f"{territory}, or check the CRS the file declares"
            for i in over
        ])  # fmt: skip


def _clip(snapshots: gpd.GeoDataFrame, name: str, territory: str) -> gpd.GeoDataFrame:
    shape = _outline(territory, name)
    before = area_km2(snapshots.geometry)
    clipped = [_polygonal(g) for g in shapely.intersection(np.asarray(snapshots.geometry.values, dtype=object), shape)]
    empty = [d for d, g in zip(snapshots["date"], clipped, strict=True) if g is None]
    if empty:  # it touches the outline without overlapping it
        raise GeoInputError(f"{name}: the snapshot of {empty[0]:%Y-%m-%d} has no area inside the outline of "
                            f"{territory}; check its CRS and coordinates, or import without --clip")  # fmt: skip
    out = snapshots.set_geometry(gpd.GeoSeries(clipped, index=snapshots.index, crs="EPSG:4326"))
    out["clipped_km2"] = (before - area_km2(out.geometry)).clip(lower=0).to_numpy()
    return out


# -- importing into the store ----------------------------------------------------------------------
