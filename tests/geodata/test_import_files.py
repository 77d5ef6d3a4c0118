"""Reading and cleaning spatial files (geodata.ingest): golden shapes of known area in several CRS and
formats, odd-but-valid files that must import right, and a corpus of bad files that must exit 2 with a
clear message and store nothing. The shapes are those of tests/data/geo/make_fixtures.py."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.areas import area_km2
from geodata.ingest import GeoInputError, parse_date, prepare_snapshots, read_spatial_file
from metrics.store import create_schema, get_engine
from tests.geodata.conftest import BAD, GEO_DATA, Run, counts

EXACT = 1e-6  # shapes drawn in the equal-area CRS measure back to this relative precision


def _prepare(path: Path, **options: object) -> gpd.GeoDataFrame:
    return prepare_snapshots(read_spatial_file(path), name=path.name, **options).snapshots  # type: ignore[arg-type]


def _km2(snapshots: gpd.GeoDataFrame) -> list[float]:
    return area_km2(snapshots.geometry).tolist()


# -- golden shapes ---------------------------------------------------------------------------------


def test_a_100_km_square_in_lon_lat_is_10000_km2() -> None:
    snapshots = _prepare(GEO_DATA / "square_100km.geojson", date="2025-11-30")
    assert snapshots["date"].tolist() == [pd.Timestamp("2025-11-30")]
    assert snapshots.crs.to_epsg() == 4326
    assert _km2(snapshots) == pytest.approx([10_000.0], rel=EXACT)


def test_an_l_shape_in_web_mercator_is_reprojected_and_measures_7500_km2() -> None:
    path = GEO_DATA / "l_shape_3857.geojson"
    assert read_spatial_file(path).crs.to_epsg() == 3857
    prepared = prepare_snapshots(read_spatial_file(path), name=path.name, date="2025-11-30")
    assert prepared.source_crs == "EPSG:3857"
    assert any("reprojected from EPSG:3857" in note for note in prepared.notes)
    assert 30 < prepared.snapshots.geometry.iloc[0].centroid.x < 33  # degrees now, not metres
    assert _km2(prepared.snapshots) == pytest.approx([7_500.0], rel=EXACT)


def test_epsg_4979_with_3d_coordinates_a_null_geometry_and_a_bowtie_equals_its_clean_2d_twin() -> None:
    odd = prepare_snapshots(read_spatial_file(GEO_DATA / "odd_4979_3d.geojson"), name="odd", date="2025-11-30")
    twin = _prepare(GEO_DATA / "odd_4979_3d_twin_4326.geojson", date="2025-11-30")
    geometry = odd.snapshots.geometry.iloc[0]
    assert not shapely.has_z(geometry) and geometry.is_valid
    assert _km2(odd.snapshots) == pytest.approx(_km2(twin), rel=1e-9)
    # square A and square B half over it (15,000) plus the bowtie's two triangles (5,000)
    assert _km2(odd.snapshots) == pytest.approx([20_000.0], rel=1e-3)
    assert odd.snapshots["features"].tolist() == [3]
    notes = " | ".join(odd.notes)
    for expected in ("feature 2: no geometry, skipped", "3-D coordinates flattened",
                     "feature 3: invalid geometry (Self-intersection) repaired", "reprojected from EPSG:4979",
                     "features unioned per date: 2025-11-30 (3)"):  # fmt: skip
        assert expected in notes, notes


def test_a_bowtie_alone_is_repaired_into_its_two_triangles(tmp_path: Path) -> None:
    odd = json.loads((GEO_DATA / "odd_4979_3d.geojson").read_text())
    odd["features"] = [f for f in odd["features"] if f["properties"]["part"] == "bowtie"]
    # plain 2-D lon/lat (EPSG:4326, no reprojection step that could repair it too)
    del odd["crs"]
    ring = odd["features"][0]["geometry"]["coordinates"][0]
    odd["features"][0]["geometry"]["coordinates"][0] = [xyz[:2] for xyz in ring]
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(odd))
    frame = read_spatial_file(path)
    assert frame.crs.to_epsg() == 4326 and not frame.geometry.iloc[0].is_valid
    geometry = _prepare(path, date="2025-11-30").geometry.iloc[0]
    assert geometry.is_valid and geometry.geom_type == "MultiPolygon" and len(geometry.geoms) == 2
    assert area_km2(gpd.GeoSeries([geometry], crs="EPSG:4326")).iloc[0] == pytest.approx(5_000.0, rel=1e-3)


def test_a_date_field_makes_one_snapshot_per_date_and_unions_each_dates_features() -> None:
    snapshots = _prepare(GEO_DATA / "two_dates.geojson", date_field="as_of")
    assert snapshots["date"].tolist() == [pd.Timestamp("2025-10-31"), pd.Timestamp("2025-11-30")]
    assert snapshots["features"].tolist() == [1, 2]
    assert _km2(snapshots) == pytest.approx([10_000.0, 15_000.0], rel=EXACT)  # B and C side by side


def test_a_feature_without_geometry_needs_no_date(tmp_path: Path) -> None:
    collection = json.loads((GEO_DATA / "two_dates.geojson").read_text())
    collection["features"].append({"type": "Feature", "properties": {"as_of": None}, "geometry": None})
    path = tmp_path / "with_an_empty_feature.geojson"
    path.write_text(json.dumps(collection))
    prepared = prepare_snapshots(read_spatial_file(path), name=path.name, date_field="as_of")
    assert len(prepared.snapshots) == 2 and "feature 4: no geometry, skipped" in prepared.notes


def test_clipping_cuts_to_the_outline_and_reports_the_area_cut(tmp_path: Path) -> None:
    # a 100 km square straddling the Black Sea coast south of Odesa: part of it is sea
    square = shapely.geometry.box(30.3, 45.8, 31.7, 46.7)
    path = tmp_path / "coast.geojson"
    gpd.GeoDataFrame(geometry=[square], crs="EPSG:4326").to_file(path)
    kept = _prepare(path, date="2025-11-30")
    clipped = prepare_snapshots(read_spatial_file(path), name=path.name, date="2025-11-30", clip=True).snapshots
    assert 0 < _km2(clipped)[0] < _km2(kept)[0]
    assert clipped["clipped_km2"].iloc[0] == pytest.approx(_km2(kept)[0] - _km2(clipped)[0], rel=EXACT)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-11-30", "2025-11-30"), ("2025-11-30T23:10:00", "2025-11-30"), ("2025-11-30T01:10:00+02:00", "2025-11-30"),
     (pd.Timestamp("2025-11-30 06:00"), "2025-11-30"), ("deepstatemap_data_20251201.geojson", "2025-11-30"),
     ("30/11/2025", None), ("20251130", None), ("", None), (None, None), ("soon", None)],
)  # fmt: skip
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == (None if expected is None else pd.Timestamp(expected))


# -- formats ---------------------------------------------------------------------------------------


def _square_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    square = gpd.read_file(GEO_DATA / "square_100km.geojson")
    return gpd.GeoDataFrame({"as_of": ["2025-11-30"]}, geometry=square.geometry.values, crs="EPSG:4326").to_crs(crs)


def _zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path, *, prj: bool = True) -> Path:
    folder.mkdir()
    frame.to_file(folder / "snapshot.shp")
    if not prj:
        (folder / "snapshot.prj").unlink()
    path = folder.parent / f"{folder.name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return path


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:32636"])
@pytest.mark.parametrize("kind", ["gpkg", "zipped-shapefile", "geoparquet"])
def test_geopackage_zipped_shapefile_and_geoparquet_give_the_same_area(kind: str, crs: str, tmp_path: Path) -> None:
    frame = _square_frame(crs)
    if kind == "gpkg":
        path = tmp_path / "snapshot.gpkg"
        frame.to_file(path, driver="GPKG", layer="control")
    elif kind == "geoparquet":
        path = tmp_path / "snapshot.parquet"
        frame.to_parquet(path)
    else:
        path = _zipped_shapefile(frame, tmp_path / "shp")
    snapshots = _prepare(path, date_field="as_of")
    assert snapshots["date"].tolist() == [pd.Timestamp("2025-11-30")]
    # the vertices go back and forth between CRS: the same shape to ~1e-9
    assert _km2(snapshots) == pytest.approx([10_000.0], rel=EXACT)


def test_a_shapefile_without_prj_is_lon_lat_only_where_every_coordinate_is_in_range(tmp_path: Path) -> None:
    lonlat = _zipped_shapefile(_square_frame(), tmp_path / "lonlat", prj=False)
    assert read_spatial_file(lonlat).crs is None
    prepared = prepare_snapshots(read_spatial_file(lonlat), name=lonlat.name, date="2025-11-30")
    assert _km2(prepared.snapshots) == pytest.approx([10_000.0], rel=EXACT)
    assert any("no CRS declared" in note for note in prepared.notes)
    metres = _zipped_shapefile(_square_frame("EPSG:3857"), tmp_path / "metres", prj=False)
    with pytest.raises(GeoInputError, match=r"metres.zip:1: feature 1: coordinates out of range .* declares no CRS"):
        prepare_snapshots(read_spatial_file(metres), name=metres.name, date="2025-11-30")


def test_a_geopackage_with_two_layers_with_geometry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    _square_frame().to_file(path, layer="control")
    _square_frame().to_file(path, layer="advances")
    with pytest.raises(GeoInputError, match=r"two.gpkg: 2 layers with geometry \(control, advances\)"):
        read_spatial_file(path)


# -- the bad-input corpus --------------------------------------------------------------------------

BAD_CASES = [
    ("notes.txt", ["--date", "2025-11-30"], "notes.txt: not a spatial file"),
    ("figures.csv", ["--date", "2025-11-30"], "figures.csv: a table without geometry"),
    ("truncated.geojson", ["--date", "2025-11-30"], "truncated.geojson: not a spatial file"),
    ("empty.geojson", ["--date", "2025-11-30"], "empty.geojson: no features (an empty FeatureCollection"),
    ("points.geojson", ["--date", "2025-11-30"], "points.geojson: no polygons (the features are Point)"),
    ("lines.geojson", ["--date", "2025-11-30"], "lines.geojson: no polygons (the features are LineString)"),
    ("no_geometry.geojson", ["--date", "2025-11-30"], "no_geometry.geojson: none of its 2 features has a geometry"),
    ("metres_without_crs.geojson", ["--date", "2025-11-30"],
     "metres_without_crs.geojson:1: feature 1: coordinates out of range for longitude/latitude"),
    ("dated.geojson", ["--date-field", "when"], "dated.geojson: unknown date field 'when'; fields in the file: date"),
    ("dated.geojson", ["--date-field", "Date"], "dated.geojson: unknown date field 'Date'; did you mean 'date'?"),
    ("bad_date.geojson", ["--date-field", "date"],
     "bad_date.geojson:2: feature 2: date = '30/11/2025' is not a date; use YYYY-MM-DD"),
    ("no_date.geojson", [], "no_date.geojson: no date for the snapshot; give --date YYYY-MM-DD, or --date-field"),
    ("dated.geojson", ["--date", "30.11.2025"], "dated.geojson: --date '30.11.2025' is not a date; use YYYY-MM-DD"),
    ("atlantic.geojson", ["--date", "2025-11-30"], "atlantic.geojson: the snapshot of 2025-11-30 lies entirely "
                                                   "outside the outline of UKR"),
    ("plain_table.parquet", ["--date", "2025-11-30"], "plain_table.parquet: a Parquet file without geometry"),
    ("no_shapefile.zip", ["--date", "2025-11-30"], "no_shapefile.zip: not a spatial file"),
    ("missing.geojson", ["--date", "2025-11-30"], "missing.geojson: no such file"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "options", "message"), BAD_CASES, ids=[f"{c[0]}{c[1][:1]}" for c in BAD_CASES])
def test_bad_input_exits_2_with_a_clear_message_and_stores_nothing(
    name: str, options: list[str], message: str, cli_on: Callable[[str], Callable[..., Run]], sqlite_url: str
) -> None:
    run = cli_on(sqlite_url)
    result = run("import", BAD / name, "--source", "Test", "--definition", "occupied", *options)
    assert result.code == 2, result
    assert message in result.err, result.err
    assert result.out == ""
    engine = get_engine(sqlite_url)
    create_schema(engine)
    assert counts(engine) == {"batches": 0, "figures": 0, "snapshots": 0}


def test_an_empty_source_is_bad_input(cli_on: Callable[[str], Callable[..., Run]], sqlite_url: str) -> None:
    result = cli_on(sqlite_url)("import", GEO_DATA / "square_100km.geojson", "--source", " ", "--definition", "x",
                                "--date", "2025-11-30")  # fmt: skip
    assert result.code == 2 and "--source is empty" in result.err


def test_date_and_date_field_together_are_refused_by_the_parser(
    cli_on: Callable[[str], Callable[..., Run]], sqlite_url: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_on(sqlite_url)("import", GEO_DATA / "two_dates.geojson", "--source", "T", "--definition", "d",
                           "--date", "2025-11-30", "--date-field", "as_of")  # fmt: skip
    assert exit_info.value.code == 2


def test_the_bad_corpus_covers_every_file_in_the_folder() -> None:
    used = {name for name, _, _ in BAD_CASES}
    assert {p.name for p in BAD.iterdir()} <= used


def test_reading_does_not_change_the_fixture_files(tmp_path: Path) -> None:
    copy = tmp_path / "odd.geojson"
    shutil.copy(GEO_DATA / "odd_4979_3d.geojson", copy)
    before = copy.read_bytes()
    prepare_snapshots(read_spatial_file(copy), name=copy.name, date="2025-11-30")
    assert copy.read_bytes() == before
