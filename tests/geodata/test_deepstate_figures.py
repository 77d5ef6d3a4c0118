"""The shipped DeepStateMap figures (geodata/data/figures/deepstatemap_occupied.csv.gz) against the
independently computed reference areas in ../shared/data/deepstate, the pipeline that made them
(recomputed on a sample of snapshots), and the archive's date convention (file D -> as-of D-1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import deepstate
from geodata.areas import area_km2
from geodata.boundaries import load_regions
from geodata.snapshots import figures_from_snapshots
from metrics.bundled import BUNDLED_FIGURES_DIR

SHIPPED = BUNDLED_FIGURES_DIR / "deepstatemap_occupied.csv.gz"
OFFICIAL_KM2 = 603_628.0  # the default share denominator (DESIGN.md), written out on purpose
DAYS = 769
MAINLAND_EXCLUDED = {"UA-43", "UA-40"}  # Crimea, Sevastopol


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return pd.read_csv(SHIPPED, keep_default_na=False, parse_dates=["date", "period_start"])


@pytest.fixture(scope="module")
def reference(shared_data: Callable[[str], Path]) -> pd.DataFrame:
    """The reference, keyed by the archive's FILE date (as in its ``date`` column)."""
    ref = pd.read_csv(shared_data("deepstate/deepstate_daily_area_derived.csv"), parse_dates=["date"])
    return ref.set_index("date")


def _whole(shipped: pd.DataFrame, metric: str) -> pd.Series:
    rows = shipped[(shipped["region"] == "") & (shipped["metric"] == metric)]
    assert rows["date"].is_unique
    return rows.set_index("date")["value"]


def test_the_shipped_file_is_one_figure_per_day_region_and_metric(shipped: pd.DataFrame) -> None:
    assert len(shipped) == DAYS * 28 * 2  # whole territory + 27 regions, area and share
    assert not shipped.duplicated(["date", "region", "metric"]).any()
    assert set(shipped["metric"]) == {"area_controlled_km2", "share_controlled_pct"}
    assert set(shipped["source"]) == {deepstate.SOURCE} and set(shipped["definition"]) == {deepstate.DEFINITION}
    assert (shipped["period_start"] == shipped["date"]).all()  # stocks
    assert (shipped["value"] >= 0).all()


def test_every_days_area_equals_the_reference_of_the_next_days_file(
    shipped: pd.DataFrame, reference: pd.DataFrame
) -> None:
    area = _whole(shipped, "area_controlled_km2")
    assert len(area) == DAYS == len(reference)
    file_days = area.index + pd.Timedelta(days=1)
    assert set(file_days) == set(reference.index)  # every as-of day is a file day minus one, and back
    expected = reference["area_km2_laea"].reindex(file_days).to_numpy()
    error = abs(area.to_numpy() / expected - 1)
    assert error.max() < 0.0005, pd.Series(error, index=area.index).sort_values().tail(3)


def test_key_values_of_november_2025(shipped: pd.DataFrame) -> None:
    area = _whole(shipped, "area_controlled_km2")
    # SOURCE.md: files 20251101 = 115,253.7 and 20251201 = 115,736.6 km2 (LAEA)
    assert area[pd.Timestamp("2025-10-31")] == pytest.approx(115_253.7, abs=0.1)
    assert area[pd.Timestamp("2025-11-30")] == pytest.approx(115_736.6, abs=0.1)
    assert pd.Timestamp("2025-11-25") not in area.index  # no file 20251126 in the archive


def test_shares_are_area_over_603628_km2(shipped: pd.DataFrame) -> None:
    area, share = _whole(shipped, "area_controlled_km2"), _whole(shipped, "share_controlled_pct")
    assert share.index.equals(area.index)
    assert (share - area / OFFICIAL_KM2 * 100).abs().max() <= 0.0005 + 1e-9  # rounded to 3 decimals
    assert share[pd.Timestamp("2025-11-30")] == pytest.approx(19.17, abs=0.005)


def test_region_shares_are_area_over_the_regions_area(shipped: pd.DataFrame) -> None:
    rows = shipped[shipped["region"] != ""].pivot_table(index=["date", "region"], columns="metric", values="value")
    region_km2 = rows.index.get_level_values("region").map(load_regions().set_index("region")["area_km2"])
    expected = rows["area_controlled_km2"] / region_km2.to_numpy() * 100
    assert (rows["share_controlled_pct"] - expected.clip(upper=100)).abs().max() < 0.001
    assert rows["share_controlled_pct"].between(0, 100).all()


def test_oblast_areas_add_up_to_the_whole_minus_the_part_outside_the_outline(
    shipped: pd.DataFrame, reference: pd.DataFrame
) -> None:
    per_day = shipped[(shipped["region"] != "") & (shipped["metric"] == "area_controlled_km2")]
    per_day = per_day.groupby("date")["value"].sum()
    assert len(per_day) == DAYS
    ref = reference.set_axis(reference.index - pd.Timedelta(days=1))  # as-of dates
    whole = ref["area_km2_laea"].reindex(per_day.index)
    inside = whole - ref["area_km2_outside_ne10_ukraine"].reindex(per_day.index)
    error = (per_day - inside).abs() / whole
    assert error.max() < 0.001, error.sort_values().tail(3)


