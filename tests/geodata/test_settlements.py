"""Settlements held, the per-place change table and the places taken and lost in a period, on a
hand-built coverage with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata.settlements import CHANGE_COLUMNS, PERIOD_COLUMNS, change_table, held_counts, held_on, taken_and_lost

DATES = pd.to_datetime(["2025-10-30", "2025-10-31", "2025-11-15", "2025-11-30", "2025-12-05"])
PLACES = pd.DataFrame({
    "geonameid": [1, 2, 3, 4],
    "name": ["Aville", "Btown", "Cburg", "Dgrad"],
    "region": ["UA-14", "UA-14", "UA-23", "UA-23"],
    "population": [1_000, 60_000, 2_000, 500],
})  # fmt: skip
# rows: dates; columns: places 1..4
COVERAGE = np.array([
    [True, False, False, True],   # 10-30: 1 and 4 held
    [True, False, False, True],   # 10-31
    [True, True, True, False],    # 11-15: 2 and 3 taken, 4 lost
    [True, True, False, False],   # 11-30: 3 lost again (taken and lost inside November: no change)
    [False, True, False, False],  # 12-05: 1 lost
])  # fmt: skip


@pytest.fixture
def changes() -> pd.DataFrame:
    return change_table(COVERAGE, PLACES["geonameid"], DATES)


def test_the_change_table_has_a_row_per_change_not_per_day(changes: pd.DataFrame) -> None:
    assert list(changes.columns) == CHANGE_COLUMNS
    rows = [(int(r.geonameid), f"{r.date:%m-%d}", bool(r.held)) for r in changes.itertuples()]
    assert rows == [(1, "10-30", True), (4, "10-30", True), (2, "11-15", True), (3, "11-15", True),
                    (4, "11-15", False), (3, "11-30", False), (1, "12-05", False)]  # fmt: skip
    assert changes["previous_date"].isna().sum() == 2  # the first snapshot's held places
    assert changes.loc[changes["date"] == "2025-11-15", "previous_date"].eq("2025-10-31").all()


def test_taken_and_lost_in_november(changes: pd.DataFrame) -> None:
    november = taken_and_lost(changes, PLACES, pd.Timestamp("2025-11-01"), pd.Timestamp("2025-11-30"))
    assert list(november.columns) == PERIOD_COLUMNS
    assert november[["change", "name"]].values.tolist() == [["taken", "Btown"], ["lost", "Dgrad"]]
    assert november["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-11-15", "2025-11-15"]
    december = taken_and_lost(changes, PLACES, pd.Timestamp("2025-12-01"), pd.Timestamp("2025-12-31"))
    assert december[["change", "name"]].values.tolist() == [["lost", "Aville"]]
    before = taken_and_lost(changes, PLACES, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-10-31"))
    assert before.empty  # the first snapshot's holdings are not "taken": the state before is unknown
    with pytest.raises(ValueError, match="after it ends"):
        taken_and_lost(changes, PLACES, pd.Timestamp("2025-12-01"), pd.Timestamp("2025-11-01"))


def test_held_on_reads_the_state_back(changes: pd.DataFrame) -> None:
    for i, day in enumerate(DATES):
        state = held_on(changes, day).reindex(PLACES["geonameid"], fill_value=False)
        assert state.tolist() == COVERAGE[i].tolist()
    assert held_on(changes, pd.Timestamp("2025-11-20")).sum() == 3  # the 11-15 state, carried forward


def test_held_counts_whole_and_per_oblast() -> None:
    counts = held_counts(COVERAGE, PLACES, DATES)
    whole = counts[counts["region"] == ""].set_index("date")
    assert whole["settlements_held"].tolist() == [2, 2, 3, 2, 1]
    assert whole["population_held"].tolist() == [1_500, 1_500, 63_000, 61_000, 60_000]
    donetsk = counts[counts["region"] == "UA-14"].set_index("date")
    assert donetsk["settlements_held"].tolist() == [1, 1, 2, 2, 1]
    assert set(counts["region"]) == {"", "UA-14", "UA-23"}  # oblasts with nothing ever held are left out
