"""The engine on real DeepStateMap snapshots (../shared/data/deepstate) against the independently
computed reference areas there: raw GeoJSON files through ``python -m geodata import``, every day of the
GeoParquet through the import's cleaning, per-oblast sums, ``change`` between two month-ends, clipping,
and the two bounds of the web geometry."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata import deepstate
from geodata.areas import area_km2
from geodata.change import change_between
from geodata.ingest import import_file, prepare_snapshots, read_spatial_file
from geodata.store import current_snapshots, web_geometry
from geodata.web import MAX_AREA_ERROR_PCT, MAX_BYTES, simplify_for_web
from metrics.store import get_engine
from tests.geodata.conftest import RAW_MONTH_EDGES, Run

RELATIVE = 0.0005  # 0.05 %
MAINLAND_EXCLUDED = {"UA-43", "UA-40"}  # Crimea, Sevastopol


@pytest.fixture(scope="module")
def reference(shared_data: Callable[[str], Path]) -> pd.DataFrame:
    """Reference areas keyed by the archive's FILE date."""
    path = shared_data("deepstate/deepstate_daily_area_derived.csv")
    return pd.read_csv(path, parse_dates=["date"]).set_index("date")


def _raw(shared_data: Callable[[str], Path], file_day: str) -> Path:
    return shared_data(f"{RAW_MONTH_EDGES}/deepstatemap_data_{file_day}.geojson")


def test_importing_two_raw_month_edge_files_matches_the_reference(
    store_url: str, cli_on: Callable[[str], Callable[..., Run]], shared_data: Callable[[str], Path],
    reference: pd.DataFrame,
) -> None:  # fmt: skip
    run = cli_on(store_url)
    for file_day in ("20251101", "20251201"):
        result = run("import", _raw(shared_data, file_day), "--source", deepstate.SOURCE, "--definition",
                     deepstate.DEFINITION)  # fmt: skip
        assert result.code == 0, result.err
        assert "from the file name (DeepStateMap archive" in result.out
    areas = pd.read_csv(StringIO(run("areas", "--source", deepstate.SOURCE).out), keep_default_na=False,
                        parse_dates=["date"])  # fmt: skip
    whole = areas[areas["region"] == ""].set_index("date")["area_km2"]
    # the file of D is the map as of D-1
    assert whole.index.tolist() == [pd.Timestamp("2025-10-31"), pd.Timestamp("2025-11-30")]
    expected = reference["area_km2_laea"].reindex(whole.index + pd.Timedelta(days=1)).to_numpy()
    assert np.abs(whole.to_numpy() / expected - 1).max() < RELATIVE
    assert whole.tolist() == pytest.approx([115_253.7, 115_736.6], abs=0.1)  # SOURCE.md's key values

    # per oblast: the sum is the whole minus the part outside the outline (reported by the import)
    regions = areas[areas["region"] != ""]
    assert regions.groupby("date")["region"].count().tolist() == [27, 27]
    outside = reference["area_km2_outside_ne10_ukraine"].reindex(whole.index + pd.Timedelta(days=1)).to_numpy()
    inside = regions.groupby("date")["area_km2"].sum()
    assert np.abs((inside.to_numpy() - (whole.to_numpy() - outside)) / whole.to_numpy()).max() < 0.001
    last = regions[(regions["date"] == "2025-11-30") & ~regions["region"].isin(MAINLAND_EXCLUDED)]
    assert set(last.nlargest(2, "share_pct")["region"]) == {"UA-09", "UA-14"}  # Luhansk, Donetsk

    change = run("change", "--source", deepstate.SOURCE, "--from", "2025-10-31", "--to", "2025-11-30")
    assert change.code == 0, change.err
    rows = pd.read_csv(StringIO(change.out), keep_default_na=False).set_index("region")
    net = rows.loc["", "net_km2"]
    assert net == pytest.approx(whole.iloc[1] - whole.iloc[0], abs=0.01)
    assert rows.loc["", "gained_km2"] > 0 and rows.loc["", "lost_km2"] > 0
    assert rows.loc["UA-14", "net_km2"] > 0  # the front moved in Donetsk


