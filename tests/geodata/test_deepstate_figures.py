"""The shipped DeepStateMap figures (geodata/data/figures/deepstatemap_occupied.csv.gz, 2022-04-03 ..
2026-10-09 from three inputs) against the independently computed reference areas in
../shared/data/deepstate, the pipeline that made them (recomputed on a sample of snapshots), the
archive's date convention (file D -> as-of D-1), the unit shares without edge slivers, and the quality
marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import deepstate
from geodata.areas import area_km2
from geodata.boundaries import load_regions
from geodata.build import SHARED_INPUTS
from geodata.build_deepstate import DEEPSTATE_FILE
from geodata.snapshots import EDGE_TOLERANCE_M, figures_from_snapshots
from metrics.bundled import BUNDLED_FIGURES_DIR

SHIPPED = BUNDLED_FIGURES_DIR / "deepstatemap_occupied.csv.gz"
OFFICIAL_KM2 = 603_628.0  # the default share denominator (DESIGN.md), written out on purpose
HISTORY_DAYS, CYTERAT_DAYS, LATE_DAYS = 826, 769, 3
DAYS = HISTORY_DAYS + CYTERAT_DAYS + LATE_DAYS
MAINLAND_EXCLUDED = {"UA-43", "UA-40"}  # Crimea, Sevastopol


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return pd.read_csv(SHIPPED, keep_default_na=False, parse_dates=["date", "period_start"])


@pytest.fixture(scope="module")
def reference(shared_data: Callable[[str], Path]) -> pd.DataFrame:
    """The reference of the cyterat file, keyed by the archive's FILE date (as in its ``date`` column)."""
    ref = pd.read_csv(shared_data("deepstate/deepstate_daily_area_derived.csv"), parse_dates=["date"])
    return ref.set_index("date")


@pytest.fixture(scope="module")
def history_reference(shared_data: Callable[[str], Path]) -> pd.DataFrame:
    """The reference of the history file (2022-04-04 .. 2024-07-07), keyed by FILE date."""
    ref = pd.read_csv(shared_data("deepstate/deepstate_history_daily_area_derived.csv"), parse_dates=["date"])
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
    assert shipped["date"].min() == pd.Timestamp("2022-04-03") and shipped["date"].max() == pd.Timestamp("2026-10-09")
    assert set(shipped["quality"]) <= {"", "glitch", "break"}


def test_every_days_area_equals_the_reference_of_the_next_days_file(
    shipped: pd.DataFrame, reference: pd.DataFrame, history_reference: pd.DataFrame
) -> None:
    area = _whole(shipped, "area_controlled_km2")
    both = pd.concat([history_reference["area_km2_laea"], reference["area_km2_laea"]])
    assert both.index.is_unique and len(both) == HISTORY_DAYS + CYTERAT_DAYS
    file_days = area.index + pd.Timedelta(days=1)
    assert set(file_days) - set(both.index) == {pd.Timestamp(d) for d in ("2026-08-28", "2026-09-04", "2026-10-10")}
    expected = both.reindex(file_days).to_numpy()
    error = pd.Series(abs(area.to_numpy() / expected - 1), index=area.index).dropna()
    assert len(error) == HISTORY_DAYS + CYTERAT_DAYS
    assert error.max() < 0.0005, error.sort_values().tail(3)


def test_the_history_and_the_daily_file_meet_at_2024_07_07_within_2_km2(shipped: pd.DataFrame) -> None:
    area = _whole(shipped, "area_controlled_km2")
    last_of_history, first_of_cyterat = area[pd.Timestamp("2024-07-06")], area[pd.Timestamp("2024-07-07")]
    assert last_of_history == pytest.approx(109_358.97, abs=0.05)  # HISTORY.md: its file of 2024-07-07
    assert first_of_cyterat == pytest.approx(109_360.84, abs=0.05)  # cyterat's file of 2024-07-08
    assert abs(first_of_cyterat - last_of_history) < 2
    days = area.index
    assert (days[days <= "2026-08-21"].to_series().diff().dropna() <= pd.Timedelta(days=3)).all()  # no long gap


