"""Make the small GeoJSON fixtures in this folder from shapes of known area (run from the project root:
``.venv/bin/python -m tests.data.geo.make_fixtures``). The files are committed; this script says how.

Every shape is drawn in the equal-area CRS (``geodata.areas.EQUAL_AREA_CRS``, metres, centred on
48.5 N 31.5 E, inside Ukraine) and its vertices converted to the file's CRS, so its area measured back
in the equal-area CRS is known exactly: a 100 km square is 10,000 km2. Coordinates keep full precision.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pyproj
import shapely
from shapely.geometry import Polygon, box, mapping

from geodata.areas import EQUAL_AREA_CRS

HERE = Path(__file__).resolve().parent
KM = 1000.0

#: name -> shape in the equal-area CRS (metres); areas in km2 in the comments
SQUARE_A = box(0, 0, 100 * KM, 100 * KM)  # 10,000
SQUARE_B = box(50 * KM, 0, 150 * KM, 100 * KM)  # 10,000, half over A
SQUARE_C = box(150 * KM, 0, 200 * KM, 100 * KM)  # 5,000, beside B
L_SHAPE = Polygon([(0, 0), (100 * KM, 0), (100 * KM, 50 * KM), (50 * KM, 50 * KM), (50 * KM, 100 * KM), (0, 100 * KM)])
# a self-intersecting ring (a bowtie): two triangles of 2,500 km2 that meet in a point
BOWTIE = [(300 * KM, 0), (400 * KM, 100 * KM), (400 * KM, 0), (300 * KM, 100 * KM), (300 * KM, 0)]
ATLANTIC = box(-3000 * KM, 0, -2900 * KM, 100 * KM)  # far west of Ukraine


def _to(crs: str):  # type: ignore[no-untyped-def]
    transformer = pyproj.Transformer.from_crs(EQUAL_AREA_CRS, crs, always_xy=True)
    return lambda xy: list(zip(*transformer.transform(*zip(*xy, strict=True)), strict=True))


def _ring(coords: list[tuple[float, float]], crs: str, z: float | None = None) -> list[list[float]]:
    moved = _to(crs)(coords)
    return [[x, y] if z is None else [x, y, z] for x, y in moved]


def _polygon(shape: Polygon, crs: str = "EPSG:4326", z: float | None = None) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [_ring(list(shape.exterior.coords), crs, z)]}


def _feature(geometry: dict[str, object] | None, **properties: object) -> dict[str, object]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write(name: str, features: list[dict[str, object]], crs: str | None = None) -> None:
    collection: dict[str, object] = {"type": "FeatureCollection"}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    collection["features"] = features
    (HERE / name).write_text(json.dumps(collection, indent=1) + "\n")


def main() -> None:
    # good files
    _write("square_100km.geojson", [_feature(_polygon(SQUARE_A), name="square A")])
    _write("l_shape_3857.geojson", [_feature(_polygon(L_SHAPE, "EPSG:3857"))], crs="urn:ogc:def:crs:EPSG::3857")
    odd = [
        _feature(_polygon(SQUARE_A, "EPSG:4979", z=120.0), part="A"),
        _feature(None, part="no geometry"),
        _feature({"type": "Polygon", "coordinates": [_ring(BOWTIE, "EPSG:4979", z=80.0)]}, part="bowtie"),
        _feature(_polygon(SQUARE_B, "EPSG:4979", z=95.5), part="B, half over A"),
    ]
    _write("odd_4979_3d.geojson", odd, crs="urn:ogc:def:crs:EPSG::4979")
    bowtie = shapely.make_valid(Polygon(_ring(BOWTIE, "EPSG:4326")))  # repaired in lon/lat, as the import does
    twin = shapely.union_all([shapely.geometry.shape(_polygon(SQUARE_A)), shapely.geometry.shape(_polygon(SQUARE_B)),
                              bowtie])  # fmt: skip
    _write("odd_4979_3d_twin_4326.geojson", [_feature(mapping(twin), part="A+B+bowtie, cleaned")])
    _write("two_dates.geojson", [
        _feature(_polygon(SQUARE_A), as_of="2025-10-31"),
        _feature(_polygon(SQUARE_B), as_of="2025-11-30"),
        _feature(_polygon(SQUARE_C), as_of="2025-11-30"),
    ])  # fmt: skip

    # bad files (see tests/geodata/test_import_files.py for the expected messages)
    bad = HERE / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "notes.txt").write_text("Front line notes, 30 November 2025: no map here.\n")
    (bad / "figures.csv").write_text("date,metric,value,source\n2025-11-30,area_controlled_km2,115736.6,ISW\n")
    (bad / "truncated.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "prop')
    _write("bad/empty.geojson", [])
    _write("bad/points.geojson", [_feature({"type": "Point", "coordinates": [31.5, 48.5]}),
                                  _feature({"type": "Point", "coordinates": [32.5, 48.0]})])  # fmt: skip
    _write("bad/lines.geojson", [_feature({"type": "LineString", "coordinates": [[31.5, 48.5], [32.5, 48.0]]})])
    _write("bad/no_geometry.geojson", [_feature(None, name="a"), _feature(None, name="b")])
    # lon/lat by GeoJSON's definition, but the coordinates are metres (EPSG:3857 without saying so)
    _write("bad/metres_without_crs.geojson", [_feature(_polygon(SQUARE_A, "EPSG:3857"))])
    _write("bad/dated.geojson", [_feature(_polygon(SQUARE_A), date="2025-11-30")])
    _write("bad/bad_date.geojson", [_feature(_polygon(SQUARE_A), date="2025-11-30"),
                                    _feature(_polygon(SQUARE_B), date="30/11/2025")])  # fmt: skip
    _write("bad/no_date.geojson", [_feature(_polygon(SQUARE_A), name="no date anywhere")])
    _write("bad/atlantic.geojson", [_feature(_polygon(ATLANTIC))])
    # a Parquet table with a WKT column but no GeoParquet metadata; a zip without a shapefile
    table = pd.DataFrame({"date": ["2025-11-30"], "wkt": ["POLYGON ((30 48, 31 48, 31 49, 30 48))"]})
    table.to_parquet(bad / "plain_table.parquet", index=False)
    with zipfile.ZipFile(bad / "no_shapefile.zip", "w") as archive:
        archive.writestr("README.txt", "The shapefile was forgotten.\n")


if __name__ == "__main__":
    main()