def test_every_day_of_the_archive_through_the_import_cleaning_matches_the_reference(
    shared_data: Callable[[str], Path], reference: pd.DataFrame
) -> None:
    path = shared_data("deepstate/deepstate_occupied_daily.parquet")
    prepared = prepare_snapshots(read_spatial_file(path), name=path.name, date_field="source_file")
    snapshots = prepared.snapshots
    assert len(snapshots) == len(reference) == 769
    assert "dates from the archive file names in 'source_file'" in prepared.notes[0]
    expected = reference["area_km2_laea"].reindex(snapshots["date"] + pd.Timedelta(days=1)).to_numpy()
    error = np.abs(area_km2(snapshots.geometry).to_numpy() / expected - 1)
    assert error.max() < RELATIVE, pd.Series(error, index=snapshots["date"]).nlargest(3)
    # dated by the file dates instead, the import says how to follow the archive's convention
    first_days = prepare_snapshots(read_spatial_file(path).iloc[:2], name=path.name, date_field="date")
    assert first_days.snapshots["date"].tolist() == [pd.Timestamp("2024-07-08"), pd.Timestamp("2024-07-09")]
    assert "--date-field source_file dates each snapshot by the archive's convention" in first_days.notes[0]


def test_clipping_a_real_snapshot_cuts_about_the_reference_area_outside_the_outline(
    sqlite_url: str, shared_data: Callable[[str], Path], reference: pd.DataFrame
) -> None:
    engine = get_engine(sqlite_url)
    result = import_file(engine, _raw(shared_data, "20251201"), source="Clipped", definition="occupied", clip=True)
    row = result.snapshots.iloc[0]
    ref = reference.loc[pd.Timestamp("2025-12-01")]
    # the shipped outline is the Natural Earth one simplified (units within 0.06 %): close, not equal
    assert row["area_km2"] == pytest.approx(ref["area_km2_clipped_to_ne10_ukraine"], rel=0.002)
    assert row["outside_km2"] == pytest.approx(ref["area_km2_outside_ne10_ukraine"], rel=0.1)
    assert "cut away by --clip" in "\n".join(result.summary())


def test_web_geometry_of_real_snapshots_is_small_and_keeps_the_area(
    sqlite_url: str, shared_data: Callable[[str], Path]
) -> None:
    archive = deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_daily.parquet")))
    sample = archive.iloc[np.linspace(0, len(archive) - 1, 12).astype(int)]
    for geometry in sample.geometry:
        web = simplify_for_web(geometry)
        assert web.size_bytes <= MAX_BYTES
        assert web.area_error_pct < MAX_AREA_ERROR_PCT
        measured = area_km2(gpd.GeoSeries([web.geometry], crs="EPSG:4326")).iloc[0]
        original = area_km2(gpd.GeoSeries([geometry], crs="EPSG:4326")).iloc[0]
        assert abs(measured / original - 1) * 100 == pytest.approx(web.area_error_pct, abs=1e-6)
        assert web.geometry.is_valid
    # and what the store serves is that, computed at import
    engine = get_engine(sqlite_url)
    import_file(engine, _raw(shared_data, "20251201"), source=deepstate.SOURCE, definition=deepstate.DEFINITION)
    stored = current_snapshots(engine, source=deepstate.SOURCE)
    web = web_geometry(engine, int(stored["snapshot_id"].iloc[0]))
    assert web.geojson == simplify_for_web(stored.geometry.iloc[0]).geojson
    assert web.size_bytes <= MAX_BYTES and web.area_error_pct < MAX_AREA_ERROR_PCT


def test_change_between_real_snapshots_is_the_difference_of_their_areas(shared_data: Callable[[str], Path]) -> None:
    before = read_spatial_file(_raw(shared_data, "20251101")).geometry.iloc[0]
    after = read_spatial_file(_raw(shared_data, "20251201")).geometry.iloc[0]
    change = change_between(before, after)
    areas = area_km2(gpd.GeoSeries([before, after], crs="EPSG:4326"))
    assert change.whole["net_km2"] == pytest.approx(areas.iloc[1] - areas.iloc[0], abs=0.01)
    assert change.whole["gained_km2"] - change.whole["lost_km2"] == pytest.approx(change.whole["net_km2"], abs=0.002)
    # the way back is the mirror image
    back = change_between(after, before)
    assert back.whole["gained_km2"] == pytest.approx(change.whole["lost_km2"], abs=0.01)
    assert back.whole["lost_km2"] == pytest.approx(change.whole["gained_km2"], abs=0.01)
    # no change between a snapshot and itself
    assert change_between(after, after).table[["gained_km2", "lost_km2"]].abs().to_numpy().max() == 0
