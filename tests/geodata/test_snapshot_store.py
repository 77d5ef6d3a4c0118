"""Snapshots in the store (geodata.store, geodata.ingest.import_file), on SQLite and PostgreSQL: one
batch per import with its derived figures, supersession and retraction like figures, the same import
twice, the web geometry cache, ``areas`` and ``change`` from the store, and the CLI around them."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, delete

import geodata.store
from geodata.boundaries import load_regions
from geodata.change import snapshot_change
from geodata.ingest import GeoInputError, RetractedImportError, import_file
from geodata.store import (
    NoSnapshotError,
    SnapshotWeb,
    current_snapshots,
    snapshot_areas,
    snapshot_dates,
    web_geometry,
)
from geodata.web import MAX_AREA_ERROR_PCT, MAX_BYTES
from metrics.store import read_figures, set_batch_status, write_transaction
from tests.geodata.conftest import GEO_DATA, Run, counts

OFFICIAL_KM2 = 603_628.0
EXACT = 1e-6


def _import(engine: Engine, name: str, **options: object):  # type: ignore[no-untyped-def]
    return import_file(engine, GEO_DATA / name, source="Test", definition="occupied", **options)  # type: ignore[arg-type]


def _whole(engine: Engine, metric: str) -> pd.Series:
    figures = read_figures(engine, sources=["Test"], regions=[""], metrics=[metric])
    return figures.set_index("date")["value"]


def test_an_import_stores_one_batch_with_snapshots_and_derived_figures(engine: Engine) -> None:
    result = _import(engine, "two_dates.geojson", date_field="as_of")
    assert result.status == "stored" and result.batch_id is not None
    snapshots = current_snapshots(engine, source="Test")
    assert snapshots["date"].tolist() == [pd.Timestamp("2025-10-31"), pd.Timestamp("2025-11-30")]
    assert snapshot_dates(engine, source="Test") == snapshots["date"].tolist()
    assert snapshot_dates(engine, source="Test", definition="claimed") == []
    assert snapshots["batch_id"].tolist() == [result.batch_id] * 2
    assert snapshots["area_km2"].tolist() == pytest.approx([10_000.0, 15_000.0], rel=EXACT)
    assert snapshots.crs.to_epsg() == 4326
    assert area_of(snapshots.geometry.iloc[1]) == pytest.approx(15_000.0, rel=EXACT)

    figures = read_figures(engine, sources=["Test"])
    assert set(figures["batch_id"]) == {result.batch_id} and figures["derived"].all()
    areas = figures[figures["metric"].isin(["area_controlled_km2", "share_controlled_pct"])]
    assert len(areas) == 2 * 28 * 2  # 2 dates x (whole + 27 regions) x (area, share); the front line's besides
    area, share = _whole(engine, "area_controlled_km2"), _whole(engine, "share_controlled_pct")
    assert area.tolist() == pytest.approx([10_000.0, 15_000.0], abs=0.001)
    assert share.tolist() == pytest.approx([10_000 / OFFICIAL_KM2 * 100, 15_000 / OFFICIAL_KM2 * 100], abs=0.001)
    # the squares lie inside the outline: the regions' areas add up to the whole
    regions = figures[(figures["region"] != "") & (figures["metric"] == "area_controlled_km2")]
    assert regions.groupby("date")["value"].sum().tolist() == pytest.approx([10_000.0, 15_000.0], abs=0.01)
    # 112 area figures and 22 of the front line (length, settlements, population)
    assert counts(engine) == {"batches": 1, "figures": 112 + 22, "snapshots": 2}


def area_of(geometry: shapely.Geometry) -> float:
    from geodata.web import equal_area_km2

    return equal_area_km2(geometry)


def test_a_different_geometry_supersedes_and_retracting_brings_the_old_one_back(engine: Engine) -> None:
    first = _import(engine, "square_100km.geojson", date="2025-10-31")
    second = _import(engine, "l_shape_3857.geojson", date="2025-10-31")
    assert second.status == "stored" and second.batch_id != first.batch_id
    assert second.snapshots["previous_batch_id"].tolist() == [first.batch_id]
    assert "supersedes batch" in "\n".join(second.summary())
    current = current_snapshots(engine, source="Test", geometry=False)
    assert current["batch_id"].tolist() == [second.batch_id]
    assert _whole(engine, "area_controlled_km2").tolist() == pytest.approx([7_500.0], abs=0.001)

    set_batch_status(engine, second.batch_id, "retracted")
    current = current_snapshots(engine, source="Test", geometry=False)
    assert current["batch_id"].tolist() == [first.batch_id]
    assert _whole(engine, "area_controlled_km2").tolist() == pytest.approx([10_000.0], abs=0.001)
    assert counts(engine)["snapshots"] == 2  # nothing deleted


def test_the_same_import_again_stores_nothing_and_names_its_batch(engine: Engine) -> None:
    first = _import(engine, "square_100km.geojson", date="2025-10-31")
    before = counts(engine)
    again = _import(engine, "square_100km.geojson", date="2025-10-31")
    assert again.status == "already imported" and again.batch_id == first.batch_id
    assert again.summary()[0] == f"square_100km.geojson: already imported as batch {first.batch_id}; nothing stored"
    assert counts(engine) == before
    # the same file for another date is another snapshot, in a new batch
    other_day = _import(engine, "square_100km.geojson", date="2025-11-30")
    assert other_day.status == "stored" and other_day.batch_id != first.batch_id


def test_the_same_geometry_from_another_file_is_not_stored_twice(engine: Engine, tmp_path: Path) -> None:
    # two_dates.geojson's 2025-10-31 feature is square A, as is square_100km.geojson
    first = _import(engine, "square_100km.geojson", date="2025-10-31")
    before = counts(engine)
    both = _import(engine, "two_dates.geojson", date_field="as_of")
    assert both.status == "stored"
    assert both.snapshots["stored"].tolist() == [False, True]
    assert f"unchanged from batch {first.batch_id}, not stored again" in "\n".join(both.summary())
    assert counts(engine)["snapshots"] == before["snapshots"] + 1
    # and where every snapshot is unchanged, nothing at all is stored: the same square, other bytes
    compact = tmp_path / "square_compact.geojson"
    compact.write_text(json.dumps(json.loads((GEO_DATA / "square_100km.geojson").read_text())))
    before = counts(engine)
    again = import_file(engine, compact, source="Test", definition="occupied", date="2025-10-31")
    assert again.status == "unchanged" and again.batch_id is None
    expected = f"square_compact.geojson: the same snapshot already stored (batch {first.batch_id}); nothing stored"
    assert again.summary()[0] == expected
    assert counts(engine) == before


def test_reimporting_a_retracted_import_is_refused_with_the_way_to_restore_it(engine: Engine) -> None:
    first = _import(engine, "square_100km.geojson", date="2025-10-31")
    set_batch_status(engine, first.batch_id, "retracted")
    before = counts(engine)
    with pytest.raises(RetractedImportError, match=f"python -m metrics restore {first.batch_id}"):
        _import(engine, "square_100km.geojson", date="2025-10-31")
    assert counts(engine) == before


def test_reimporting_a_superseded_import_says_which_batch_to_retract(engine: Engine) -> None:
    first = _import(engine, "square_100km.geojson", date="2025-10-31")
    second = _import(engine, "l_shape_3857.geojson", date="2025-10-31")
    before = counts(engine)
    with pytest.raises(
        GeoInputError,
        match=rf"already imported as batch {first.batch_id}, since superseded by "
        rf"batch {second.batch_id}.*python -m metrics retract {second.batch_id}",
    ):
        _import(engine, "square_100km.geojson", date="2025-10-31")
    assert counts(engine) == before
    set_batch_status(engine, second.batch_id, "retracted")  # what the message says to do
    assert _import(engine, "square_100km.geojson", date="2025-10-31").status == "already imported"


def test_web_geometry_is_computed_at_import_and_read_from_the_cache(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(engine, "odd_4979_3d.geojson", date="2025-11-30")
    snapshot_id = int(current_snapshots(engine, source="Test", geometry=False)["snapshot_id"].iloc[0])

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("recomputed: the cache was not used")

    monkeypatch.setattr(geodata.store, "simplify_for_web", fail)
    web = web_geometry(engine, snapshot_id)
    assert web.size_bytes <= MAX_BYTES and web.area_error_pct < MAX_AREA_ERROR_PCT
    assert area_of(web.geometry) == pytest.approx(20_000.0, rel=1e-3)
    assert web.feature(date="2025-11-30")["geometry"]["type"] == "MultiPolygon"

    monkeypatch.undo()  # a snapshot without a cached row (stored by other code): computed once, then cached
    with write_transaction(engine) as conn:
        conn.execute(delete(SnapshotWeb))
    assert web_geometry(engine, snapshot_id).geojson == web.geojson
    monkeypatch.setattr(geodata.store, "simplify_for_web", fail)
    assert web_geometry(engine, snapshot_id).geojson == web.geojson
    with pytest.raises(LookupError, match="no snapshot 999999"):
        web_geometry(engine, 999_999)


def test_snapshot_areas_are_whole_and_per_region_with_their_denominators(engine: Engine) -> None:
    _import(engine, "two_dates.geojson", date_field="as_of")
    rows = snapshot_areas(engine, source="Test")
    assert len(rows) == 2 * 28
    whole = rows[rows["region"] == ""]
    assert whole["date"].tolist() == ["2025-10-31", "2025-11-30"]
    assert whole["area_km2"].tolist() == pytest.approx([10_000.0, 15_000.0], abs=0.001)
    assert whole["denominator_km2"].tolist() == [OFFICIAL_KM2, OFFICIAL_KM2]
    regions = rows[rows["region"] != ""]
    assert set(regions["region"]) == set(load_regions()["region"])
    expected_share = regions["area_km2"] / regions["denominator_km2"] * 100
    assert (regions["share_pct"] - expected_share).abs().max() < 0.001
    assert snapshot_areas(engine, source="nobody").empty


def test_change_between_two_stored_dates(engine: Engine) -> None:
    _import(engine, "two_dates.geojson", date_field="as_of")
    change = snapshot_change(engine, source="Test", start="2025-10-31", end="2025-11-30")
    # A (0-100 km) -> B + C (50-200 km): gained 100-200 km (10,000 km2), lost 0-50 km (5,000 km2)
    assert change.whole["gained_km2"] == pytest.approx(10_000.0, rel=EXACT)
    assert change.whole["lost_km2"] == pytest.approx(5_000.0, rel=EXACT)
    assert change.whole["net_km2"] == pytest.approx(15_000.0 - 10_000.0, abs=0.01)
    per_region = change.table.iloc[1:]
    assert per_region["net_km2"].sum() == pytest.approx(change.whole["net_km2"], abs=0.01)
    with pytest.raises(NoSnapshotError, match=r"no Test \(occupied\) snapshot on 2025-11-15; nearest: "
                                              r"2025-10-31 \(before\), 2025-11-30 \(after\)"):  # fmt: skip
        snapshot_change(engine, source="Test", start="2025-10-31", end="2025-11-15")
    with pytest.raises(NoSnapshotError, match="no snapshots of Nobody"):
        snapshot_change(engine, source="Nobody", start="2025-10-31", end="2025-11-30")


def test_change_asks_for_a_definition_where_a_source_has_several(engine: Engine) -> None:
    _import(engine, "two_dates.geojson", date_field="as_of")
    import_file(engine, GEO_DATA / "square_100km.geojson", source="Test", definition="claimed", date="2025-10-31")
    with pytest.raises(NoSnapshotError, match=r"several definitions \(claimed, occupied\); choose one"):
        snapshot_change(engine, source="Test", start="2025-10-31", end="2025-11-30")
    change = snapshot_change(engine, source="Test", definition="occupied", start="2025-10-31", end="2025-11-30")
    assert change.definition == "occupied"


# -- the CLI on both stores ------------------------------------------------------------------------


def test_cli_import_areas_and_change(store_url: str, cli_on: Callable[[str], Callable[..., Run]]) -> None:
    run = cli_on(store_url)
    imported = run("import", GEO_DATA / "two_dates.geojson", "--source", "Test", "--definition", "occupied",
                   "--date-field", "as_of")  # fmt: skip
    assert imported.code == 0, imported.err
    lines = imported.out.splitlines()
    assert lines[0].startswith("two_dates.geojson: 2 snapshots stored as batch ")
    assert lines[1].startswith("  2025-10-31: 10,000.0 km2, 1.657 % of 603,628 km2 (1.669 % as mapped); 0.0 km2")
    assert "features unioned per date: 2025-11-30 (2)" in imported.out

    again = run("import", GEO_DATA / "two_dates.geojson", "--source", "Test", "--definition", "occupied",
                "--date-field", "as_of")  # fmt: skip
    assert again.code == 0 and "already imported as batch" in again.out

    areas = run("areas", "--source", "Test")
    assert areas.code == 0
    table = pd.read_csv(StringIO(areas.out), keep_default_na=False)
    assert table.columns.tolist() == ["date", "territory", "actor", "source", "definition", "region", "area_km2",
                                      "share_pct", "denominator_km2", "batch_id"]  # fmt: skip
    assert len(table) == 56 and table.loc[table["region"] == "", "area_km2"].tolist() == [10_000.0, 15_000.0]
    as_json = json.loads(run("areas", "--format", "json").out)
    assert len(as_json) == 56 and as_json[0]["region"] == ""

    change = run("change", "--source", "Test", "--from", "2025-10-31", "--to", "2025-11-30")
    assert change.code == 0, change.err
    rows = pd.read_csv(StringIO(change.out), keep_default_na=False)
    assert rows.columns.tolist() == ["from_date", "to_date", "source", "definition", "region", "gained_km2",
                                     "lost_km2", "net_km2"]  # fmt: skip
    assert rows["region"].iloc[0] == "" and len(rows) == 28
    assert rows["net_km2"].iloc[0] == pytest.approx(5_000.0, abs=0.01)
    assert "gained 10,000.0 km2, lost 5,000.0 km2, net +5,000.0 km2" in change.err
    geo = json.loads(run("change", "--source", "Test", "--from", "2025-10-31", "--to", "2025-11-30",
                         "--format", "geojson").out)  # fmt: skip
    assert [f["properties"]["kind"] for f in geo["features"]] == ["gained", "lost"]
    assert geo["features"][0]["properties"]["area_km2"] == pytest.approx(10_000.0, rel=EXACT)
    assert as_km2(geo["features"][1]["geometry"]) == pytest.approx(5_000.0, rel=1e-3)

    missing = run("change", "--source", "Test", "--from", "2025-10-30", "--to", "2025-11-30")
    assert missing.code == 2
    assert missing.err.strip() == "no Test (occupied) snapshot on 2025-10-30; nearest: 2025-10-31 (after)"
    bad_date = run("change", "--source", "Test", "--from", "yesterday-ish", "--to", "2025-11-30")
    assert bad_date.code == 2 and "--from: 'yesterday-ish' is not a date" in bad_date.err


def as_km2(geometry: dict[str, object]) -> float:
    return area_of(shapely.geometry.shape(geometry))


def test_the_cli_loads_the_bundled_figures_before_storing(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On an empty store the shipped figures land first, so the import's derived figures come later."""
    import geodata.__main__ as cli
    from metrics.store import get_engine, list_batches

    monkeypatch.setenv("TERRITORY_DB_URL", sqlite_url)
    bad = cli.main(["import", str(GEO_DATA / "bad" / "points.geojson"), "--source", "T", "--definition", "d",
                    "--date", "2025-11-30"])  # fmt: skip
    assert bad == 2
    engine = get_engine(sqlite_url)
    geodata.store.ensure_schema(engine)
    assert counts(engine)["batches"] == 0  # bad input: not even the bundled data
    assert cli.main(["import", str(GEO_DATA / "square_100km.geojson"), "--source", "T", "--definition", "d",
                     "--date", "2025-11-30"]) == 0  # fmt: skip
    batches = list_batches(engine)
    assert batches["filename"].iloc[0] == "square_100km.geojson"  # newest first
    assert batches["filename"].str.startswith("bundled:").sum() == len(batches) - 1 >= 1


