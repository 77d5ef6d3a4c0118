"""The shipped DeepStateMap figures against the independently computed reference areas, and the
pipeline that made them (recomputed here on a sample of snapshots)."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata import deepstate
from geodata.boundaries import load_regions
from geodata.snapshots import figures_from_snapshots
from metrics.bundled import BUNDLED_FIGURES_DIR
from metrics.metadata import official_area_km2

SHIPPED = BUNDLED_FIGURES_DIR / "deepstatemap_occupied.csv.gz"


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return pd.read_csv(SHIPPED, keep_default_na=False, parse_dates=["date"])


@pytest.fixture(scope="module")
def reference(shared_data) -> pd.DataFrame:  # noqa: ANN001
    ref = pd.read_csv(shared_data("deepstate/deepstate_daily_area_derived.csv"), parse_dates=["date"])
    # the reference is keyed by the archive's file date; the project dates figures by the as-of day
    return ref.assign(as_of=ref["date"].map(deepstate.as_of_date)).set_index("as_of")


def _whole(shipped: pd.DataFrame, metric: str) -> pd.Series:
    rows = shipped[(shipped["region"] == "") & (shipped["metric"] == metric)]
    return rows.set_index("date")["value"]


def test_every_day_matches_the_reference_area_within_0_05_percent(shipped, reference) -> None:  # noqa: ANN001
    area = _whole(shipped, "area_controlled_km2")
    assert len(area) == 769
    assert set(area.index) == set(reference.index)
    error = (area / reference["area_km2_laea"].reindex(area.index) - 1).abs()
    assert error.max() < 0.0005, error.sort_values().tail(3)


def test_share_is_area_over_the_official_area(shipped) -> None:  # noqa: ANN001
    area, share = _whole(shipped, "area_controlled_km2"), _whole(shipped, "share_controlled_pct")
    assert (share - area / official_area_km2("UKR") * 100).abs().max() < 0.001
    assert share[pd.Timestamp("2025-11-30")] == pytest.approx(19.17, abs=0.01)


def test_oblast_areas_add_up_to_the_part_inside_the_outline(shipped, reference) -> None:  # noqa: ANN001
    areas = shipped[(shipped["region"] != "") & (shipped["metric"] == "area_controlled_km2")]
    per_day = areas.groupby("date")["value"].sum()
    inside = reference["area_km2_laea"] - reference["area_km2_outside_ne10_ukraine"]
    error = (per_day / inside.reindex(per_day.index) - 1).abs()
    assert error.max() < 0.001, error.sort_values().tail(3)


def test_luhansk_and_donetsk_hold_the_largest_shares_on_the_mainland(shipped) -> None:  # noqa: ANN001
    day = shipped[(shipped["date"] == "2025-11-30") & (shipped["metric"] == "share_controlled_pct")]
    mainland = day[~day["region"].isin(["", "UA-43", "UA-40"])]  # not Crimea and Sevastopol
    top_two = mainland.nlargest(2, "value")["region"]
    assert set(top_two) == {"UA-09", "UA-14"}


def test_the_build_pipeline_reproduces_the_shipped_figures(shipped, shared_data) -> None:  # noqa: ANN001
    snapshots = deepstate.read_archive_parquet(str(shared_data("deepstate/deepstate_occupied_daily.parquet")))
    sample = snapshots[snapshots["date"].isin(pd.to_datetime(["2024-07-07", "2025-10-31", "2025-11-30"]))]
    assert len(sample) == 3
    computed = figures_from_snapshots(
        sample, load_regions(), source=deepstate.SOURCE, definition=deepstate.DEFINITION,
        territory_area_km2=official_area_km2("UKR"),
    )  # fmt: skip
    key = ["date", "region", "metric"]
    merged = computed.merge(shipped, on=key, suffixes=("_computed", "_shipped"))
    assert len(merged) == len(computed) == 3 * 28 * 2
    assert (merged["value_computed"] - merged["value_shipped"]).abs().max() < 0.001


def test_archive_file_date_is_the_next_day() -> None:
    assert deepstate.file_date("x/deepstatemap_data_20251201.geojson") == pd.Timestamp("2025-12-01")
    assert deepstate.as_of_date(pd.Timestamp("2025-12-01")) == pd.Timestamp("2025-11-30")
    with pytest.raises(ValueError, match="not a DeepStateMap archive file name"):
        deepstate.file_date("map.geojson")