def test_the_kherson_withdrawal_and_the_kharkiv_counteroffensive(shipped: pd.DataFrame) -> None:
    area = _whole(shipped, "area_controlled_km2")
    assert area[pd.Timestamp("2022-11-11")] == pytest.approx(108_700, abs=50)  # after the Kherson withdrawal
    fall = area[pd.Timestamp("2022-09-04")] - area[pd.Timestamp("2022-09-14")]
    assert fall == pytest.approx(9_400, abs=50)  # HISTORY.md: 125,078.9 -> 115,670.4 (-9,408)
    assert area[pd.Timestamp("2022-08-29")] == pytest.approx(125_196.9, abs=0.5)  # the series' maximum
    assert area.idxmax() == pd.Timestamp("2022-08-29")


def test_the_late_raw_files_are_the_last_three_days(shipped: pd.DataFrame, shared_data: Callable[[str], Path]) -> None:
    area = _whole(shipped, "area_controlled_km2")
    for path in sorted(shared_data("deepstate/raw_late_2026").glob("deepstatemap_data_*.geojson")):
        as_of = deepstate.as_of_date(deepstate.file_date(path.name))
        assert area[as_of] == pytest.approx(area_km2(gpd.read_file(path).geometry).sum(), abs=1e-3)
    assert list(area.index[-3:].strftime("%Y-%m-%d")) == ["2026-08-27", "2026-09-03", "2026-10-09"]


def test_key_values_of_november_2025(shipped: pd.DataFrame) -> None:
    area = _whole(shipped, "area_controlled_km2")
    # SOURCE.md: files 20251101 = 115,253.7 and 20251201 = 115,736.6 km2 (LAEA)
    assert area[pd.Timestamp("2025-10-31")] == pytest.approx(115_253.7, abs=0.1)
    assert area[pd.Timestamp("2025-11-30")] == pytest.approx(115_736.6, abs=0.1)
    assert pd.Timestamp("2025-11-25") not in area.index  # no file 20251126 in the archive


def test_shares_are_area_over_603628_km2(shipped: pd.DataFrame) -> None:
    area, share = _whole(shipped, "area_controlled_km2"), _whole(shipped, "share_controlled_pct")
    assert share.index.equals(area.index)
    assert (share - area / OFFICIAL_KM2 * 100).abs().max() <= 0.0005 + 1e-6  # both rounded to 3 decimals
    assert share[pd.Timestamp("2025-11-30")] == pytest.approx(19.17, abs=0.005)


def _unit_shares(shipped: pd.DataFrame) -> pd.DataFrame:
    """Per unit and day: the shipped share and the plain share (area / the unit's whole area)."""
    rows = shipped[shipped["region"] != ""].pivot_table(index=["date", "region"], columns="metric", values="value")
    region_km2 = rows.index.get_level_values("region").map(load_regions().set_index("region")["area_km2"])
    plain = (rows["area_controlled_km2"] / region_km2.to_numpy() * 100).clip(upper=100)
    return pd.DataFrame({"shipped": rows["share_controlled_pct"], "plain": plain})


def test_region_shares_are_area_over_the_regions_area_less_its_edge_slivers(shipped: pd.DataFrame) -> None:
    shares = _unit_shares(shipped)
    assert shares["shipped"].between(0, 100).all()
    lift = shares["shipped"] - shares["plain"]
    assert lift.min() > -0.001  # leaving slivers out of the denominator never lowers a share
    assert (lift[shares["plain"] == 0] == 0).all()  # nothing held: no slivers
    inland = shares.xs("UA-05", level="region")  # Vinnytsia: no front, no held area
    assert (inland["shipped"] == 0).all()


def test_fully_held_coastal_units_read_100_and_contested_ones_move_less_than_half_a_point(
    shipped: pd.DataFrame,
) -> None:
    shares = _unit_shares(shipped)
    latest = shares.xs(pd.Timestamp("2026-08-21"), level="date")
    assert latest.loc["UA-43", "plain"] == pytest.approx(99.1, abs=0.1)  # Crimea: the understatement
    assert latest.loc["UA-40", "plain"] == pytest.approx(95.6, abs=0.1)  # Sevastopol
    for unit in ("UA-43", "UA-40"):
        assert round(latest.loc[unit, "shipped"], 1) == 100.0
        assert round(shares.xs(unit, level="region")["shipped"].iloc[-1], 1) == 100.0  # 2026-10-09 too
    lift = (shares["shipped"] - shares["plain"]).unstack("region")
    # Donetsk, Zaporizhzhia, Kherson: contested, on every day since the front took its present course
    # (before the Kherson withdrawal nearly all of Kherson's coast was held: its slivers lift it 0.55)
    since = lift[lift.index >= "2022-11-11"]
    for unit in ("UA-14", "UA-23", "UA-65"):
        assert 0 < latest.loc[unit, "shipped"] - latest.loc[unit, "plain"] < 0.5
        assert since[unit].max() < 0.5, (unit, since[unit].idxmax(), since[unit].max())