def test_shares_divide_by_the_official_area_or_by_the_mapped_outline() -> None:
    from geodata.snapshots import share_pct, territory_area_km2

    assert territory_area_km2("UKR") == OFFICIAL_KM2
    assert territory_area_km2("UKR", "mapped") == pytest.approx(599_095.0, rel=0.001)  # the shipped outline
    assert share_pct(115_736.6) == pytest.approx(19.173, abs=0.001)
    assert share_pct(115_736.6, basis="mapped") == pytest.approx(19.319, abs=0.001)
    with pytest.raises(ValueError, match="unknown denominator"):
        territory_area_km2("UKR", "guessed")  # type: ignore[arg-type]


@pytest.mark.serial  # measures wall time
def test_an_imported_snapshot_brings_its_front_line_figures_in_the_same_batch(engine: Engine) -> None:
    """The import hook (geodata.front_figures): length of the front and settlements held, stored with the
    area figures of the same batch, in well under a second per snapshot."""
    import time

    started = time.perf_counter()
    result = _import(engine, "two_dates.geojson", date_field="as_of")
    seconds = time.perf_counter() - started
    figures = read_figures(engine, sources=["Test"])
    front = figures[figures["metric"].isin(["frontline_length_km", "settlements_held", "population_held"])]
    assert set(front["metric"]) == {"frontline_length_km", "settlements_held", "population_held"}
    assert set(front["batch_id"]) == {result.batch_id}
    assert (front.loc[front["metric"] == "frontline_length_km", "value"] > 0).all()
    assert seconds < 30  # the whole import of two dates; the hook itself is about 10 ms a snapshot