def test_luhansk_and_donetsk_have_the_largest_mainland_shares_on_30_november_2025(shipped: pd.DataFrame) -> None:
    day = shipped[(shipped["date"] == "2025-11-30") & (shipped["metric"] == "share_controlled_pct")]
    regions = day[day["region"] != ""]
    assert len(regions) == 27
    mainland = regions[~regions["region"].isin(MAINLAND_EXCLUDED)]
    assert len(mainland) == 25
    assert set(mainland.nlargest(2, "value")["region"]) == {"UA-09", "UA-14"}
    assert mainland.set_index("region")["value"]["UA-09"] > 95  # Luhansk almost entirely


@pytest.fixture(scope="module")
def archive(shared_data: Callable[[str], Path]) -> gpd.GeoDataFrame:
    return deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_daily.parquet")))


# the first and last days, both sides of an archive gap, and the end of October and of November 2025
SAMPLE_AS_OF = ["2024-07-07", "2024-08-16", "2024-08-19", "2025-10-31", "2025-11-30", "2026-08-21"]


def test_recomputing_a_sample_of_snapshots_reproduces_the_shipped_rows(
    shipped: pd.DataFrame, archive: gpd.GeoDataFrame
) -> None:
    sample = archive[archive["date"].isin(pd.to_datetime(SAMPLE_AS_OF))]
    assert len(sample) == len(SAMPLE_AS_OF)
    computed = figures_from_snapshots(
        sample, load_regions(), source=deepstate.SOURCE, definition=deepstate.DEFINITION,
        territory_area_km2=OFFICIAL_KM2,
    )  # fmt: skip
    key = ["date", "region", "metric"]
    expected = shipped[shipped["date"].isin(pd.to_datetime(SAMPLE_AS_OF))]
    merged = computed.merge(expected, on=key, how="outer", suffixes=("_computed", "_shipped"), indicator=True)
    assert (merged["_merge"] == "both").all()  # the same rows, none missing on either side
    assert len(merged) == len(SAMPLE_AS_OF) * 28 * 2
    assert (merged["value_computed"] - merged["value_shipped"]).abs().max() < 1e-3
    assert (merged["source_computed"] == merged["source_shipped"]).all()


def test_reading_the_archive_dates_each_snapshot_the_day_before_its_file(
    shared_data: Callable[[str], Path], archive: gpd.GeoDataFrame
) -> None:
    raw = gpd.read_parquet(shared_data("deepstate/deepstate_occupied_daily.parquet"))
    assert len(archive) == len(raw) == DAYS
    assert archive.crs.to_epsg() == 4326
    assert archive["date"].is_monotonic_increasing
    assert (archive["file_date"] - archive["date"] == pd.Timedelta(days=1)).all()
    assert set(archive["file_date"]) == set(pd.to_datetime(raw["date"]))
    row = archive[archive["file_date"] == "2025-12-01"].iloc[0]
    assert row["date"] == pd.Timestamp("2025-11-30")
    assert row.geometry.equals_exact(raw[raw["date"] == "2025-12-01"].geometry.iloc[0], tolerance=0)


def test_the_raw_file_of_1_december_2025_is_the_shipped_figure_of_30_november(
    shipped: pd.DataFrame, shared_data: Callable[[str], Path]
) -> None:
    path = shared_data("deepstate/raw_month_edges/deepstatemap_data_20251201.geojson")
    as_of = deepstate.as_of_date(deepstate.file_date(path.name))
    assert as_of == pd.Timestamp("2025-11-30")
    measured = area_km2(gpd.read_file(path).geometry).sum()
    area = _whole(shipped, "area_controlled_km2")
    assert measured == pytest.approx(area[as_of], abs=1e-3)
    # an off-by-one convention would pick a neighbour: those differ by several km2
    assert abs(measured - area[pd.Timestamp("2025-12-01")]) > 1
    assert abs(measured - area[pd.Timestamp("2025-11-29")]) > 1


@pytest.mark.parametrize(
    ("file_day", "as_of"),
    [("2025-12-01", "2025-11-30"), ("2025-01-01", "2024-12-31"), ("2024-03-01", "2024-02-29"),
     ("2025-03-01", "2025-02-28")],
)  # fmt: skip
def test_as_of_date_is_the_day_before_the_file_date(file_day: str, as_of: str) -> None:
    assert deepstate.as_of_date(pd.Timestamp(file_day)) == pd.Timestamp(as_of)
    assert deepstate.as_of_date(pd.Timestamp(file_day).date()) == pd.Timestamp(as_of)  # a datetime.date too
    assert deepstate.as_of_date(pd.Timestamp(file_day) + pd.Timedelta(hours=3)) == pd.Timestamp(as_of)  # 03:00 UTC


def test_file_date_reads_the_archive_file_name() -> None:
    assert deepstate.file_date("deepstatemap_data_20251201.geojson") == pd.Timestamp("2025-12-01")
    assert deepstate.file_date("https://host/data/deepstatemap_data_20240708.geojson") == pd.Timestamp("2024-07-08")
    for bad in ("map.geojson", "deepstatemap_data_2025120.geojson", "deepstatemap_data_20251201.json"):
        with pytest.raises(ValueError, match="not a DeepStateMap archive file name"):
            deepstate.file_date(bad)