def test_oblast_areas_add_up_to_the_whole_minus_the_part_outside_the_outline(
    shipped: pd.DataFrame, reference: pd.DataFrame
) -> None:
    per_day = shipped[(shipped["region"] != "") & (shipped["metric"] == "area_controlled_km2")]
    per_day = per_day.groupby("date")["value"].sum()
    assert len(per_day) == DAYS
    ref = reference.set_axis(reference.index - pd.Timedelta(days=1))  # as-of dates
    per_day = per_day[per_day.index.isin(ref.index)]  # the reference's outside column: the cyterat file
    assert len(per_day) == CYTERAT_DAYS
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


@pytest.fixture(scope="module")
def all_inputs(shared_data: Callable[[str], Path]) -> gpd.GeoDataFrame:
    return deepstate.read_archive([shared_data(p) for p in SHARED_INPUTS[DEEPSTATE_FILE]])


# the first day, the Kherson withdrawal, both sides of the junction and of an archive gap, the end of
# October and of November 2025, the last day of the daily file and the last late file
SAMPLE_AS_OF = ["2022-04-03", "2022-11-11", "2024-07-06", "2024-07-07", "2024-08-16", "2024-08-19", "2025-10-31",
                "2025-11-30", "2026-08-21", "2026-10-09"]  # fmt: skip


def test_recomputing_a_sample_of_snapshots_reproduces_the_shipped_rows(
    shipped: pd.DataFrame, all_inputs: gpd.GeoDataFrame
) -> None:
    assert len(all_inputs) == DAYS and all_inputs["date"].is_unique
    sample = all_inputs[all_inputs["date"].isin(pd.to_datetime(SAMPLE_AS_OF))]
    assert len(sample) == len(SAMPLE_AS_OF)
    computed = figures_from_snapshots(
        sample, load_regions(), source=deepstate.SOURCE, definition=deepstate.DEFINITION,
        territory_area_km2=OFFICIAL_KM2, edge_tolerance_m=EDGE_TOLERANCE_M,
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
    assert len(archive) == len(raw) == CYTERAT_DAYS
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


def _marked(shipped: pd.DataFrame, quality: str) -> list[str]:
    whole = shipped[(shipped["region"] == "") & (shipped["metric"] == "area_controlled_km2")]
    return whole.loc[whole["quality"] == quality, "date"].dt.strftime("%Y-%m-%d").tolist()


def test_the_crimea_redraw_is_a_break_and_the_frozen_maps_are_glitches(shipped: pd.DataFrame) -> None:
    assert _marked(shipped, "break") == ["2022-09-18"]  # HISTORY.md: Crimea redrawn, 26,385 -> 27,174 km2
    day = shipped[shipped["date"] == "2022-09-18"]
    assert (day["quality"] == "break").all()  # every figure of the day: whole country and units
    note = day.loc[day["region"] == "", "notes"].iloc[0]
    assert note.startswith("break: the source redrew fully held units (Autonomous Republic of Crimea +7")
    assert "(rule: " in note
    area = _whole(shipped, "area_controlled_km2")
    assert area[pd.Timestamp("2022-09-18")] - area[pd.Timestamp("2022-09-17")] == pytest.approx(796, abs=2)
    frozen = ["2024-12-20", "2024-12-21", "2024-12-22", "2024-12-23"]  # the archive's files of 12-21 .. 12-24
    assert _marked(shipped, "glitch") == ["2022-08-31", "2022-09-01", "2022-09-02", "2022-09-03", *frozen]
    glitch_notes = shipped.loc[shipped["quality"] == "glitch", "notes"]
    assert glitch_notes.str.startswith("glitch: frozen map").all()
    assert glitch_notes.str.contains("rule: frozen_runs").all()
    assert (shipped.loc[shipped["quality"] == "", "notes"].str.startswith("computed by this project")).all()
