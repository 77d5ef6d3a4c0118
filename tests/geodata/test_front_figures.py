"""The shipped front-line figures (geodata/data/figures/*_front.csv.gz), the distance and change
files beside them, the pipeline that made them (recomputed on real days from ../shared/data), and
the hook an import calls."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import deepstate
from geodata.build_front import (
    DEEPSTATE_FRONT_FILE,
    LIVEUAMAP_DEFINITION,
    LIVEUAMAP_FRONT_FILE,
    LIVEUAMAP_SOURCE,
    liveuamap_series,
)
from geodata.front_figures import (
    CHANGES_FILE,
    DISTANCE_FILE,
    OBLAST_CENTRES,
    front_figures,
    load_changes,
    load_distances,
    measure_front,
)
from geodata.gazetteer import find_settlements, load_settlements
from geodata.settlements import taken_and_lost
from metrics.figure_model import validate_figures

DEEPSTATE_DAYS = 1598  # 2022-04-03 .. 2026-10-09: every day the archive's inputs have
KRAMATORSK, POKROVSK, DONETSK = 704508, 704422, 709717


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, parse_dates=["date", "period_start"])


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return _read(DEEPSTATE_FRONT_FILE)


def _whole(frame: pd.DataFrame, metric: str) -> pd.Series:
    rows = frame[(frame["region"] == "") & (frame["metric"] == metric)]
    assert rows["date"].is_unique
    return rows.set_index("date")["value"]


def test_the_shipped_files_are_figures_of_every_day_and_pass_the_schema(shipped: pd.DataFrame) -> None:
    assert set(shipped["metric"]) == {"frontline_length_km", "settlements_held", "population_held"}
    assert not shipped.duplicated(["date", "region", "metric"]).any()
    front = _whole(shipped, "frontline_length_km")
    assert len(front) == DEEPSTATE_DAYS and front.index.min() == pd.Timestamp("2022-04-03")
    daily = front.index[front.index <= "2026-08-21"]  # then the three later raw files (raw_late_2026)
    assert daily.to_series().diff().max() <= pd.Timedelta(days=3) and front.index.is_monotonic_increasing
    assert list(front.index[len(daily) :].strftime("%Y-%m-%d")) == ["2026-08-27", "2026-09-03", "2026-10-09"]
    liveuamap = _read(LIVEUAMAP_FRONT_FILE)
    assert set(liveuamap["source"]) == {LIVEUAMAP_SOURCE} and len(_whole(liveuamap, "settlements_held")) == 55
    for frame in (shipped, liveuamap, load_distances()):
        raw = frame.astype({"date": str, "period_start": str, "value": str})
        checked = validate_figures(raw.assign(derived=raw["notes"].str.startswith("computed by this project")))
        assert len(checked) == len(frame) and checked["derived"].all()
    sizes = [p.stat().st_size for p in (DEEPSTATE_FRONT_FILE, LIVEUAMAP_FRONT_FILE, CHANGES_FILE, DISTANCE_FILE)]
    assert sum(sizes) < 2_000_000


def test_per_oblast_counts_add_up_to_the_whole(shipped: pd.DataFrame) -> None:
    counts = shipped[shipped["metric"] == "settlements_held"]
    by_date = counts[counts["region"] != ""].groupby("date")["value"].sum()
    pd.testing.assert_series_equal(by_date, _whole(shipped, "settlements_held"), check_names=False)


def test_november_2025_per_deepstatemap_includes_pokrovsk() -> None:
    november = taken_and_lost(load_changes("DeepStateMap"), load_settlements(), pd.Timestamp("2025-11-01"),
                              pd.Timestamp("2025-11-30"))  # fmt: skip
    taken = november[november["change"] == "taken"]
    assert POKROVSK in set(taken["geonameid"])
    assert 5 <= len(taken) <= 30 and (november["change"] == "lost").sum() <= 2
    assert taken["date"].between("2025-11-01", "2025-11-30").all()


def test_liveuamap_has_no_false_loss_when_the_pre_2022_donbas_leaves_its_polygons() -> None:
    march = taken_and_lost(load_changes(LIVEUAMAP_SOURCE, LIVEUAMAP_DEFINITION), load_settlements(),
                           pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31"))  # fmt: skip
    assert (march["change"] == "lost").sum() <= 2  # without the block added back: about 260 places
    assert find_settlements("Donetsk").iloc[0]["geonameid"] == DONETSK


def test_distances_of_watched_cities() -> None:
    distances = load_distances("DeepStateMap")
    assert set(OBLAST_CENTRES.values()) <= set(distances["place"])
    assert not distances.duplicated(["date", "place"]).any()
    kramatorsk = distances[distances["place"] == KRAMATORSK].set_index("date")["value"]
    assert len(kramatorsk) == DEEPSTATE_DAYS
    assert 5 < kramatorsk.iloc[-1] < 40  # the front about 17 km from Kramatorsk in autumn 2026
    assert (distances.loc[distances["place"] == DONETSK, "value"] == 0).all()  # inside the whole war


@pytest.fixture(scope="module")
def real_days(shared_data: Callable[[str], Path]) -> gpd.GeoDataFrame:
    daily = deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_daily.parquet")))
    return daily[daily["date"].isin(pd.to_datetime(["2024-07-07", "2025-11-30", "2026-08-21"]))]


def test_the_shipped_figures_are_what_the_pipeline_computes(shipped: pd.DataFrame, real_days: gpd.GeoDataFrame) -> None:
    measures = measure_front(list(real_days["date"]), real_days.geometry.values)
    again = measures.figures.set_index(["date", "region", "metric"])["value"]
    stored = shipped.set_index(["date", "region", "metric"])["value"].reindex(again.index)
    pd.testing.assert_series_equal(again, stored, check_names=False, atol=0.01)
    assert 1_100 < again.loc[(pd.Timestamp("2025-11-30"), "", "frontline_length_km")] < 1_400


@pytest.mark.serial  # measures wall time
def test_the_import_hook_adds_the_figures_of_one_snapshot_in_under_a_second(real_days: gpd.GeoDataFrame) -> None:
    one = real_days.iloc[[-1]]
    started = time.perf_counter()
    figures = front_figures(one, source="upload", definition="occupied", notes="computed by this project from x")
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert set(figures["metric"]) == {"frontline_length_km", "settlements_held", "population_held"}
    assert (figures["source"] == "upload").all() and figures["derived"].all()
    validate_figures(figures.assign(source_url="", published=""))


def test_liveuamap_series_counts_crimea_and_the_donbas_block_as_held(shared_data: Callable[[str], Path]) -> None:
    series = liveuamap_series(shared_data("liveuamap_nzz/nzz_held_month_end.parquet"))
    assert len(series.dates) == 55
    simferopol = find_settlements("Simferopol").iloc[0]
    measures = measure_front(series.dates[-3:], series.geoms[-3:], cities=find_settlements("Donetsk").iloc[:1])
    assert measures.coverage[:, load_settlements()["geonameid"].eq(simferopol["geonameid"]).to_numpy()].all()
    assert (measures.distances["distance_km"] == 0).all()  # Donetsk inside once the block is back


def test_the_metadata_states_each_choice() -> None:
    from metrics.metadata import METRICS, metadata, metric_kind

    meta = metadata()["metrics"]
    assert {"frontline_length_km", "settlements_held", "population_held", "distance_to_front_km"} <= set(METRICS)
    assert {m: meta[m]["unit"] for m in ("frontline_length_km", "settlements_held", "population_held",
                                         "distance_to_front_km")} == {  # fmt: skip
        "frontline_length_km": "km", "settlements_held": "count", "population_held": "count",
        "distance_to_front_km": "km"}  # fmt: skip
    assert all(metric_kind(m) == "stock" for m in ("frontline_length_km", "settlements_held"))
    assert "3 km" in meta["frontline_length_km"]["method"] and "200 m" in meta["frontline_length_km"]["method"]
    assert "500+" in meta["settlements_held"]["method"] and "Taken in a period" in meta["settlements_held"]["method"]
    assert "census" in meta["population_held"]["description"]
    assert "150 km" in meta["distance_to_front_km"]["method"] and "50,000" in meta["distance_to_front_km"]["method"]
    assert metadata()["sources"][LIVEUAMAP_SOURCE]["method"]
