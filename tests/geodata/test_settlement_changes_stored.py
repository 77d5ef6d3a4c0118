"""The change table of a source with shipped changes and snapshots in the store
(``geodata.front_queries.settlement_changes``), on three hand-built places with known answers: a stored
snapshot wins on its date, and the shipped changes after it still count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata import front_queries

T = pd.Timestamp


@pytest.fixture
def mixed(monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    places = pd.DataFrame({"geonameid": [1, 2, 3], "lon": [0.0, 1.0, 2.0], "lat": [0.0, 0.0, 0.0]})
    shipped = pd.DataFrame({
        "source": "S", "definition": "d", "geonameid": [1, 1, 2],
        "date": [T("2025-11-01"), T("2025-11-05"), T("2025-11-20")], "held": [True, True, True],
        "previous_date": [pd.NaT, T("2025-11-04"), T("2025-11-19")],
    })  # fmt: skip
    shipped.loc[0, "held"] = False  # place 1 not held on the first day, taken on the 5th; 2 taken on the 20th
    shipped = shipped.iloc[1:].reset_index(drop=True)
    # one stored snapshot on the 10th: it holds places 1 and 3 (3 differs from the shipped state)
    stored = pd.DataFrame({"date": [T("2025-11-10")], "geometry": [np.array([True, False, True])]})
    monkeypatch.setattr(front_queries, "load_settlements", lambda: places)
    monkeypatch.setattr(front_queries, "load_changes", lambda source=None, definition=None: shipped)
    monkeypatch.setattr(front_queries, "_stored", lambda engine, source, definition: stored)
    monkeypatch.setattr(front_queries, "covered", lambda geometry, lon, lat: geometry)
    return front_queries.settlement_changes(None, "S", "d")  # type: ignore[arg-type]


def test_a_stored_snapshot_wins_and_later_shipped_changes_still_count(mixed: pd.DataFrame) -> None:
    rows = {(int(r.geonameid), f"{r.date:%Y-%m-%d}", bool(r.held)) for r in mixed.itertuples()}
    assert rows == {
        (1, "2025-11-05", True),  # shipped, before the first stored snapshot
        (3, "2025-11-10", True),  # the stored snapshot holds 3: taken on its date
        (2, "2025-11-20", True),  # shipped, after the stored snapshot: still counted
    }
    later = mixed[mixed["geonameid"] == 2].iloc[0]
    assert later["previous_date"] == T("2025-11-19")  # the shipped table's own "not yet on" day
    stored = mixed[mixed["geonameid"] == 3].iloc[0]
    assert stored["previous_date"] == T("2025-11-09")  # the day before the stored snapshot
