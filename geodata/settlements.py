"""Settlements and held areas: which gazetteer places a snapshot covers, how many and how many
people, per territory and oblast, the per-place change table, and the places taken and lost.

A place is **held** on a date when its GeoNames point lies inside the source's held polygon of that
date or on its edge (``shapely.intersects_xy``, in EPSG:4326, where the polygons are drawn). The
**change table** has one row per place and date where that changes (plus a row at a source's first
snapshot for every place held then): ``geonameid, date, held, previous_date`` (the snapshot before,
so that the change happened in ``(previous_date, date]``), not a row per place per day.

What counts as **taken** in a period: a place not held on the last snapshot before the period starts
and held on the last snapshot on or before its end (so a place lost and retaken inside the period is
not counted, and a flicker of a source's line both ways is not counted either); its date is the
snapshot since which it has been held. **Lost** is the reverse. Populations are GeoNames' figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

__all__ = [
    "CHANGE_COLUMNS",
    "PERIOD_COLUMNS",
    "change_table",
    "covered",
    "held_counts",
    "held_on",
    "taken_and_lost",
]

CHANGE_COLUMNS = ["geonameid", "date", "held", "previous_date"]
#: Columns of ``taken_and_lost``.
PERIOD_COLUMNS = ["change", "date", "geonameid", "name", "region", "population", "previous_date"]


def covered(held: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True for each point (EPSG:4326) inside the held (Multi)Polygon or on its edge."""
    if held is None or held.is_empty:
        return np.zeros(len(lon), dtype=bool)
    shapely.prepare(held)
    return np.asarray(shapely.intersects_xy(held, np.asarray(lon, float), np.asarray(lat, float)), dtype=bool)


def held_counts(coverage: np.ndarray, places: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Settlements and population held per date, whole territory (region "") and per oblast.

    ``coverage``: dates x places booleans (``covered`` per snapshot), places in the order of
    ``places`` (``region``, ``population``). Returns ``date, region, settlements_held,
    population_held``; per oblast only the oblasts where some place is held on some date.
    """
    cover = np.asarray(coverage, dtype=bool)
    population = places["population"].to_numpy(dtype=float)
    codes, index = np.unique(places["region"].to_numpy(dtype=str), return_inverse=True)
    onehot = np.zeros((len(places), len(codes)))
    onehot[np.arange(len(places)), index] = 1.0
    count = cover.astype(float) @ onehot
    people = cover.astype(float) @ (onehot * population[:, None])
    ever = count.max(axis=0) > 0 if len(cover) else np.zeros(len(codes), dtype=bool)
    frames = [pd.DataFrame({"date": list(dates), "region": "", "settlements_held": cover.sum(axis=1),
                            "population_held": cover.astype(float) @ population})]  # fmt: skip
    for j in np.flatnonzero(ever):
        frames.append(pd.DataFrame({"date": list(dates), "region": codes[j], "settlements_held": count[:, j],
                                    "population_held": people[:, j]}))  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    out["settlements_held"] = out["settlements_held"].astype(int)
    out["population_held"] = out["population_held"].round().astype(int)
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["date", "region"], ignore_index=True)


def change_table(coverage: np.ndarray, geonameids: Sequence[int], dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """The per-place change table (``CHANGE_COLUMNS``) of dates x places coverage, oldest first.

    At the first date, one row (``held`` True, ``previous_date`` NaT) per place held then; after it,
    one row per place and date where the coverage differs from the previous date's.
    """
    cover = np.asarray(coverage, dtype=bool)
    ids = np.asarray(geonameids, dtype=np.int64)
    days = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    if len(days) and not days.is_monotonic_increasing:
        raise ValueError("dates must be in increasing order")
    if cover.shape != (len(days), len(ids)):
        raise ValueError(f"coverage is {cover.shape}, expected {(len(days), len(ids))} (dates x places)")
    if not len(days):
        return pd.DataFrame({c: [] for c in CHANGE_COLUMNS})
    first = np.flatnonzero(cover[0])
    day_i, place_i = np.nonzero(cover[1:] != cover[:-1])
    rows = pd.DataFrame({
        "geonameid": np.concatenate([ids[first], ids[place_i]]),
        "date": np.concatenate([np.repeat(days[:1].to_numpy(), len(first)), days[1:].to_numpy()[day_i]]),
        "held": np.concatenate([np.ones(len(first), dtype=bool), cover[1:][day_i, place_i]]),
        "previous_date": np.concatenate([np.full(len(first), np.datetime64("NaT"), dtype="datetime64[ns]"),
                                         days[:-1].to_numpy()[day_i]]),
    })  # fmt: skip
    rows["date"] = pd.to_datetime(rows["date"])
    rows["previous_date"] = pd.to_datetime(rows["previous_date"])
    return rows.sort_values(["date", "geonameid"], ignore_index=True)[CHANGE_COLUMNS]


def held_on(changes: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Per place in the change table: held on ``day`` (the last change on or before it), indexed by
    geonameid. Before the first snapshot, the first snapshot's state."""
    first = changes["date"].min()
    upto = changes[changes["date"] <= max(pd.Timestamp(day), first)]
    last = upto.sort_values("date", kind="stable").drop_duplicates("geonameid", keep="last")
    state = last.set_index("geonameid")["held"].astype(bool)
    every = pd.Index(changes["geonameid"].unique(), name="geonameid")
    return state.reindex(every, fill_value=False)


def taken_and_lost(changes: pd.DataFrame, places: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The places taken and lost in ``[start, end]`` (``PERIOD_COLUMNS``; ``change`` is "taken" or
    "lost"; see the module for what counts), by date then population (largest first).

    ``changes``: one source's change table; ``places``: the gazetteer (``geonameid``, ``name``,
    ``region``, ``population``).
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start > end:
        raise ValueError(f"the period starts ({start:%Y-%m-%d}) after it ends ({end:%Y-%m-%d})")
    if changes.empty:
        return pd.DataFrame({c: [] for c in PERIOD_COLUMNS})
    before = held_on(changes, start - pd.Timedelta(days=1))
    after = held_on(changes, end)
    moved = after.index[after.to_numpy() != before.to_numpy()]
    last = (
        changes[changes["geonameid"].isin(moved) & (changes["date"] <= end)]
        .sort_values("date", kind="stable")
        .drop_duplicates("geonameid", keep="last")
    )
    out = last.assign(change=np.where(last["held"].astype(bool), "taken", "lost"))
    out = out.merge(places[["geonameid", "name", "region", "population"]], on="geonameid", how="left")
    out = out.sort_values(["date", "population"], ascending=[True, False], ignore_index=True)
    return out[PERIOD_COLUMNS]
